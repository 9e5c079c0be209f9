"""Mixed load on a real server on 127.0.0.1: queries, convenience calls and writes at once.

Starts `rekg serve` (persistent oxigraph store in a temp dir, writes enabled), warms it with one
call of each kind, then sends requests for a bounded time and finally checks that every
acknowledged write is present whole. Prints p50/p99 per kind of request, the count of 5xx, of lost
writes and of stale answers.

Two ways to load it:

* ``--rate R`` (open loop): requests arrive R times a second on a fixed schedule, whatever the
  server does, with at most ``--clients`` in flight; a latency counts from the moment the request
  was due, so a request that waited for a free connection is charged with the wait. This is how
  a service is loaded by many independent users, and how two versions compare at the same load.
* without ``--rate`` (closed loop): ``--clients`` clients each send their next request when the
  last one is answered, so the rate is whatever the server sustains.

After each acknowledged write the writer searches for a name the write added, and after each
acknowledged delete it asks for an entity the delete removed: an answer that misses an
acknowledged write (or still shows a deleted source) is counted as stale.

    .venv/bin/python -m bench.mixed_load --rate 46 --seconds 60
    .venv/bin/python -m bench.mixed_load --clients 16 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Coroutine
from dataclasses import dataclass, field

import httpx

from tests.api.test_durability import source_doc
from tests.serverutil import start_server

TOKEN = "bench-token"
FACTS_PER_WRITE = 10
QUERIES = [
    "SELECT ?f ?l WHERE { ?f a rekg:Facility ; rdfs:label ?l ; rekg:locatedIn ?c . FILTER(?c != id:china) }",
    "SELECT ?p ?o WHERE { id:dysprosium ?p ?o }",
    "SELECT ?type (COUNT(*) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)",
    "SELECT ?m WHERE { ?m rekg:formOf/skos:broader* ?g }",
]
CONVENIENCE = [
    "/suppliers?material=Dy&outside=CN",
    "/search?q=lyn",
    "/measures?in_force_on=2026-01-15",
    "/agreements?party=US",
    "/entities/dysprosium",
    "/centrality?metric=degree&top=5",
]


@dataclass
class Run:
    """What one run saw."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    timeline: list[tuple[float, float, str]] = field(default_factory=list)
    #: source id -> triples, for every acknowledged write not deleted since
    acked: dict[str, int] = field(default_factory=dict)
    deleting: set[str] = field(default_factory=set)
    written: int = 0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _kind(roll: float, run: Run) -> str:
    if roll < 0.45:
        return "sparql"
    if roll < 0.9:
        return "convenience"
    return "write" if roll < 0.97 or len(run.acked) <= len(run.deleting) else "delete"


async def _check_write(http: httpx.AsyncClient, run: Run, i: int) -> None:
    """The write's places must be found by a search started after its acknowledgement."""
    label = f"place {FACTS_PER_WRITE - 1} of {i}"
    r = await http.get("/search", params={"q": label})
    if r.status_code != 200 or not any(h["label"] == label for h in r.json()["hits"]):
        run.stale.append(f"search for {label!r} after its write was acknowledged: {r.status_code}")


async def _check_delete(http: httpx.AsyncClient, run: Run, sid: str) -> None:
    """The deleted source's places must be gone from an entity page asked for after the acknowledgement."""
    r = await http.get(f"/entities/{sid}-place-0", headers={"Accept": "application/json"})
    if r.status_code != 404:
        run.stale.append(f"entity of deleted source {sid} after the delete was acknowledged: {r.status_code}")


async def _one(
    http: httpx.AsyncClient, rng: random.Random, kind: str, run: Run, auth: dict
) -> tuple[httpx.Response, Coroutine[None, None, None] | None]:
    """Send one request of ``kind``; with the check to run once it is answered (writes and deletes)."""
    if kind == "sparql":
        query = rng.choice(QUERIES)
        return await http.get(
            "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
        ), None
    if kind == "convenience":
        return await http.get(rng.choice(CONVENIENCE)), None
    if kind == "write":
        run.written += 1
        i = run.written
        r = await http.post("/sources", content=source_doc(i, facts=FACTS_PER_WRITE), headers=auth)
        if r.status_code == 201:
            run.acked[r.json()["id"]] = r.json()["triples"]
            return r, _check_write(http, run, i)
        return r, None
    sid = rng.choice(sorted(set(run.acked) - run.deleting))
    run.deleting.add(sid)
    try:
        r = await http.delete(f"/sources/{sid}", headers=auth)
    finally:
        run.deleting.discard(sid)
    if r.status_code == 200:
        run.acked.pop(sid, None)
        return r, _check_delete(http, run, sid)
    return r, None


async def _timed(http: httpx.AsyncClient, rng: random.Random, run: Run, due: float, auth: dict) -> None:
    kind = _kind(rng.random(), run)
    try:
        r, check = await _one(http, rng, kind, run, auth)
    except httpx.HTTPError as exc:
        # No answer in time is a failure to report, not a reason to stop measuring.
        run.statuses.append(0)
        run.failures.append(f"{kind}: {type(exc).__name__} after {time.perf_counter() - due:.1f} s")
        return
    ms = (time.perf_counter() - due) * 1000
    run.timeline.append((due, ms, kind))
    run.latencies[kind].append(ms)
    if kind == "convenience":
        run.latencies[f"  {r.url.path}"].append(ms)
    run.statuses.append(r.status_code)
    if check is not None:  # not timed: it is a read like any other, started after the acknowledgement
        await check


async def _warm(http: httpx.AsyncClient) -> dict[str, float]:
    """One call of each kind before measuring; returns how long each took (the server's cold start)."""
    took = {}
    for path in CONVENIENCE:
        t0 = time.perf_counter()
        await http.get(path)
        took[path] = (time.perf_counter() - t0) * 1000
    for q in QUERIES:
        await http.get("/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"})
    return took


async def run_load(
    url: str, clients: int, seconds: float, rate: float | None, seed: int = 42
) -> tuple[Run, dict[str, float]]:
    run = Run()
    rng = random.Random(seed)
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/trig"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        cold = await _warm(http)
        start = time.perf_counter()
        deadline = start + seconds
        if rate:
            # Open loop: request k is due at start + k / rate; the pool holds at most `clients` connections.
            tasks = []
            k = 0
            while (due := start + k / rate) < deadline:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                tasks.append(asyncio.create_task(_timed(http, random.Random(rng.random()), run, due, auth)))
                k += 1
            await asyncio.gather(*tasks)
        else:

            async def client(crng: random.Random) -> None:
                while time.perf_counter() < deadline:
                    await _timed(http, crng, run, time.perf_counter(), auth)

            await asyncio.gather(*(client(random.Random(rng.random())) for _ in range(clients)))
    return run, cold


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=16, help="connections (closed loop: clients)")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--rate", type=float, default=None, help="requests a second, open loop (default: closed loop)")
    ap.add_argument("--slow", type=float, default=0, help="list requests slower than this many ms")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(["--store", "oxigraph", "--store-path", f"{tmp}/store"], {"REKG_WRITE_TOKEN": TOKEN})
        try:
            run, cold = asyncio.run(run_load(server.url, args.clients, args.seconds, args.rate))
            present = {s["id"]: s["triples"] for s in httpx.get(server.url + "/sources", timeout=30).json()}
            healthy = httpx.get(server.url + "/healthz", timeout=5).status_code == 200
        finally:
            server.stop()
    total = len(run.statuses)
    five = sum(1 for s in run.statuses if s >= 500)
    lost = [s for s, n in run.acked.items() if present.get(s) != n]
    writes = len(run.latencies["write"]) + len(run.latencies["delete"])
    mode = f"open loop at {args.rate:g} req/s" if args.rate else "closed loop"
    print(
        f"mixed load ({mode}): {args.clients} connections, {args.seconds:.0f} s, {total} requests "
        f"({total / args.seconds:.0f} req/s; writes and deletes {writes / args.seconds:.1f}/s)"
    )
    print("first calls after start (ms): " + ", ".join(f"{p.split('?')[0]} {ms:.0f}" for p, ms in cold.items()))
    print(f"{'kind':<24} {'count':>7} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9}")
    for kind, lat in sorted(
        run.latencies.items(), key=lambda kv: ("convenience", kv[0]) if kv[0].startswith(" ") else (kv[0], "")
    ):
        print(f"{kind:<24} {len(lat):>7} {pct(lat, 0.5):>9.1f} {pct(lat, 0.99):>9.1f} {statistics.fmean(lat):>9.1f}")
    codes: dict[int, int] = defaultdict(int)
    for s in run.statuses:
        codes[s] += 1
    print("status codes:", dict(sorted(codes.items())))
    print(
        f"5xx responses: {five}; acknowledged writes kept: {len(run.acked)}; lost writes: {len(lost)}; "
        f"stale answers after an acknowledged write or delete: {len(run.stale)}"
    )
    print(f"healthy after: {healthy}")
    if args.slow:
        for t, ms, kind in sorted(run.timeline):
            if ms > args.slow:
                print(f"  slow: at {t - run.timeline[0][0]:6.2f} s {kind:<12} {ms:8.1f} ms")
    if run.stale:
        print(f"stale: {run.stale[:10]}")
    if run.failures:
        print(f"requests without an answer within 30 s: {len(run.failures)}: {run.failures[:10]}")
    return 1 if five or lost or run.failures or run.stale or not healthy else 0


if __name__ == "__main__":
    raise SystemExit(main())
