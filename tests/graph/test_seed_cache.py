"""The seeds are parsed once per content: later opens read the cached N-Quads, with the same quads."""

from __future__ import annotations

from pathlib import Path

import pytest
from rekg.graph import open_graph
from rekg.graph.io.load import seed_quads
from rekg.graph.io.seeds import SEEDS_DIR


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REKG_CACHE_DIR", str(tmp_path))
    return tmp_path


def _quads(kg) -> set[str]:
    return {
        str(q) for q in kg.store.query("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } FILTER(!isBlank(?s) && !isBlank(?o)) }")
    }


def test_second_open_reads_the_cache_and_holds_the_same_quads(cache: Path) -> None:
    first = open_graph(validate_shapes=False)
    files = list(cache.glob("seeds-*.nq"))
    assert len(files) == 1
    second = open_graph(validate_shapes=False)
    assert _quads(first) == _quads(second) and len(first.store) == len(second.store)
    assert second.seed_graphs == first.seed_graphs and second.seed_graphs


def test_cache_follows_the_seed_content(cache: Path, tmp_path: Path) -> None:
    import shutil

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    before = seed_quads(seeds, validate_shapes=False)
    (seeds / "extra-2026.trig").write_text(
        "@prefix rekg: <https://w3id.org/rekg/ontology#> .\n@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        '<source/extra-2026> { <source/extra-2026> a rekg:Source ; dcterms:title "Extra" ; '
        'dcterms:date "2026-01-01"^^<http://www.w3.org/2001/XMLSchema#date> ; dcterms:publisher <id/caixin> . }\n',
        encoding="utf-8",
    )
    after = seed_quads(seeds, validate_shapes=False)
    assert b"source/extra-2026" in after and b"source/extra-2026" not in before
    assert len(list(cache.glob("seeds-*.nq"))) == 2


def test_a_damaged_cache_is_parsed_again(cache: Path) -> None:
    open_graph(validate_shapes=False)
    (damaged,) = cache.glob("seeds-*.nq")
    damaged.write_bytes(b"<not n-quads")
    kg = open_graph(validate_shapes=False)
    assert kg.ask("ASK { id:dysprosium a ?type }")
    # Rewritten whole: it parses as N-Quads again and holds every seed quad (its line order is the
    # store's, which may start with a blank node, so the test does not look at the first bytes).
    import pyoxigraph as ox

    rewritten = list(ox.parse(damaged.read_bytes(), format=ox.RdfFormat.N_QUADS))
    assert len(rewritten) == len(kg.store)


def test_validated_opens_use_the_cache_only_after_shacl_passed(cache: Path) -> None:
    seed_quads(validate_shapes=False)  # cached, but never validated
    assert not list(cache.glob("shacl-ok-*"))
    open_graph()  # validates (and stamps), then uses the cache from now on
    assert list(cache.glob("shacl-ok-*"))
