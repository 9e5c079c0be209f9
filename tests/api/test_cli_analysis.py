"""rekg paths, centrality, chokepoints, concentration, scenario and export, run as a user runs them."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from lxml import etree

from tests import serverutil
from tests.graph.test_export_graph import _schema

REKG = list(serverutil.REKG)


def rekg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*REKG, *args], capture_output=True, text=True, timeout=180, check=False)


def test_paths_table_shows_the_route_through_malaysia() -> None:
    # Two routes of three steps tie (the US-Malaysia partnership backing the plant, and Malaysia as a supplier).
    out = rekg("paths", "US", "dysprosium", "--avoid", "China", "--limit", "2")
    assert out.returncode == 0, out.stderr
    assert "Malaysia" in out.stdout and "Lynas" in out.stdout and "located in" in out.stdout.replace("\n", " ")


def test_paths_json_is_the_api_shape_and_unknown_names_fail(client: TestClient) -> None:
    out = rekg("paths", "US", "dysprosium", "--avoid", "China", "--format", "json")
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    api = client.get("/paths", params={"source": "US", "target": "dysprosium", "avoid": "China"})  # the same defaults
    assert found == api.json()
    assert [a["label"] for a in found["avoid"]] == ["China"]
    assert found["paths"] and "Malaysia" in [c["label"] for c in found["paths"][0]["countries"]]
    bad = rekg("paths", "US", "Atlantis")
    assert bad.returncode == 1 and "Atlantis" in bad.stderr


def test_paths_on_a_day_name_the_measures_and_print_the_evidence_note(client: TestClient) -> None:
    out = rekg("paths", "US", "gallium", "--as-of", "2026-12-01", "--limit", "2")
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "restricted by MOFCOM Announcement 2024 No. 46, clause 2" in text
    note = client.get("/paths", params={"source": "US", "target": "gallium", "as_of": "2026-12-01"}).json()
    assert " ".join(note["evidence"]["note"].split()) in text
    assert "projected" in text
    excluded = rekg("paths", "US", "gallium", "--as-of", "2026-12-01", "--restricted", "exclude")
    assert excluded.returncode == 0, excluded.stderr
    assert "no open supply path from United States to gallium" in " ".join(excluded.stdout.split())
    assert rekg("paths", "US", "gallium", "--restricted", "never").returncode != 0


def test_no_path_says_so() -> None:
    out = rekg("paths", "dysprosium", "Malaysia")
    assert out.returncode == 0, out.stderr
    assert "no supply path from dysprosium to Malaysia" in out.stdout


def test_centrality_and_concentration_tables(client: TestClient) -> None:
    out = rekg("centrality", "--metric", "pagerank", "--kind", "country", "--top", "3")
    assert out.returncode == 0, out.stderr
    assert "pagerank" in out.stdout and "country" in out.stdout
    found = rekg("centrality", "--metric", "degree", "--kind", "country", "--top", "3", "--format", "json")
    assert found.returncode == 0, found.stderr
    api = client.get("/centrality", params={"metric": "degree", "kind": "country", "top": 3})
    assert json.loads(found.stdout) == api.json()
    assert json.loads(found.stdout)["ranked"][0]["rank"] == 1
    bad = rekg("centrality", "--kind", "planet")
    assert bad.returncode == 1 and "kind" in bad.stderr
    tied = rekg("centrality", "--kind", "country", "--top", "3", "--as-of", "2026-12-01")
    assert tied.returncode == 0, tied.stderr
    assert "3=" in tied.stdout and "tied" in tied.stdout and "2026-12-01" in tied.stdout
    refused = rekg("centrality", "--metric", "pagerank", "--restricted", "exclude")
    assert refused.returncode == 1 and "restricted" in refused.stderr
    hhi = rekg("concentration", "rare earths", "--indicator", "production", "--format", "json")
    assert hhi.returncode == 0, hhi.stderr
    assert json.loads(hhi.stdout)["shares"][0]["subject"]["label"] == "China"


def test_scenario_without_china() -> None:
    out = rekg("scenario", "--remove", "China", "--as-of", "2025-11-15", "--format", "json")
    assert out.returncode == 0, out.stderr
    lost = {m["material"]["label"] for m in json.loads(out.stdout)["materials_without_supplier"]}
    assert {"gallium", "germanium", "antimony"} <= lost
    table = rekg("scenario", "--remove", "China", "--as-of", "2025-11-15")
    assert "materials left with no supplier" in table.stdout and "gallium" in table.stdout
    assert rekg("scenario").returncode == 1


def test_scenario_after_the_truce_states_its_baseline() -> None:
    out = rekg("scenario", "--remove", "China", "--as-of", "2026-12-01")
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "against the baseline" in text and "against no measures at all" in text
    assert "Caixin" not in text
    assert "The newest source on this scenario" in text
    data = json.loads(rekg("scenario", "--remove", "China", "--as-of", "2026-12-01", "--format", "json").stdout)
    assert data["baseline"]["measures"] and data["without_measures"]["consumers_affected"]


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "json", "csv", "nq"])
def test_export_writes_every_format_to_a_file(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"out.{fmt}"
    out = rekg("export", "--format", fmt, "-o", str(path))
    assert out.returncode == 0, out.stderr
    body = path.read_bytes()
    if fmt == "gexf":
        assert _schema("1.3").validate(etree.fromstring(body))
    elif fmt == "graphml":
        assert nx.read_graphml(io.BytesIO(body)).number_of_nodes() > 50
    elif fmt == "json":
        assert nx.node_link_graph(json.loads(body), edges="edges").number_of_nodes() > 50
    elif fmt == "csv":
        assert {"nodes.csv", "edges.csv"} <= set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    else:
        assert body.count(b"\n") > 100


def test_export_of_an_unknown_format_fails() -> None:
    out = rekg("export", "--format", "xlsx")
    assert out.returncode == 1 and "gexf" in out.stderr


def test_every_option_a_command_shares_with_an_endpoint_has_the_endpoints_default() -> None:
    # The CLI once showed 10 paths where /paths showed 20, and dropped the rest without a word.
    import typer.main
    from rekg.api.app import create_app
    from rekg.api.cli import app

    gets = {p: ops["get"] for p, ops in create_app().openapi()["paths"].items() if "get" in ops}
    compared, differ = 0, []
    for name, cmd in typer.main.get_command(app).commands.items():
        for path, op in gets.items():
            if path.strip("/").split("/")[-1] not in (name, name + "s"):
                continue
            api = {p["name"]: p["schema"].get("default") for p in op.get("parameters", []) if p["in"] == "query"}
            for p in cmd.params:
                if p.name in api and api[p.name] is not None and p.default is not None:
                    compared += 1
                    if str(p.default) != str(api[p.name]):
                        differ.append((name, p.name, p.default, api[p.name]))
    assert compared >= 10
    assert differ == []
