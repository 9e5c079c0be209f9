"""Every back end gives the analyst the same answers as the in-memory seed graph.

``backend_kg`` is the seed graph on memory, on a persistent oxigraph store, on a real
Virtuoso server (``remote``) and on a real Oxigraph server (``remote-oxigraph``, loaded through
the remote back end's SPARQL Update path); each answer is compared with the one from ``kg``, the SHACL-
validated in-memory graph. Blank node labels are store-specific, so they are compared as
"a blank node".
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from typing import Any

import pyoxigraph as ox
import pytest
from rekg.graph import KnowledgeGraph
from rekg.graph.answers import agreements, describe_entity, measures_in_force, search, suppliers_of, timeline
from rekg.graph.answers.names import resolve
from rekg.graph.errors import InvalidQuery, NodeNotFound
from rekg.graph.network.centrality import centrality
from rekg.graph.network.paths import supply_paths
from rekg.graph.network.projection import projection
from rekg.graph.sparql.examples import example_queries

_BNODE = re.compile(r"(_:|nodeID[_:/]+)[A-Za-z0-9_\-]+")


def canon(value: Any) -> Any:
    """A comparable form: dataclasses as dicts, lists sorted, blank node labels erased."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return {str(k): canon(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [canon(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, str):
        # GROUP_CONCAT order is not defined by SPARQL: compare the parts of a string as a set.
        return " ".join(sorted(re.split(r"[\s,]+", _BNODE.sub("_:b", value))))
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, date):
        return value.isoformat()
    return value


@pytest.fixture(scope="module")
def kg(seeds_snapshot) -> KnowledgeGraph:
    """The reference: the in-memory graph, SHACL-validated, from the same seed files as ``backend_kg``."""
    from rekg.graph.io.load import open_graph
    from rekg.graph.store import open_store

    return open_graph(open_store("memory"), seeds_dir=seeds_snapshot)


#: Answers that differ on a back end today (keyed by the ``backend_kg`` parameter), and why.
#: Strict ones fail once they are fixed, so the entry gets removed; order-dependent ones may
#: pass by chance.
VIRTUOSO_7 = "Virtuoso 7.2.5 (Debian's virtuoso-opensource)"
KNOWN_GAPS: dict[tuple[str, str], tuple[str, bool]] = {
    ("remote", "conflicts"): (f"{VIRTUOSO_7} fails the conflicts query: 'SQ200: Stack Overflow'", True),
    ("remote", "us-supply-deals"): (
        f"{VIRTUOSO_7} keeps rows that FILTER(?partner != ?usSide) next to an EXISTS filter should drop",
        True,
    ),
    ("remote", "china-restrictions-after-truce"): (
        f"{VIRTUOSO_7} drops rows when IF/BOUND test variables left unbound by OPTIONAL",
        True,
    ),
    ("remote", "mine-production-2024"): (
        f"{VIRTUOSO_7} divides integers as integers (share 69 instead of 69.2); SPARQL makes it a decimal",
        True,
    ),
    ("remote", "renewals"): (
        f'{VIRTUOSO_7} stores an xsd:yearMonthDuration as its number of months ("P1Y" reads back as "12"), '
        "so the renewal interval is not recognised",
        True,
    ),
}


def expect_gap(request: pytest.FixtureRequest, backend_kg: KnowledgeGraph, key: str) -> None:
    """Mark the test as a known gap of the back end under test (its ``backend_kg`` parameter)."""
    gap = KNOWN_GAPS.get((request.node.callspec.params["backend_kg"], key))
    if gap:
        request.applymarker(pytest.mark.xfail(reason=gap[0], strict=gap[1]))


def same(backend_kg: KnowledgeGraph, kg: KnowledgeGraph, fn, *args, **kwargs) -> Any:
    got, want = fn(backend_kg, *args, **kwargs), fn(kg, *args, **kwargs)
    assert canon(got) == canon(want), f"{fn.__name__}{args} differs on {backend_kg.store.kind}"
    return got


def test_same_graphs_and_counts(backend_kg: KnowledgeGraph, kg: KnowledgeGraph) -> None:
    assert backend_kg.store.graphs() == kg.store.graphs()


@pytest.mark.parametrize("example", example_queries(), ids=lambda e: e.name)
def test_named_queries(request: pytest.FixtureRequest, backend_kg: KnowledgeGraph, kg: KnowledgeGraph, example) -> None:
    expect_gap(request, backend_kg, example.name)
    rows = same(backend_kg, kg, lambda k: k.select(example.query))
    assert rows, f"{example.name} answers nothing on the seed graph"


def test_union_default_graph_and_provenance(backend_kg: KnowledgeGraph, kg: KnowledgeGraph) -> None:
    q = """SELECT ?facility ?country ?g WHERE {
        GRAPH ?g { ?facility rekg:produces ?p }
        ?p (rekg:formOf|skos:broader)* id:dysprosium .
        ?facility rekg:locatedIn ?country }"""
    rows = same(backend_kg, kg, lambda k: k.select(q))
    assert rows


def test_bound_variables(backend_kg: KnowledgeGraph, kg: KnowledgeGraph) -> None:
    def outside_china(k: KnowledgeGraph) -> list[dict]:
        q = (
            "SELECT ?facility ?country ?outside WHERE {"
            " ?facility rekg:locatedIn ?country FILTER(?country != ?outside) }"
        )
        return k.select(q, outside=ox.NamedNode(k.iri("china")))

    def labelled(k: KnowledgeGraph) -> list[dict]:
        return k.select("SELECT ?s ?l WHERE { ?s rdfs:label ?l }", l=ox.Literal("dysprosium", language="en"))

    assert same(backend_kg, kg, outside_china)
    assert same(backend_kg, kg, labelled)


@pytest.mark.parametrize("name", ["Dy", "dysprosium", "DY", "China", "CN", "MP Materials Corp.", "Lynas"])
def test_names_resolve(backend_kg: KnowledgeGraph, kg: KnowledgeGraph, name: str) -> None:
    same(backend_kg, kg, resolve, name)


def test_unknown_name_and_bad_query(backend_kg: KnowledgeGraph) -> None:
    with pytest.raises(NodeNotFound):
        resolve(backend_kg, "unobtainium")
    with pytest.raises(InvalidQuery):
        backend_kg.select("SELECT * WHERE { ?s ?p ")


@pytest.mark.parametrize(
    ("material", "outside"), [("dysprosium", "China"), ("Dy", None), ("rare earths", "CN"), ("terbium", "China")]
)
def test_suppliers(backend_kg: KnowledgeGraph, kg: KnowledgeGraph, material: str, outside: str | None) -> None:
    same(backend_kg, kg, suppliers_of, material, outside=outside)


@pytest.mark.parametrize("day", ["2025-04-01", "2025-10-15", "2025-11-15", "2026-12-01"])
def test_measures_in_force(
    request: pytest.FixtureRequest, backend_kg: KnowledgeGraph, kg: KnowledgeGraph, day: str
) -> None:
    expect_gap(request, backend_kg, "measures_in_force")
    same(backend_kg, kg, measures_in_force, on=day)


def test_agreements(request: pytest.FixtureRequest, backend_kg: KnowledgeGraph, kg: KnowledgeGraph) -> None:
    expect_gap(request, backend_kg, "agreements")
    same(backend_kg, kg, agreements)


def test_timeline(request: pytest.FixtureRequest, backend_kg: KnowledgeGraph, kg: KnowledgeGraph) -> None:
    expect_gap(request, backend_kg, "timeline")
    same(backend_kg, kg, timeline)


def test_search(backend_kg: KnowledgeGraph, kg: KnowledgeGraph) -> None:
    same(backend_kg, kg, search, "dyspro")
    same(backend_kg, kg, search, "镝")


@pytest.mark.parametrize("name", ["dysprosium", "lynas", "china"])
def test_entity_pages(
    request: pytest.FixtureRequest, backend_kg: KnowledgeGraph, kg: KnowledgeGraph, name: str
) -> None:
    expect_gap(request, backend_kg, "describe_entity")
    same(backend_kg, kg, lambda k: describe_entity(k, k.iri(name)))


def test_projection_and_analyses(
    request: pytest.FixtureRequest, backend_kg: KnowledgeGraph, kg: KnowledgeGraph
) -> None:
    expect_gap(request, backend_kg, "projection")
    G, H = projection(backend_kg), projection(kg)
    assert (G.number_of_nodes(), G.number_of_edges()) == (H.number_of_nodes(), H.number_of_edges())
    assert sorted(n for n in G.nodes if not str(n).startswith("_:")) == sorted(
        n for n in H.nodes if not str(n).startswith("_:")
    )
    same(backend_kg, kg, centrality, "degree", top=10)
    same(backend_kg, kg, supply_paths, "China", "United States")


def test_queries_through_the_endpoint_keep_their_base(backend_kg: KnowledgeGraph) -> None:
    # The guard writes the endpoint's BASE in front of every query it passes on (relative IRIs
    # resolve as the client meant); the back end must take it in front of rekg's PREFIX lines too.
    from fastapi.testclient import TestClient
    from rekg.api.app import create_app
    from rekg.api.settings import Settings

    with TestClient(create_app(Settings(), backend_kg)) as client:
        r = client.get("/sparql", params={"query": "ASK { id:dysprosium a ?type }"})
        assert r.status_code == 200 and r.json()["boolean"] is True, r.text
        rel = client.get("/sparql", params={"query": "SELECT (STR(IRI('x')) AS ?i) WHERE {}"})
        assert rel.status_code == 200, rel.text
        if getattr(backend_kg.store, "virtuoso", False) and rel.json()["results"]["bindings"][0]["i"]["value"] == "x":
            pytest.xfail("Virtuoso 7.2.5 (Debian's virtuoso-opensource) does not resolve IRI() against BASE")
        assert rel.json()["results"]["bindings"][0]["i"]["value"] == "http://testserver/x"
