"""The wheel, built from the working tree and installed as a user installs it.

It is built from a copy of the checkout (building in place would leave ``build/`` behind) and
must hold the one package ``rekg`` with its data: seeds, ontology and shapes, example queries,
the page's templates and static files, and every module of the folders it is made of. It is
then installed with its dependencies into a fresh virtual environment and run from a temporary
directory, far from the checkout: the commands, the version, the names it must not add to an
environment (``graph``, ``api``...), and ``rekg serve`` answering over HTTP.

One test runs the steps in order: under ``pytest -n`` a fixture shared by several tests would be
built and installed again in every worker process that ran one of them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.serverutil import ROOT, start_server

pytestmark = pytest.mark.slow

#: Repository folder -> where it is installed (pyproject.toml, [tool.setuptools] package-dir).
FOLDERS = {"rekg": "rekg", "api": "rekg/api", "graph": "rekg/graph", "ontology": "rekg/ontology", "seeds": "rekg/seeds"}
#: Package data, by folder, as globs (pyproject.toml, [tool.setuptools.package-data]).
DATA = {
    "seeds": ["*.ttl", "*.trig"],
    "ontology": ["*.ttl"],
    "graph": ["sparql/queries/*.rq", "io/importers/*.toml"],
    "api": ["static/*", "static/vendor/*", "templates/*"],
}
#: What the build reads, and folders the wheel must leave out even though they sit next to them.
COPIED = ["pyproject.toml", "README.md", *FOLDERS, "tests", "bench"]
LEFT_OUT = ["graph", "api", "ontology", "seeds", "tests", "bench"]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def run(cmd: Sequence[str | Path], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    """Run ``cmd``; fail with its stderr unless it exits 0. Its stdout."""
    out = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if out.returncode != 0:
        pytest.fail(
            f"`{' '.join(map(str, cmd))}` exited with {out.returncode}\n--- stderr ---\n{out.stderr[-6000:]}"
            f"\n--- stdout ---\n{out.stdout[-2000:]}",
            pytrace=False,
        )
    return out.stdout


@dataclass
class Installed:
    wheel: Path
    venv: Path
    #: An empty directory outside the checkout, where the commands run.
    home: Path
    #: This environment without anything that would point Python at the checkout or the dev venv.
    env: dict[str, str]

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def rekg(self) -> Path:
        return self.venv / "bin" / "rekg"

    def run(self, *cmd: str | Path, timeout: float = 300) -> str:
        return run(cmd, cwd=self.home, env=self.env, timeout=timeout)


def copy_source(target: Path) -> Path:
    """A copy of what the build reads from the working tree (and of tests/ and bench/)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules", "out", "*.egg-info")
    for name in COPIED:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, target / name, ignore=ignore)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / name)
    return target


def build_wheel(source: Path, dist: Path) -> Path:
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, source], cwd=source)
    (built,) = dist.glob("rekg-*.whl")
    return built


def install(wheel: Path, where: Path) -> Installed:
    """The wheel and its dependencies (pinned by constraints.txt) in a fresh virtual environment."""
    venv = where / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=where)
    # --no-compile: byte-compiling every dependency takes most of the install's time; the
    # commands below compile only what they import.
    pip = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet", "--no-compile"]
    run([*pip, "-c", ROOT / "constraints.txt", wheel], cwd=where, timeout=900)
    drop = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("REKG_")}
    env |= {"VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", "COLUMNS": "200"}
    home = where / "home"
    home.mkdir()
    return Installed(wheel, venv, home, env)


def test_the_wheel_builds_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "source")
    wheel = build_wheel(source, tmp_path / "dist")
    check_only_the_rekg_package(wheel)
    check_every_module_and_data_file(wheel, source)
    check_metadata(wheel)
    installed = install(wheel, tmp_path)
    check_rekg_comes_from_the_fresh_environment(installed)
    check_help_and_version(installed)
    check_no_generic_top_level_names(installed)
    check_suppliers_of_dysprosium_as_json(installed)
    check_serve(installed)


# -- what the wheel holds ------------------------------------------------------------------------


def check_only_the_rekg_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"rekg", f"rekg-{VERSION}.dist-info"}, sorted(tops)
    assert not [n for n in names if n.split("/", 1)[0] in LEFT_OUT]


def check_every_module_and_data_file(wheel: Path, source: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected: dict[str, set[str]] = {}
    for folder, installed_as in FOLDERS.items():
        base = source / folder
        for pattern in ["**/*.py", *DATA.get(folder, [])]:
            found = {f"{installed_as}/{p.relative_to(base).as_posix()}" for p in base.glob(pattern) if p.is_file()}
            expected[f"{folder}/{pattern}"] = found
    # Each kind is really there to check, not an empty glob.
    assert all(expected.values()), [k for k, v in expected.items() if not v]
    missing = sorted(n for found in expected.values() for n in found - names)
    assert not missing, f"not in the wheel (a package missing from pyproject.toml's packages?): {missing}"
    for data in ("rekg/ontology/rekg.ttl", "rekg/ontology/shapes.ttl", "rekg/seeds/entities.ttl"):
        assert data in names


def check_metadata(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read(f"rekg-{VERSION}.dist-info/METADATA").decode()
        entry_points = zf.read(f"rekg-{VERSION}.dist-info/entry_points.txt").decode()
    assert f"\nVersion: {VERSION}\n" in metadata
    assert "rekg = rekg.api.cli:main" in entry_points


# -- installed in a fresh environment, run outside the checkout --------------------------------


def check_rekg_comes_from_the_fresh_environment(installed: Installed) -> None:
    where = Path(installed.run(installed.python, "-c", "import rekg; print(rekg.__file__)").strip()).resolve()
    assert where.is_relative_to(installed.venv.resolve()), where
    assert not where.is_relative_to(ROOT), where


def check_help_and_version(installed: Installed) -> None:
    assert "suppliers" in installed.run(installed.rekg, "--help")
    assert "suppliers" in installed.run(installed.python, "-m", "rekg", "--help")
    assert installed.run(installed.rekg, "--version").strip() == f"rekg {VERSION}"
    code = "import rekg, importlib.metadata as m; print(rekg.__version__, m.version('rekg'))"
    assert installed.run(installed.python, "-c", code).split() == [VERSION, VERSION]


def check_no_generic_top_level_names(installed: Installed) -> None:
    code = """
import importlib
for name in ("graph", "api", "ontology", "seeds"):
    try:
        importlib.import_module(name)
    except ModuleNotFoundError:
        continue
    raise SystemExit(f"`import {name}` works in a fresh environment with only rekg installed")
"""
    installed.run(installed.python, "-c", code)


def check_suppliers_of_dysprosium_as_json(installed: Installed) -> None:
    answer = json.loads(installed.run(installed.rekg, "suppliers", "dysprosium", "--format", "json"))
    assert "lynas" in json.dumps(answer).lower(), answer


def check_serve(installed: Installed) -> None:
    """`rekg serve` on a free loopback port: /healthz, /sparql over the seeds, the page; stopped by its PID."""
    server = start_server([], command=[str(installed.rekg)], cwd=installed.home, base_env=installed.env, timeout=120)
    try:
        health = httpx.get(server.url + "/healthz", timeout=10)
        assert health.status_code == 200 and health.json()["triples"] > 1000, health.text
        r = httpx.get(
            server.sparql,
            params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?f rekg:operator id:lynas }"},
            headers={"accept": "application/sparql-results+json"},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        assert int(r.json()["results"]["bindings"][0]["n"]["value"]) > 0
        page = httpx.get(server.url + "/", timeout=30)
        assert page.status_code == 200, page.text
        queries = [n for n in zipfile.ZipFile(installed.wheel).namelist() if n.endswith(".rq")]
        assert queries and all(Path(q).stem in page.text for q in queries)
        assert httpx.get(server.url + "/static/app.js", timeout=10).status_code == 200
    finally:
        server.stop()
