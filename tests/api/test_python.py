"""The Python API's SPARQL: checked and answered as the endpoint answers it."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from rekg.api.python import Graph, QueryRows
from rekg.graph import KnowledgeGraph
from rekg.graph.errors import ForbiddenQuery, InvalidQuery, ResultTooLarge

from tests.serverutil import canary_listener

CAIXIN = "https://w3id.org/rekg/source/caixin-2025-11"


def test_from_chooses_the_graph_as_on_the_endpoint(kg: KnowledgeGraph, client: TestClient) -> None:
    q = f"SELECT (COUNT(*) AS ?n) FROM <{CAIXIN}> WHERE {{ ?s ?p ?o }}"
    rows = Graph(kg).query(q)
    assert isinstance(rows, QueryRows)
    http = client.get("/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"})
    assert rows.rows == [{"n": int(http.json()["results"]["bindings"][0]["n"]["value"])}]
    assert rows.rows[0]["n"] < sum(kg.store.graphs().values())


def test_what_the_endpoint_refuses_is_refused(kg: KnowledgeGraph) -> None:
    g = Graph(kg)
    with canary_listener() as canary:
        with pytest.raises(ForbiddenQuery, match="SERVICE"):
            g.query(f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}")
        time.sleep(0.2)
    assert canary.hits == []
    with pytest.raises(ForbiddenQuery, match="not a graph of this store"):
        g.query("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")
    with pytest.raises(ForbiddenQuery, match="read-only"):
        g.query("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises(InvalidQuery):
        g.query("SELECT ?x WHERE {")
    with pytest.raises(ResultTooLarge):
        g.query("SELECT * WHERE { ?s ?p ?o }", max_rows=10)


def test_relative_iris_resolve_against_the_graph_base_and_graph_results_are_triples(kg: KnowledgeGraph) -> None:
    g = Graph(kg)
    assert g.query("SELECT (<id/lynas> AS ?x) WHERE {}").rows == [{"x": kg.iri("lynas")}]
    triples = g.query("CONSTRUCT { id:lynas rdfs:label ?l } WHERE { id:lynas rdfs:label ?l }")
    assert triples and all(str(t.subject.value) == kg.iri("lynas") for t in triples)
    assert g.query("ASK { id:lynas ?p ?o }") is True
