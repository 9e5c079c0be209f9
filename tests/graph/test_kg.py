"""KnowledgeGraph.cached: one computation per graph version, and never an answer older than the call."""

from __future__ import annotations

import threading
import time

import pyoxigraph as ox
from rekg.graph import KnowledgeGraph
from rekg.graph.store import OxigraphStore

G = "https://example.org/g"


def write(kg: KnowledgeGraph, value: str) -> None:
    q = ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal(value))
    kg.store.replace_graph(G, [q])


def current(kg: KnowledgeGraph) -> str:
    return next(iter(kg.select("SELECT ?o WHERE { ?s ?p ?o }")))["o"]


def test_computed_once_per_version_and_fresh_after_a_write() -> None:
    kg = KnowledgeGraph(OxigraphStore())
    calls: list[str] = []

    def compute() -> str:
        calls.append(current(kg))
        return calls[-1]

    write(kg, "one")
    assert kg.cached("k", compute) == kg.cached("k", compute) == "one"
    write(kg, "two")
    assert kg.cached("k", compute) == "two"
    assert calls == ["one", "two"]


def test_concurrent_callers_share_one_computation() -> None:
    kg = KnowledgeGraph(OxigraphStore())
    write(kg, "one")
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow() -> str:
        calls.append(current(kg))
        started.set()
        release.wait(10)
        return calls[-1]

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(kg.cached("k", slow))) for _ in range(5)]
    threads[0].start()
    assert started.wait(10)
    for t in threads[1:]:
        t.start()
    release.set()
    for t in threads:
        t.join(10)
    assert results == ["one"] * 5 and len(calls) == 1


def test_callers_after_writes_wait_for_one_newer_computation() -> None:
    # A computation starts; writes land while it runs, with callers arriving after each. They
    # must not get the first value (it predates the writes), and one computation serves them all.
    kg = KnowledgeGraph(OxigraphStore())
    write(kg, "one")
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def compute() -> str:
        calls.append(current(kg))
        if len(calls) == 1:
            started.set()
            release.wait(10)
        return calls[-1]

    first: list[str] = []
    t0 = threading.Thread(target=lambda: first.append(kg.cached("k", compute)))
    t0.start()
    assert started.wait(10)
    later: list[str] = []
    waiting = []
    for value in ("two", "three"):
        write(kg, value)
        for _ in range(3):
            waiting.append(threading.Thread(target=lambda: later.append(kg.cached("k", compute))))
            waiting[-1].start()
    release.set()
    for t in [t0, *waiting]:
        t.join(10)
    assert first == ["one"] and later == ["three"] * 6
    assert calls == ["one", "three"]


def test_a_write_during_the_computation_is_not_hidden_by_it() -> None:
    kg = KnowledgeGraph(OxigraphStore())
    write(kg, "one")

    def compute_then_write() -> str:
        value = current(kg)
        write(kg, "two")  # lands after the value was read
        return value

    assert kg.cached("k", compute_then_write) == "one"
    # The value was tagged with the version before the write, so the next caller recomputes.
    assert kg.cached("k", lambda: current(kg)) == "two"


def test_per_graph_parts_are_recomputed_only_for_graphs_that_changed(tmp_path) -> None:
    kg = KnowledgeGraph(OxigraphStore())
    a, p = ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p")
    g1, g2, g3 = (f"https://example.org/g{i}" for i in (1, 2, 3))
    for g in (g1, g2):
        kg.store.replace_graph(g, [ox.Quad(a, p, ox.Literal(g))])
    calls: list[str] = []

    def count(graph: str) -> int:
        calls.append(graph)
        return len(kg.select("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", g=ox.NamedNode(graph)))

    assert kg.per_graph("n", count) == {g1: 1, g2: 1} and sorted(calls) == [g1, g2]
    calls.clear()
    kg.store.replace_graph(g2, [ox.Quad(a, p, ox.Literal(str(i))) for i in range(3)])
    kg.store.replace_graph(g3, [ox.Quad(a, p, ox.Literal("new"))])
    assert kg.per_graph("n", count) == {g1: 1, g2: 3, g3: 1} and sorted(calls) == [g2, g3]
    calls.clear()
    kg.store.remove_graph(g1)
    assert kg.per_graph("n", count) == {g2: 3, g3: 1} and calls == []
    # Loading a file may touch any graph: every part is read again.
    f = tmp_path / "more.nq"
    f.write_text(f'<https://example.org/a> <https://example.org/p> "x" <{g3}> .\n')
    kg.store.load_file(f, graph="https://example.org/data")
    assert kg.per_graph("n", count) == {g2: 3, g3: 2} and sorted(calls) == [g2, g3]


def test_readers_keep_the_old_version_until_the_write_is_published() -> None:
    # While a write recomputes what readers used, readers get the values of the version before
    # it at once; once writing() returns (the acknowledgement), every reader gets the new one.
    kg = KnowledgeGraph(OxigraphStore())
    write(kg, "one")
    assert kg.cached("k", lambda: current(kg)) == "one"
    recomputing, release = threading.Event(), threading.Event()

    def slow() -> str:
        value = current(kg)
        if value == "two":  # the recomputation after the write
            recomputing.set()
            release.wait(10)
        return value

    kg.cached("k", slow)  # read lately, so the write recomputes it
    writer = threading.Thread(target=lambda: _write_through(kg, "two"))
    writer.start()
    assert recomputing.wait(10)
    seen = kg.cached("k", slow)  # another thread, during the recomputation: answered at once
    release.set()
    writer.join(10)
    assert seen == "one"
    assert kg.cached("k", lambda: "recomputed by the reader") == "two"  # ready before the acknowledgement


def _write_through(kg: KnowledgeGraph, value: str) -> None:
    with kg.writing():
        write(kg, value)


def test_one_recomputation_covers_the_writes_finished_before_it() -> None:
    kg = KnowledgeGraph(OxigraphStore())
    write(kg, "zero")
    started, release = threading.Event(), threading.Event()
    seen: list[str] = []

    def compute() -> str:
        seen.append(current(kg))
        if seen[-1] == "one":
            started.set()
            release.wait(10)
        return seen[-1]

    kg.cached("k", compute)
    first = threading.Thread(target=lambda: _write_through(kg, "one"))
    first.start()
    assert started.wait(10)  # the first write's recomputation is running
    written = kg.store.version
    others = [threading.Thread(target=lambda v=v: _write_through(kg, v)) for v in ("two", "three")]
    for n, t in enumerate(others, 1):
        t.start()
        deadline = time.monotonic() + 10
        while kg.store.version < written + n and time.monotonic() < deadline:  # written, and waiting
            time.sleep(0.01)
    release.set()
    for t in [first, *others]:
        t.join(10)
    # "two" and "three" share one recomputation, which starts after both are written.
    assert seen == ["zero", "one", "three"] and kg.cached("k", compute) == "three"


def test_a_failed_write_publishes_nothing() -> None:
    kg = KnowledgeGraph(OxigraphStore())
    write(kg, "one")
    before = kg.version
    try:
        with kg.writing():
            raise ValueError("refused before writing")
    except ValueError:
        pass
    assert kg.version == before and kg.cached("k", lambda: current(kg)) == "one"
