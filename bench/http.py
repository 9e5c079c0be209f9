"""Throughput and latency over HTTP on 127.0.0.1: rekg on each back end against rdflib-endpoint.

Every system serves the same synthetic N-Quads file and gets the same four analyst queries
(:data:`bench.common.QUERIES`) as ``GET /sparql?query=...`` with ``Accept:
application/sparql-results+json``, at concurrency 1, 8 and 32, each cell for a few seconds
(requests still in flight at the end are waited for and counted). Systems run one at a time.

* ``rekg memory`` / ``rekg oxigraph``: ``rekg serve --store memory|oxigraph --data FILE``; a
  persistent store of up to ``REKG_MEMORY_MIRROR_MAX_QUADS`` quads (1M) is read from its
  in-memory copy, and ``rekg oxigraph (disk reads)`` sets that to 0 to read RocksDB itself;
* ``rekg remote``: ``rekg serve --store remote`` in front of a private Virtuoso holding the file
  (loaded with Virtuoso's bulk loader), and ``virtuoso`` itself queried directly;
* ``rekg remote (oxigraph server)``: the same in front of an Oxigraph server (``oxigraph serve
  --union-default-graph``), into which rekg writes the seeds and the file through its update endpoint;
  with ``server dataset``, ``REKG_REMOTE_DATASET=server`` (queries read the server's union default
  graph instead of listing rekg's graphs);
* ``rdflib-endpoint`` with its default store and with ``--store Oxigraph``, from its own venv;
* ``oxigraph server``: the native Oxigraph server (``oxigraph`` from PyPI, its own venv) over the
  same file bulk loaded with ``oxigraph load``, ``serve-read-only --union-default-graph``.

Every rekg request carries a distinct trailing comment, so rekg's ``GET /sparql`` response
cache cannot answer it and the store evaluates every request; ``rekg memory (cached)`` rows
repeat the plain query text, as a dashboard would, and show the cache. rdflib-endpoint and
Virtuoso get the plain text (neither caches results; rdflib-endpoint caches parsed queries).

With ``--rotate`` the filtered join and the GROUP BY are sent with their constants rotated
(:data:`bench.common.ROTATING`: material, excluded country and LIMIT differ on every request),
to every system alike, and the ratios are taken against the native Oxigraph server::

    python -m bench.http 100k --rotate --concurrency 8 \
        --systems "rekg memory,rekg oxigraph,oxigraph server"

Usage: ``python -m bench.http 100k`` (``--seconds``, ``--concurrency``, ``--systems``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .common import (
    OUT,
    QUERIES,
    ROTATING,
    Server,
    oxigraph_server,
    percentile,
    rdflib_endpoint_server,
    rekg_server,
    table,
)
from .generate import generate

ALL_SYSTEMS = (
    "rekg memory",
    "rekg oxigraph",
    "rekg oxigraph (disk reads)",
    "rekg remote",
    "rekg remote (oxigraph server)",
    "rekg remote (oxigraph server; server dataset)",
    "virtuoso",
    "rdflib-endpoint",
    "rdflib-endpoint oxigraph",
    "oxigraph server",
)
ROTATED = " (rotated)"


@dataclass
class Cell:
    system: str
    size: str
    query: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    rows: int | None = None
    first_error: str = ""

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else float("nan")


async def _run_cell(
    url: str,
    query: str,
    concurrency: int,
    seconds: float,
    cell: Cell,
    *,
    min_requests: int = 3,
    cap: float = 60,
    bust: bool = False,
    make: Callable[[int], str] | None = None,
    start: int = 0,
) -> None:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    counter = iter(range(start, 10**9))
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:
        headers = {"Accept": "application/sparql-results+json"}
        t0 = time.perf_counter()
        deadline = t0 + seconds

        async def worker() -> None:
            while True:
                now = time.perf_counter()
                if now >= deadline and (len(cell.latencies) >= min_requests or now - t0 > cap):
                    return
                start = time.perf_counter()
                # A distinct comment makes every request a new query text: no response cache
                # can answer it, so the store evaluates every request.
                # With ``make``, request k is the query ``make(k)``: other constants, other text.
                if make is not None:
                    params = {"query": make(next(counter))}
                else:
                    params = {"query": f"{query}\n# {next(counter)}" if bust else query}
                try:
                    r = await client.get(url, params=params, headers=headers)
                    ok = r.status_code == 200
                except httpx.HTTPError as exc:
                    ok, r = False, None
                    cell.first_error = cell.first_error or repr(exc)
                if ok:
                    cell.latencies.append(time.perf_counter() - start)
                    if cell.rows is None:
                        body = r.json()
                        cell.rows = len(body.get("results", {}).get("bindings", [])) if "results" in body else 1
                else:
                    cell.errors += 1
                    if r is not None and not cell.first_error:
                        cell.first_error = f"{r.status_code}: {r.text[:120]}"
                    if cell.errors > 20:
                        return

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        cell.elapsed = time.perf_counter() - t0


def bench_server(
    server: Server,
    size: str,
    concurrencies: Sequence[int],
    seconds: float,
    queries: Sequence[str],
    min_requests: int = 3,
    cached_variant: bool = False,
    rotate: bool = False,
) -> list[Cell]:
    """Cells for one server; rekg requests are each a new query text unless in the cached variant.

    With ``rotate``, ``queries`` name :data:`ROTATING` queries and every request to every
    system is a different query (warm-up requests use other constants than measured ones).
    """
    if rotate:
        return _bench_rotating(server, size, concurrencies, seconds, queries, min_requests)
    cells = []
    bust = server.name.startswith("rekg")
    for name in queries:
        # Untimed warm-up, one request and then a concurrent burst, as a long-running server
        # would have had: caches filled, query plans compiled, worker processes started.
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(server.url, params={"query": QUERIES[name]}, timeout=300)
        if max(concurrencies) > 1:
            asyncio.run(_run_cell(server.url, QUERIES[name], 8, 0.5, Cell("warm-up", size, name, 8), cap=120))
        for c in concurrencies:
            cell = Cell(server.name, size, name, c)
            asyncio.run(_run_cell(server.url, QUERIES[name], c, seconds, cell, min_requests=min_requests, bust=bust))
            cells.append(cell)
            _report(cell)
        for c in concurrencies if cached_variant else ():
            cell = Cell(server.name + " (cached)", size, name, c)
            asyncio.run(_run_cell(server.url, QUERIES[name], c, seconds, cell, min_requests=min_requests))
            cells.append(cell)
            _report(cell)
    return cells


def _bench_rotating(
    server: Server, size: str, concurrencies: Sequence[int], seconds: float, queries: Sequence[str], min_requests: int
) -> list[Cell]:
    cells = []
    for name in queries:
        make = ROTATING[name]
        # Warm-up on constants the measured cells never use (k from 10**8 on).
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(server.url, params={"query": make(10**8)}, timeout=300)
        warm = Cell("warm-up", size, name, 8)
        asyncio.run(_run_cell(server.url, "", 8, 1.0, warm, cap=120, make=make, start=10**8 + 1))
        start = 0
        for c in concurrencies:
            cell = Cell(server.name, size, name + ROTATED, c)
            asyncio.run(_run_cell(server.url, "", c, seconds, cell, min_requests=min_requests, make=make, start=start))
            start += 10**6  # the next cell gets other constants again
            cells.append(cell)
            _report(cell)
    return cells


def _report(cell: Cell) -> None:
    p50, p99 = percentile(cell.latencies, 50) * 1000, percentile(cell.latencies, 99) * 1000
    print(
        f"  {cell.system:26} {cell.size:5} {cell.query:24} c={cell.concurrency:<3} {cell.throughput:9.1f} req/s "
        f"p50 {p50:8.1f} ms  p99 {p99:8.1f} ms"
        + (f"  errors {cell.errors} ({cell.first_error})" if cell.errors else ""),
        file=sys.stderr,
    )


def start_system(system: str, size: str, data: Path, virtuoso=None) -> Server:
    if system == "rekg memory":
        return rekg_server(system, "memory", data=[data])
    if system.startswith("rekg oxigraph"):
        # By default a store this size is read from its in-memory copy; "(disk reads)" turns that off.
        env = {"REKG_MEMORY_MIRROR_MAX_QUADS": "0"} if system.endswith("(disk reads)") else {}
        path = OUT / f"http-store-{size}"
        if size != "10m":
            shutil.rmtree(path, ignore_errors=True)
            return rekg_server(system, "oxigraph", data=[data], store_path=path, env=env)
        # The 10M store is loaded once by bench.load (--keep) and only reopened here.
        return rekg_server(system, "oxigraph", store_path=OUT / "store-10m")
    if system == "rekg remote":
        server = rekg_server(system, "remote", remote_url=virtuoso.sparql_url)
        # rekg wrote the seeds over HTTP; checkpoint now rather than stall a measured query later.
        virtuoso.isql("checkpoint;")
        return server
    if system.startswith("rekg remote (oxigraph server"):
        # An empty, writable Oxigraph server: rekg writes the seeds and the file through its update
        # endpoint, as its tests do (the file's own graph names would otherwise meet the seeds').
        engine = oxigraph_server("oxigraph server (rw)", None, size)
        base = engine.url.rsplit("/", 1)[0]
        try:
            env = {"REKG_REMOTE_UPDATE_URL": base + "/update"}
            if system.endswith("server dataset)"):  # the union default graph, not a FROM list per query
                env["REKG_REMOTE_DATASET"] = "server"
            server = rekg_server(system, "remote", data=[data], remote_url=engine.url, env=env)
        except BaseException:
            engine.stop()
            raise
        server.companions.append(engine)
        return server
    if system == "virtuoso":
        return Server(system, virtuoso.sparql_url, None)
    if system == "rdflib-endpoint":
        return rdflib_endpoint_server(system, "default", data)
    if system == "rdflib-endpoint oxigraph":
        return rdflib_endpoint_server(system, "oxigraph", data)
    if system == "oxigraph server":
        return oxigraph_server(system, data, size)
    raise ValueError(system)


def run(
    size: str,
    systems: Sequence[str] = ALL_SYSTEMS,
    concurrencies: Sequence[int] = (1, 8, 32),
    seconds: float = 4.0,
    queries: Sequence[str] = tuple(QUERIES),
    min_requests: int = 3,
    cached: Sequence[str] = ("rekg memory",),
    rotate: bool = False,
) -> list[Cell]:
    data = generate(size)
    if rotate:
        queries = [q for q in queries if q in ROTATING]
    cells: list[Cell] = []
    virtuoso = None
    try:
        if any(s in ("rekg remote", "virtuoso") for s in systems):
            from tests.virtuoso import VirtuosoServer

            virtuoso = VirtuosoServer(buffers=170_000, max_rows=2_000_000, dirs_allowed=(data.parent,)).start()
            virtuoso.bulk_load(data.parent, data.name, "https://w3id.org/rekg/graph/data/" + data.name)
        for system in systems:
            t0 = time.perf_counter()
            server = start_system(system, size, data, virtuoso)
            print(f"{system} ready in {time.perf_counter() - t0:.1f} s, RSS {server.rss_mb():.0f} MB", file=sys.stderr)
            try:
                cells += bench_server(
                    server,
                    size,
                    concurrencies,
                    seconds,
                    queries,
                    min_requests,
                    cached_variant=system in cached and not rotate,
                    rotate=rotate,
                )
            finally:
                server.stop()
    finally:
        if virtuoso is not None:
            virtuoso.stop()
    return cells


HEADERS = ["size", "query", "system", "c", "req/s", "p50 ms", "p99 ms", "rows", "errors"]


def rows(cells: Sequence[Cell]) -> list[list[object]]:
    return [
        [
            c.size,
            c.query,
            c.system,
            c.concurrency,
            c.throughput,
            percentile(c.latencies, 50) * 1000,
            percentile(c.latencies, 99) * 1000,
            "" if c.rows is None else c.rows,
            c.errors or "",
        ]
        for c in sorted(cells, key=lambda c: (c.size, c.query, c.system, c.concurrency))
    ]


def ratios(cells: Sequence[Cell], baseline: str = "rdflib-endpoint") -> list[list[object]]:
    """rekg's throughput over the baseline's, per query and concurrency (every rekg row, cached ones too).

    ``baseline`` is ``rdflib-endpoint`` or ``oxigraph server`` (the native Oxigraph server).
    """
    base = {(c.size, c.query, c.concurrency): c.throughput for c in cells if c.system == baseline}
    out = []
    for c in cells:
        if c.system.startswith("rekg") and (c.size, c.query, c.concurrency) in base:
            b = base[(c.size, c.query, c.concurrency)]
            out.append([c.size, c.query, c.system, c.concurrency, c.throughput / b if b else float("nan")])
    return sorted(out, key=lambda r: (r[0], r[1], r[2], r[3]))


def main(argv: list[str] | None = None) -> list[Cell]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("size", nargs="?", default="100k")
    parser.add_argument("--systems", default=",".join(ALL_SYSTEMS))
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rotate", action="store_true", help="rotate constants: every request a different query")
    args = parser.parse_args(argv)
    cells = run(
        args.size,
        systems=args.systems.split(","),
        concurrencies=[int(c) for c in args.concurrency.split(",")],
        seconds=args.seconds,
        rotate=args.rotate,
    )
    print(table(HEADERS, rows(cells)))
    for baseline in ("rdflib-endpoint", "oxigraph server"):
        if any(c.system == baseline for c in cells):
            print()
            print(table(["size", "query", "system", "c", f"× {baseline}"], ratios(cells, baseline)))
    return cells


if __name__ == "__main__":
    main()
