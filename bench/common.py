"""Shared pieces of the benchmark: the analyst queries, servers on loopback, timing helpers."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.serverutil import free_port, stop_process

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
REKG = ROOT / ".venv" / "bin" / "rekg"
RDFLIB_VENV = OUT / "rdflib-endpoint-venv"
OXIGRAPH_VENV = OUT / "oxigraph-server-venv"

_PREFIXES = """PREFIX rekg: <https://w3id.org/rekg/ontology#>
PREFIX id: <https://w3id.org/rekg/id/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

#: The analyst queries of the HTTP benchmark (explicit prefixes: every server runs them as-is).
QUERIES: dict[str, str] = {
    # Who supplies a form of dysprosium from outside China, run by a company not based there.
    "filtered join": _PREFIXES
    + """SELECT ?facility ?operator ?country WHERE {
  ?facility rekg:produces ?m ; rekg:operator ?operator ; rekg:locatedIn ?country ; rekg:status rekg:Operating .
  ?m rekg:formOf id:dysprosium .
  ?operator rekg:country ?base .
  FILTER(?country != id:china && ?base != id:china)
}""",
    # Everything about one facility, with the source of each statement.
    "entity lookup": _PREFIXES + "SELECT ?p ?o ?g WHERE { GRAPH ?g { id:facility-100 ?p ?o } }",
    # Facilities and capacity per country.
    "group by": _PREFIXES
    + """SELECT ?country (COUNT(DISTINCT ?f) AS ?facilities) (SUM(?cap) AS ?capacity) WHERE {
  ?f a rekg:Facility ; rekg:locatedIn ?country ; rekg:capacity/rekg:value ?cap .
} GROUP BY ?country ORDER BY DESC(?facilities) LIMIT 20""",
    # Facilities making anything under the heavy rare earths, through forms and groups.
    "property path": _PREFIXES
    + """SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE {
  ?f rekg:produces ?m . ?m (rekg:formOf|skos:broader)+ id:heavy-rare-earths .
}""",
}


#: Elements the rotating filtered join asks about (every one has oxide and metal forms).
_MATERIALS = [
    "lanthanum", "cerium", "praseodymium", "neodymium", "samarium", "europium", "gadolinium", "terbium",
    "dysprosium", "holmium", "erbium", "thulium", "ytterbium", "lutetium", "yttrium", "scandium",
    "lithium", "cobalt", "nickel", "graphite", "gallium", "germanium", "antimony", "tungsten",
]  # fmt: skip
_COUNTRIES = ["china", "united-states"] + [f"country-{i}" for i in range(2, 200)]


def _rotating_join(k: int) -> str:
    material = _MATERIALS[k % len(_MATERIALS)]
    country = _COUNTRIES[(k // len(_MATERIALS)) % len(_COUNTRIES)]
    limit = 1000 + k // (len(_MATERIALS) * len(_COUNTRIES))
    return _PREFIXES + (
        "SELECT ?facility ?operator ?country WHERE {\n"
        "  ?facility rekg:produces ?m ; rekg:operator ?operator ; rekg:locatedIn ?country ;"
        " rekg:status rekg:Operating .\n"
        f"  ?m rekg:formOf id:{material} .\n"
        "  ?operator rekg:country ?base .\n"
        f"  FILTER(?country != id:{country} && ?base != id:{country})\n"
        f"}} LIMIT {limit}"
    )


def _rotating_group_by(k: int) -> str:
    country = _COUNTRIES[k % len(_COUNTRIES)]
    limit = 10 + k // len(_COUNTRIES)
    return _PREFIXES + (
        "SELECT ?country (COUNT(DISTINCT ?f) AS ?facilities) (SUM(?cap) AS ?capacity) WHERE {\n"
        "  ?f a rekg:Facility ; rekg:locatedIn ?country ; rekg:capacity/rekg:value ?cap .\n"
        f"  FILTER(?country != id:{country})\n"
        f"}} GROUP BY ?country ORDER BY DESC(?facilities) LIMIT {limit}"
    )


#: The filtered join and the GROUP BY with their constants rotated: request ``k`` gets its own
#: material, excluded country and LIMIT (a different query text for every ``k``), so neither
#: a response cache nor a cached plan for the same text can answer it.
ROTATING: dict[str, Callable[[int], str]] = {"filtered join": _rotating_join, "group by": _rotating_group_by}


def machine() -> str:
    import psutil

    cores = os.cpu_count()
    mem = psutil.virtual_memory().total / 2**30
    return f"{platform.machine()}, {cores} cores, {mem:.0f} GiB RAM, Python {platform.python_version()}"


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None, ok: int | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        with contextlib.suppress(httpx.HTTPError):
            status = httpx.get(url, timeout=30).status_code
            if status == ok if ok is not None else status < 500:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


@dataclass
class Server:
    """A server process on loopback, stopped by its PID."""

    name: str
    url: str  # the SPARQL endpoint
    proc: subprocess.Popen | None
    log: Path | None = None
    #: Servers this one needs (the engine behind rekg's remote back end), stopped after it.
    companions: list[Server] = field(default_factory=list)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=30)
        for other in self.companions:
            other.stop()

    def rss_mb(self) -> float:
        import psutil

        if self.proc is None or self.proc.poll() is not None:
            return float("nan")
        p = psutil.Process(self.proc.pid)
        return sum(c.memory_info().rss for c in [p, *p.children(recursive=True)]) / 2**20


def start(
    name: str, args: Sequence[str], port: int, *, env: dict | None = None, timeout: float = 600, path: str = "/sparql"
) -> Server:
    """Start ``args`` (a server on ``port``) and wait for its SPARQL endpoint at ``path`` to answer."""
    log = OUT / f"server-{name.replace(' ', '_').replace('/', '_')}.log"
    fh = log.open("w")
    proc = subprocess.Popen(
        list(args),
        cwd=ROOT,
        stdout=fh,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}{path}"
    try:
        wait_http(f"{url}?query=ASK%7B%7D", timeout, proc, ok=200)
    except Exception:
        os.kill(proc.pid, signal.SIGTERM)
        raise
    return Server(name, url, proc, log)


def rekg_server(
    name: str,
    store: str,
    *,
    data: Sequence[Path] = (),
    store_path: Path | None = None,
    remote_url: str | None = None,
    env: dict[str, str] | None = None,
) -> Server:
    port = free_port()
    args = [str(REKG), "serve", "--host", "127.0.0.1", "--port", str(port), "--store", store]
    for d in data:
        args += ["--data", str(d)]
    if store_path:
        args += ["--store-path", str(store_path)]
    if remote_url:
        args += ["--remote-url", remote_url]
    settings = {"REKG_MAX_ROWS": "1000000", "REKG_QUERY_TIMEOUT_S": "120", "REKG_VALIDATE_SEEDS": "false"}
    return start(name, args, port, env={**settings, **(env or {})})


def rdflib_endpoint_server(name: str, store: str, data: Path) -> Server:
    """rdflib-endpoint from its own venv (bench/out/rdflib-endpoint-venv), so it does not touch the project's pins."""
    exe = RDFLIB_VENV / "bin" / "rdflib-endpoint"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(RDFLIB_VENV)], check=True)
        subprocess.run([str(RDFLIB_VENV / "bin" / "pip"), "install", "-q", "rdflib-endpoint[cli,oxigraph]"], check=True)
    port = free_port()
    args = [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--store", store, str(data)]
    return start(name, args, port, timeout=1200, path="/")


def oxigraph_server(name: str, data: Path | None, size: str) -> Server:
    """The native Oxigraph server (``oxigraph`` from PyPI, in bench/out/oxigraph-server-venv).

    With ``data``, the file is bulk loaded into a fresh directory with ``oxigraph load`` and
    compacted with ``oxigraph optimize``, then served with ``serve-read-only
    --union-default-graph`` so the default graph is the union, as in rekg. It reads RocksDB on
    every query, like ``rekg oxigraph (disk reads)``; ``rekg memory`` and ``rekg oxigraph`` read
    an in-memory store. Without ``data`` it starts empty and writable (``serve``, with its
    ``/update`` endpoint), for rekg's remote back end to load the seeds and the file into.
    """
    exe = OXIGRAPH_VENV / "bin" / "oxigraph"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(OXIGRAPH_VENV)], check=True)
        subprocess.run([str(OXIGRAPH_VENV / "bin" / "pip"), "install", "-q", "oxigraph"], check=True)
    location = OUT / f"oxigraph-server-{size}{'' if data else '-rw'}"
    shutil.rmtree(location, ignore_errors=True)
    if data is not None:
        subprocess.run([str(exe), "load", "--location", str(location), "--file", str(data)], check=True)
        # `oxigraph load` recommends this before a read-heavy workload (it compacts RocksDB).
        subprocess.run([str(exe), "optimize", "--location", str(location)], check=True)
    port = free_port()
    command = "serve-read-only" if data else "serve"
    args = [str(exe), command, "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    return start(name, [*args, "--union-default-graph"], port, path="/query")


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(q / 100 * (len(s) - 1))))
    return s[k]


@contextlib.contextmanager
def timer() -> Iterator[list[float]]:
    out: list[float] = []
    t0 = time.perf_counter()
    try:
        yield out
    finally:
        out.append(time.perf_counter() - t0)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (it prints readably too)."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells[1:]]
    return "\n".join(lines)


def _fmt(c: object) -> str:
    if isinstance(c, float):
        if c != c:  # NaN
            return "–"
        return f"{c:,.1f}" if abs(c) >= 10 else f"{c:.2f}"
    return str(c)
