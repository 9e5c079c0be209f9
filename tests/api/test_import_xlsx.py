"""Claims sheets as .xlsx workbooks: read as text (formulas never evaluated), through the CLI and the real app."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from rekg.api.app import create_app
from rekg.api.settings import Settings
from rekg.graph import open_graph
from rekg.graph.io.importers import TEMPLATE_EXAMPLE, read_sheet
from rekg.graph.io.importers.engine import XLSX_MEDIA_TYPE

from tests.api.test_cli_import import rekg

TOKEN = "test-token-xlsx"
XLSX = {"Authorization": f"Bearer {TOKEN}", "Content-Type": XLSX_MEDIA_TYPE}


def workbook(text: str, *, edit: dict[tuple[int, int], object] | None = None) -> bytes:
    """The CSV ``text`` as the first worksheet of a workbook (one cell per CSV cell), with ``edit`` applied."""
    book = openpyxl.Workbook()
    sheet = book.active
    for cells in csv.reader(io.StringIO(text)):
        sheet.append(cells)
    for (row, column), value in (edit or {}).items():
        sheet.cell(row=row, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_formula_cells_are_read_as_text_and_rows_numbered_as_the_worksheet() -> None:
    # Row 9 is "Kuantan heavy rare earths line,a,facility,...": its note (column J) becomes a formula.
    data = workbook(TEMPLATE_EXAMPLE, edit={(9, 10): '=HYPERLINK("http://evil.example",1+1)', (15, 4): 1200})
    sheet = read_sheet(data)
    assert sheet.meta["publisher"] == "Lanthanide Weekly" and sheet.header[:3] == ["subject", "relation", "object"]
    rows = dict(sheet.rows)
    assert rows[9]["note"] == '=HYPERLINK("http://evil.example",1+1)'  # the formula's text, not its value
    assert rows[15]["value"] == "1200"  # a number cell reads as the figure a CSV would hold
    # The same sheet read from CSV has the same rows (an .xlsx is only another container).
    from_csv = read_sheet(TEMPLATE_EXAMPLE.encode())
    assert [(n, r) for n, r in from_csv.rows if n not in (9, 15)] == [(n, r) for n, r in sheet.rows if n not in (9, 15)]
    assert from_csv.meta == sheet.meta


def test_not_a_workbook_is_refused_as_bad_input() -> None:
    with TestClient(create_app(Settings(write_token=TOKEN), open_graph())) as c:
        r = c.post("/sources", content=b"PK\x03\x04 not really a zip", headers=XLSX)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_data" and "xlsx" in r.json()["detail"]


def test_api_reports_a_bad_row_by_row_and_column_and_writes_nothing() -> None:
    # Row 15 is the mine-production figure: its unit cell (column E) gets a unit the mapping does not know.
    data = workbook(TEMPLATE_EXAMPLE, edit={(15, 5): "furlongs"})
    with TestClient(create_app(Settings(write_token=TOKEN), open_graph())) as c:
        before = c.get("/healthz").json()["triples"]
        r = c.post("/sources", content=data, headers=XLSX)
        assert r.status_code == 422, r.text
        problems = r.json()["problems"]
        assert {"row": 15, "column": "unit"} in [{k: p[k] for k in ("row", "column")} for p in problems]
        assert any("furlongs" in (p.get("value") or "") for p in problems)
        assert c.get("/healthz").json()["triples"] == before


def test_api_dry_run_of_a_workbook_matches_the_csv() -> None:
    data = workbook(TEMPLATE_EXAMPLE, edit={(9, 10): "=1+1"})
    with TestClient(create_app(Settings(write_token=TOKEN), open_graph())) as c:
        r = c.post("/sources", params={"dry_run": "true"}, content=data, headers=XLSX)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["kind"] == "claims" and body["dry_run"] and body["rows"] == 9
        assert '"=1+1"@en' in body["statements"]  # the formula cell stored as the text it is
        csv_body = c.post(
            "/sources",
            params={"dry_run": "true"},
            content=TEMPLATE_EXAMPLE.encode(),
            headers={**XLSX, "Content-Type": "text/csv"},
        ).json()
    assert body["triples"] == csv_body["triples"]


@pytest.mark.slow
def test_cli_ingests_a_workbook_and_reports_a_bad_one(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    good = tmp_path / "lanthanide-weekly.xlsx"
    good.write_bytes(workbook(TEMPLATE_EXAMPLE, edit={(9, 10): "=SUM(A1:A3)"}))
    out = rekg("ingest", str(good), "--store-path", store)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "lanthanide-weekly-2025-11-20" in rekg("sources", "--store-path", store).stdout

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook(TEMPLATE_EXAMPLE.replace("lanthanide-weekly-2025-11-20", "other"), edit={(15, 6): "soon"}))
    out = rekg("ingest", str(bad), "--store-path", store)
    assert out.returncode != 0
    report = out.stdout + out.stderr
    assert "row 15, column date" in report
    assert "other" not in rekg("sources", "--store-path", store).stdout
