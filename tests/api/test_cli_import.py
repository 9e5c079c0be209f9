"""`rekg template` and `rekg ingest` of claims sheets and the USGS data release, as a user runs them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from rekg.graph.io.importers import TEMPLATE_EXAMPLE

from tests.serverutil import REKG

USGS = Path(__file__).parents[1] / "graph" / "data" / "usgs-mcs2025-world-rare-earths.csv"


def rekg(*args: str) -> subprocess.CompletedProcess[str]:
    # A wide terminal, so the Rich problem table does not fold the reasons the tests look for.
    env = {**os.environ, "COLUMNS": "160"}
    return subprocess.run([*REKG, *args], capture_output=True, text=True, timeout=180, check=False, env=env)


def test_template_prints_an_empty_sheet(tmp_path: Path) -> None:
    out = rekg("template")
    assert out.returncode == 0, out.stderr
    assert "subject,relation,object,value,unit,date,valid_from,valid_until,status,note" in out.stdout
    target = tmp_path / "sheet.csv"
    assert rekg("template", "-o", str(target)).returncode == 0
    assert target.read_text() == out.stdout


def test_ingest_sheet_dry_run_then_write_then_again(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    sheet = tmp_path / "lanthanide-weekly.csv"
    sheet.write_text(TEMPLATE_EXAMPLE)

    dry = rekg("ingest", str(sheet), "--dry-run", "--store-path", store)
    assert dry.returncode == 0, dry.stderr
    assert "would be added" in dry.stdout and "kuantan-heavy-rare-earths-line" in dry.stdout
    assert "lanthanide-weekly" not in rekg("sources", "--store-path", store).stdout

    out = rekg("ingest", str(sheet), "--store-path", store)
    assert out.returncode == 0, out.stderr
    assert "added source lanthanide-weekly-2025-11-20 (claims, 9 rows" in out.stdout
    assert "lanthanide-weekly-2025-11-20" in rekg("sources", "--store-path", store).stdout

    again = rekg("ingest", str(sheet), "--store-path", store)
    assert again.returncode == 0 and "unchanged" in again.stdout


def test_bad_sheet_prints_a_table_and_writes_nothing(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    sheet = tmp_path / "bad.csv"
    sheet.write_text(
        TEMPLATE_EXAMPLE.replace("located in,Malaysia", "located in,Malaysiaa Republic").replace("produces", "makes")
    )
    out = rekg("ingest", str(sheet), "--store-path", store)
    assert out.returncode == 1
    assert "problems (nothing was written)" in out.stderr and "invalid_sheet" in out.stderr
    assert "relation" in out.stderr and "'makes' is not a relation" in out.stderr
    assert "lanthanide-weekly" not in rekg("sources", "--store-path", store).stdout


def test_ingest_usgs_release_twice(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    out = rekg("ingest", str(USGS), "--store-path", store)
    assert out.returncode == 0, out.stderr
    assert "added source usgs-mcs-2025-world" in out.stdout and "Other countries" in out.stdout
    assert "39 figure(s) already stated" in out.stdout
    again = rekg("ingest", str(USGS), "--store-path", store)
    assert again.returncode == 0 and "unchanged" in again.stdout


def test_readme_shows_the_template_example() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Importing claims sheets and the USGS data release", 1)[1].split("\n## ", 1)[0]
    assert f"```csv\n{TEMPLATE_EXAMPLE}```" in section
