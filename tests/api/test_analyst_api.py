"""/suppliers, /search, /measures, /agreements, /timeline through the real app over the seed graph."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from rekg.api.routers.analyst import EXAMPLES
from rekg.graph.answers import AgreementsAnswer, MeasuresAnswer, SearchResults, SupplierAnswer, Timeline

ID = "https://w3id.org/rekg/id/"


def _suppliers(client: TestClient, **params: str) -> dict:
    r = client.get("/suppliers", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def _by_label(body: dict) -> dict:
    return {s["label"]: s for s in body["suppliers"]}


def test_dysprosium_outside_china_gives_lynas_malaysia(client: TestClient) -> None:
    body = _suppliers(client, material="Dy", outside="CN")
    assert body["material"] == {"id": ID + "dysprosium", "label": "dysprosium"}
    assert body["outside"]["label"] == "China"
    lynas = _by_label(body)["Lynas Rare Earths"]
    assert lynas["country"]["label"] == "Australia" and lynas["status"] == "operating"
    plant = lynas["facilities"][0]
    assert plant["location"] == {"id": ID + "malaysia", "label": "Malaysia"}
    assert plant["stage"] == "separation" and plant["start_year"] == 2025
    assert {s["publisher"] for s in lynas["sources"]} >= {"Caixin"}
    assert all(s["id"] and s["title"] and s["date"] for s in lynas["sources"])
    assert "SELECT" in body["query"] and body["bindings"]["outside"] == ID + "china"


@pytest.mark.parametrize(
    ("material", "status", "year"),
    [("terbium", "operating", 2025), ("yttrium", "planned", 2026), ("samarium", "planned", 2026)],
)
def test_heavy_rare_earths_outside_china(client: TestClient, material: str, status: str, year: int) -> None:
    lynas = _by_label(_suppliers(client, material=material, outside="China"))["Lynas Rare Earths"]
    assert (lynas["status"], lynas["start_year"]) == (status, year)


def test_permanent_magnets_outside_china_give_mp_materials_planned_2028(client: TestClient) -> None:
    mp = _by_label(_suppliers(client, material="permanent magnets", outside="China"))["MP Materials"]
    assert mp["status"] == "planned" and mp["start_year"] == 2028
    assert mp["facilities"][0]["capacity"] == {"value": 10000.0, "unit": "t/yr"}


def test_query_shown_runs_on_the_sparql_endpoint_with_its_bindings(client: TestClient) -> None:
    body = _suppliers(client, material="Dy", outside="CN")
    # The text is the one run with bound variables; with the bindings written in as VALUES it
    # gives the same suppliers through /sparql.
    values = " ".join(f"<{v}>" for v in (body["bindings"]["material"], body["bindings"]["outside"]))
    query = body["query"].replace("WHERE {", "WHERE {\n  VALUES (?material ?outside) { (" + values + ") }", 1)
    r = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    companies = {b["company"]["value"] for b in r.json()["results"]["bindings"]}
    assert companies == {s["id"] for s in body["suppliers"]}


@pytest.mark.parametrize(
    ("params", "status", "error"),
    [
        ({"material": "dysprsum"}, 404, "not_found"),
        ({"material": "Dy", "outside": "Atlantis"}, 404, "not_found"),
        ({"material": "Dy", "as_of": "2026-02-30"}, 422, "invalid_parameter"),
        ({"material": "Dy", "as_of": "tomorrow"}, 422, "invalid_parameter"),
        ({}, 422, "invalid_parameter"),
        ({"material": "Dy", "stage": "teleportation"}, 404, "not_found"),
    ],
)
def test_suppliers_errors_are_json(client: TestClient, params: dict, status: int, error: str) -> None:
    r = client.get("/suppliers", params=params)
    assert r.status_code == status and r.json()["error"] == error and r.json()["detail"]


def test_unknown_material_lists_close_matches(client: TestClient) -> None:
    r = client.get("/suppliers", params={"material": "dysprsum"})
    assert r.json()["suggestions"][0]["id"] == ID + "dysprosium"


def test_injection_attempts_are_just_unknown_names(client: TestClient) -> None:
    for evil in ['Dy" } UNION { ?s ?p ?o', "> ; DROP ALL ; <", "?material"]:
        r = client.get("/suppliers", params={"material": evil, "outside": evil})
        assert r.status_code == 404, r.text


def test_search(client: TestClient) -> None:
    r = client.get("/search", params={"q": "lyn", "limit": 5})
    assert r.status_code == 200
    hits = r.json()["hits"]
    assert hits[0]["id"] == ID + "lynas" and hits[0]["label_zh"] == "莱纳斯稀土" and hits[0]["type"] == "company"
    assert len(hits) <= 5
    assert client.get("/search", params={"q": "镝"}).json()["hits"][0]["id"] == ID + "dysprosium"
    assert client.get("/search", params={"q": ""}).status_code == 422
    assert client.get("/search", params={"q": "x", "limit": 1000}).status_code == 422


def test_measures_on_15_january_2026_show_the_suspensions(client: TestClient) -> None:
    r = client.get("/measures", params={"in_force_on": "2026-01-15"})
    assert r.status_code == 200
    body = r.json()
    assert body["on"] == "2026-01-15" and body["counts"]["suspended"] >= 8
    by_id = {m["id"]: m for m in body["measures"]}
    no61 = by_id[ID + "mofcom-2025-61"]
    assert no61["status"] == "suspended"
    assert no61["deciding"] == {"suspended_from": "2025-11-07", "suspended_until": "2026-11-10"}
    assert by_id[ID + "bis-affiliates-rule"]["status"] == "suspended"
    assert by_id[ID + "mofcom-2025-18"]["status"] == "in force"


def test_measures_filters_and_errors(client: TestClient) -> None:
    r = client.get("/measures", params={"in_force_on": "2026-01-15", "imposed_by": "US"})
    assert r.status_code == 200 and all(
        ID + "united-states" in [a["id"] for a in m["imposed_by"]] for m in r.json()["measures"]
    )
    assert client.get("/measures", params={"in_force_on": "2026-1-155"}).status_code == 422
    assert client.get("/measures", params={"material": "unobtainium"}).status_code == 404


def test_agreements_and_timeline(client: TestClient) -> None:
    r = client.get("/agreements", params={"party": "CN"})
    assert r.status_code == 200
    labels = [a["label"] for a in r.json()["agreements"]]
    assert "Busan truce" in labels
    r = client.get("/timeline", params={"from": "2025-10", "to": "2025-11"})
    assert r.status_code == 200
    body = r.json()
    assert body["start"] == "2025-10-01" and body["end"] == "2025-11-30"
    dates = [e["date"] for e in body["events"]]
    assert dates == sorted(dates) and "2025-10-30" in dates
    assert client.get("/timeline", params={"from": "soon"}).status_code == 422


def test_openapi_documents_every_endpoint_with_an_example(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/suppliers", "/search", "/measures", "/agreements", "/timeline", "/entities/{id}"):
        op = spec["paths"][path]["get"]
        assert op.get("summary") and op.get("description"), path
        assert "200" in op["responses"]
    for path in EXAMPLES:
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert content.get("example"), path
    # Field documentation is written once, under the answer's fields, and reaches the schema.
    schemas = spec["components"]["schemas"]
    assert schemas["SupplierAnswer"]["properties"]["query"].get("description")


@pytest.mark.parametrize(
    ("path", "answer_type"),
    [
        ("/suppliers", SupplierAnswer),
        ("/search", SearchResults),
        ("/measures", MeasuresAnswer),
        ("/agreements", AgreementsAnswer),
        ("/timeline", Timeline),
    ],
)
def test_documented_examples_are_valid_answers(path: str, answer_type: type) -> None:
    """Each example parses as the route's answer type and dumps back unchanged: no field missing, extra or mistyped."""
    example = EXAMPLES[path]
    assert TypeAdapter(answer_type).validate_python(example).to_dict() == example


# Import shares: how dependent is the US on China for rare-earth compounds (USGS) -------------

_USGS = "https://w3id.org/rekg/source/usgs-mcs-2025"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"material": "rare-earth compounds", "importer": "US"},
            [("China", 0.7), ("Malaysia", 0.13), ("Japan", 0.06), ("Estonia", 0.05)],
        ),
        (
            {"material": "rare-earth compounds", "importer": "US", "outside": "China"},
            [("Malaysia", 0.13), ("Japan", 0.06), ("Estonia", 0.05)],
        ),
    ],
)
def test_suppliers_give_import_shares_with_their_source(client: TestClient, params: dict, expected: list) -> None:
    r = client.get("/suppliers", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["importer"]["id"] == "https://w3id.org/rekg/id/united-states"
    (us,) = body["import_shares"]
    assert [(s["exporter"]["label"], s["share"]) for s in us["shares"]] == expected
    assert all([src["id"] for src in s["sources"]] == [_USGS] for s in us["shares"])
    assert us["not_broken_down"] == 0.06 and "not break down" in us["note"]


def test_suppliers_with_an_unknown_importer_is_404(client: TestClient) -> None:
    r = client.get("/suppliers", params={"material": "rare-earth compounds", "importer": "Atlantis"})
    assert r.status_code == 404 and r.json()["error"] == "not_found"
