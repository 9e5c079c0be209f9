"""NetworkX analysis times at each size, through rekg's own functions.

Each size runs in its own process on the in-memory store: the projection of the RDF graph
to a ``MultiDiGraph`` (one SPARQL pass plus Python), the supply view, degree, PageRank and
betweenness centrality (``graph.analysis.centrality``: exact, from every consumer to every
material), the same betweenness from a sample of 64 consumers (what sampling buys), and the
supply paths from the United States to dysprosium. Steps past ``--budget`` seconds in total
are skipped and shown as such.

Usage: ``python -m bench.analysis 10k 100k 1m``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time

from .common import ROOT, table
from .generate import generate


def _child(size: str, budget: float) -> dict:
    import networkx as nx
    from rekg.graph.kg import KnowledgeGraph
    from rekg.graph.network.centrality import centrality
    from rekg.graph.network.paths import supply_paths
    from rekg.graph.network.projection import projection
    from rekg.graph.network.view import supply_view
    from rekg.graph.store import OxigraphStore

    store = OxigraphStore()
    store.load_file(generate(size), graph="https://w3id.org/rekg/graph/data/bench")
    kg = KnowledgeGraph(store)
    out: dict = {"size": size}
    start = time.perf_counter()

    def step(name: str, fn) -> None:
        if time.perf_counter() - start > budget:
            out[name] = "skipped"
            return
        t0 = time.perf_counter()
        fn()
        out[name] = time.perf_counter() - t0

    step("projection", lambda: projection(kg))
    G = projection(kg)
    out["nodes"], out["edges"] = G.number_of_nodes(), G.number_of_edges()
    step("supply view", lambda: supply_view(kg))
    step("degree", lambda: centrality(kg, "degree"))
    step("pagerank", lambda: centrality(kg, "pagerank"))

    # The same computation as the exact betweenness, from 64 sampled consumers only.
    from rekg.graph.network.centrality import _two_roles

    V = supply_view(kg)
    W, consumers = _two_roles(V)
    materials = [x for x, d in V.nodes(data=True) if d["kind"] == "material"]
    sample = random.Random(0).sample(sorted(consumers), min(64, len(consumers)))
    out["consumers"] = len(consumers)
    step("betweenness (64 sampled)", lambda: nx.betweenness_centrality_subset(W, sample, materials, normalized=False))
    step("betweenness (exact)", lambda: centrality(kg, "betweenness"))
    step("paths US→Dy", lambda: supply_paths(kg, "United States", "dysprosium"))
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


STEPS = [
    "projection",
    "supply view",
    "degree",
    "pagerank",
    "betweenness (64 sampled)",
    "betweenness (exact)",
    "paths US→Dy",
]


def measure(size: str, budget: float, timeout: float) -> dict:
    args = [sys.executable, "-m", "bench.analysis", "--child", size, "--budget", str(budget)]
    try:
        res = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.CalledProcessError as exc:
        return {"size": size, "error": (exc.stderr.strip().splitlines() or ["?"])[-1]}
    except subprocess.TimeoutExpired:
        return {"size": size, "error": f"timed out after {timeout:.0f} s"}
    return json.loads(res.stdout.strip().splitlines()[-1])


def rows(results: list[dict]) -> list[list[object]]:
    out = []
    for r in results:
        if "error" in r:
            out.append([r["size"], "", "", "failed: " + r["error"][:60]] + [""] * (len(STEPS) - 1))
            continue
        out.append([r["size"], r["nodes"], r["edges"], *(r.get(s, "") for s in STEPS), r["peak_rss_mb"]])
    return out


HEADERS = ["size", "nodes", "edges", *(f"{s} s" for s in STEPS), "peak RSS MB"]


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", default=["10k", "100k", "1m"])
    parser.add_argument("--budget", type=float, default=240.0, help="seconds of analysis per size before skipping")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.budget)))
        return []
    results = []
    for size in args.sizes:
        r = measure(size, args.budget, args.timeout)
        print(r, file=sys.stderr)
        results.append(r)
    print(table(HEADERS, rows(results)))
    return results


if __name__ == "__main__":
    main()
