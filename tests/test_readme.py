"""The README stays true: quick start, settings table, and the commands it shows exist."""

from __future__ import annotations

import re
from pathlib import Path

from rekg.api.cli import app
from rekg.api.settings import settings_markdown

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_quick_start_is_make_serve_and_make_test() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make serve", "make test"]


def test_settings_table_matches_the_settings() -> None:
    table = README.split("<!-- settings-table", 1)[1].split("-->", 1)[1].split("<!-- /settings-table -->", 1)[0]
    assert table.strip() == settings_markdown()


def test_every_rekg_command_in_the_readme_exists() -> None:
    import typer.main

    known = set(typer.main.get_command(app).commands)
    used = set(re.findall(r"bin/rekg (\w[\w-]*)", README))
    assert len(used) > 10
    missing = sorted(used - known)
    assert missing == [], f"README shows commands that do not exist: {missing}"


def test_python_api_example_runs() -> None:
    import doctest

    section = README.split("## Python API", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```pycon\n(.*?)```", section, re.S).group(1)
    test = doctest.DocTestParser().get_doctest(block, {}, "README Python API", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
