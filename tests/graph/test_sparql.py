"""graph.sparql: evaluation and serialisation, the row cap, datasets, and the killable executor."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rekg.graph import KnowledgeGraph
from rekg.graph.errors import (
    ForbiddenQuery,
    InvalidQuery,
    QueryTimeout,
    ResultTooLarge,
    UnsupportedFeature,
    UnsupportedFormat,
)
from rekg.graph.formats import GRAPH_FORMATS, RESULT_FORMATS
from rekg.graph.sparql.executor import (
    PreparedQuery,
    QueryExecutor,
    evaluate,
    prepare_query,
    run_query,
)
from rekg.graph.sparql.service import service_description
from rekg.graph.store import OxigraphStore
from rekg.graph.store.snapshots import SNAPSHOTS_DIR

from tests.serverutil import canary_listener

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
SH = Namespace("http://www.w3.org/ns/shacl#")
EX = "https://example.org/"


def small_kg(*literals: str) -> KnowledgeGraph:
    """A writable graph of a few triples (the session ``kg`` is read-only)."""
    store = OxigraphStore()
    quads = [ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(v)) for i, v in enumerate(literals)]
    store.replace_graph(f"{EX}g", quads)
    return KnowledgeGraph(store)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_gone(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if gone(pid):
            return True
        time.sleep(0.02)
    return False


# -- serialisation ------------------------------------------------------------------------


TRICKY = small_kg("tab\there", 'quote " and \\ backslash', "line\nbreak", "plain")


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_select_results_round_trip_in_every_parseable_format(fmt: str) -> None:
    q = "SELECT ?s ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?s <https://example.org/nothing> ?none } } ORDER BY ?s"
    out = evaluate(TRICKY.store, q, fmt)
    direct = list(TRICKY.store.query(q))
    back = list(ox.parse_query_results(out.body, RESULT_FORMATS[fmt].results))
    assert out.count == 4
    assert [(r["s"], r["o"], r["none"]) for r in back] == [(r["s"], r["o"], r["none"]) for r in direct]


def test_csv_is_rfc4180_with_the_header() -> None:
    out = evaluate(TRICKY.store, "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o", "csv")
    assert out.body.startswith(b"o\r\n")
    assert b'"quote "" and \\ backslash"' in out.body and b'"line\nbreak"' in out.body


@pytest.mark.parametrize("fmt", sorted(GRAPH_FORMATS))
def test_construct_results_parse_back_to_the_same_triples(kg: KnowledgeGraph, fmt: str) -> None:
    q = "CONSTRUCT { ?f rekg:operator id:lynas } WHERE { ?f rekg:operator id:lynas }"
    out = evaluate(kg.store, q, fmt, prefixes=kg.prefixes)
    expected = set(kg.construct(q))
    assert expected, "the seeds should have facilities operated by Lynas"
    parsed = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(out.body, format=GRAPH_FORMATS[fmt].rdf)}
    assert parsed == expected
    assert out.count == len(kg.construct(q))


@pytest.mark.parametrize("fmt", sorted(RESULT_FORMATS))
def test_ask_in_every_result_format(fmt: str) -> None:
    out = evaluate(TRICKY.store, "ASK { ?s ?p 'plain' }", fmt)
    assert b"true" in out.body


@pytest.mark.parametrize(
    ("query", "fmt"),
    [("SELECT * WHERE { ?s ?p ?o }", "ttl"), ("ASK {}", "nt"), ("CONSTRUCT WHERE { ?s ?p ?o }", "json")],
)
def test_a_format_that_does_not_fit_the_form_is_refused(query: str, fmt: str) -> None:
    with pytest.raises(UnsupportedFormat):
        evaluate(TRICKY.store, query, fmt)


def test_syntax_errors_carry_the_parsers_position() -> None:
    with pytest.raises(InvalidQuery, match=r"error at 1:\d+"):
        evaluate(TRICKY.store, "SELECT ?x WHERE { ?x ", "json")


def test_an_unknown_extension_function_is_an_unsupported_feature_not_a_syntax_error() -> None:
    with pytest.raises(UnsupportedFeature, match=r"custom function <https://example\.org/f> is not supported"):
        evaluate(TRICKY.store, "SELECT ?x WHERE { BIND(<https://example.org/f>(1) AS ?x) }", "json")


# -- the row cap ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_row_cap_allows_exactly_max_rows_and_refuses_one_more(fmt: str) -> None:
    q = "SELECT ?n WHERE { VALUES ?n { 1 2 3 4 5 } }"
    assert evaluate(TRICKY.store, q, fmt, max_rows=5).count == 5
    with pytest.raises(ResultTooLarge, match="REKG_MAX_ROWS") as info:
        evaluate(TRICKY.store, q, fmt, max_rows=4)
    assert "LIMIT" in info.value.detail and info.value.extra["limit"] == 4


def test_triple_cap_for_construct() -> None:
    q = "CONSTRUCT WHERE { ?s ?p ?o }"
    assert evaluate(TRICKY.store, q, "ttl", max_rows=4).count == 4
    with pytest.raises(ResultTooLarge, match="more than 3 triples"):
        evaluate(TRICKY.store, q, "ttl", max_rows=3)


def test_row_cap_stops_a_huge_result_early() -> None:
    started = time.perf_counter()
    with pytest.raises(ResultTooLarge):
        evaluate(TRICKY.store, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }", "json", max_rows=10)
    assert time.perf_counter() - started < 1.0


# -- datasets ---------------------------------------------------------------------------------


def lynas_graph(kg: KnowledgeGraph) -> str:
    graphs = [g for g in kg.store.graphs() if "lynas" in g]
    assert graphs, "the seeds should have the Lynas article's graph"
    return graphs[0]


def test_from_a_store_graph_restricts_the_default_graph(kg: KnowledgeGraph) -> None:
    g = lynas_graph(kg)
    q = f"SELECT (COUNT(*) AS ?n) FROM <{g}> WHERE {{ ?s ?p ?o }}"
    got = int(ox.parse_query_results(run_query(kg, q).body, ox.QueryResultsFormat.JSON).__next__()["n"].value)
    assert got == kg.store.graphs()[g]


def test_protocol_dataset_replaces_the_querys(kg: KnowledgeGraph) -> None:
    g = lynas_graph(kg)
    other = next(x for x in kg.store.graphs() if x != g)
    p = prepare_query(kg, f"SELECT * FROM <{g}> {{ ?s ?p ?o }}", default_graph_uris=[other])
    assert (p.default_graph, p.named_graphs) == ((other,), ())


def test_from_named_alone_leaves_an_empty_default_graph(kg: KnowledgeGraph) -> None:
    g = lynas_graph(kg)
    p = prepare_query(kg, f"SELECT * FROM NAMED <{g}> {{ ?s ?p ?o }}")
    assert (p.default_graph, p.named_graphs) == ((), (g,))


@pytest.mark.parametrize(
    ("query", "dg", "ng"),
    [
        ("SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }", [], []),
        ("SELECT * FROM NAMED <http://127.0.0.1:1/data.ttl> { ?s ?p ?o }", [], []),
        ("SELECT * { ?s ?p ?o }", ["file:///etc/hostname"], []),
        ("SELECT * { ?s ?p ?o }", [], ["https://example.org/not-in-the-store"]),
    ],
)
def test_graphs_outside_the_store_are_refused(kg: KnowledgeGraph, query: str, dg: list[str], ng: list[str]) -> None:
    with pytest.raises(ForbiddenQuery, match="not a graph of this store"):
        prepare_query(kg, query, default_graph_uris=dg, named_graph_uris=ng)


# -- the service description --------------------------------------------------------------


def test_service_description_lists_formats_graphs_counts_and_prefixes(kg: KnowledgeGraph) -> None:
    endpoint = "http://127.0.0.1:8000/sparql"
    g = Graph().parse(data=service_description(kg, endpoint, "ttl"), format="turtle")
    me = URIRef(endpoint)
    assert (me, SD.endpoint, me) in g
    listed = {str(o) for o in g.objects(me, SD.resultFormat)}
    assert listed == {f.iri for f in (*RESULT_FORMATS.values(), *GRAPH_FORMATS.values())}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in listed and len(listed) == 11
    assert (me, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")) in g
    dataset = g.value(me, SD.defaultDataset)
    assert "union of all named graphs" in " ".join(
        str(c) for c in g.objects(dataset, None) if c.__class__.__name__ == "Literal"
    )
    counts = {
        str(g.value(ng, SD.name)): int(g.value(g.value(ng, SD.graph), VOID.triples))
        for ng in g.objects(dataset, SD.namedGraph)
    }
    assert counts == kg.store.graphs()
    declared = {str(g.value(d, SH.prefix)): str(g.value(d, SH.namespace)) for d in g.objects(me, SH.declare)}
    assert declared == kg.prefixes


@pytest.mark.parametrize("fmt", sorted(GRAPH_FORMATS))
def test_service_description_in_every_rdf_format(kg: KnowledgeGraph, fmt: str) -> None:
    body = service_description(kg, "http://127.0.0.1:8000/sparql", fmt)
    assert any(q.object == ox.NamedNode(str(SD.Service)) for q in ox.parse(body, format=GRAPH_FORMATS[fmt].rdf))


# -- the executor -----------------------------------------------------------------------------


@pytest.fixture()
def executor(kg: KnowledgeGraph) -> Iterator[QueryExecutor]:
    ex = QueryExecutor(kg, timeout_s=1.0, max_rows=1000, workers=2)
    ex.start()
    yield ex
    ex.close()


def run(coro):
    return asyncio.run(coro)


def test_executor_answers_like_evaluate(kg: KnowledgeGraph, executor: QueryExecutor) -> None:
    q = prepare_query(kg, "SELECT ?f WHERE { ?f rekg:operator id:lynas } ORDER BY ?f")
    out = run(executor.run(q, "json"))
    assert out.body == evaluate(kg.store, q.text, "json", prefixes=kg.prefixes).body
    assert executor.isolation == "processes" and len(executor.worker_pids) == 2


def test_a_query_past_the_limit_is_killed_and_the_pool_recovers(kg: KnowledgeGraph, executor: QueryExecutor) -> None:
    before = set(executor.worker_pids)
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="REKG_QUERY_TIMEOUT_S"):
        run(executor.run(prepare_query(kg, CARTESIAN), "json"))
    assert time.monotonic() - started < 3.0
    killed = before - set(executor.worker_pids)
    assert len(killed) == 1 and all(wait_gone(pid) for pid in killed)
    assert len(executor.worker_pids) == 2
    assert run(executor.run(prepare_query(kg, "ASK {}"), "json")).body.endswith(b"true}")


def test_a_client_that_leaves_stops_its_query(kg: KnowledgeGraph) -> None:
    ex = QueryExecutor(kg, timeout_s=30, workers=1)
    ex.start()
    try:
        (pid,) = ex.worker_pids

        async def scenario() -> None:
            left: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_later(0.3, left.set_result, None)
            with pytest.raises(QueryTimeout, match="went away"):
                await ex.run(prepare_query(kg, CARTESIAN), "json", cancelled=left)

        started = time.monotonic()
        run(scenario())
        assert time.monotonic() - started < 3
        assert wait_gone(pid)
    finally:
        ex.close()


def test_queries_wait_for_a_free_worker_and_say_which_setting_to_raise(kg: KnowledgeGraph) -> None:
    ex = QueryExecutor(kg, timeout_s=0.8, workers=1)
    ex.start()
    try:

        async def together() -> list[BaseException | object]:
            slow = ex.run(prepare_query(kg, CARTESIAN), "json")
            fast = ex.run(prepare_query(kg, "ASK {}"), "json")
            return await asyncio.gather(slow, fast, return_exceptions=True)

        async def staggered() -> list[BaseException | object]:
            async def later() -> object:
                # Arrives while the slow query still holds the worker (it is stopped at 0.8 s), with
                # enough of its own 0.8 s left after that for a new worker to be forked under load.
                await asyncio.sleep(0.5)
                return await ex.run(prepare_query(kg, "ASK {}"), "json")

            slow = ex.run(prepare_query(kg, CARTESIAN), "json")
            return await asyncio.gather(slow, later(), return_exceptions=True)

        slow, fast = run(together())
        assert isinstance(slow, QueryTimeout) and "REKG_QUERY_TIMEOUT_S" in slow.detail
        assert isinstance(fast, QueryTimeout) and "REKG_QUERY_WORKERS" in fast.detail
        # A query that arrives while the only worker is busy runs as soon as it is freed.
        slow, fast = run(staggered())
        assert isinstance(slow, QueryTimeout)
        assert fast.body.endswith(b"true}")  # type: ignore[union-attr]
    finally:
        ex.close()


def test_workers_are_recycled_when_the_graph_changes() -> None:
    kg = small_kg("before")
    ex = QueryExecutor(kg, timeout_s=5, workers=1)
    ex.start()
    try:
        q = prepare_query(kg, "SELECT ?o WHERE { ?s ?p ?o }")
        assert b"before" in run(ex.run(q, "csv")).body
        old = ex.worker_pids
        kg.store.replace_graph(f"{EX}g", [ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("after"))])
        body = run(ex.run(q, "csv")).body
        assert b"after" in body and b"before" not in body
        assert ex.worker_pids != old and all(wait_gone(pid) for pid in old)
    finally:
        ex.close()


class _NoWorkers(OxigraphStore):
    """A back end that declares no worker reader, as the remote store does."""

    def worker_reader(self) -> None:
        return None


def test_a_back_end_without_a_worker_reader_is_queried_in_process() -> None:
    store = _NoWorkers()
    store.replace_graph(f"{EX}g", [ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("here"))])
    kg = KnowledgeGraph(store)
    ex = QueryExecutor(kg, timeout_s=5, workers=1)
    try:
        assert ex.isolation == "in-process"
        assert b"here" in run(ex.run(prepare_query(kg, "SELECT ?o WHERE { ?s ?p ?o }"), "csv")).body
        assert ex.worker_pids == []
    finally:
        ex.close()


def test_the_sparql_package_knows_back_ends_only_by_their_interface() -> None:
    # The executor asks a store what it can do (Store.worker_reader); it never names a back end.
    import ast

    import rekg.graph.sparql as package

    back_ends = {"rekg.graph.store", "rekg.graph.store.oxigraph", "rekg.graph.store.remote"}
    for path in Path(package.__path__[0]).glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
        }
        assert not imported & back_ends, path.name


def test_persistent_store_is_read_in_read_only_workers(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "db")
    store.replace_graph(f"{EX}g", [ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("on disk"))])
    kg = KnowledgeGraph(store)
    ex = QueryExecutor(kg, timeout_s=5, workers=1)
    try:
        out = run(ex.run(prepare_query(kg, "SELECT ?o WHERE { ?s ?p ?o }"), "csv"))
        assert b"on disk" in out.body
        (pid,) = ex.worker_pids
        assert pid != os.getpid()
    finally:
        ex.close()
        store.close()


def test_mirrored_store_is_read_from_the_forked_copy_and_follows_writes(tmp_path: Path) -> None:
    def fact(value: str) -> list[ox.Quad]:
        return [ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal(value))]

    disk = OxigraphStore(tmp_path / "db")
    reader = disk.worker_reader()()  # what a worker forked now would read: a checkpoint of the files
    assert reader is not disk and str(reader.snapshot.path).startswith(str(tmp_path / "db"))
    reader.snapshot.close()
    disk.close()
    store = OxigraphStore(tmp_path / "db", mirror_max_quads=100)
    assert store.worker_reader()() is store  # no RocksDB handle opened next to the writer
    kg = KnowledgeGraph(store)
    ex = QueryExecutor(kg, timeout_s=5, workers=1)
    query = prepare_query(kg, "SELECT ?o WHERE { ?s ?p ?o }")
    try:
        store.replace_graph(f"{EX}g", fact("first"))
        assert b"first" in run(ex.run(query, "csv")).body
        store.replace_graph(f"{EX}g", fact("second"))
        body = run(ex.run(query, "csv")).body
        assert b"second" in body and b"first" not in body
    finally:
        ex.close()
        store.close()
    assert OxigraphStore(tmp_path / "db").graphs() == {f"{EX}g": 1}


def test_workers_have_no_network_even_if_a_service_got_past_the_guard(kg: KnowledgeGraph) -> None:
    ex = QueryExecutor(kg, timeout_s=5, workers=1)
    try:
        with canary_listener() as canary:
            run(ex.run(prepare_query(kg, "ASK {}"), "json"))
            if ex.sandboxed is not True:
                pytest.skip(
                    "this kernel does not allow unprivileged network namespaces (the lexer guard still applies)"
                )
            # Bypass the guard on purpose: build the prepared query by hand.
            smuggled = PreparedQuery(f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}", "SELECT")
            with pytest.raises(Exception, match=r"(?i)network|unreachable|connect"):
                run(ex.run(smuggled, "json"))
            time.sleep(0.2)
            assert canary.hits == []
    finally:
        ex.close()


def test_long_operator_chains_do_not_crash_a_worker(kg: KnowledgeGraph, executor: QueryExecutor) -> None:
    # 40,000 chained "!" overflow an 8 MB stack (the worker would die with SIGSEGV); workers
    # evaluate on a big stack instead.
    before = set(executor.worker_pids)
    q = prepare_query(kg, "ASK { FILTER(" + "!" * 40_000 + "true) }")
    assert run(executor.run(q, "json")).body.endswith(b"true}")
    assert set(executor.worker_pids) == before


def test_workers_read_a_whole_version_of_a_disk_store_while_the_server_writes(tmp_path: Path) -> None:
    """A store read on disk (over the memory-mirror limit): workers read checkpoints taken after each
    write, never the files the server writes (Oxigraph leaves that undefined, and RocksDB compacts them
    in the background). With graphs written continuously, every count is that of some written version
    (a multiple of the graph size), counts never go back, the last one holds every write, and
    checkpoints no worker reads any more are deleted (issue 18, item 3)."""
    import json
    import threading

    store = OxigraphStore(tmp_path / "store", mirror_max_quads=0)
    assert store.workers_read_files
    kg = KnowledgeGraph(store)
    ex = QueryExecutor(kg, timeout_s=10.0, workers=2)
    ex.start()
    size, graphs = 40, 40
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def writer() -> None:
        for i in range(graphs):
            quads = [
                ox.Quad(ox.NamedNode(f"{EX}g{i}s{j}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(j))) for j in range(size)
            ]
            with kg.writing():
                store.replace_graph(f"{EX}g{i}", quads)
            time.sleep(0.01)  # paced, so that reads fall between writes even on a loaded machine

    def read() -> int:
        out = run(ex.run(prepare_query(kg, count), "json"))
        return int(json.loads(out.body)["results"]["bindings"][0]["n"]["value"])

    t = threading.Thread(target=writer)
    counts: list[int] = []
    try:
        t.start()
        while t.is_alive() or not counts:
            counts.append(read())
        t.join()
        counts.append(read())
    finally:
        ex.close()
    assert all(n % size == 0 for n in counts), counts
    assert counts == sorted(counts) and counts[-1] == size * graphs
    assert len(set(counts)) > 2, "the reads did not overlap the writes"
    # Two workers hold at most two older checkpoints; the rest were pruned as writes came.
    assert len(list((tmp_path / "store" / SNAPSHOTS_DIR).iterdir())) <= 3
