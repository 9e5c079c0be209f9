"""Claims sheets and the USGS data release through rekg.graph.io.importers and add_source."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rekg.graph import open_graph
from rekg.graph.errors import SheetError, SourceConflict
from rekg.graph.io.importers import TEMPLATE_EXAMPLE, import_sheet, relations, template
from rekg.graph.io.seeds import SEEDS_DIR
from rekg.graph.io.sources import add_source
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.concentration import concentration

USGS = Path(__file__).parent / "data" / "usgs-mcs2025-world-rare-earths.csv"
# Rows count from the first line: the four source lines and the header are rows 1-5, the first claim row 6.
HEAD = """# title: A made-up note
# publisher: Lynas
# date: 2026-01-05
# url: https://example.org/made-up-note
subject,relation,object,value,unit,date,valid_from,valid_until,status,note
"""


@pytest.fixture
def fresh() -> KnowledgeGraph:
    return open_graph(validate_shapes=False)


@pytest.fixture
def without_usgs_seed(tmp_path: Path) -> KnowledgeGraph:
    """The seeds without the hand-made USGS file: the release is then the only source of its figures."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds, ignore=shutil.ignore_patterns("usgs-mcs-2025.trig", "__pycache__"))
    return open_graph(seeds_dir=seeds, validate_shapes=False)


def _problems(kg: KnowledgeGraph, body: str) -> list[dict]:
    with pytest.raises(SheetError) as info:
        add_source(kg, body.encode(), "text/csv", name="bad.csv")
    return info.value.problems


def _ask(kg: KnowledgeGraph, q: str) -> bool:
    return bool(kg.store.query(q, prefixes=kg.prefixes))


def test_template_has_header_and_commented_example() -> None:
    lines = template().splitlines()
    assert lines[-2] == "subject,relation,object,value,unit,date,valid_from,valid_until,status,note"
    assert lines[-1].startswith("# ") and all(x.startswith("# ") for x in lines[:-2])


def test_relations_come_from_the_ontology() -> None:
    names = {r["relation"] for r in relations()}
    assert {"locatedIn", "operator", "produces", "restricts", "suspends", "party", "mine production"} <= names
    assert not {"label", "isoCode", "type"} & names


def test_example_sheet_adds_source_entities_facts_and_a_claim(fresh: KnowledgeGraph) -> None:
    written = add_source(fresh, TEMPLATE_EXAMPLE.encode(), "text/csv", name="lw.csv")
    assert (written.id, written.kind, written.rows) == ("lanthanide-weekly-2025-11-20", "claims", 9)
    assert _ask(
        fresh,
        "ASK { GRAPH ?g { id:kuantan-heavy-rare-earths-line rekg:operator id:lynas ; "
        "rekg:locatedIn id:malaysia ; rekg:status rekg:Planned ; rekg:startYear ?y } }",
    )
    # The seeds say No. 61 is suspended until 2026-11-10: the sheet's other date is its source's claim.
    assert _ask(
        fresh,
        "ASK { ?c a rekg:Claim ; rekg:about id:mofcom-2025-61 ; "
        'rekg:claimedProperty rekg:suspendedUntil ; rekg:claimedValue "2026-12-10"^^xsd:date ; '
        "rekg:claimant id:lanthanide-weekly }",
    )
    again = add_source(fresh, TEMPLATE_EXAMPLE.encode(), "text/csv", name="lw.csv")
    assert again.unchanged and again.triples == written.triples


def test_a_changed_sheet_with_the_same_id_is_a_conflict(fresh: KnowledgeGraph) -> None:
    add_source(fresh, TEMPLATE_EXAMPLE.encode(), "text/csv")
    with pytest.raises(SourceConflict):
        add_source(fresh, TEMPLATE_EXAMPLE.replace("1,200", "1,300").encode(), "text/csv")


def test_bad_sheet_is_refused_whole_with_rows_and_columns(fresh: KnowledgeGraph) -> None:
    before = fresh.store.graphs()
    body = HEAD + "\n".join(
        [
            "Lynas,operatez,Malaysia,,,,,,,",  # row 6: unknown relation
            "Kuantan plant X,located in,Malaysia,,,,,,,",  # row 7: unknown subject
            "Malaysia,mine production,rare earths,12,percent,2024,,,,",  # row 8: unit mismatch
            "Malaysia,share of,rare earths,3,percent,last year,,,,",  # row 9: bad date
            "id:mofcom-2025-61,effective from,,,,2025-13-01,,,,",  # row 10: bad date
            "Lynas,mine production,rare earths,=1+1,t,2024,,,,",  # row 11: formula, not a number
        ]
    )
    problems = _problems(fresh, body)
    found = {(p["row"], p["column"]) for p in problems}
    assert {(6, "relation"), (7, "subject"), (8, "unit"), (9, "date"), (10, "date"), (11, "value")} <= found
    unit = next(p for p in problems if p["row"] == 8)
    assert "unit mismatch" in unit["reason"]
    assert fresh.store.graphs() == before


def test_unknown_name_has_suggestions(fresh: KnowledgeGraph) -> None:
    problems = _problems(fresh, HEAD + "Lynass Rare Earthz Corporation Ltd,operator,Lynas,,,,,,,\n")
    assert problems[0]["row"] == 6 and problems[0]["column"] == "subject"
    assert "suggestions" in problems[0]


def test_ambiguous_name_is_an_error(fresh: KnowledgeGraph) -> None:
    import pyoxigraph as ox

    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    twins = [
        ox.Quad(ox.NamedNode(fresh.iri(f"twin-{x}")), label, ox.Literal("Twin Refinery", language="en"))
        for x in ("a", "b")
    ]
    fresh.store.replace_graph(str(fresh.ns.source["twins"]), twins)
    problems = _problems(fresh, HEAD + "Twin Refinery,located in,Malaysia,,,,,,,\n")
    assert problems[0]["row"] == 6
    assert {s["id"] for s in problems[0]["suggestions"]} == {fresh.iri("twin-a"), fresh.iri("twin-b")}


def test_formula_cells_are_text(fresh: KnowledgeGraph) -> None:
    body = HEAD + 'Fake Co,a,company,,,,,,,"=HYPERLINK(""http://x"",""y"")"\n'
    written = add_source(fresh, body.encode(), "text/csv")
    assert written.triples > 0
    assert _ask(fresh, 'ASK { id:fake-co rdfs:comment "=HYPERLINK(\\"http://x\\",\\"y\\")"@en }')


def test_shacl_problem_names_the_row(fresh: KnowledgeGraph) -> None:
    problems = _problems(fresh, HEAD + "Half plant,a,facility,,,,,,,\n")
    assert any(p["row"] == 6 and p["column"] == "stage" for p in problems)


def test_dry_run_writes_nothing(fresh: KnowledgeGraph) -> None:
    before = fresh.store.graphs()
    dry = add_source(fresh, TEMPLATE_EXAMPLE.encode(), "text/csv", dry_run=True)
    assert dry.dry_run and "kuantan-heavy-rare-earths-line" in (dry.statements or "")
    assert fresh.store.graphs() == before


def test_usgs_merges_with_the_seed_without_repeating_a_figure(fresh: KnowledgeGraph) -> None:
    written = add_source(fresh, USGS.read_bytes(), "text/csv", name=USGS.name)
    assert written.kind == "usgs-mcs" and written.merged == 39
    assert [s["value"] for s in written.skipped] == ["Other countries"]
    n = fresh.store.graphs()
    assert add_source(fresh, USGS.read_bytes(), "text/csv").unchanged
    assert fresh.store.graphs() == n


def test_usgs_alone_gives_statistics_shares_and_concentration(without_usgs_seed: KnowledgeGraph) -> None:
    kg = without_usgs_seed
    written = add_source(kg, USGS.read_bytes(), "text/csv")
    assert written.merged == 0 and written.triples > 300
    assert _ask(
        kg,
        "ASK { ?s rekg:subject id:burma ; rekg:indicator rekg:MineProduction ; "
        'rekg:period "2024"^^xsd:gYear ; rekg:value 31000 ; rekg:estimated true ; rekg:unit rekg:TONNE-REO }',
    )
    assert _ask(
        kg,
        "ASK { ?s rekg:subject id:world ; rekg:indicator rekg:Reserves ; rekg:value 90000000 ; rekg:estimated true }",
    )
    # "—" is no figure: Canada has reserves but no production statistic.
    assert not _ask(kg, "ASK { ?s rekg:subject id:canada ; rekg:indicator rekg:MineProduction }")
    c = concentration(kg, "rare earths", "production", period="2024")
    china = next(s for s in c.shares if s.subject.label == "China")
    assert round(100 * china.share) == 69


def test_usgs_unknown_country_and_commodity(fresh: KnowledgeGraph) -> None:
    head = "COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2023,PROD_EST_ 2024,EXTRA_COLUMN\n"
    rows = [
        "Rare earths,Atlantis,Mine production,metric tons,1,2,x",
        "Unobtainium,China,Mine production,metric tons,1,2,x",
        "Rare earths,Korea; Republic of,Mine production,metric tons,W,NA,x",
    ]
    with pytest.raises(SheetError) as info:
        add_source(fresh, (head + "\n".join(rows)).encode(), "text/csv")
    problems = info.value.problems
    assert [(p["row"], p["column"], p["value"]) for p in problems] == [
        (2, "COUNTRY", "Atlantis"),
        (4, "COUNTRY", "Korea; Republic of"),
    ]


def test_usgs_bad_figure_is_reported(fresh: KnowledgeGraph) -> None:
    head = "COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2023\n"
    with pytest.raises(SheetError) as info:
        add_source(fresh, (head + "Rare earths,China,Mine production,metric tons,lots\n").encode(), "text/csv")
    assert info.value.problems[0]["row"] == 2 and info.value.problems[0]["column"] == "PROD_2023"


def test_figures_outside_their_indicators_range_are_row_errors(fresh: KnowledgeGraph) -> None:
    # The ontology bounds each indicator (rekg:minValue, rekg:maxValue): no negative production, no
    # share over 100 %; a change may be negative. A reviewer once got -500 t accepted into concentration.
    body = HEAD + "\n".join(
        [
            "Malaysia,mine production,rare earths,-500,t REO,2024,,,,",  # row 6
            "India,share of world mining,rare earths,250,%,2024,,,,",  # row 7
            "China,change in exports,rare earths,-24.6,%,2025,,,,",  # row 8: fine
        ]
    )
    problems = {(p["row"], p["column"]): p["reason"] for p in _problems(fresh, body)}
    assert problems == {
        (6, "value"): "a mine production figure is at least 0; got -500",
        (7, "value"): "a share of world mining figure is at most 100; got 250",
    }
    head = "COMMODITY,COUNTRY,TYPE,UNIT_MEAS,PROD_2023\n"
    with pytest.raises(SheetError) as info:
        add_source(
            fresh,
            (head + "Rare earths,Malaysia,Mine production: rare-earth-oxide equivalent,metric tons,-310\n").encode(),
            "text/csv",
        )
    assert [(p["row"], p["column"]) for p in info.value.problems] == [(2, "PROD_2023")]
    assert "at least 0" in info.value.problems[0]["reason"]


def test_import_sheet_without_writing(fresh: KnowledgeGraph) -> None:
    done = import_sheet(fresh, TEMPLATE_EXAMPLE.encode())
    assert done.kind == "claims" and done.node_rows


def test_two_names_for_one_new_entity_in_a_sheet_are_an_error(fresh: KnowledgeGraph) -> None:
    # "Foo Holdings" and "Foo-Holdings" make the same IRI: merging them silently gave one company
    # two labels and two locations. Across sheets the same case was already refused.
    body = HEAD + "\n".join(
        [
            "Foo Holdings,a,company,,,,,,,",  # row 6
            "Foo-Holdings,a,company,,,,,,,",  # row 7
            "Foo Holdings,located in,Japan,,,,,,,",
        ]
    )
    problems = _problems(fresh, body)
    assert [(p["row"], p["column"]) for p in problems] == [(7, "subject")]
    assert "'Foo Holdings' (row 6)" in problems[0]["reason"]
