"""The analyst CLI mirrors, run as a user runs them: `python -m rekg` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.serverutil import REKG

# The seeds are validated by the suite elsewhere; skip SHACL here to keep each run short.
ENV = {**os.environ, "REKG_VALIDATE_SEEDS": "false", "COLUMNS": "200", "NO_COLOR": "1"}


def rekg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*REKG, *args], capture_output=True, text=True, timeout=180, env=ENV, check=False)


def test_suppliers_dysprosium_outside_china() -> None:
    out = rekg("suppliers", "dysprosium", "--outside", "China")
    assert out.returncode == 0, out.stderr
    assert "Suppliers of dysprosium outside China" in out.stdout
    assert "Lynas Rare Earths" in out.stdout and "Malaysia" in out.stdout and "operating" in out.stdout
    assert "1 supplier(s)" in out.stdout


def test_suppliers_json_is_the_api_shape() -> None:
    out = rekg("suppliers", "permanent magnets", "--outside", "CN", "--format", "json")
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    mp = next(s for s in body["suppliers"] if s["label"] == "MP Materials")
    assert mp["status"] == "planned" and mp["start_year"] == 2028 and "SELECT" in body["query"]


def test_measures_in_force_on_a_day() -> None:
    out = rekg("measures", "--in-force-on", "2026-01-01")
    assert out.returncode == 0, out.stderr
    assert "Measures on 2026-01-01" in out.stdout
    assert "suspended" in out.stdout and "MOFCOM Announcement 2025 No. 61" in out.stdout


def test_search_lynas() -> None:
    out = rekg("search", "Lynas")
    assert out.returncode == 0, out.stderr
    first_row = next(line for line in out.stdout.splitlines() if "Lynas" in line and "company" in line)
    assert "lynas" in first_row and "莱纳斯稀土" in first_row


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("suppliers", "dysprsum"), "Did you mean: dysprosium"),
        (("measures", "--in-force-on", "2026-13-01"), "not a valid date"),
        (("search", "   "), "type at least one character"),
    ],
)
def test_errors_exit_1_with_a_message(args: tuple[str, ...], message: str) -> None:
    out = rekg(*args)
    assert out.returncode == 1 and message in out.stderr and "Traceback" not in out.stderr
