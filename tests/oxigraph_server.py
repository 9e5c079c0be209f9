"""A private Oxigraph server (``oxigraph serve``) on loopback, for the remote-store tests.

Each instance gets its own temporary RocksDB directory and a free loopback port, answers
queries over the union of its named graphs (``--union-default-graph``), and is stopped by
its PID. The ``oxigraph`` command comes from the ``oxigraph`` package on PyPI (a dev
dependency of rekg), installed next to this Python; ``PATH`` is the fallback.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.serverutil import DirectoryServer, free_port

__all__ = ["OxigraphServer", "oxigraph_executable"]


def oxigraph_executable() -> str | None:
    """The ``oxigraph`` server command: the one installed with this Python, else the one on ``PATH``."""
    local = Path(sys.executable).parent / "oxigraph"
    if local.is_file():
        return str(local)
    return shutil.which("oxigraph")


class OxigraphServer(DirectoryServer):
    """Start, use and stop one private read-write Oxigraph server.

    Parameters
    ----------
    workdir : Path, optional
        The store directory (default: a new temporary directory, deleted by :meth:`stop`).
    timeout_s : int, optional
        The server's own limit on one query (``--timeout-s``); none by default.
    """

    def __init__(self, *, workdir: Path | None = None, timeout_s: int | None = None) -> None:
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="rekg-oxigraph-server-"))
        self.port = free_port()
        self.timeout_s = timeout_s
        self.proc: subprocess.Popen | None = None
        self.log_name = "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        """The SPARQL query endpoint."""
        return f"{self.url}/query"

    @property
    def update_url(self) -> str:
        """The SPARQL update endpoint."""
        return f"{self.url}/update"

    def start(self, timeout: float = 60.0) -> OxigraphServer:
        """Start the server and wait until ``/query`` answers.

        Raises
        ------
        RuntimeError
            If the ``oxigraph`` command is missing, exits, or does not answer within ``timeout``.
        """
        exe = oxigraph_executable()
        if exe is None:
            raise RuntimeError("the oxigraph server is not installed: pip install oxigraph (a dev dependency)")
        self.dir.mkdir(parents=True, exist_ok=True)
        args = [exe, "serve", "--location", str(self.dir / "store"), "--bind", f"127.0.0.1:{self.port}"]
        args.append("--union-default-graph")
        if self.timeout_s is not None:
            args += ["--timeout-s", str(self.timeout_s)]
        log = open(self.dir / "server.log", "wb")  # noqa: SIM115 - the child owns it for its lifetime
        self.proc = subprocess.Popen(
            args, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                r = httpx.get(self.query_url, params={"query": "ASK {}"}, timeout=2.0)
                if r.status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"oxigraph serve did not answer within {timeout:.0f} s: {self.log_tail()}")
            time.sleep(0.1)
