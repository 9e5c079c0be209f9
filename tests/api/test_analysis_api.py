"""The analysis endpoints over the real app: paths, centrality, chokepoints, concentration, scenarios."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from rekg.graph import KnowledgeGraph

US = "https://w3id.org/rekg/id/united-states"


def test_paths_from_the_us_to_dysprosium_avoiding_china(client: TestClient, kg: KnowledgeGraph) -> None:
    r = client.get("/paths", params={"source": "US", "target": "Dy", "avoid": "China"})
    assert r.status_code == 200, r.text
    paths = r.json()
    assert paths
    first = paths[0]
    assert "Malaysia" in [c["label"] for c in first["countries"]]
    assert kg.iri("lynas") in [c["id"] for c in first["companies"]]
    ids = {n["id"] for p in paths for n in p["nodes"]}
    assert kg.iri("china") not in ids
    step = first["steps"][0]
    assert {"source", "target", "relation", "inverse", "text", "sources"} <= set(step)
    assert step["sources"] and step["sources"][0]["title"]


def test_avoid_takes_several_values_repeated_or_comma_separated(client: TestClient) -> None:
    repeated = client.get(
        "/paths", params=[("source", "US"), ("target", "Dy"), ("avoid", "China"), ("avoid", "Australia")]
    )
    joined = client.get("/paths", params={"source": "US", "target": "Dy", "avoid": "China,Australia"})
    assert repeated.status_code == joined.status_code == 200
    assert repeated.json() == joined.json()
    assert all("Australia" not in [c["label"] for c in p["countries"]] for p in joined.json())


def test_no_path_is_200_with_an_empty_list(client: TestClient) -> None:
    r = client.get("/paths", params={"source": "dysprosium", "target": "United States"})
    assert r.status_code == 200 and r.json() == []


def test_an_unknown_name_is_404_with_close_matches(client: TestClient) -> None:
    r = client.get("/paths", params={"source": "Untied States", "target": "dysprosium"})
    assert r.status_code == 404
    body = r.json()
    assert body["error"] == "not_found"
    assert US in [s["id"] for s in body["suggestions"]]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/paths", {"source": "US", "target": "Dy", "max_len": 0}),
        ("/paths", {"source": "US", "target": "Dy", "max_len": "many"}),
        ("/paths", {"source": "US", "target": "Dy", "avoid": "US"}),
        ("/paths", {"source": "US", "target": "US"}),
        ("/paths", {"source": "US"}),
        ("/centrality", {"metric": "closeness"}),
        ("/centrality", {"kind": "planet"}),
        ("/centrality", {"top": 0}),
        ("/chokepoints", {"consumer": "US", "material": "Dy", "as_of": "soon"}),
        ("/concentration", {"indicator": "recycling"}),
        ("/scenarios/disruption", {}),
        ("/scenarios/disruption", {"remove": "China", "as_of": "2025-02-30"}),
    ],
)
def test_bad_parameters_are_422(client: TestClient, path: str, params: dict) -> None:
    r = client.get(path, params=params)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_parameter" and r.json()["detail"]


@pytest.mark.parametrize("metric", ["betweenness", "pagerank", "degree", "eigenvector"])
def test_centrality_returns_ranked_nodes(client: TestClient, metric: str) -> None:
    r = client.get("/centrality", params={"metric": metric, "kind": "country", "top": 5})
    assert r.status_code == 200, r.text
    ranked = r.json()
    assert 0 < len(ranked) <= 5 and all(x["kind"] == "country" for x in ranked)
    assert [x["score"] for x in ranked] == sorted((x["score"] for x in ranked), reverse=True)


def test_chokepoints_of_the_us_for_dysprosium(client: TestClient) -> None:
    r = client.get("/chokepoints", params={"consumer": "US", "material": "dysprosium"})
    assert r.status_code == 200
    body = r.json()
    assert body["connected"] and body["minimum_node_cut"]
    assert "Lynas Malaysia plant" in [s["label"] for s in body["suppliers"]]


def test_concentration_of_rare_earth_processing(client: TestClient) -> None:
    r = client.get("/concentration", params={"material": "rare earths", "indicator": "processing"})
    assert r.status_code == 200
    body = r.json()
    assert body["hhi"] >= 8100 and body["level"] == "highly concentrated"
    assert body["shares"][0]["subject"]["label"] == "China" and body["shares"][0]["sources"]


def test_removing_china_reports_materials_sectors_consumers_and_paths(client: TestClient, kg) -> None:
    r = client.get("/scenarios/disruption", params={"remove": "China", "as_of": "2025-11-15"})
    assert r.status_code == 200, r.text
    body = r.json()
    lost = {m["material"]["label"] for m in body["materials_without_supplier"]}
    assert {"gallium", "germanium", "antimony"} <= lost
    assert body["sectors_affected"] and body["paths_lost"]
    assert US in [c["consumer"]["id"] for c in body["consumers_affected"]]
    assert body["as_of"] == "2025-11-15"


def test_post_reimposes_measures(client: TestClient, kg: KnowledgeGraph) -> None:
    measure = kg.select(
        "SELECT ?m WHERE { ?m a rekg:ExportControl ; rekg:restricts id:gallium ; rekg:targets id:united-states }"
    )[0]["m"]
    r = client.post("/scenarios/disruption", json={"as_of": "2025-11-15", "reimpose": [measure]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"re-imposed"} == {m["status"] for m in body["measures"] if m["measure"]["id"] == measure}
    us = next(c for c in body["consumers_affected"] if c["consumer"]["id"] == US)
    assert "gallium" in [m["label"] for m in us["materials_lost"]]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"reimpose": ["no such measure at all"]}, 404),
        ({"reimpose": ["threatened additional 100% US tariff on Chinese goods"]}, 422),
        ({"remove": "China"}, 422),
        ({"remove": ["China"], "as_of": "yesterday"}, 422),
    ],
)
def test_post_validates_the_scenario(client: TestClient, body: dict, status: int) -> None:
    r = client.post("/scenarios/disruption", json=body)
    assert r.status_code == status, r.text
    assert r.json()["error"]


def test_openapi_documents_the_analysis_routes_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/paths", "/centrality", "/chokepoints", "/concentration", "/scenarios/disruption"):
        assert path in spec["paths"], path
        assert spec["paths"][path]["get"]["summary"] or spec["paths"][path]["get"]["description"]
    assert "post" in spec["paths"]["/scenarios/disruption"]
    schemas = spec["components"]["schemas"]
    assert schemas["DisruptionRequest"].get("examples")
    assert schemas["Step"]["properties"]["text"].get("examples")
