"""The loader reads every seed file into its own graph and rejects broken files with their name and node."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rekg.graph import KnowledgeGraph
from rekg.graph.errors import SeedError
from rekg.graph.io.seeds import SEEDS_DIR, load_seeds
from rekg.ontology import namespaces


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """A private copy of the real seeds to break."""
    dst = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, dst)
    return dst


def test_each_file_gets_its_own_graph(kg: KnowledgeGraph) -> None:
    graphs = kg.store.graphs()
    ns = kg.ns
    assert graphs[ns.ontology_graph] > 100
    assert graphs[ns.entities_graph] > 10
    sources = sorted(g for g in graphs if g.startswith(str(ns.source)))
    trig_files = sorted(p.stem for p in SEEDS_DIR.glob("*.trig"))
    assert [g.rsplit("/", 1)[1] for g in sources] == trig_files


def test_base_iri_is_configurable(seeds: Path) -> None:
    base = "https://example.org/kg/"
    ds = load_seeds(seeds, base=base, validate_shapes=False)
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert namespaces(base).entities_graph in names
    assert all(n.startswith(base) for n in names)


def test_syntax_error_names_the_file(seeds: Path) -> None:
    f = next(seeds.glob("*.trig"))
    f.write_text(f.read_text(encoding="utf-8").replace(" ;", " ;;;", 1) + "\n this is not turtle", encoding="utf-8")
    with pytest.raises(SeedError) as err:
        load_seeds(seeds)
    assert f.name in err.value.detail
    assert err.value.file == f.name


def test_wrong_date_type_is_a_shacl_violation_naming_file_and_node(seeds: Path) -> None:
    bad = seeds / "zz-test-2025-01.trig"
    bad.write_text(
        """@prefix id: <id/> . @prefix src: <source/> .
@prefix rekg: <https://w3id.org/rekg/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
src:zz-test-2025-01 {
  src:zz-test-2025-01 a rekg:Source ; rdfs:label "test"@en ; dcterms:title "t" ;
      dcterms:publisher id:lynas ; dcterms:date "2025-01-01"^^xsd:date ; rekg:sourceKind rekg:NewsArticle .
  id:bad-measure a rekg:ExportControl ; rdfs:label "bad measure"@en ;
      rekg:imposedBy id:china ; rekg:restricts id:dysprosium ; rekg:effectiveFrom "soon" .
}
""",
        encoding="utf-8",
    )
    with pytest.raises(SeedError) as err:
        load_seeds(seeds)
    problems = err.value.problems
    assert any(p["node"].endswith("id/bad-measure") and p["path"].endswith("effectiveFrom") for p in problems)
    assert any("seeds/zz-test-2025-01.trig" in p["files"] for p in problems)
    assert "zz-test-2025-01.trig" in err.value.detail


def test_facility_without_operator_is_rejected(seeds: Path) -> None:
    (seeds / "zz-test-2025-02.trig").write_text(
        """@prefix id: <id/> . @prefix src: <source/> .
@prefix rekg: <https://w3id.org/rekg/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
src:zz-test-2025-02 {
  src:zz-test-2025-02 a rekg:Source ; rdfs:label "test"@en ; dcterms:title "t" ;
      dcterms:publisher id:lynas ; dcterms:date "2025-01-01"^^xsd:date ; rekg:sourceKind rekg:NewsArticle .
  id:orphan-plant a rekg:Facility ; rdfs:label "orphan plant"@en ; rekg:locatedIn id:malaysia ; rekg:stage rekg:Mining .
}
""",
        encoding="utf-8",
    )
    with pytest.raises(SeedError) as err:
        load_seeds(seeds)
    assert any(p["node"].endswith("id/orphan-plant") and "operator" in p["message"] for p in err.value.problems)


def test_triples_outside_the_source_graph_are_rejected(seeds: Path) -> None:
    (seeds / "zz-test-2025-03.trig").write_text(
        """@prefix id: <id/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
id:loose rdfs:label "a loose triple"@en .
""",
        encoding="utf-8",
    )
    with pytest.raises(SeedError, match=r"zz-test-2025-03.trig: 1 triple\(s\) outside a named graph"):
        load_seeds(seeds)


def test_source_graph_must_describe_itself(seeds: Path) -> None:
    (seeds / "zz-test-2025-04.trig").write_text(
        """@prefix id: <id/> . @prefix src: <source/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
src:zz-test-2025-04 { id:dysprosium rdfs:comment "undocumented"@en . }
""",
        encoding="utf-8",
    )
    with pytest.raises(SeedError, match="is not described in itself as a rekg:Source"):
        load_seeds(seeds)


def test_store_holds_what_the_loader_read(kg: KnowledgeGraph) -> None:
    rows = kg.select("SELECT ?label WHERE { id:dysprosium rdfs:label ?label } ORDER BY ?label")
    assert {r["label"] for r in rows} >= {"dysprosium", "镝"}


# -- seed graphs are curated however the graph is opened (issue 15, finding 9) --------------------


def _assert_curated(kg: KnowledgeGraph) -> None:
    from rekg.graph.errors import SourceConflict
    from rekg.graph.io.sources import list_sources, remove_source

    ns = kg.ns
    expected = {ns.ontology_graph, ns.entities_graph} | {str(ns.source[p.stem]) for p in SEEDS_DIR.glob("*.trig")}
    assert set(kg.seed_graphs) == expected
    assert {s.id for s in list_sources(kg) if s.curated} == {p.stem for p in SEEDS_DIR.glob("*.trig")}
    with pytest.raises(SourceConflict, match="curated seed"):
        remove_source(kg, "wco-2022")
    assert kg.store.has_graph(str(ns.source["wco-2022"]))


def test_every_way_of_opening_the_graph_marks_the_seeds_curated() -> None:
    from rekg.api.app import create_app
    from rekg.api.settings import Settings
    from rekg.graph import open_graph

    import rekg

    _assert_curated(open_graph(validate_shapes=False))
    _assert_curated(Settings(validate_seeds=False).open_graph())
    _assert_curated(rekg.open(validate_shapes=False).kg)
    # The app `rekg serve` builds opens its own graph when given none.
    _assert_curated(create_app(Settings(validate_seeds=False)).state.kg)


def test_seeds_stay_curated_when_a_persistent_store_is_reopened(tmp_path: Path) -> None:
    from rekg.graph import open_graph

    first = open_graph("oxigraph", tmp_path / "store", validate_shapes=False)
    _assert_curated(first)
    first.store.close()
    # Reopened, the store already holds the seeds: nothing is loaded, and the curated set is read back.
    again = open_graph("oxigraph", tmp_path / "store", validate_shapes=False)
    _assert_curated(again)
    again.store.close()
