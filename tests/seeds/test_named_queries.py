"""The named queries in graph/queries: documented, runnable, and right about the seeds."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from rekg.graph import KnowledgeGraph

QUERIES = Path(__file__).resolve().parents[2] / "graph" / "sparql" / "queries"
DAY = re.compile(r'(VALUES \?day \{ ")(\d{4}-\d{2}-\d{2})("\^\^xsd:date \})')


def read(name: str) -> str:
    return (QUERIES / name).read_text(encoding="utf-8")


def on_day(text: str, day: str) -> str:
    """The query with the day in its ``VALUES ?day`` line replaced."""
    assert DAY.search(text), "the query binds ?day with a VALUES line"
    return DAY.sub(lambda m: m.group(1) + day + m.group(3), text, count=1)


def local(kg: KnowledgeGraph, iri: str) -> str:
    return kg.local_id(iri).rsplit("/", 1)[-1] if iri.startswith(str(kg.ns.source)) else kg.local_id(iri)


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.name)
def test_each_query_is_documented_and_returns_rows(kg: KnowledgeGraph, path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# title: ") and len(lines[0]) > len("# title: ")
    assert lines[1].startswith("# description: ") and len(lines[1]) > len("# description: ")
    assert kg.select(path.read_text(encoding="utf-8"))


def test_there_are_the_two_required_and_enough_example_queries() -> None:
    names = {p.name for p in QUERIES.glob("*.rq")}
    assert {"conflicts.rq", "measures-in-force.rq"} <= names
    assert len(names) >= 6


# --- conflicts ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def conflicts(kg: KnowledgeGraph) -> list[dict]:
    return [
        {**r, "subject": kg.local_id(r["subject"]), "s1": local(kg, r["source1"]), "s2": local(kg, r["source2"])}
        for r in kg.select(read("conflicts.rq"))
    ]


def test_conflict_dates_of_chinas_earlier_controls(conflicts: list[dict]) -> None:
    rows = [
        r
        for r in conflicts
        if r["subject"] == "china-rare-earth-export-controls" and r["property1"].endswith("imposedIn")
    ]
    pairs = {frozenset((r["s1"], r["s2"])) for r in rows}
    assert frozenset(("benzinga-2025-11-03", "digest-2025-11")) in pairs
    row = next(r for r in rows if {r["s1"], r["s2"]} == {"benzinga-2025-11-03", "digest-2025-11"})
    assert row["s1"] != row["s2"]
    both = row["value1"] + " " + row["value2"]
    assert all(v in both for v in ("2022-10", "2025-04", "2023", "2024"))
    # The White House's own dating, kept as a claim, also conflicts with the digest.
    assert frozenset(("whitehouse-2025-11-01", "digest-2025-11")) in pairs


def test_conflict_lifted_versus_still_restricted(conflicts: list[dict]) -> None:
    rows = [
        r
        for r in conflicts
        if r["subject"] == "china-rare-earth-export-controls" and r["kind"] == "claim against status"
    ]
    assert {(r["s1"], r["s2"], r["value2"]) for r in rows} >= {
        ("benzinga-2025-11-03", "market-outlook-2025-11", "in force"),
        ("whitehouse-2025-11-01", "market-outlook-2025-11", "in force"),
    }
    for r in rows:
        assert r["s1"] != r["s2"]
        assert "lifted" in r["value1"]


# Issue 13: the conflicts the query must list, each as (subject, kind, source1, source2, text in
# value1, text in value2), and the updates it must not list.
LISTED = [
    # China's April 2025 controls: the White House's "lifted" against Caixin's "in force".
    ("mofcom-2025-18", "claim against status", "whitehouse-2025-11-01", "caixin-2025-11", "lifted", "in force"),
    # Suspended (digest) against lifted (White House).
    (
        "china-rare-earth-export-controls",
        "claim against status",
        "whitehouse-2025-11-01",
        "digest-2025-11",
        "lifted",
        "suspended",
    ),
    # The magnet controls, included in the April controls: still in force (digest) against lifted.
    (
        "china-magnet-export-controls",
        "claim against status",
        "whitehouse-2025-11-01",
        "digest-2025-11",
        "lifted",
        "in force",
    ),
    # MP Materials' 10,000 t/yr: the plant's (Caixin) against all US capacity (MP Materials).
    ("mp-10x-magnet-plant", "plant against total", "caixin-2025-11", "mp-materials-2025-07-10", "10000", "10000"),
    # Two sources of the same month disagree on the status of the 100% tariff.
    (
        "us-additional-100-percent-tariff",
        "different values",
        "benzinga-2025-11-03",
        "whitehouse-2025-11-01",
        "suspended",
        "withdrawn",
    ),
]


@pytest.mark.parametrize("subject, kind, s1, s2, v1, v2", LISTED, ids=[x[0] for x in LISTED])
def test_conflict_is_listed(conflicts: list[dict], subject: str, kind: str, s1: str, s2: str, v1: str, v2: str) -> None:
    rows = [r for r in conflicts if (r["subject"], r["kind"], r["s1"], r["s2"]) == (subject, kind, s1, s2)]
    assert rows, f"{subject}: no {kind} row between {s1} and {s2}"
    assert v1 in rows[0]["value1"] and v2 in rows[0]["value2"], rows[0]


#: (subject, source) pairs whose disagreement is an update by a later source, or an agreement at a
#: coarser precision, so the conflict query must not list them.
NOT_LISTED = [
    ("lynas-malaysia", "lynas-2025-05"),  # terbium planned in May, produced by November: an update
    ("mofcom-2025-18", "industry-news-2025-06-27"),  # June "resume" and "in force" claims: superseded
    ("us-countermeasures-2025", "industry-news-2025-06-27"),
    ("mofcom-2025-56", "digest-2025-11"),  # "until November 2026" agrees with 2026-11-10
    ("mofcom-2025-58", "digest-2025-11"),
    ("mofcom-2024-46-clause-2", "digest-2025-11"),  # "late 2026" agrees with 2026-11-27
]


@pytest.mark.parametrize("subject, source", NOT_LISTED, ids=[f"{a} {b}" for a, b in NOT_LISTED])
def test_updates_and_agreements_are_not_conflicts(conflicts: list[dict], subject: str, source: str) -> None:
    assert not [r for r in conflicts if r["subject"] == subject and source in (r["s1"], r["s2"])]


def test_the_entity_page_marks_the_lynas_terbium_update_superseded_not_conflicting(kg: KnowledgeGraph) -> None:
    from rekg.graph.answers.entities import describe_entity

    d = describe_entity(kg, "lynas-malaysia")
    assert not [c for c in d.conflicts if c.kind == "functional"]
    superseded = [s for g in d.facts for s in g.statements if s.superseded]
    assert superseded and all(src.id.endswith("lynas-2025-05") for s in superseded for src in s.sources)
    assert any("terbium" in s.value.label for s in superseded)


def test_conflict_ownership_rule_effective_versus_unveiled(conflicts: list[dict]) -> None:
    rows = [r for r in conflicts if r["subject"] == "bis-affiliates-rule"]
    across = [r for r in rows if r["s1"] != r["s2"]]
    assert [(r["s1"], r["value1"], r["s2"], r["value2"]) for r in across] == [
        ("caixin-2025-11", "2025-10", "bis-2025-09-29", "2025-09-29")
    ]
    # Caixin also contradicts itself, and the query says so.
    assert any(r["s1"] == r["s2"] == "caixin-2025-11" for r in rows)


def test_contested_reference_items_are_listed(conflicts: list[dict]) -> None:
    no70 = [r for r in conflicts if r["subject"] == "mofcom-2025-70"]
    assert [(r["value1"].split(" ")[0], r["value2"]) for r in no70] == [("2025-11-10", "2025-11-07")]


def test_agreeing_sources_are_not_conflicts(conflicts: list[dict]) -> None:
    # Benzinga and the White House date the earlier controls the same way.
    assert not any(
        {r["s1"], r["s2"]} == {"benzinga-2025-11-03", "whitehouse-2025-11-01"} and r["property1"].endswith("imposedIn")
        for r in conflicts
    )
    # Busan is dated 30 October 2025 everywhere, at day or month precision.
    assert not any(r["subject"] in ("busan-meeting-2025", "busan-truce-2025") for r in conflicts)


# --- measures in force --------------------------------------------------------------------


def statuses(kg: KnowledgeGraph, day: str) -> dict[str, str]:
    rows = kg.select(on_day(read("measures-in-force.rq"), day))
    result: dict[str, str] = {}
    for r in rows:
        m = kg.local_id(r["measure"])
        assert result.setdefault(m, r["statusLabel"]) == r["statusLabel"], f"{m} has two statuses on {day}"
    return result


OCTOBER = ["mofcom-2025-55", "mofcom-2025-56", "mofcom-2025-57", "mofcom-2025-58", "mofcom-2025-61", "mofcom-2025-62"]


def test_measures_in_force_on_15_january_2026(kg: KnowledgeGraph) -> None:
    s = statuses(kg, "2026-01-15")
    for m in [*OCTOBER, "china-october-2025-controls", "bis-affiliates-rule", "mofcom-2024-46-clause-2"]:
        assert s[m] == "suspended", m
    assert s["mofcom-2025-18"] == "in force"
    assert s["section-301-exclusions-extension"] == "in force"


def test_measures_in_force_on_1_december_2026(kg: KnowledgeGraph) -> None:
    s = statuses(kg, "2026-12-01")
    # Every suspension has run out, so the paused measures apply again.
    for m in [
        *OCTOBER,
        "china-october-2025-controls",
        "bis-affiliates-rule",
        "mofcom-2024-46-clause-2",
        "mofcom-2025-18",
    ]:
        assert s[m] == "in force", m
    assert s["section-301-exclusions-extension"] == "lapsed"


def test_measures_between_announcement_and_effect(kg: KnowledgeGraph) -> None:
    s = statuses(kg, "2025-10-20")
    assert {m: s[m] for m in OCTOBER[:4]} == dict.fromkeys(OCTOBER[:4], "announced")
    # Nos. 61 and 62 give no start date, so they apply from their announcement.
    assert s["mofcom-2025-61"] == s["mofcom-2025-62"] == "in force"
    assert "mofcom-2024-46-suspension" not in s
    # Nothing announced after the day is listed.
    assert "section-301-exclusions-extension" not in s


def test_the_clause_2_suspension_ends_before_the_october_one(kg: KnowledgeGraph) -> None:
    s = statuses(kg, "2026-11-20")
    assert s["mofcom-2025-55"] == "in force"
    assert s["mofcom-2024-46-clause-2"] == "suspended"


# --- the analyst examples --------------------------------------------------------------------


def test_dysprosium_outside_china_is_lynas_malaysia(kg: KnowledgeGraph) -> None:
    rows = kg.select(read("suppliers-outside-china.rq"))
    assert {(r["operatorLabel"], r["countryLabel"]) for r in rows} == {("Lynas Rare Earths", "Malaysia")}


def test_busan_suspensions_cover_both_sides(kg: KnowledgeGraph) -> None:
    rows = kg.select(read("busan-suspensions.rq"))
    measures = {kg.local_id(r["measure"]) for r in rows}
    assert {"bis-affiliates-rule", "mofcom-2024-46-clause-2", *OCTOBER} <= measures
    assert "mofcom-2025-18" not in measures


def test_china_still_restricts_dysprosium_metal_and_ndpr_oxide(kg: KnowledgeGraph) -> None:
    rows = kg.select(read("china-restrictions-after-truce.rq"))
    materials = {r["materialLabel"] for r in rows}
    assert {"dysprosium metal", "NdPr oxide", "terbium", "permanent magnets"} <= materials
    # Suspended October controls do not count.
    assert not {"holmium", "lithium-ion batteries"} & materials


def test_us_supply_deals(kg: KnowledgeGraph) -> None:
    rows = kg.select(read("us-supply-deals.rq"))
    partners = {p for r in rows if r["kind"] == "supply deal" for p in r["partners"].split(", ")}
    assert {"Australia", "Japan", "Malaysia", "Thailand", "Kazakhstan"} <= partners


def test_china_shares_are_stated_by_both_articles(kg: KnowledgeGraph) -> None:
    rows = {kg.local_id(r["stat"]): r for r in kg.select(read("china-shares.rq"))}
    assert rows["stat-china-re-mining-share"]["value"] == 70
    assert len(rows["stat-china-re-mining-share"]["sources"].split()) == 2
    assert rows["stat-china-magnet-share"]["value"] == 93


def test_mine_production_ranks_china_first(kg: KnowledgeGraph) -> None:
    rows = kg.select(read("mine-production-2024.rq"))
    assert rows[0]["countryLabel"] == "China" and rows[0]["share"] == pytest.approx(69.2)
    assert [r["countryLabel"] for r in rows].index("Malaysia") > 5


@pytest.mark.parametrize("name", ["conflicts.rq", "measures-in-force.rq"])
def test_readme_prints_the_query_in_full(name: str) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert read(name).strip() in readme


def test_the_truce_is_up_for_renewal_a_year_after_busan(kg: KnowledgeGraph) -> None:
    rows = kg.select(read("renewals.rq"))
    truce = [r for r in rows if kg.local_id(r["agreement"]) == "busan-truce-2025"]
    assert truce and truce[0]["due"] == date(2026, 10, 30)
    assert "benzinga-2025-11-03" in truce[0]["intervalSources"]


@pytest.mark.parametrize("day", ["2025-06-01", "2025-11-05", "2026-01-15", "2026-11-15", "2026-12-01"])
def test_the_query_and_the_measures_answer_give_every_dated_measure_the_same_status(
    kg: KnowledgeGraph, day: str
) -> None:
    # One rule for "in force", in SPARQL for users and in Python for /measures and the analyses:
    # they must not disagree (they once did: an ended measure was "lifted" here, "lapsed" there).
    from rekg.graph.answers.measures import measures_in_force

    answer = {kg.local_id(m.id): m.status for m in measures_in_force(kg, on=day).measures}
    query = statuses(kg, day)
    assert query, day
    assert {m: answer.get(m) for m in query} == query
