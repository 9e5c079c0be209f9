"""The store contract, run on every back end: memory, oxigraph on disk, a real Virtuoso and Oxigraph server.

Each test works in its own namespace, so the remote tests can share one server (which may
also hold the seed graph of ``backend_kg``) without seeing each other's triples.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rekg.graph.errors import (
    InvalidParameter,
    InvalidQuery,
    QueryTimeout,
    SeedError,
    StoreUnavailable,
    UnsupportedFormat,
)
from rekg.graph.io.load import open_graph
from rekg.graph.store import OxigraphStore, Store, format_for
from rekg.graph.store.remote import RemoteStore, inject_values, query_form

from tests.conftest import BACKENDS, REMOTE_SERVERS, open_backend, remote_store

XSD = "http://www.w3.org/2001/XMLSchema#"


TEST_NS = "https://example.org/t/"


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    if request.param not in REMOTE_SERVERS:
        yield open_backend(request.param, request, tmp_path_factory)
        return
    # Shared server: not emptied (it may hold backend_kg's seeds); every test uses its own
    # namespace and its graphs are dropped afterwards.
    s = remote_store(request.param, request)
    yield s
    for g in s.graphs():
        if g.startswith(TEST_NS):
            s.remove_graph(g)


@pytest.fixture
def ns() -> str:
    return f"{TEST_NS}{uuid.uuid4().hex[:12]}/"


def quad(ns: str, s: str, p: str, o: ox.NamedNode | ox.Literal | ox.BlankNode | str, g: str = "g") -> ox.Quad:
    obj = ox.NamedNode(ns + o) if isinstance(o, str) else o
    return ox.Quad(ox.NamedNode(ns + s), ox.NamedNode(ns + p), obj, ox.NamedNode(ns + g))


def mine(store: Store, ns: str) -> dict[str, int]:
    return {g: n for g, n in store.graphs().items() if g.startswith(ns)}


# --- reading and writing --------------------------------------------------------------------


def test_replace_graph_replaces_and_counts(store: Store, ns: str) -> None:
    g = ns + "g"
    assert store.replace_graph(g, [quad(ns, "a", "p", "b"), quad(ns, "a", "p", "c")]) == 2
    assert mine(store, ns) == {g: 2}
    v = store.version
    assert store.replace_graph(g, [quad(ns, "x", "p", "y")]) == 1
    assert mine(store, ns) == {g: 1}
    assert store.version > v
    rows = list(store.query(f"SELECT ?s WHERE {{ ?s <{ns}p> ?o }}"))
    assert [r["s"].value for r in rows] == [ns + "x"]


def test_default_graph_is_the_union_of_named_graphs(store: Store, ns: str) -> None:
    store.replace_graph(ns + "g1", [quad(ns, "mine", "operator", "lynas", "g1")])
    store.replace_graph(ns + "g2", [quad(ns, "lynas", "country", "australia", "g2")])
    rows = list(store.query(f"SELECT ?c WHERE {{ <{ns}mine> <{ns}operator>/<{ns}country> ?c }}"))
    assert [r["c"].value for r in rows] == [ns + "australia"]
    prov = store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ <{ns}lynas> ?p ?o }} }}")
    assert [r["g"].value for r in prov] == [ns + "g2"]


def test_result_types_and_terms_round_trip(store: Store, ns: str) -> None:
    literals = [
        ox.Literal("Dysprosium", language="en"),
        ox.Literal("镝", language="zh"),
        ox.Literal('quote " backslash \\ newline \n tab \t brace } hash #'),
        ox.Literal("42", datatype=ox.NamedNode(XSD + "integer")),
        ox.Literal("0.15", datatype=ox.NamedNode(XSD + "decimal")),
        ox.Literal("2025-10-30", datatype=ox.NamedNode(XSD + "date")),
        ox.Literal("2028", datatype=ox.NamedNode(XSD + "gYear")),
        ox.Literal("P1Y", datatype=ox.NamedNode(XSD + "duration")),
    ]
    store.replace_graph(ns + "g", [quad(ns, "a", "p", lit) for lit in literals])
    res = store.query(f"SELECT ?o WHERE {{ <{ns}a> <{ns}p> ?o }}")
    assert isinstance(res, ox.QuerySolutions)
    assert {r["o"] for r in res} == set(literals)
    ask = store.query(f"ASK {{ <{ns}a> <{ns}p> ?o }}")
    assert isinstance(ask, ox.QueryBoolean) and bool(ask)
    triples = store.query(f"CONSTRUCT {{ ?s <{ns}q> ?o }} WHERE {{ ?s <{ns}p> ?o }}")
    assert isinstance(triples, ox.QueryTriples)
    assert {t.object for t in triples} == set(literals)


def test_blank_nodes_stay_one_node(store: Store, ns: str) -> None:
    cap = ox.BlankNode()
    store.replace_graph(
        ns + "g",
        [
            quad(ns, "mine", "capacity", cap),
            ox.Quad(cap, ox.NamedNode(ns + "value"), ox.Literal("10000"), ox.NamedNode(ns + "g")),
            ox.Quad(cap, ox.NamedNode(ns + "unit"), ox.Literal("t/yr"), ox.NamedNode(ns + "g")),
        ],
    )
    rows = list(store.query(f"SELECT ?v ?u WHERE {{ <{ns}mine> <{ns}capacity> [ <{ns}value> ?v ; <{ns}unit> ?u ] }}"))
    assert [(r["v"].value, r["u"].value) for r in rows] == [("10000", "t/yr")]
    res = store.query(f"SELECT ?c WHERE {{ <{ns}mine> <{ns}capacity> ?c }}")
    assert all(isinstance(r["c"], ox.BlankNode) for r in res)


def test_substitutions_bind_iris_and_literals(store: Store, ns: str) -> None:
    store.replace_graph(
        ns + "g",
        [
            quad(ns, "f1", "locatedIn", "china"),
            quad(ns, "f2", "locatedIn", "malaysia"),
            quad(ns, "f2", "n", ox.Literal("x")),
        ],
    )
    q = f"SELECT ?f ?c WHERE {{ ?f <{ns}locatedIn> ?c }}"
    rows = list(store.query(q, substitutions={"c": ox.NamedNode(ns + "malaysia")}))
    assert [(r["f"].value, r["c"].value) for r in rows] == [(ns + "f2", ns + "malaysia")]
    # A binding visible to a FILTER of the outermost group.
    q = f'SELECT ?f ?c ?out WHERE {{ ?f <{ns}locatedIn> ?c FILTER(?c != ?out && "}}" = "}}") }}'
    rows = list(store.query(q, substitutions={"out": ox.NamedNode(ns + "china")}))
    assert [r["f"].value for r in rows] == [ns + "f2"]
    rows = list(store.query(f"SELECT ?f ?n WHERE {{ ?f <{ns}n> ?n }}", substitutions={"n": ox.Literal("x")}))
    assert [r["f"].value for r in rows] == [ns + "f2"]


def test_prefixes_are_predeclared(store: Store, ns: str) -> None:
    store.replace_graph(ns + "g", [quad(ns, "a", "p", "b")])
    res = store.query("ASK { t:a t:p t:b }", prefixes={"t": ns})
    assert bool(res)


def test_malformed_query_is_invalid_query(store: Store) -> None:
    with pytest.raises(InvalidQuery):
        store.query("SELECT * WHERE { ?s ?p ")


def test_remove_graph(store: Store, ns: str) -> None:
    store.replace_graph(ns + "g", [quad(ns, "a", "p", "b")])
    assert store.remove_graph(ns + "g") is True
    assert store.remove_graph(ns + "g") is False
    assert mine(store, ns) == {}


def test_dump_keeps_graphs_in_quad_formats(store: Store, ns: str) -> None:
    store.replace_graph(ns + "g", [quad(ns, "a", "p", ox.Literal("é", language="fr"))])
    one = store.dump(ox.RdfFormat.N_TRIPLES, graph=ns + "g")
    parsed = [(q.subject, q.predicate, q.object) for q in ox.parse(one, format=ox.RdfFormat.N_TRIPLES)]
    assert parsed == [(ox.NamedNode(ns + "a"), ox.NamedNode(ns + "p"), ox.Literal("é", language="fr"))]
    whole = store.dump(ox.RdfFormat.N_QUADS)
    assert quad(ns, "a", "p", ox.Literal("é", language="fr")) in set(ox.parse(whole, format=ox.RdfFormat.N_QUADS))
    ttl = store.dump(ox.RdfFormat.TURTLE, prefixes={"t": ns})
    assert b"@prefix t:" in ttl and b"t:a" in ttl


def test_meta_is_kept(store: Store, ns: str) -> None:
    store.set_meta(ns, "value 1")
    assert store.get_meta(ns) == "value 1"
    store.set_meta(ns, None)
    assert store.get_meta(ns) is None


# --- atomicity -----------------------------------------------------------------------------


def _failing(quads: list[ox.Quad], after: int):
    for i, q in enumerate(quads):
        if i == after:
            raise RuntimeError("source failed part-way")
        yield q


def test_failed_replace_leaves_the_old_graph(store: Store, ns: str) -> None:
    g = ns + "g"
    store.replace_graph(g, [quad(ns, "old", "p", "v")])
    if isinstance(store, RemoteStore):
        store.chunk_size = 10  # so several chunks reach the server before the failure
    new = [quad(ns, f"new{i}", "p", "v") for i in range(50)]
    with pytest.raises(RuntimeError):
        store.replace_graph(g, _failing(new, 35))
    assert mine(store, ns) == {g: 1}
    assert bool(store.query(f"ASK {{ <{ns}old> <{ns}p> <{ns}v> }}"))
    assert not bool(store.query(f"ASK {{ <{ns}new0> <{ns}p> <{ns}v> }}"))


def test_readers_never_see_half_a_replacement(store: Store, ns: str) -> None:
    g = ns + "g"
    n_a, n_b = (300, 500) if isinstance(store, RemoteStore) else (3000, 5000)
    a = [quad(ns, f"a{i}", "p", "v") for i in range(n_a)]
    b = [quad(ns, f"b{i}", "p", "v") for i in range(n_b)]
    if isinstance(store, RemoteStore):
        store.chunk_size = 100
    store.replace_graph(g, a)
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            res = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s <{ns}p> ?o }} }}")
            seen.add(int(next(iter(res))["n"].value))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(6):
            store.replace_graph(g, b if i % 2 == 0 else a)
    finally:
        stop.set()
        reader.join()
    assert seen <= {n_a, n_b}, f"a reader saw a half-written graph: {sorted(seen)}"


def test_oxigraph_replace_is_durable_without_close(tmp_path: Path) -> None:
    # A child process writes and exits at once (no close, no atexit); the data must be on disk.
    code = (
        "import os, pyoxigraph as ox\n"
        "from rekg.graph.store import OxigraphStore\n"
        f"s = OxigraphStore({str(tmp_path)!r})\n"
        "q = ox.Quad(ox.NamedNode('https://example.org/a'), ox.NamedNode('https://example.org/p'), "
        "ox.Literal('durable'), ox.NamedNode('https://example.org/g'))\n"
        "s.replace_graph('https://example.org/g', [q])\n"
        "s.set_meta('k', 'v')\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
    s = OxigraphStore(tmp_path)
    assert s.graphs() == {"https://example.org/g": 1}
    assert s.get_meta("k") == "v"


def test_mirror_copies_the_disk_at_open_and_writes_reach_both(tmp_path: Path) -> None:
    a, p = ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p")
    g1, g2 = "https://example.org/g1", "https://example.org/g2"
    disk = OxigraphStore(tmp_path)
    disk.replace_graph(g1, [ox.Quad(a, p, ox.Literal("before"), ox.NamedNode(g1))])
    assert not disk.in_memory
    disk.close()

    mirrored = OxigraphStore(tmp_path, mirror_max_quads=10)
    assert mirrored.in_memory and mirrored.graphs() == {g1: 1}
    mirrored.replace_graph(g2, [ox.Quad(a, p, ox.Literal(str(i)), ox.NamedNode(g2)) for i in range(3)])
    mirrored.remove_graph(g1)
    assert mirrored.graphs() == {g2: 3}
    mirrored.close()

    # What the copy answered is what the disk holds; over the limit the disk is read directly.
    reopened = OxigraphStore(tmp_path, mirror_max_quads=2)
    assert not reopened.in_memory and reopened.graphs() == {g2: 3}
    reopened.close()


def test_mirror_sees_a_file_that_adds_to_an_existing_graph(tmp_path: Path) -> None:
    ns = "https://example.org/"
    s = OxigraphStore(tmp_path / "store", mirror_max_quads=100)
    s.replace_graph(
        ns + "g1", [ox.Quad(ox.NamedNode(ns + "a"), ox.NamedNode(ns + "p"), ox.Literal("x"), ox.NamedNode(ns + "g1"))]
    )
    f = tmp_path / "more.nq"
    f.write_text(f"<{ns}a> <{ns}p> <{ns}b> <{ns}g1> .\n<{ns}a> <{ns}p> <{ns}c> <{ns}g2> .\n")
    s.load_file(f, graph=ns + "data")
    assert s.in_memory and s.graphs() == {ns + "g1": 2, ns + "g2": 1}
    # A file that takes the store past the limit: from then on the disk is read.
    s.mirror_max_quads = 4
    more = tmp_path / "more.nt"
    more.write_text("".join(f"<{ns}a> <{ns}p> <{ns}x{i}> .\n" for i in range(3)))
    s.load_file(more, graph=ns + "more")
    assert not s.in_memory and s.graphs() == {ns + "g1": 2, ns + "g2": 1, ns + "more": 3}


def test_oxigraph_store_in_use_is_unavailable(tmp_path: Path) -> None:
    first = OxigraphStore(tmp_path)
    with pytest.raises(StoreUnavailable, match="another rekg process"):
        OxigraphStore(tmp_path)
    first.close()


# --- loading files -------------------------------------------------------------------------


def test_load_triple_file_into_its_graph(store: Store, ns: str, tmp_path: Path) -> None:
    f = tmp_path / "extra.ttl"
    f.write_text(f'@prefix t: <{ns}> .\nt:mine t:produces t:dy ; t:label "矿"@zh .\nt:mine t:cap [ t:v 1 ] .\n')
    progress: list[tuple[int, int]] = []
    report = store.load_file(f, graph=ns + "data", on_progress=lambda d, t: progress.append((d, t)))
    assert report.graphs == [ns + "data"] and report.triples == 4
    assert mine(store, ns) == {ns + "data": 4}
    assert progress and progress[-1] == (f.stat().st_size, f.stat().st_size)
    # Loading it again replaces the graph instead of adding to it.
    store.load_file(f, graph=ns + "data")
    assert mine(store, ns) == {ns + "data": 4}


def test_load_dataset_file_keeps_its_graphs(store: Store, ns: str, tmp_path: Path) -> None:
    f = tmp_path / "extra.nq"
    f.write_text(f"<{ns}a> <{ns}p> <{ns}b> <{ns}g1> .\n<{ns}a> <{ns}p> <{ns}c> <{ns}g2> .\n<{ns}a> <{ns}p> <{ns}d> .\n")
    report = store.load_file(f, graph=ns + "data")
    assert set(report.graphs) == {ns + "g1", ns + "g2", ns + "data"}
    assert mine(store, ns) == {ns + "g1": 1, ns + "g2": 1, ns + "data": 1}
    rows = store.query(f"SELECT ?o WHERE {{ <{ns}a> <{ns}p> ?o }}")
    assert {r["o"].value for r in rows} == {ns + "b", ns + "c", ns + "d"}


def test_load_bad_file(store: Store, ns: str, tmp_path: Path) -> None:
    f = tmp_path / "bad.nt"
    f.write_text(f"<{ns}a> <{ns}p> .\n")
    with pytest.raises(SeedError, match=r"bad\.nt"):
        store.load_file(f, graph=ns + "data")
    with pytest.raises(UnsupportedFormat):
        store.load_file(tmp_path / "x.csv", graph=ns + "data")


def test_format_for_extensions() -> None:
    assert {format_for(f"x{e}") for e in (".ttl", ".nt", ".nq", ".trig", ".jsonld", ".rdf")} == {
        ox.RdfFormat.TURTLE,
        ox.RdfFormat.N_TRIPLES,
        ox.RdfFormat.N_QUADS,
        ox.RdfFormat.TRIG,
        ox.RdfFormat.JSON_LD,
        ox.RdfFormat.RDF_XML,
    }


# --- seeds are loaded once ------------------------------------------------------------------


def test_persistent_store_does_not_reload_the_seeds(tmp_path: Path) -> None:
    kg = open_graph(OxigraphStore(tmp_path), validate_shapes=False)
    assert kg.version > 0
    counts = kg.store.graphs()
    kg.store.close()
    again = open_graph(OxigraphStore(tmp_path), validate_shapes=False)
    assert again.version == 0, "reopening reloaded the seeds"
    assert again.store.graphs() == counts
    again.store.close()
    reset = open_graph(OxigraphStore(tmp_path), validate_shapes=False, reset=True)
    assert reset.version > 0 and reset.store.graphs() == counts


def test_changed_seeds_are_reloaded(tmp_path: Path) -> None:
    from rekg.graph.io.seeds import SEEDS_DIR

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for f in SEEDS_DIR.iterdir():
        if f.suffix in (".ttl", ".trig"):
            (seeds / f.name).write_bytes(f.read_bytes())
    store_dir = tmp_path / "store"
    kg = open_graph(OxigraphStore(store_dir), seeds_dir=seeds, validate_shapes=False)
    victim = next(p for p in sorted(seeds.glob("*.trig")))
    victim_graph = next(g for g in kg.store.graphs() if g.endswith("/" + victim.stem))
    kg.store.close()
    victim.unlink()
    kg = open_graph(OxigraphStore(store_dir), seeds_dir=seeds, validate_shapes=False)
    assert kg.version > 0
    assert victim_graph not in kg.store.graphs()


@pytest.mark.parametrize("kind", list(REMOTE_SERVERS))
def test_remote_store_does_not_reload_the_seeds(request: pytest.FixtureRequest, kind: str) -> None:
    first = open_graph(remote_store(kind, request), validate_shapes=False)
    counts = first.store.graphs()
    again = open_graph(remote_store(kind, request), validate_shapes=False)
    assert again.version == 0
    assert again.store.graphs() == counts


def test_clear(store: Store, ns: str) -> None:
    store.replace_graph(ns + "g", [quad(ns, "a", "p", "b")])
    store.set_meta("seeds", "x")
    store.clear()
    assert store.graphs() == {}
    assert store.get_meta("seeds") is None
    if isinstance(store, RemoteStore):
        open_graph(store, validate_shapes=False)  # put the seeds back for the other remote tests


# --- remote specifics ----------------------------------------------------------------------


def test_remote_unreachable_is_store_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(StoreUnavailable):
        RemoteStore(f"http://127.0.0.1:{port}/sparql", timeout=2)


def test_remote_slow_server_is_query_timeout(virtuoso) -> None:
    store = RemoteStore(virtuoso.sparql_url, timeout=30)
    # A loopback socket that accepts and never answers stands in for an overloaded server.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        store.query_url = f"http://127.0.0.1:{silent.getsockname()[1]}/sparql"
        store.timeout = 0.5
        t0 = time.monotonic()
        with pytest.raises(QueryTimeout):
            store.query("ASK {}")
        assert time.monotonic() - t0 < 5


def test_remote_hides_virtuoso_system_graphs(virtuoso, ns: str) -> None:
    store = RemoteStore(virtuoso.sparql_url)
    assert store.virtuoso
    store.replace_graph(ns + "g", [quad(ns, "a", "p", "b")])
    listed = store.graphs()
    assert ns + "g" in listed
    assert not any(g.startswith(("http://www.openlinksw.com/", "http://localhost:8890/", "urn:rekg:")) for g in listed)
    dumped = {q.graph_name.value for q in ox.parse(store.dump(ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)}
    assert ns + "g" in dumped and not any(g.startswith("http://www.openlinksw.com/") for g in dumped)
    # The explicit dataset hides them from queries too.
    explicit = RemoteStore(virtuoso.sparql_url, dataset="explicit")
    rows = explicit.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert not any(r["g"].value.startswith(("http://www.openlinksw.com/", "urn:rekg:")) for r in rows)
    assert not bool(explicit.query("ASK { <http://www.w3.org/2002/07/owl#Thing> ?p ?o }"))
    store.remove_graph(ns + "g")


@pytest.mark.parametrize("kind", list(REMOTE_SERVERS))
def test_remote_explicit_dataset(request: pytest.FixtureRequest, kind: str, ns: str) -> None:
    found = remote_store(kind, request)
    store = RemoteStore(found.query_url, found.update_url, dataset="explicit")
    store.replace_graph(ns + "g1", [quad(ns, "a", "p", "b", "g1")])
    store.replace_graph(ns + "g2", [quad(ns, "b", "p", "c", "g2")])
    rows = store.query(f"SELECT ?x WHERE {{ <{ns}a> <{ns}p>/<{ns}p> ?x }}")
    assert [r["x"].value for r in rows] == [ns + "c"]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?f <urn:p> ?m }",
        "SELECT ?f ?m { ?f <urn:p> ?m . FILTER(?m != <urn:x#a>) } ORDER BY ?f",
        'PREFIX e: <urn:e#>\n# a comment with { braces }\nSELECT * WHERE { ?f e:p ?m FILTER(?f != "{") }',
        "SELECT * WHERE { { SELECT ?f ?m WHERE { ?f <urn:p> ?m } } }",
        "SELECT (COUNT(*) AS ?n) ?m WHERE { ?f <urn:p> ?m FILTER EXISTS { ?f <urn:p> ?m } } GROUP BY ?m",
        "CONSTRUCT { ?f <urn:q> ?m } WHERE { ?f <urn:p> ?m }",
        "CONSTRUCT WHERE { ?f <urn:p> ?m }",
        "ASK { ?f <urn:p> ?m }",
        "DESCRIBE ?f WHERE { ?f <urn:p> ?m }",
        # "<" after an operand in an expression is less-than, so "#>" starts a comment (the guard's lexer).
        "SELECT * WHERE { ?f <urn:p> ?m FILTER(STR(?f)<STR(?m))#>\n}",
        "CONSTRUCT { ?f <urn:q> ?m } WHERE { ?f <urn:p> ?m FILTER(STR(?f)<STR(?m))#>)}\n}",
    ],
)
def test_inject_values_matches_oxigraph_substitution(query: str) -> None:
    s = OxigraphStore()
    s.replace_graph(
        "urn:g",
        [
            ox.Quad(
                ox.NamedNode(f"urn:f{i}"), ox.NamedNode("urn:p"), ox.NamedNode(f"urn:m{i % 3}"), ox.NamedNode("urn:g")
            )
            for i in range(9)
        ],
    )
    bound = {"m": ox.NamedNode("urn:m1")}

    def norm(res):
        if isinstance(res, ox.QueryBoolean):
            return bool(res)
        if isinstance(res, ox.QueryTriples):
            return sorted(str(t) for t in res)
        return sorted(str(sorted((v.value, str(r[v])) for v in res.variables if r[v] is not None)) for r in res)

    if query_form(query) == "SELECT":
        expected = s.query(query, substitutions=bound)
    else:  # Oxigraph only substitutes projected variables; spell the value out instead.
        expected = s.query(query.replace("?m", "<urn:m1>"))
    assert norm(s.query(inject_values(query, bound))) == norm(expected)
    assert query_form(query) in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")


def test_inject_values_refuses_what_it_cannot_bind() -> None:
    with pytest.raises(InvalidParameter):
        inject_values("SELECT * WHERE { ?s ?p ?o }", {"s": ox.BlankNode()})
    with pytest.raises(InvalidParameter):
        inject_values("SELECT * WHERE { ?s ?p ?o }", {"s o": ox.NamedNode("urn:x")})
    with pytest.raises(InvalidQuery):
        inject_values("SELECT * ", {"s": ox.NamedNode("urn:x")})


# --- parallel bulk loads of big line-based files (issue 18, item 3) ---------------------------


def _nquads(tmp_path: Path, lines: list[str]) -> Path:
    f = tmp_path / "data.nq"
    f.write_text("".join(lines), encoding="utf-8")
    return f


@pytest.mark.parametrize("crossing", [False, True], ids=["local-blank-nodes", "a-blank-node-across-the-cut"])
def test_a_big_file_is_loaded_in_parts_only_where_blank_nodes_stay_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crossing: bool
) -> None:
    import rekg.graph.store.oxigraph as oxstore

    monkeypatch.setattr(oxstore, "PARALLEL_LOAD_BYTES", 1)
    monkeypatch.setattr(oxstore.os, "cpu_count", lambda: 2)
    g = "<https://example.org/g>"
    lines = [f'<https://example.org/s{i}> <https://example.org/p> "{i}" {g} .\n' for i in range(2000)]
    lines[10] = f'_:b1 <https://example.org/p> "first" {g} .\n'
    lines[11] = f'_:b1 <https://example.org/q> "second" {g} .\n'
    if crossing:
        lines[1990] = f'_:b1 <https://example.org/r> "last" {g} .\n'  # the same node, past the cut
    path = _nquads(tmp_path, lines)
    parts = oxstore._parallel_parts(path, ox.RdfFormat.N_QUADS)
    assert len(parts) == (1 if crossing else 2)
    store = OxigraphStore(tmp_path / "store")
    store.load_file(path, graph="https://example.org/g")
    blanks = {q.subject for q in store._store if isinstance(q.subject, ox.BlankNode)}
    assert len(blanks) == 1  # one node, however the file was cut
    assert len(store._store) == 2000
