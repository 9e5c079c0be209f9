"""suppliers_of: the issue's questions on the seed graph, and the "outside" rule on added facts."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from rekg.graph import KnowledgeGraph, open_graph
from rekg.graph.answers.suppliers import suppliers_of
from rekg.graph.errors import InvalidParameter, NodeNotFound
from rekg.graph.io.seeds import SEEDS_DIR


def _by_label(answer) -> dict:
    return {s.label: s for s in answer.suppliers}


# ---------------------------------------------------------------------------------------------
# The "done when" questions, against the seed graph (facts from the Caixin and Lynas articles)
# ---------------------------------------------------------------------------------------------


def test_dysprosium_outside_china_is_lynas_in_malaysia(kg: KnowledgeGraph) -> None:
    answer = suppliers_of(kg, "Dy", outside="CN")
    assert answer.material.id == kg.iri("dysprosium") and answer.outside.id == kg.iri("china")
    lynas = _by_label(answer)["Lynas Rare Earths"]
    assert lynas.country.id == kg.iri("australia")
    plant = next(f for f in lynas.facilities if f.id == kg.iri("lynas-malaysia"))
    assert plant.location.id == kg.iri("malaysia")
    assert plant.status == "operating" and plant.start_year == 2025
    assert [m.id for m in plant.materials] == [kg.iri("dysprosium-oxide")]
    assert {s.id for s in plant.sources} >= {str(kg.ns.source["caixin-2025-11"])}
    assert all(s.title and s.date for s in lynas.sources)


@pytest.mark.parametrize(
    ("material", "status", "year"),
    [("terbium", "operating", 2025), ("yttrium", "planned", 2026), ("samarium", "planned", 2026)],
)
def test_heavy_rare_earths_outside_china_come_from_lynas(
    kg: KnowledgeGraph, material: str, status: str, year: int
) -> None:
    answer = suppliers_of(kg, material, outside="China")
    assert "Lynas Rare Earths" in _by_label(answer)
    lynas = _by_label(answer)["Lynas Rare Earths"]
    assert lynas.status == status and lynas.start_year == year
    assert all(f.location is None or f.location.label != "China" for f in lynas.facilities)
    if status == "planned":
        # Caixin does not say where the new separation plant will be: no location is invented.
        assert [f.location for f in lynas.facilities if f.status == "planned"] == [None]


def test_terbium_status_update_is_reported_as_an_update_not_a_dispute(kg: KnowledgeGraph) -> None:
    # Lynas (May 2025) only expected terbium oxide from June; Caixin (November 2025) has it operating:
    # a later report updates the earlier one.
    plant = _by_label(suppliers_of(kg, "Tb"))["Lynas Rare Earths"].facilities[0]
    assert not any("terbium oxide" in d for d in plant.disputed)
    assert any("terbium oxide" in u and "planned" in u and "operating" in u for u in plant.updated)
    assert next(m for m in plant.materials if m.label == "terbium oxide").status == "operating"


def test_permanent_magnets_outside_china_are_mp_materials_planned_2028(kg: KnowledgeGraph) -> None:
    answer = suppliers_of(kg, "permanent magnets", outside="China")
    mp = _by_label(answer)["MP Materials"]
    assert mp.status == "planned" and mp.start_year == 2028
    plant = mp.facilities[0]
    assert plant.stage == "magnet making" and plant.capacity and plant.capacity.value == 10000
    assert plant.capacity.unit == "t/yr"


def test_as_of_keeps_only_what_operated_then(kg: KnowledgeGraph) -> None:
    # Lynas separated its first dysprosium oxide on 16 May 2025.
    assert not suppliers_of(kg, "dysprosium", as_of="2025-05-01").suppliers
    assert _by_label(suppliers_of(kg, "dysprosium", as_of="2025-06-01"))["Lynas Rare Earths"]
    later = suppliers_of(kg, "samarium", outside="CN", as_of=date(2030, 1, 1))
    assert not later.suppliers  # planned is not operating, whatever the date


def test_products_made_from_a_material_count_only_downstream(kg: KnowledgeGraph) -> None:
    assert "MP Materials" not in _by_label(suppliers_of(kg, "NdPr oxide"))
    downstream = suppliers_of(kg, "NdPr oxide", stage="magnet making")
    mp = _by_label(downstream)["MP Materials"]
    assert mp.facilities[0].materials[0].via == "made from"


def test_stage_filter(kg: KnowledgeGraph) -> None:
    assert not suppliers_of(kg, "dysprosium", stage="metal making").suppliers
    separation = _by_label(suppliers_of(kg, "dysprosium", stage="processing"))
    assert set(separation) == {"Lynas Rare Earths"}
    assert suppliers_of(kg, "dysprosium", stage="processing").stage.label == "separation"


def test_query_is_returned_with_bindings_not_formatted_text(kg: KnowledgeGraph) -> None:
    answer = suppliers_of(kg, "Dy", outside="CN", as_of="2026-01-01")
    assert answer.bindings == {"material": kg.iri("dysprosium"), "outside": kg.iri("china"), "asOf": "2026-01-01"}
    body = answer.query.split("SELECT", 1)[1]
    assert "?outside" in body and "?asOf" in body
    # The resolved values are bound, not written into the query body.
    assert kg.iri("china") not in body and "2026-01-01" not in body


def test_user_text_never_reaches_sparql(kg: KnowledgeGraph) -> None:
    hostile = 'Dy" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o'
    with pytest.raises(NodeNotFound):
        suppliers_of(kg, hostile)


def test_bad_inputs(kg: KnowledgeGraph) -> None:
    with pytest.raises(NodeNotFound) as info:
        suppliers_of(kg, "dysprsum")
    assert info.value.suggestions and info.value.suggestions[0]["id"] == kg.iri("dysprosium")
    with pytest.raises(NodeNotFound):
        suppliers_of(kg, "Dy", outside="Atlantis")
    with pytest.raises(NodeNotFound):
        suppliers_of(kg, "Dy", outside="Lynas")  # a company is not a country
    with pytest.raises(InvalidParameter):
        suppliers_of(kg, "Dy", as_of="15/01/2026")
    with pytest.raises(InvalidParameter):
        suppliers_of(kg, "  ")


# ---------------------------------------------------------------------------------------------
# The "outside X" rule on facts the articles do not state: the seeds plus one test source
# ---------------------------------------------------------------------------------------------

_EXTRA = """
@prefix id: <id/> .
@prefix src: <source/> .
@prefix rekg: <https://w3id.org/rekg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

src:test-ownership-2026-01 {
    src:test-ownership-2026-01 a rekg:Source ; rdfs:label "test fixture"@en ;
        dcterms:title "Invented facts exercising the outside rule"@en ; dcterms:publisher id:caixin ;
        dcterms:date "2026-01-01"^^xsd:date ; rekg:sourceKind rekg:NewsArticle .

    id:t-cn-co a rekg:Company ; rdfs:label "T Chinese company"@en ; rekg:country id:china .
    id:t-my-co a rekg:Company ; rdfs:label "T Malaysian company"@en ; rekg:country id:malaysia .
    id:t-owned-co a rekg:Company ; rdfs:label "T controlled company"@en ; rekg:country id:malaysia .
    id:t-state-co a rekg:Company ; rdfs:label "T state-held company"@en ; rekg:country id:malaysia .
    id:t-minority-co a rekg:Company ; rdfs:label "T minority company"@en ; rekg:country id:malaysia .
    id:t-closed-co a rekg:Company ; rdfs:label "T closed company"@en ; rekg:country id:malaysia .

    [] a rekg:Ownership ; rekg:owner id:t-cn-co ; rekg:ownedCompany id:t-owned-co ; rekg:share 0.6 .
    [] a rekg:Ownership ; rekg:owner id:mofcom ; rekg:ownedCompany id:t-state-co ; rekg:share 0.5 .
    [] a rekg:Ownership ; rekg:owner id:t-cn-co ; rekg:ownedCompany id:t-minority-co ; rekg:share 0.3 .

    id:t-plant-1 a rekg:Facility ; rdfs:label "T plant of a Chinese firm abroad"@en ; rekg:operator id:t-cn-co ;
        rekg:locatedIn id:malaysia ; rekg:stage rekg:Separation ; rekg:status rekg:Operating ;
        rekg:produces id:dysprosium-oxide .
    id:t-plant-2 a rekg:Facility ; rdfs:label "T plant in China"@en ; rekg:operator id:t-my-co ;
        rekg:locatedIn id:china ; rekg:stage rekg:Separation ; rekg:status rekg:Operating ;
        rekg:produces id:dysprosium-oxide .
    id:t-plant-3 a rekg:Facility ; rdfs:label "T plant of a controlled firm"@en ; rekg:operator id:t-owned-co ;
        rekg:locatedIn id:malaysia ; rekg:stage rekg:Separation ; rekg:status rekg:Operating ;
        rekg:produces id:dysprosium-oxide .
    id:t-plant-4 a rekg:Facility ; rdfs:label "T plant of a state-held firm"@en ; rekg:operator id:t-state-co ;
        rekg:locatedIn id:malaysia ; rekg:stage rekg:Separation ; rekg:status rekg:Operating ;
        rekg:produces id:dysprosium-metal .
    id:t-plant-5 a rekg:Facility ; rdfs:label "T plant of a minority-held firm"@en ; rekg:operator id:t-minority-co ;
        rekg:locatedIn id:malaysia ; rekg:stage rekg:MetalMaking ; rekg:status rekg:Operating ;
        rekg:startDate "2024-03-01"^^xsd:date ; rekg:produces id:dysprosium-metal .
    id:t-plant-6 a rekg:Facility ; rdfs:label "T closed plant"@en ; rekg:operator id:t-closed-co ;
        rekg:locatedIn id:malaysia ; rekg:stage rekg:Separation ; rekg:status rekg:Closed ;
        rekg:produces id:dysprosium-oxide .
}
"""


@pytest.fixture(scope="module")
def extended_kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    seeds = tmp_path_factory.mktemp("seeds")
    for f in Path(SEEDS_DIR).iterdir():
        if f.is_file():
            shutil.copy(f, seeds / f.name)
    (seeds / "test-ownership-2026-01.trig").write_text(_EXTRA, encoding="utf-8")
    return open_graph(seeds_dir=seeds, validate_shapes=False)


def test_outside_drops_base_location_and_control(extended_kg: KnowledgeGraph) -> None:
    kg = extended_kg
    everyone = _by_label(suppliers_of(kg, "dysprosium"))
    assert {"T Chinese company", "T Malaysian company", "T controlled company", "T state-held company"} <= set(everyone)
    assert "T closed company" not in everyone  # closed facilities supply nothing

    outside = _by_label(suppliers_of(kg, "dysprosium", outside="China"))
    assert "T Chinese company" not in outside  # based in China
    assert "T Malaysian company" not in outside  # its only plant is in China
    assert "T controlled company" not in outside  # 60 % held by a Chinese firm
    assert "T state-held company" not in outside  # 50 % held by a Chinese ministry
    assert "T minority company" in outside  # 30 % is not control
    assert "Lynas Rare Earths" in outside


def test_as_of_uses_a_start_date_when_given(extended_kg: KnowledgeGraph) -> None:
    assert "T minority company" not in _by_label(suppliers_of(extended_kg, "Dy", as_of="2024-02-29"))
    assert "T minority company" in _by_label(suppliers_of(extended_kg, "Dy", as_of="2024-03-01"))


# ---------------------------------------------------------------------------------------------
# Import shares: how dependent is the US on China for rare-earth compounds (USGS, 2020-23)
# ---------------------------------------------------------------------------------------------

USGS = "https://w3id.org/rekg/source/usgs-mcs-2025"
US_SHARES = [("China", 0.7), ("Malaysia", 0.13), ("Japan", 0.06), ("Estonia", 0.05)]


@pytest.mark.parametrize(
    ("material", "importer", "outside", "expected"),
    [
        ("rare-earth compounds", "US", None, US_SHARES),
        ("rare-earth compounds and metals", "United States", None, US_SHARES),
        ("rare-earth metals", None, None, US_SHARES),
        ("rare earths", "US", None, US_SHARES),
        ("rare-earth compounds", "US", "China", US_SHARES[1:]),
        ("rare-earth compounds", None, "CN", US_SHARES[1:]),
        ("rare-earth compounds", "US", "Malaysia", [US_SHARES[0], *US_SHARES[2:]]),
    ],
)
def test_import_shares_answer_with_a_number_and_its_source(
    kg: KnowledgeGraph, material: str, importer: str | None, outside: str | None, expected: list
) -> None:
    answer = suppliers_of(kg, material, outside=outside, importer=importer)
    (us,) = answer.import_shares
    assert us.importer.id == kg.iri("united-states")
    assert us.material.id == kg.iri("rare-earth-compounds-and-metals")
    assert [(s.exporter.label, s.share) for s in us.shares] == expected
    for s in us.shares:
        assert [src.id for src in s.sources] == [USGS] and s.unit == "%" and s.period == "2020/2023"
        assert "2020-23" in s.statistic.label
    # USGS gives 6 % to other countries it does not name: said, not shared out among the rest.
    assert (us.attributed, us.not_broken_down) == (0.94, 0.06)
    assert "6% comes from other countries" in us.note
    assert f"Import shares name {len(expected)} exporting countr" in answer.coverage.note


def test_chinas_share_notes_hong_kong_and_the_others_where_the_material_was_made(kg: KnowledgeGraph) -> None:
    (us,) = suppliers_of(kg, "rare-earth compounds", importer="US").import_shares
    notes = {s.exporter.label: s.note for s in us.shares}
    assert "Hong Kong" in notes["China"]
    assert all("Australia, China" in notes[c] for c in ("Malaysia", "Japan", "Estonia"))
    assert suppliers_of(kg, "rare-earth compounds", importer="US").importer.id == kg.iri("united-states")


@pytest.mark.parametrize(
    ("material", "importer"), [("dysprosium", None), ("gallium", None), ("rare-earth compounds", "China")]
)
def test_no_import_shares_where_the_sources_give_none(kg: KnowledgeGraph, material: str, importer: str | None) -> None:
    assert suppliers_of(kg, material, importer=importer).import_shares == []


def test_an_unknown_importer_is_refused(kg: KnowledgeGraph) -> None:
    with pytest.raises(NodeNotFound):
        suppliers_of(kg, "rare-earth compounds", importer="Atlantis")
