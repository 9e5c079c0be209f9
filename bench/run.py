"""The whole benchmark in one run, printed as tables and checked against the issue's targets.

Steps (all on 127.0.0.1, one system at a time):

1. generate the synthetic data (10k, 100k, 1M; 10M with ``--with-10m``);
2. load time and peak RSS per size and back end (``bench.load``);
3. HTTP throughput and p50/p99 at concurrency 1, 8 and 32 at 100k for rekg (memory, oxigraph,
   remote on Virtuoso, remote on the Oxigraph server with each dataset setting), Virtuoso itself,
   rdflib-endpoint (default store and Oxigraph) and the native Oxigraph server; then the filtered
   join and GROUP BY with rotated constants (every request a different query) at concurrency 1
   and 8, rekg against the native Oxigraph server;
   at 1M for rekg and Virtuoso (concurrency 1 and 8); with ``--with-10m``, the 10M
   persistent store reopened and served (concurrency 1 and 8);
4. ``/suppliers`` latency on the seed graph;
5. NetworkX analysis times per size (``bench.analysis``).

Results go to stdout and to ``bench/out/results.md`` and ``bench/out/results.json``.
The 10M case takes about 2 GB of disk and several minutes: run it once (``make bench-10m``).

Usage: ``python -m bench.run [--with-10m] [--seconds 4] [--quick]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

import httpx

from . import analysis, http, load
from .common import OUT, machine, percentile, rekg_server, table
from .generate import generate


def suppliers_latency(n: int = 200) -> dict:
    """``GET /suppliers?material=dysprosium&outside=China`` on the seed graph, one client."""
    server = rekg_server("rekg memory (seeds)", "memory")
    base = server.url.removesuffix("/sparql")
    try:
        url = f"{base}/suppliers"
        params = {"material": "dysprosium", "outside": "China"}
        with httpx.Client(timeout=60) as client:
            t0 = time.perf_counter()
            first = client.get(url, params=params)
            first_ms = (time.perf_counter() - t0) * 1000
            if first.status_code == 404:
                return {"status": 404, "note": "/suppliers does not exist yet"}
            lat = []
            for _ in range(n):
                t0 = time.perf_counter()
                r = client.get(url, params=params)
                lat.append((time.perf_counter() - t0) * 1000)
                r.raise_for_status()
            # Another material each time: answers not yet cached for this graph version.
            cold = []
            for m in ("terbium", "neodymium", "praseodymium", "gallium", "germanium", "lanthanum"):
                t0 = time.perf_counter()
                client.get(url, params={"material": m, "outside": "China"})
                cold.append((time.perf_counter() - t0) * 1000)
        return {
            "status": first.status_code,
            "first_ms": first_ms,
            "p50_ms": percentile(lat, 50),
            "p99_ms": percentile(lat, 99),
            "other_materials_p50_ms": percentile(cold, 50),
        }
    finally:
        server.stop()


def targets(load_results: list[dict], cells: list[http.Cell], sup: dict, served_10m: bool) -> list[list[object]]:
    def thr(size: str, query: str, system: str, c: int) -> float:
        for cell in cells:
            if (cell.size, cell.query, cell.system, cell.concurrency) == (size, query, system, c):
                return cell.throughput
        return float("nan")

    rows = []
    for query, goal in (("filtered join", 20), ("group by", 100)):
        for system in (
            "rekg memory",
            "rekg memory (cached)",
            "rekg oxigraph",
            "rekg oxigraph (disk reads)",
            "rekg remote",
        ):
            best = max(
                (thr("100k", query, system, c) / thr("100k", query, "rdflib-endpoint", c), c) for c in (1, 8, 32)
            )
            ratio_c1 = thr("100k", query, system, 1) / thr("100k", query, "rdflib-endpoint", 1)
            rows.append(
                [
                    f"{query} at 100k ≥ {goal}× rdflib-endpoint",
                    system,
                    f"{ratio_c1:.1f}× at c=1, best {best[0]:.1f}× at c={best[1]}",
                    "met" if best[0] >= goal else "missed",
                ]
            )
    if sup.get("status") == 200:
        rows.append(
            [
                "/suppliers p50 < 5 ms (seed graph)",
                "rekg memory",
                f"p50 {sup['p50_ms']:.2f} ms (first call {sup['first_ms']:.0f} ms)",
                "met" if sup["p50_ms"] < 5 else "missed",
            ]
        )
    else:
        rows.append(["/suppliers p50 < 5 ms", "rekg", sup.get("note", "not measured"), "not measured"])
    for r in load_results:
        if r.get("size") == "1m" and r.get("backend") in ("memory", "oxigraph") and "seconds" in r:
            ok = r["seconds"] < 10 and r["peak_rss_mb"] < 1024
            rows.append(
                [
                    "1M triples load < 10 s and < 1 GB",
                    f"rekg {r['backend']}",
                    f"{r['seconds']:.1f} s, {r['peak_rss_mb']:.0f} MB",
                    "met" if ok else "missed",
                ]
            )
    ten = [c for c in cells if c.size == "10m"]
    if served_10m and ten:
        worst = max(percentile(c.latencies, 50) for c in ten) * 1000
        rows.append(
            ["10M triples served from the persistent store", "rekg oxigraph", f"worst p50 {worst:.0f} ms", "met"]
        )
    else:
        rows.append(["10M triples served from the persistent store", "rekg oxigraph", "not run (--with-10m)", "–"])
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--with-10m", action="store_true", help="also load and serve 10M triples (once)")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of one HTTP cell")
    parser.add_argument("--quick", action="store_true", help="10k only, for a smoke test")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sizes = ["10k"] if args.quick else ["10k", "100k", "1m"] + (["10m"] if args.with_10m else [])
    for size in sizes:
        generate(size)
    out: list[str] = [f"Machine: {machine()}. Loopback only, one system at a time.", ""]

    print("== load", file=sys.stderr)
    load_results = []
    for size in sizes:
        for backend in ("memory", "oxigraph", "rdflib", "virtuoso"):
            if size == "10m" and backend != "oxigraph":
                continue
            r = (
                load.measure_virtuoso(size)
                if backend == "virtuoso"
                else load.measure(size, backend, keep=size == "10m")
            )
            print(r, file=sys.stderr)
            load_results.append(r)
    out += ["### Load", "", table(load.HEADERS, load.rows(load_results)), ""]

    print("== http", file=sys.stderr)
    main_size = "10k" if args.quick else "100k"
    cells = http.run(main_size, seconds=args.seconds)  # rekg memory also with its response cache
    rotated = http.run(
        main_size,
        systems=("oxigraph server", "rekg memory", "rekg oxigraph", "rekg oxigraph (disk reads)"),
        concurrencies=(1, 8),
        seconds=args.seconds,
        rotate=True,
    )
    cells += rotated
    if not args.quick:
        cells += http.run(
            "1m",
            systems=("rekg memory", "rekg oxigraph (disk reads)", "rekg remote", "virtuoso"),
            concurrencies=(1, 8),
            seconds=args.seconds,
            cached=(),
        )
    if args.with_10m:
        cells += http.run(
            "10m",
            systems=("rekg oxigraph (disk reads)",),
            concurrencies=(1, 8),
            seconds=args.seconds,
            min_requests=1,
            cached=(),
        )
    out += ["### HTTP (GET /sparql)", "", table(http.HEADERS, http.rows(cells)), ""]
    out += [
        "### rekg / rdflib-endpoint throughput",
        "",
        table(["size", "query", "system", "c", "×"], http.ratios(cells)),
        "",
        "### rekg / native Oxigraph server throughput, every request a different query",
        "",
        table(["size", "query", "system", "c", "×"], http.ratios(rotated, "oxigraph server")),
    ]
    out += [""]

    print("== /suppliers", file=sys.stderr)
    sup = suppliers_latency()
    out += [
        "### /suppliers on the seed graph",
        "",
        json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in sup.items()}),
        "",
    ]

    print("== analysis", file=sys.stderr)
    an = [analysis.measure(s, 240.0, 900.0) for s in sizes if s != "10m"]
    out += ["### NetworkX analyses (in-memory store)", "", table(analysis.HEADERS, analysis.rows(an)), ""]

    out += [
        "### Targets",
        "",
        table(["target", "system", "measured", ""], targets(load_results, cells, sup, args.with_10m)),
    ]
    out += ["", f"Total benchmark time: {(time.perf_counter() - started) / 60:.1f} min."]
    text = "\n".join(out)
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.md").write_text(text + "\n")
    (OUT / "results.json").write_text(
        json.dumps(
            {
                "machine": machine(),
                "load": load_results,
                "http": [dataclasses.asdict(c) | {"throughput": c.throughput} for c in cells],
                "suppliers": sup,
                "analysis": an,
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main()
