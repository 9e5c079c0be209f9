"""Mixed load on a real server on 127.0.0.1: queries, convenience calls and writes at once.

Starts `rekg serve` (persistent oxigraph store in a temp dir, writes enabled), runs N
concurrent clients for a bounded time, then checks that every acknowledged write is
present whole. Prints p50/p99 per kind of request, the count of 5xx and of lost writes.

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

import httpx

from tests.api.test_durability import source_doc
from tests.serverutil import start_server

TOKEN = "bench-token"
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


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _kind(roll: float, acked: dict) -> str:
    if roll < 0.45:
        return "sparql"
    if roll < 0.9:
        return "convenience"
    return "write" if roll < 0.97 or not acked else "delete"


async def _one(
    http: httpx.AsyncClient, rng: random.Random, kind: str, acked: dict, counter: list[int], auth: dict
) -> httpx.Response:
    if kind == "sparql":
        r = await http.get(
            "/sparql",
            params={"query": rng.choice(QUERIES)},
            headers={"Accept": "application/sparql-results+json"},
        )
    elif kind == "convenience":
        r = await http.get(rng.choice(CONVENIENCE))
    elif kind == "write":
        counter[0] += 1
        i = counter[0]
        r = await http.post("/sources", content=source_doc(i, facts=10), headers=auth)
        if r.status_code == 201:
            acked[r.json()["id"]] = r.json()["triples"]
    else:
        sid = rng.choice(sorted(acked))
        r = await http.delete(f"/sources/{sid}", headers=auth)
        if r.status_code == 200:
            acked.pop(sid, None)
    return r


async def client(url: str, deadline: float, rng: random.Random, stats: dict, acked: dict, counter: list[int]) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/trig"}
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        while time.monotonic() < deadline:
            kind = _kind(rng.random(), acked)
            t0 = time.perf_counter()
            try:
                r = await _one(http, rng, kind, acked, counter, auth)
            except httpx.HTTPError as exc:
                # No answer in time is a failure to report, not a reason to stop measuring.
                stats["status"].append(0)
                stats["failures"].append(f"{kind}: {type(exc).__name__} after {time.perf_counter() - t0:.1f} s")
                continue
            label = f"  {r.url.path}" if kind == "convenience" else kind
            stats[label].append((time.perf_counter() - t0) * 1000)
            if kind == "convenience":
                stats[kind].append(stats[label][-1])
            stats["status"].append(r.status_code)


async def run(url: str, clients: int, seconds: float) -> tuple[dict, dict]:
    stats: dict = defaultdict(list)
    acked: dict[str, int] = {}
    rng = random.Random(42)
    deadline = time.monotonic() + seconds
    counter = [0]
    await asyncio.gather(
        *(client(url, deadline, random.Random(rng.random()), stats, acked, counter) for _ in range(clients))
    )
    return stats, acked


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(["--store", "oxigraph", "--store-path", f"{tmp}/store"], {"REKG_WRITE_TOKEN": TOKEN})
        try:
            stats, acked = asyncio.run(run(server.url, args.clients, args.seconds))
            present = {s["id"]: s["triples"] for s in httpx.get(server.url + "/sources", timeout=30).json()}
            healthy = httpx.get(server.url + "/healthz", timeout=5).status_code == 200
        finally:
            server.stop()
    statuses = stats.pop("status")
    failures = stats.pop("failures", [])
    total = len(statuses)
    five = sum(1 for s in statuses if s >= 500)
    lost = [s for s, n in acked.items() if present.get(s) != n]
    print(
        f"mixed load: {args.clients} clients, {args.seconds:.0f} s, {total} requests ({total / args.seconds:.0f} req/s)"
    )
    print(f"{'kind':<16} {'count':>7} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9}")
    for kind, lat in sorted(
        stats.items(), key=lambda kv: ("convenience", kv[0]) if kv[0].startswith(" ") else (kv[0], "")
    ):
        print(f"{kind:<16} {len(lat):>7} {pct(lat, 0.5):>9.1f} {pct(lat, 0.99):>9.1f} {statistics.fmean(lat):>9.1f}")
    codes: dict[int, int] = defaultdict(int)
    for s in statuses:
        codes[s] += 1
    print("status codes:", dict(sorted(codes.items())))
    print(f"5xx responses: {five}; acknowledged writes kept: {len(acked)}; lost writes: {len(lost)}")
    print(f"healthy after: {healthy}")
    if failures:
        print(f"requests without an answer within 30 s: {len(failures)}: {failures[:10]}")
    return 1 if five or lost or failures or not healthy else 0


if __name__ == "__main__":
    raise SystemExit(main())
