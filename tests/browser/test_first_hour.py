"""The first hour (issue 17): `make serve` takes a port, a taken port says so in one line before "serving",
and the README's curl examples run against a real server as written."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serverutil import REKG, ROOT, Server, running_server, start_server
from tests.sourcedata import trig

README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Examples that need a token, or files the reader writes first (README, "Adding sources"): run by
#: :func:`test_readme_source_examples_run` against a server with writes on.
NEEDS_SETUP = ("/sources",)
TOKEN = "s3cret"  # the README's token


def _curl_examples() -> list[str]:
    commands = []
    for block in re.findall(r"```(?:sh|bash|shell)\n(.*?)```", README, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if line.startswith("curl ") and not any(s in line for s in NEEDS_SETUP):
                commands.append(line)
    return commands


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running_server([], {"REKG_VALIDATE_SEEDS": "false"}, timeout=90) as s:
        yield s


def test_the_readme_has_curl_examples() -> None:
    assert len(_curl_examples()) >= 20


@pytest.mark.parametrize("command", _curl_examples())
def test_readme_curl_example_runs(server: Server, command: str, tmp_path: Path) -> None:
    # Run as a reader would, from a checkout (the examples name files of the repository), but write
    # downloads into a scratch folder.
    (tmp_path / "graph").symlink_to(ROOT / "graph")
    line = command.replace("http://127.0.0.1:8000", server.url)
    line = "curl -sS --fail-with-body --max-time 120 -o /dev/null -w '%{http_code}' " + line[len("curl ") :]
    if " -o " in command or " -OJ" in command:
        line = line.replace(" -o /dev/null", "", 1)
    out = subprocess.run(["bash", "-c", line], cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, f"{command}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"


def test_a_taken_port_is_one_line_before_serving() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run(
            [*REKG, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "REKG_VALIDATE_SEEDS": "false"},
        )
    assert out.returncode == 1
    lines = [x for x in (out.stdout + out.stderr).splitlines() if x.strip()]
    assert len(lines) == 1, lines
    assert f"port {port}" in lines[0] and "already in use" in lines[0] and "--port" in lines[0]
    assert "serving" not in out.stdout + out.stderr


@pytest.mark.parametrize(
    ("args", "env", "port"),
    [([], {}, "8000"), (["PORT=8080"], {}, "8080"), ([], {"REKG_PORT": "9001"}, "9001")],
)
def test_make_serve_takes_a_port(args: list[str], env: dict[str, str], port: str) -> None:
    clean = {k: v for k, v in os.environ.items() if k not in ("PORT", "REKG_PORT", "MAKEFLAGS")}
    out = subprocess.run(
        ["make", "-n", "serve", *args], cwd=ROOT, capture_output=True, text=True, env={**clean, **env}, timeout=60
    )
    serve = [x for x in out.stdout.splitlines() if "rekg serve" in x]
    assert serve and shlex.split(serve[-1])[-2:] == ["--port", port], out.stdout


#: Commands that serve, or write a store from files the reader brings (README, "Loading more data"), are not run.
NOT_RUN = ("serve --data", "serve --store", "rekg load", "rekg ingest", "REKG_WRITE_TOKEN", "rekg validate")


def _rekg_examples() -> list[str]:
    commands = []
    for block in re.findall(r"```(?:sh|bash|shell)\n(.*?)```", README, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #", 1)[0].strip()
            if ".venv/bin/rekg " in line and not any(s in line for s in NOT_RUN):
                commands.append(line)
    return commands


def test_the_readme_has_rekg_examples() -> None:
    assert len(_rekg_examples()) >= 15


@pytest.mark.parametrize("command", _rekg_examples())
def test_readme_rekg_example_runs(command: str, tmp_path: Path) -> None:
    rekg = " ".join(shlex.quote(str(x)) for x in REKG)
    line = command.replace(".venv/bin/rekg", rekg)
    out = subprocess.run(
        ["bash", "-c", line],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "REKG_VALIDATE_SEEDS": "false", "COLUMNS": "200"},
    )
    assert out.returncode == 0, f"{command}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
    assert out.stdout.strip() or list(tmp_path.iterdir()), command


def _source_examples() -> list[str]:
    commands = []
    for block in re.findall(r"```(?:sh|bash|shell)\n(.*?)```", README, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("curl ") and "/sources" in line:
                commands.append(line)
    return commands


def test_readme_source_examples_run(tmp_path: Path) -> None:
    """The README's write examples, in order, against a server with the README's token."""
    commands = _source_examples()
    assert any("-X POST" in c for c in commands) and any("-X DELETE" in c for c in commands)
    (tmp_path / "my-note-2026-02.trig").write_bytes(trig("my-note-2026-02", title="My note on a new plant"))
    sheet = re.search(r"```csv\n(.*?)```", README, re.S)
    assert sheet, "the README shows a filled claims sheet"
    (tmp_path / "lanthanide-weekly.csv").write_text(sheet.group(1), encoding="utf-8")
    s = start_server([], env={"REKG_VALIDATE_SEEDS": "false", "REKG_WRITE_TOKEN": TOKEN}, timeout=90)
    try:
        for command in commands:
            line = command.replace("http://127.0.0.1:8000", s.url)
            line = "curl -sS --fail-with-body --max-time 120 -o /dev/null -w '%{http_code}' " + line[len("curl ") :]
            out = subprocess.run(["bash", "-c", line], cwd=tmp_path, capture_output=True, text=True, timeout=180)
            assert out.returncode == 0, f"{command}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
    finally:
        s.stop()
