"""Run the real `rekg serve` as a subprocess on a free loopback port, and stop it by its PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15) -> int | None:
    """Send ``sig`` to a child by its PID, give it ``timeout`` seconds, then SIGKILL it; its exit code."""
    if proc.poll() is None:
        os.kill(proc.pid, sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
    return proc.returncode


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int | None:
        return stop_process(self.proc, sig, timeout)


def start_server(
    args: list[str], env: dict[str, str] | None = None, log: Path | None = None, timeout: float = 60
) -> Server:
    """Start `rekg serve ARGS` on 127.0.0.1 and wait until /healthz answers."""
    port = free_port()
    log = log or Path(f"/tmp/rekg-test-server-{port}.log")
    fh = open(log, "wb")  # noqa: SIM115 - the child owns it for its lifetime
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=fh,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return Server(url, proc, log)
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server did not answer within {timeout}s:\n{log.read_text(errors='replace')}")


@contextmanager
def running_server(args: list[str], env: dict[str, str] | None = None) -> Iterator[Server]:
    server = start_server(args, env)
    try:
        yield server
    finally:
        server.stop()
