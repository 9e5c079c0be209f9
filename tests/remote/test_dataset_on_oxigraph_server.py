"""``REKG_REMOTE_DATASET=server`` on the Oxigraph server (``--union-default-graph``): the same answers
as listing rekg's graphs in every query, without the list."""

from __future__ import annotations

from rekg.graph import KnowledgeGraph
from rekg.graph import answers as analyst
from rekg.graph.kg import KnowledgeGraph as Graph
from rekg.graph.store import open_store

from tests.oxigraph_server import OxigraphServer


def _answers(kg: KnowledgeGraph) -> tuple:
    return (
        [(s.label, [f.label for f in s.facilities]) for s in analyst.suppliers_of(kg, "Dy", outside="CN").suppliers],
        sorted((m.id, m.status) for m in analyst.measures_in_force(kg, on="2025-11-08").measures),
        # rekg's own bookkeeping graph (urn:rekg:…) is on the server too; only listing hides it.
        kg.select('SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(!STRSTARTS(STR(?g), "urn:rekg:")) }'),
        kg.select("SELECT ?g WHERE { GRAPH ?g { id:dysprosium a ?type } } ORDER BY ?g"),
    )


def test_the_server_dataset_answers_like_the_listed_graphs(kg: KnowledgeGraph, read_server: OxigraphServer) -> None:
    store = open_store("remote", query_url=read_server.query_url, timeout=30.0, dataset="server")
    union = Graph(store, seed_graphs=kg.seed_graphs)
    assert store.dataset == "server" and kg.store.dataset == "auto"
    assert _answers(union) == _answers(kg)
