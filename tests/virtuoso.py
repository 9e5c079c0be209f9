"""A private Virtuoso open source server on loopback, for the remote-store tests and the benchmark.

Each instance gets its own temporary database directory and two free loopback ports, and is
stopped by its PID. Requires the Debian package ``virtuoso-opensource`` (``virtuoso-t`` and
``isql-vt`` on ``PATH``); ``.ci/run`` installs it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from tests.serverutil import DirectoryServer, free_port

__all__ = ["VirtuosoServer", "virtuoso_available"]

SYSTEM_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


def virtuoso_available() -> bool:
    """Whether the Virtuoso binaries and their default configuration are installed."""
    return bool(shutil.which("virtuoso-t") and shutil.which("isql-vt") and SYSTEM_INI.exists())


class VirtuosoServer(DirectoryServer):
    """Start, use and stop one private Virtuoso.

    Parameters
    ----------
    buffers : int
        ``NumberOfBuffers`` (8 KiB pages); the default suits the seed graph, the benchmark raises it.
    max_rows : int
        ``ResultSetMaxRows``: Virtuoso silently truncates longer SPARQL results, so keep it
        above anything the caller reads back.
    """

    def __init__(
        self,
        *,
        buffers: int = 20_000,
        max_rows: int = 1_000_000,
        workdir: Path | None = None,
        dirs_allowed: tuple[Path, ...] = (),
    ) -> None:
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="rekg-virtuoso-"))
        self.dirs_allowed = tuple(Path(p).resolve() for p in dirs_allowed)
        self.sql_port = free_port()
        self.http_port = free_port()
        self.buffers = buffers
        self.max_rows = max_rows
        self.proc: subprocess.Popen | None = None
        self.log_name = "virtuoso.log"

    @property
    def sparql_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def _ini(self) -> str:
        d = self.dir
        values = {
            "Database": {
                "DatabaseFile": d / "virtuoso.db",
                "ErrorLogFile": d / "virtuoso.log",
                "LockFile": d / "virtuoso.lck",
                "TransactionFile": d / "virtuoso.trx",
                "xa_persistent_file": d / "virtuoso.pxa",
            },
            "TempDatabase": {"DatabaseFile": d / "virtuoso-temp.db", "TransactionFile": d / "virtuoso-temp.trx"},
            "Parameters": {
                "ServerPort": f"127.0.0.1:{self.sql_port}",
                "DirsAllowed": ", ".join(
                    [".", str(d), *map(str, self.dirs_allowed), "/usr/share/virtuoso-opensource-7/vad"]
                ),
                "NumberOfBuffers": self.buffers,
                "MaxDirtyBuffers": self.buffers * 3 // 4,
            },
            "HTTPServer": {
                "ServerPort": f"127.0.0.1:{self.http_port}",
                "ServerRoot": "/var/lib/virtuoso-opensource-7/vsp",
            },
            "SPARQL": {"ResultSetMaxRows": self.max_rows},
        }
        out, section = [], ""
        for line in SYSTEM_INI.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith("[") and stripped.endswith("]"):
                section = stripped[1:-1]
            elif "=" in stripped and not stripped.startswith(";"):
                key = stripped.split("=", 1)[0].strip()
                if key in values.get(section, {}):
                    line = f"{key} = {values[section].pop(key)}"
            out.append(line)
        # Keys the system file leaves commented out go right under their section header.
        text = "\n".join(out) + "\n"
        for section, rest in values.items():
            if rest:
                extra = "".join(f"{k} = {v}\n" for k, v in rest.items())
                text = text.replace(f"[{section}]\n", f"[{section}]\n{extra}", 1)
        return text

    def start(self, timeout: float = 90.0) -> VirtuosoServer:
        """Start the server and wait until ``/sparql`` answers; enable SPARQL Update over HTTP."""
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "virtuoso.ini").write_text(self._ini())
        self.proc = subprocess.Popen(
            ["virtuoso-t", "+configfile", str(self.dir / "virtuoso.ini"), "+foreground"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                r = httpx.get(self.sparql_url, params={"query": "ASK {}"}, timeout=2.0)
                if r.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"virtuoso did not answer within {timeout:.0f} s: {self.log_tail()}")
            time.sleep(0.5)
        self.isql('grant SPARQL_UPDATE to "SPARQL";')
        return self

    def isql(self, statement: str) -> str:
        """Run one SQL statement as ``dba`` (the default password of a fresh database, loopback only)."""
        res = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statement}"],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if res.returncode != 0 or "*** Error" in res.stdout + res.stderr:
            raise RuntimeError(f"isql failed: {res.stdout}{res.stderr}")
        return res.stdout

    def bulk_load(self, directory: Path, pattern: str, graph: str) -> None:
        """Load files with Virtuoso's own bulk loader (fast path for big benchmark files).

        ``directory`` must be in ``dirs_allowed``; N-Quads keep their graphs, ``graph`` is the
        graph of triple files.
        """
        self.isql(f"ld_dir('{Path(directory).resolve()}', '{pattern}', '{graph}');")
        self.isql("rdf_loader_run();")
        self.isql("checkpoint;")
