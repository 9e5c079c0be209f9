"""/healthz, /sparql and /export through the real app over the seed graph."""

from __future__ import annotations

from fastapi.testclient import TestClient
from rdflib import Dataset


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["triples"] > 500 and body["store"] == "memory"


def test_sparql_get_returns_json_rows(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?f WHERE { ?f rekg:operator id:lynas }"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    rows = r.json()["results"]["bindings"]
    assert {"type": "uri", "value": "https://w3id.org/rekg/id/lynas-malaysia"} in [b["f"] for b in rows]


def test_sparql_syntax_error_is_a_json_400(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT WHERE {"})
    assert r.status_code == 400
    assert r.json()["error"] == "malformed_query" and r.json()["detail"]


def test_export_nquads_keeps_sources(client: TestClient) -> None:
    r = client.get("/export/nq")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/n-quads")
    assert 'filename="rekg.nq"' in r.headers["content-disposition"]
    ds = Dataset()
    ds.parse(data=r.content, format="nquads")
    assert any(str(g.identifier).endswith("source/caixin-2025-11") for g in ds.graphs())


def test_unknown_export_format_is_406_json(client: TestClient) -> None:
    r = client.get("/export/docx")
    assert r.status_code == 406 and r.json()["error"] == "unsupported_format"
