"""Each CLI command, run as a user runs it: the installed `rekg` script in a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset
from rekg.graph.io.seeds import SEEDS_DIR

REKG = [sys.executable, "-m", "api.cli"]


def rekg(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [*REKG, *args], capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}, check=False
    )


def test_query_returns_rows_from_the_seeds_as_json() -> None:
    out = rekg("query", "SELECT ?l WHERE { id:dysprosium rdfs:label ?l } ORDER BY ?l", "--format", "json")
    assert out.returncode == 0, out.stderr
    assert {"l": "dysprosium"} in json.loads(out.stdout)


def test_query_csv_and_table() -> None:
    out = rekg("query", "SELECT ?c WHERE { ?c a rekg:Country ; rekg:isoCode 'CN' }", "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["c", "https://w3id.org/rekg/id/china"]
    table = rekg("query", "SELECT ?c WHERE { ?c rekg:isoCode 'MY' }")
    assert "malaysia" in table.stdout and "1 row(s)" in table.stdout


def test_query_syntax_error_is_reported_not_raised() -> None:
    out = rekg("query", "SELECT ?x WHERE {")
    assert out.returncode == 1
    assert "malformed_query" in out.stderr and "Traceback" not in out.stderr


def test_validate_passes_on_the_seeds() -> None:
    out = rekg("validate")
    assert out.returncode == 0, out.stderr
    assert "conform" in out.stdout


def test_validate_fails_cleanly_on_a_broken_seed(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    (seeds / "entities.ttl").write_text(
        (SEEDS_DIR / "entities.ttl").read_text(encoding="utf-8")
        + "\n<id/x> a <https://w3id.org/rekg/ontology#Country> .\n",
        encoding="utf-8",
    )
    out = rekg("validate", "--seeds-dir", str(seeds))
    assert out.returncode == 1
    assert "seeds/entities.ttl" in out.stderr and "id/x" in out.stderr and "rdfs:label" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("fmt", ["ttl", "nt", "nq", "trig", "jsonld"])
def test_export_writes_a_file_rdflib_reads(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"out.{fmt}"
    out = rekg("export", "--format", fmt, "-o", str(target))
    assert out.returncode == 0, out.stderr
    ds = Dataset()
    ds.parse(target, format={"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig", "jsonld": "json-ld"}[fmt])
    assert len(ds) > 500 or sum(len(g) for g in ds.graphs()) > 500


def test_export_unknown_format_fails() -> None:
    out = rekg("export", "--format", "docx")
    assert out.returncode == 1 and "unsupported_format" in out.stderr


def test_serve_help_lists_every_setting() -> None:
    out = rekg("serve", "--help")
    assert out.returncode == 0
    for var in ("REKG_STORE", "REKG_QUERY_TIMEOUT_S", "REKG_MAX_ROWS", "REKG_WRITE_TOKEN", "REKG_MAX_BODY_BYTES"):
        assert var in out.stdout
