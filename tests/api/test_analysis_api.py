"""The analysis endpoints over the real app: paths, centrality, chokepoints, concentration, scenarios."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rekg.api.routers.analysis import EXAMPLES
from rekg.graph import KnowledgeGraph

US = "https://w3id.org/rekg/id/united-states"


def test_paths_from_the_us_to_dysprosium_avoiding_china(client: TestClient, kg: KnowledgeGraph) -> None:
    r = client.get("/paths", params={"source": "US", "target": "Dy", "avoid": "China"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source"]["id"] == US and body["target"]["id"] == kg.iri("dysprosium")
    assert [a["id"] for a in body["avoid"]] == [kg.iri("china")]
    assert (body["max_len"], body["limit"], body["as_of"]) == (6, 20, date.today().isoformat())
    assert body["restricted"] == "include" and body["evidence"]["as_of"] == body["as_of"]
    paths = body["paths"]
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
    assert [a["label"] for a in joined.json()["avoid"]] == ["China", "Australia"]
    assert all("Australia" not in [c["label"] for c in p["countries"]] for p in joined.json()["paths"])


def test_no_path_is_200_with_an_empty_list(client: TestClient) -> None:
    r = client.get("/paths", params={"source": "dysprosium", "target": "United States", "as_of": "2025-11-15"})
    assert r.status_code == 200
    assert r.json()["paths"] == [] and r.json()["as_of"] == "2025-11-15"


def test_an_unknown_name_is_404_with_close_matches(client: TestClient) -> None:
    r = client.get("/paths", params={"source": "Untied Stat", "target": "dysprosium"})
    if r.status_code == 200:  # the one close match resolves directly
        assert r.json()["source"]["id"] == US
    else:
        assert r.status_code == 404
        body = r.json()
        assert body["error"] == "not_found"
        assert US in [s["id"] for s in body["suggestions"]]
    r = client.get("/paths", params={"source": "Atlantis", "target": "dysprosium"})
    assert r.status_code == 404 and r.json()["error"] == "not_found"


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
        ("/centrality", {"metric": "pagerank", "restricted": "exclude"}),
        ("/centrality", {"as_of": "2026-13-01"}),
        ("/paths", {"source": "US", "target": "Dy", "restricted": "never"}),
        ("/chokepoints", {"consumer": "US", "material": "Dy", "as_of": "soon"}),
        ("/chokepoints", {"consumer": "US", "material": "Dy", "restricted": "all"}),
        ("/concentration", {"indicator": "recycling"}),
        ("/concentration", {"as_of": "2025-02-30"}),
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
    body = r.json()
    assert (body["metric"], body["kind"], body["top"]) == (metric, "country", 5)
    ranked = body["ranked"]
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


#: The result type each analysis route answers with.
RESULTS = {"SupplyPaths", "Centrality", "Chokepoints", "Concentration", "Disruption"}

#: A real request per route, the one its documented example answers.
REQUESTS = {
    "/paths": {"source": "US", "target": "dysprosium", "as_of": "2026-12-01", "limit": 3},
    "/centrality": {"metric": "betweenness", "kind": "country", "top": 3, "as_of": "2026-12-01"},
    "/chokepoints": {"consumer": "US", "material": "dysprosium", "as_of": "2026-12-01"},
    "/concentration": {"material": "rare earths", "indicator": "processing", "as_of": "2026-12-01"},
    "/scenarios/disruption": {"remove": "China", "as_of": "2026-12-01"},
}


def _same_shape(example: Any, real: Any, where: str = "") -> None:
    """Assert that two JSON values have the same keys, nested (lists compared by their first items)."""
    if isinstance(example, dict) or isinstance(real, dict):
        assert isinstance(example, dict) and isinstance(real, dict), where
        assert set(example) == set(real), f"{where}: {sorted(set(example) ^ set(real))}"
        for k in example:
            _same_shape(example[k], real[k], f"{where}.{k}")
    elif isinstance(example, list) and isinstance(real, list) and example and real:
        _same_shape(example[0], real[0], f"{where}[0]")


def test_openapi_documents_the_analysis_routes_with_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    routes = [(path, "get") for path in EXAMPLES] + [("/scenarios/disruption", "post")]
    assert set(EXAMPLES) == set(REQUESTS)
    for path, method in routes:
        op = spec["paths"][path][method]
        assert op["summary"] or op["description"], path
        answer = op["responses"]["200"]["content"]["application/json"]
        assert answer["example"], (path, method)
        assert answer["schema"]["$ref"].rsplit("/", 1)[-1] in RESULTS, (path, answer["schema"])
    schemas = spec["components"]["schemas"]
    assert schemas["DisruptionRequest"].get("examples")
    # Field documentation comes from the docstrings under the result dataclasses' fields.
    assert schemas["Step"]["properties"]["text"]["description"]
    assert schemas["SupplyPaths"]["properties"]["paths"]["description"]


def _without_nulls(value: Any) -> Any:
    # FastAPI writes the OpenAPI document without null values, examples included.
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


@pytest.mark.parametrize("path", sorted(REQUESTS))
def test_each_documented_example_has_the_shape_of_a_real_answer(client: TestClient, path: str) -> None:
    spec = client.get("/openapi.json").json()
    documented = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["example"]
    example = EXAMPLES[path]
    assert documented == _without_nulls(example)
    r = client.get(path, params=REQUESTS[path])
    assert r.status_code == 200, r.text
    real = r.json()
    _same_shape(example, real, path)
    # Not only the keys: what the example echoes and concludes is what the graph answers.
    _same_values(example, real, path)
    # Lists are cut, but what they list is real: each item's scalars match a real item's.
    for key in ("paths", "ranked", "measures", "restricted_flows", "paths_lost", "materials_without_supplier"):
        for item in example.get(key, []):
            assert any(_scalars(item) == _scalars(x) for x in real[key]), (path, key, item)


def _same_values(example: Any, real: Any, where: str) -> None:
    """Every value of the example outside lists (which examples cut) equals the real answer's."""
    if isinstance(example, dict):
        for k, v in example.items():
            _same_values(v, real[k], f"{where}.{k}")
    elif not isinstance(example, list):
        assert example == real, where


def _scalars(item: Any) -> Any:
    """An item without its lists (which examples cut)."""
    if isinstance(item, dict):
        return {k: _scalars(v) for k, v in item.items() if not isinstance(v, list)}
    return item


# One rule for time: every analysis applies what /measures calls in force that day --------

_BLOCKING = {"export control", "ownership rule"}


def _in_force(client: TestClient, day: str, **params: str) -> set[str]:
    r = client.get("/measures", params={"in_force_on": day, **params})
    assert r.status_code == 200, r.text
    return {m["id"] for m in r.json()["measures"] if m["status"].startswith("in force") and m["kind"] in _BLOCKING}


def _ids(items: list[dict], key: str = "measure") -> set[str]:
    return {x[key]["id"] for x in items}


@pytest.mark.parametrize("day", ["2026-01-15", "2026-12-01"])
def test_paths_chokepoints_centrality_and_scenarios_agree_with_measures(
    client: TestClient, kg: KnowledgeGraph, day: str
) -> None:
    # 2026-01-15: the truce suspends China's October controls and the gallium ban on the US;
    # 2026-12-01: the suspensions have run out and /measures calls them in force again.
    ban = kg.iri("mofcom-2024-46-clause-2")
    everywhere = _in_force(client, day)
    assert (ban in everywhere) == (day == "2026-12-01")
    scenario = client.get("/scenarios/disruption", params={"remove": "Malaysia", "as_of": day}).json()
    assert _ids(scenario["baseline"]["measures"]) == everywhere
    assert _ids(client.get("/centrality", params={"as_of": day}).json()["measures"]) == everywhere
    for material in ("gallium", "dysprosium"):
        expected = _in_force(client, day, targets="US", material=material)
        found = client.get("/paths", params={"source": "US", "target": material, "as_of": day, "limit": 200}).json()
        cp = client.get("/chokepoints", params={"consumer": "US", "material": material, "as_of": day}).json()
        assert _ids(found["measures"]) == _ids(cp["measures"]) == expected, material
        assert {m["id"] for p in found["paths"] for m in p["restricted_by"]} == expected, material
        assert {m["id"] for f in cp["restricted_flows"] for m in f["restricted_by"]} == expected, material
        for p in found["paths"]:
            for step in p["steps"]:
                assert {m["id"] for m in step["restricted_by"]} <= everywhere
    gallium = client.get("/paths", params={"source": "US", "target": "gallium", "as_of": day}).json()
    assert all((ban in {m["id"] for m in p["restricted_by"]}) == (day == "2026-12-01") for p in gallium["paths"])
    assert gallium["evidence"]["projected"] == (day == "2026-12-01")


def test_exclude_and_only_split_the_paths(client: TestClient) -> None:
    params = {"source": "US", "target": "dysprosium", "as_of": "2026-12-01", "limit": 200}
    every = client.get("/paths", params=params).json()["paths"]
    shut = client.get("/paths", params={**params, "restricted": "only"}).json()["paths"]
    open_ = client.get("/paths", params={**params, "restricted": "exclude"}).json()["paths"]
    assert every[: len(open_)] == open_ and every[len(open_) :] == shut
    assert all(p["restricted_by"] for p in shut) and not any(p["restricted_by"] for p in open_)


def test_a_scenario_reports_its_baseline_and_the_change_against_no_measures(client: TestClient) -> None:
    body = client.get("/scenarios/disruption", params={"remove": "China", "as_of": "2026-12-01"}).json()
    assert body["baseline"]["measures"] and body["baseline"]["consumers_restricted"]
    lost = {c["consumer"]["id"]: c for c in body["without_measures"]["consumers_affected"]}
    assert "gallium" in [m["label"] for m in lost[US]["materials_lost"]]
    assert "Caixin" not in [r["label"] for r in body["removed_with"]]
    assert body["note"].startswith("Against the baseline of 2026-12-01") and body["evidence"]["projected"]


def test_concentration_of_us_imports_of_rare_earth_compounds(client: TestClient) -> None:
    r = client.get(
        "/concentration", params={"material": "rare-earth compounds", "indicator": "imports", "importer": "US"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["importer"]["id"] == US and body["indicator"] == "imports"
    assert [(s["subject"]["label"], s["share"]) for s in body["shares"]] == [
        ("China", 0.7),
        ("Malaysia", 0.13),
        ("Japan", 0.06),
        ("Estonia", 0.05),
    ]
    assert body["shares"][0]["sources"][0]["id"] == "https://w3id.org/rekg/source/usgs-mcs-2025"
    assert body["coverage"] == 0.94 and body["hhi"] == 5130.0 and "6% of the total is not broken down" in body["note"]
    # The default importer is the only one with figures.
    default = client.get("/concentration", params={"material": "rare-earth compounds", "indicator": "imports"})
    assert default.status_code == 200 and default.json()["importer"]["id"] == US


def test_an_importer_with_another_indicator_is_422(client: TestClient) -> None:
    r = client.get("/concentration", params={"indicator": "mining", "importer": "US"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_parameter"


def test_the_disruption_scenario_is_the_same_by_get_and_by_post(client: TestClient) -> None:
    # GET once required `remove` and had no `reimpose`, which the POST form and the CLI accept.
    scenario = {"as_of": "2026-01-15", "reimpose": ["MOFCOM Announcement 2025 No. 61"]}
    got = client.get("/scenarios/disruption", params=scenario)
    assert got.status_code == 200, got.text
    assert got.json() == client.post("/scenarios/disruption", json=scenario).json()
    both = client.get("/scenarios/disruption", params=[("remove", "China"), ("remove", "Japan")])
    assert [r["label"] for r in both.json()["removed"]] == ["China", "Japan"]
    empty = client.get("/scenarios/disruption")
    assert empty.status_code == 422 and empty.json()["error"] == "invalid_parameter"


@pytest.mark.parametrize("period", ["abc", "2024-13", "2024-00"])
def test_a_period_that_is_no_period_is_a_422_not_an_empty_answer(client: TestClient, period: str) -> None:
    r = client.get("/concentration", params={"material": "rare earths", "period": period})
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_parameter" and "2025-09" in r.json()["detail"]


def test_a_name_with_a_comma_is_one_name_and_a_list_typed_in_one_field_still_works(client: TestClient) -> None:
    one = client.post(
        "/scenarios/disruption", json={"as_of": "2026-01-15", "reimpose": ["MOFCOM Announcement 2024 No. 46, clause 2"]}
    )
    assert one.status_code == 200, one.text
    assert [m["measure"]["label"] for m in one.json()["measures"] if m["status"] == "re-imposed"] == [
        "MOFCOM Announcement 2024 No. 46, clause 2"
    ]
    two = client.get("/paths", params={"source": "US", "target": "dysprosium", "avoid": "China, Russia"})
    assert [a["label"] for a in two.json()["avoid"]] == ["China", "Russia"]


def test_a_measure_named_like_its_source_document_is_no_ambiguity_where_only_measures_fit(client: TestClient) -> None:
    r = client.post(
        "/scenarios/disruption", json={"as_of": "2026-01-15", "reimpose": ["MOFCOM Announcement 2025 No. 18"]}
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/paths", {"source": "US", "target": "gallium", "avoid": "defence"}),  # a sector
        ("/paths", {"source": "US", "target": "gallium", "avoid": "China's October 2025 export controls"}),
        ("/scenarios/disruption", {"remove": "North America"}),  # a region
    ],
)
def test_only_actors_and_plants_can_be_avoided_or_removed(client: TestClient, path: str, params: dict) -> None:
    # These were echoed as removed and changed nothing ("0 countries lose access").
    r = client.get(path, params=params)
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert "country" in r.json()["detail"] and "facility" in r.json()["detail"]


@pytest.mark.parametrize("as_of", ["0", "1764547200", "2026-02-30"])
def test_as_of_is_read_by_the_one_date_rule(client: TestClient, as_of: str) -> None:
    # pydantic's date took 0 as 1970-01-01 and a Unix timestamp as a day; /measures refused them.
    r = client.get("/chokepoints", params={"consumer": "US", "material": "gallium", "as_of": as_of})
    assert r.status_code == 422 and "as_of" in r.json()["detail"]
    assert client.get("/measures", params={"in_force_on": as_of}).status_code == 422
    post = client.post("/scenarios/disruption", json={"remove": ["China"], "as_of": as_of})
    assert post.status_code == 422


def test_the_baseline_is_the_same_whatever_the_scenario_removes(client: TestClient) -> None:
    def baseline(remove: str) -> list[str]:
        r = client.get("/scenarios/disruption", params={"remove": remove, "as_of": "2026-12-01"}).json()
        return sorted(c["consumer"]["label"] for c in r["baseline"]["consumers_restricted"])

    assert baseline("China") == baseline("Estonia") and "China" in baseline("China")


def test_a_planned_plant_is_no_supply_route_as_it_is_no_supplier(client: TestClient) -> None:
    # Paths once went through "Lynas planned yttrium and samarium separation plant" from 1 January
    # of its due year, while /suppliers, same day, listed no supplier: one rule now.
    day = "2026-01-15"
    paths = client.get("/paths", params={"source": "Australia", "target": "yttrium", "as_of": day}).json()
    assert not any("planned" in step["text"] for p in paths["paths"] for step in p["steps"])
    suppliers = client.get("/suppliers", params={"material": "yttrium", "outside": "China", "as_of": day}).json()
    assert not any(f["status"] == "planned" for s in suppliers["suppliers"] for f in s["facilities"])
