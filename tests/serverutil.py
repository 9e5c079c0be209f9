"""Run the real `rekg serve` as a subprocess on a free loopback port, and stop it by its PID; a canary listener."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Self

import httpx

if TYPE_CHECKING:
    import psutil

ROOT = Path(__file__).resolve().parent.parent

#: The command line as the tests run it: the installed package, ``python -m rekg``.
REKG = (sys.executable, "-m", "rekg")


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

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    def query_workers(self) -> list[psutil.Process]:
        """The live SPARQL query worker processes (named ``rekg-sparql``): children of the server."""
        import psutil

        found = []
        for child in psutil.Process(self.pid).children():
            with contextlib.suppress(psutil.Error):
                if child.is_running() and child.name() == "rekg-sparql":
                    found.append(child)
        return found

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int | None:
        return stop_process(self.proc, sig, timeout)


def start_server(
    args: list[str],
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    timeout: float = 60,
    *,
    command: Sequence[str] = REKG,
    cwd: Path = ROOT,
    base_env: Mapping[str, str] | None = None,
) -> Server:
    """Start `rekg serve ARGS` on 127.0.0.1 and wait until /healthz answers.

    ``command`` is the ``rekg`` to run (another installation's script, say), from ``cwd``, with
    ``env`` on top of ``base_env`` (by default this process's environment).
    """
    port = free_port()
    log = log or Path(f"/tmp/rekg-test-server-{port}.log")
    fh = open(log, "wb")  # noqa: SIM115 - the child owns it for its lifetime
    proc = subprocess.Popen(
        [*command, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        cwd=cwd,
        env={**(os.environ if base_env is None else base_env), **(env or {})},
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
    stop_process(proc, signal.SIGKILL)
    raise RuntimeError(f"server did not answer within {timeout}s:\n{log.read_text(errors='replace')}")


@contextmanager
def running_server(args: list[str], env: Mapping[str, str] | None = None, timeout: float = 60) -> Iterator[Server]:
    """:func:`start_server`, stopped by its PID when the block ends."""
    server = start_server(args, env, timeout=timeout)
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Canary:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    url: str
    #: One entry per connection: the first bytes the client sent (``b""`` if it sent none).
    hits: list[bytes]


@contextmanager
def canary_listener() -> Iterator[Canary]:
    """A :class:`Canary` for the ``with`` block: proof that nothing reached out to it.

    Each connection is accepted, read once (0.2 s at most: an HTTP client sends its request
    straight away, and the hit keeps it), counted and only then closed: a client that saw its
    connection fail has been counted by then.
    """
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    srv.settimeout(0.1)
    hits: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(0.2)
                try:
                    data = conn.recv(1024)
                except OSError:
                    data = b""
                hits.append(data)

    thread = threading.Thread(target=accept, name="canary", daemon=True)
    thread.start()
    try:
        yield Canary(f"http://127.0.0.1:{srv.getsockname()[1]}/", hits)
    finally:
        stop.set()
        thread.join()
        srv.close()


@contextmanager
def file_canary(fifo: Path, secret: Path, secret_text: str) -> Iterator[tuple[Path, Path, list[int]]]:
    """A FIFO that records every attempt to open it for reading, and a secret regular file.

    A reader that opens the FIFO shows up in the returned list: proof that something tried to read
    a local file it was never meant to (a ``file:`` IRI in a query, a ``file:`` JSON-LD context).
    """
    os.mkfifo(fifo)
    secret.write_text(secret_text)
    opened: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: nobody has it open for reading
                    raise
                time.sleep(0.005)
                continue
            opened.append(1)
            os.close(fd)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield fifo, secret, opened
    finally:
        stop.set()
        thread.join()


class DirectoryServer:
    """A server process with its own directory, stopped by its PID (the Virtuoso and Oxigraph
    servers of the tests). Subclasses set ``dir``, ``proc``, ``log_name`` and define ``start``."""

    dir: Path
    proc: subprocess.Popen | None
    log_name: str

    def start(self) -> Self:
        raise NotImplementedError

    def log_tail(self, n: int = 20) -> str:
        log = self.dir / self.log_name
        return "\n".join(log.read_text(errors="replace").splitlines()[-n:]) if log.exists() else "(no log)"

    def stop(self) -> None:
        """Stop the server by its PID and delete its directory."""
        if self.proc is not None:
            stop_process(self.proc, timeout=30)
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
