"""POST /sources with claims sheets and the USGS data release, GET /sources/template.csv, through the real app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rekg.api.app import create_app
from rekg.api.settings import Settings
from rekg.graph import open_graph
from rekg.graph.io.importers import TEMPLATE_EXAMPLE
from rekg.graph.io.seeds import SEEDS_DIR
from rekg.graph.sparql.examples import QUERIES_DIR

TOKEN = "test-token-import"
CSV = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/csv"}
USGS = Path(__file__).parents[1] / "graph" / "data" / "usgs-mcs2025-world-rare-earths.csv"


@pytest.fixture
def writable() -> TestClient:
    with TestClient(create_app(Settings(write_token=TOKEN), open_graph())) as c:
        yield c


@pytest.fixture
def without_usgs_seed(tmp_path: Path) -> TestClient:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds, ignore=shutil.ignore_patterns("usgs-mcs-2025.trig", "__pycache__"))
    with TestClient(create_app(Settings(write_token=TOKEN), open_graph(seeds_dir=seeds))) as c:
        yield c


def _count(c: TestClient) -> int:
    return c.get("/healthz").json()["triples"]


def _select(c: TestClient, query: str) -> list[dict]:
    r = c.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return r.json()["results"]["bindings"]


def test_template_csv() -> None:
    with TestClient(create_app(Settings(), open_graph(validate_shapes=False))) as c:
        r = c.get("/sources/template.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "subject,relation,object,value,unit,date,valid_from,valid_until,status,note" in r.text


def test_claims_sheet_is_added_and_answers_see_it(writable: TestClient) -> None:
    r = writable.post("/sources", content=TEMPLATE_EXAMPLE.encode(), headers=CSV)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] == "lanthanide-weekly-2025-11-20" and body["kind"] == "claims" and body["rows"] == 9
    assert any(s["id"] == body["id"] for s in writable.get("/sources").json())
    # /suppliers lists the sheet's plant among the producers of dysprosium oxide.
    sup = writable.get("/suppliers", params={"material": "dysprosium oxide"}).json()
    assert "Kuantan heavy rare earths line" in str(sup)
    # The sheet's Malaysian mine production (1,200 t) stands beside USGS's (130 t), each with its
    # own source only, and the sheet's has no share: it gives no world total to divide by.
    malaysia = [
        (c["value"], [s["publisher"] for s in c["sources"]], c["share_of_world"], c["disputed"])
        for c in writable.get("/suppliers", params={"material": "rare earths"}).json()["countries"]
        if c["country"]["label"] == "Malaysia" and c["indicator"] == "mine production"
    ]
    assert sorted(malaysia) == [
        (130.0, ["U.S. Geological Survey"], 0.0, True),
        (1200.0, ["Lanthanide Weekly"], None, True),
    ]
    # /measures sets the sheet's later end date for No. 61 against MOFCOM's: the status is contested
    # (on 2026-12-01, suspended by the sheet's date only), and the date names the sheet as its source.
    measures = writable.get("/measures", params={"material": "dysprosium", "in_force_on": "2026-12-01"}).json()[
        "measures"
    ]
    no61 = next(m for m in measures if m["id"].endswith("mofcom-2025-61"))
    assert no61["contested"] and "suspended" in no61["possible_statuses"]
    # Its status is projected from MOFCOM's dates, and the reason names the later claim instead of
    # saying that no later source reports a change.
    assert no61["projected"] and "a later source claims other dates" in no61["reason"]
    assert "Lanthanide Weekly (2025-11-20)" in no61["reason"] and "no later source" not in no61["reason"]
    assert any(
        d["property"] == "suspended_until"
        and d["value"] == "2026-12-10"
        and [s["id"] for s in d["sources"]] == [str(body["iri"])]
        for d in no61["date_conflicts"]
    ), no61["date_conflicts"]
    # ... and so does the conflict query.
    conflicts = _select(writable, (QUERIES_DIR / "conflicts.rq").read_text())
    assert any(
        b.get("source2", b.get("source1", {})).get("value", "").endswith("lanthanide-weekly-2025-11-20")
        or b.get("source1", {}).get("value", "").endswith("lanthanide-weekly-2025-11-20")
        for b in conflicts
    )
    again = writable.post("/sources", content=TEMPLATE_EXAMPLE.encode(), headers=CSV)
    assert again.status_code == 200 and again.json()["unchanged"] is True


def test_dry_run_returns_statements_and_writes_nothing(writable: TestClient) -> None:
    before = _count(writable)
    r = writable.post("/sources", params={"dry_run": "true"}, content=TEMPLATE_EXAMPLE.encode(), headers=CSV)
    assert r.status_code == 200, r.text
    assert r.json()["dry_run"] is True and "kuantan-heavy-rare-earths-line" in r.json()["statements"]
    assert _count(writable) == before


def test_bad_sheet_is_a_422_with_row_level_problems(writable: TestClient) -> None:
    before = _count(writable)
    bad = TEMPLATE_EXAMPLE.replace(
        "Kuantan heavy rare earths line,operator,Lynas",
        "Kuantan heavy rare earths line,operator,Lynass Corporation Holdings",
    )
    bad = bad.replace("2026-12-10", "10/12/2026")
    r = writable.post("/sources", content=bad.encode(), headers=CSV)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "invalid_sheet" and body["detail"]
    rows = {(p["row"], p["column"]) for p in body["problems"]}
    assert (10, "object") in rows and (16, "date") in rows
    assert all({"row", "column", "reason", "suggestions"} <= set(p) for p in body["problems"])
    assert _count(writable) == before


def test_unknown_header_is_a_422(writable: TestClient) -> None:
    r = writable.post("/sources", content=b"a,b,c\n1,2,3\n", headers=CSV)
    assert r.status_code == 422 and r.json()["error"] == "invalid_sheet"


def test_huge_sheet_is_refused_by_the_body_cap(writable: TestClient) -> None:
    row = b"Lynas,operator,Lynas,,,,,,,padding padding padding padding padding\n"
    r = writable.post("/sources", content=TEMPLATE_EXAMPLE.encode() + row * (50_000_000 // len(row)), headers=CSV)
    assert r.status_code == 413 and r.json()["error"] == "body_too_large"


def test_usgs_release_gives_shares_in_suppliers_and_concentration(without_usgs_seed: TestClient) -> None:
    c = without_usgs_seed
    r = c.post("/sources", content=USGS.read_bytes(), headers=CSV)
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "usgs-mcs" and r.json()["skipped"][0]["value"] == "Other countries"
    sup = c.get("/suppliers", params={"material": "rare earths"}).json()
    china = next(
        x for x in sup["countries"] if x["country"]["label"] == "China" and x["indicator"] == "mine production"
    )
    assert china["value"] == 270000 and china["share_of_world"] == 69.2
    conc = c.get("/concentration", params={"material": "rare earths", "indicator": "production", "period": "2024"})
    assert conc.status_code == 200 and conc.json()["shares"][0]["subject"]["label"] == "China"
    before = _count(c)
    again = c.post("/sources", content=USGS.read_bytes(), headers=CSV)
    assert again.status_code == 200 and again.json()["unchanged"] is True and _count(c) == before
