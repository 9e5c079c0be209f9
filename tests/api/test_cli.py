"""Each CLI command, run as a user runs it: the installed package, `python -m rekg`, in a subprocess."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset
from rekg.graph.io.seeds import SEEDS_DIR

from tests.serverutil import REKG, canary_listener


def rekg(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*REKG, *args], capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}, check=False
    )


def imported_by(*args: str) -> set[str]:
    """Every module `rekg ARGS` imports (``python -X importtime`` lists them on stderr)."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", *REKG[1:], *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "REKG_VALIDATE_SEEDS": "false"},
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return {m.group(1) for m in re.finditer(r"^import time:.*\|\s*([\w.]+)\s*$", out.stderr, re.MULTILINE)}


WEB_STACK = ("fastapi", "starlette", "uvicorn", "rekg.api.app")


def loads(modules: set[str], *names: str) -> set[str]:
    return {m for m in modules if any(m == n or m.startswith(n + ".") for n in names)}


def test_help_imports_neither_the_web_app_nor_the_core() -> None:
    modules = imported_by("--help")
    assert "rekg.api.cli" in modules  # the listing is read right
    assert not loads(modules, *WEB_STACK)
    # The core (rdflib, networkx, pydantic settings) would triple the time `rekg --help` takes:
    # command modules import it inside the commands.
    assert not loads(modules, "rekg.graph", "rekg.api.settings", "rdflib", "networkx")


def test_query_commands_do_not_import_the_web_app() -> None:
    modules = imported_by("suppliers", "dysprosium")
    assert "rekg.graph.answers" in modules
    assert not loads(modules, *WEB_STACK)


def test_version_is_the_package_version() -> None:
    import rekg as package

    out = rekg("--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"rekg {version('rekg')}" == f"rekg {package.__version__}"


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


def test_query_is_checked_and_answered_as_the_endpoint_answers_it(client: TestClient) -> None:
    # FROM chooses the graph, as on /sparql (the CLI once ignored it and counted the whole store).
    q = "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/rekg/source/caixin-2025-11> WHERE { ?s ?p ?o }"
    out = rekg("query", q, "--format", "csv")
    assert out.returncode == 0, out.stderr
    http = client.get("/sparql", params={"query": q}, headers={"Accept": "text/csv"})
    assert out.stdout.splitlines() == http.text.splitlines()
    for bad, code in [
        ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "forbidden_query"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "forbidden_query"),
        ("SELECT * WHERE { BIND(<http://example.org/fn>(1) AS ?x) }", "unsupported_feature"),
    ]:
        out = rekg("query", bad)
        assert out.returncode == 1 and code in out.stderr and "Traceback" not in out.stderr, (bad, out.stderr)


def test_query_never_reaches_the_network() -> None:
    with canary_listener() as canary:
        out = rekg("query", f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}")
        time.sleep(0.2)
    assert out.returncode == 1 and "forbidden_query" in out.stderr, out.stderr
    assert canary.hits == []


def test_query_prints_graph_results_as_turtle_and_says_so_when_asked_for_rows() -> None:
    q = "CONSTRUCT { id:lynas rdfs:label ?l } WHERE { id:lynas rdfs:label ?l }"
    out = rekg("query", q)
    assert out.returncode == 0 and "Lynas" in out.stdout, out.stderr
    out = rekg("query", q, "--format", "csv")
    assert out.returncode == 2 and "printed as Turtle" in out.stderr


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
    from rekg.api.settings import settings_table

    out = rekg("serve", "--help", env={"COLUMNS": "200"})
    assert out.returncode == 0, out.stderr
    for var, _, _ in settings_table():
        assert var in out.stdout


def test_export_help_lists_every_format() -> None:
    from rekg.graph.io.export import FORMATS

    out = rekg("export", "--help", env={"COLUMNS": "200"})
    assert out.returncode == 0, out.stderr
    assert f"One of: {', '.join(FORMATS)}." in " ".join(out.stdout.replace("│", " ").split())
