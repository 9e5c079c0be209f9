"""The README stays true: quick start, settings table, and the commands it shows exist."""

from __future__ import annotations

import json
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


def test_the_seed_table_gives_each_source_its_triples_and_its_date_as_precisely_as_known(kg) -> None:
    from rekg.graph.io.sources import list_sources

    section = README.split("## The seed knowledge", 1)[1].split("\n## ", 1)[0]
    rows = {
        cells[1].strip().strip("`"): cells
        for line in section.splitlines()
        if line.startswith("| `") and len(cells := line.split("|")) == 8
    }
    sources = {s.id: s for s in list_sources(kg)}
    assert set(rows) == set(sources)
    for sid, cells in rows.items():
        s = sources[sid]
        assert int(cells[6]) == s.triples, sid
        shown = {"year": "%Y", "month": "%b %Y"}.get(s.date_precision or "day", "%Y-%m-%d")
        assert cells[4].strip() == s.date.strftime(shown), sid  # no day or month the source does not give
    graphs = kg.store.graphs()
    found = re.search(
        r"on a fresh start: ([\d,]+) triples in (\d+) named graphs \(([\d,]+) of them the ontology", section
    )
    total, named, ontology = (int(x.replace(",", "")) for x in found.groups())
    assert (total, named, ontology) == (sum(graphs.values()), len(graphs), graphs[kg.ns.ontology_graph])


def test_the_measures_example_shows_the_counts_the_service_gives(kg) -> None:
    from rekg.graph.answers.measures import measures_in_force

    example = README.split("curl 'http://127.0.0.1:8000/measures?in_force_on=2026-01-15&imposed_by=CN'", 1)[1]
    counts = json.loads(re.search(r'"counts": (\{[^}]*\})', example).group(1))
    assert counts == measures_in_force(kg, on="2026-01-15", imposed_by="CN").counts
