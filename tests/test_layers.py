"""The import layering of pyproject.toml's import-linter contracts holds.

import-linter reads a package from the file system, and an editable install maps the folders
(``graph/`` as ``rekg.graph``...) without a ``rekg`` folder holding them; so the test lays the
files out as the wheel does, in a temporary folder, and runs ``lint-imports`` there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold(tmp_path: Path) -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mapping = config["tool"]["setuptools"]["package-dir"]
    for package, folder in mapping.items():
        shutil.copytree(
            ROOT / folder,
            tmp_path.joinpath(*package.split(".")),
            ignore=shutil.ignore_patterns("__pycache__", "node_modules", "*.pyc"),
            dirs_exist_ok=True,
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run(
        [str(lint), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "broken" not in run.stdout.lower() or " 0 broken" in run.stdout, run.stdout
