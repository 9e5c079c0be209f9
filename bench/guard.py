"""How long the SPARQL guard takes against the size of the query: linear, within its budget.

The guard (``rekg.graph.sparql.guard.inspect_query``: lexer, checks, canonical rewrite) runs on every
query the endpoint receives, before any worker sees it. Issue 15 found the previous one quadratic:
a 62 kB ``ASK{a-a-a-...}`` took 18 s and held the event loop. For each shape of query, at 10, 100 and
1000 kB, this prints the best of ``--runs`` timings (milliseconds), the throughput and what the guard
answered (the bigger shapes stop at the 100,000-token limit, or at the 256 chained operators, which
is the point: they stop early). The time budget is switched off to measure, and the endpoint's base
and prefixes are those a real request gets.

Printed only: the figures depend on the machine and on what else runs on it.

Usage: ``python -m bench.guard [--runs 5] [--sizes 10 100 1000]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from rekg.graph.errors import RekgError
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.sparql.guard import GUARD_BUDGET_S, inspect_query
from rekg.graph.store import open_store

from .common import machine, table


def _repeat(unit: Callable[[int], str], size: int, head: str = "", tail: str = "") -> str:
    """``head`` + ``unit(0)`` + ``unit(1)`` + ... + ``tail``, ``size`` characters long or a little more."""
    parts, length, i = [head], len(head) + len(tail), 0
    while length < size:
        piece = unit(i)
        parts.append(piece)
        length += len(piece)
        i += 1
    return "".join(parts) + tail


#: (name, query of about n characters)
SHAPES: list[tuple[str, Callable[[int], str]]] = [
    ("ASK{a-a-a-...} (issue 15)", lambda n: _repeat(lambda i: "a-", n, "ASK{", "a}")),
    ("ASK{a-a.a-a....} (no early stop)", lambda n: _repeat(lambda i: "a-a.", n, "ASK{", "a}")),
    (
        "triples: prefixed names, literals",
        lambda n: _repeat(lambda i: f'?s{i} rekg:p{i} "v {i}"@en .\n', n, "SELECT * WHERE {\n", "}"),
    ),
    (
        "FILTER expressions, IRIs",
        lambda n: _repeat(
            lambda i: f'?s <http://x.org/p#{i}> ?o{i} FILTER(?o{i} < {i} && STR(?s) != "a")\n', n, "SELECT * {", "}"
        ),
    ),
    ("one long string", lambda n: "ASK { ?s ?p '" + "x" * n + "' }"),
    ("comments", lambda n: _repeat(lambda i: "# SERVICE <http://127.0.0.1:9/> { } \"'<\n", n, "ASK {\n", "}")),
]


def measure(query: str, kg: KnowledgeGraph, runs: int) -> tuple[float, str]:
    """The best of ``runs`` guard timings in seconds, and what the guard answered."""
    best, outcome = float("inf"), ""
    for _ in range(runs):
        started = time.perf_counter()
        try:
            inspect_query(query, kg.prefixes, base="http://127.0.0.1:8000/sparql", budget_s=None)
            outcome = "accepted"
        except RekgError as exc:
            outcome = f"{exc.code}: {exc.detail[:48]}"
        best = min(best, time.perf_counter() - started)
    return best, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timings per query; the best is shown")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000], help="query sizes in kB")
    args = parser.parse_args()
    kg = KnowledgeGraph(open_store("memory"))
    rows = []
    for name, make in SHAPES:
        for kb in args.sizes:
            query = make(kb * 1000)
            seconds, outcome = measure(query, kg, args.runs)
            rows.append([name, kb, seconds * 1000, len(query) / seconds / 1e6, outcome])
    print(f"SPARQL guard, best of {args.runs} ({machine()}); budget per query in service: {GUARD_BUDGET_S:g} s")
    print()
    print(table(["query shape", "kB", "ms", "MB/s", "guard's answer"], rows))


if __name__ == "__main__":
    main()
