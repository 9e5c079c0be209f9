"""measures_in_force, agreements and timeline over the seed graph; the status rule on its own."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rekg.graph import KnowledgeGraph
from rekg.graph.answers.agreements import agreements
from rekg.graph.answers.measures import measure_status, measures_in_force
from rekg.graph.answers.timeline import timeline
from rekg.graph.errors import InvalidParameter, NodeNotFound
from rekg.graph.rules import derive_status

MOFCOM_OCT = [
    "mofcom-2025-55",
    "mofcom-2025-56",
    "mofcom-2025-57",
    "mofcom-2025-58",
    "mofcom-2025-61",
    "mofcom-2025-62",
]


def _by_id(kg: KnowledgeGraph, found: list) -> dict:
    return {kg.local_id(m.id): m for m in found}


def test_on_15_january_2026_the_truce_suspensions_show(kg: KnowledgeGraph) -> None:
    found = _by_id(kg, measures_in_force(kg, on="2026-01-15").measures)
    # MOFCOM No. 70 suspends the six October announcements until 10 November 2026.
    for local in MOFCOM_OCT:
        m = found[local]
        assert m.status == "suspended", (local, m.reason)
        assert m.deciding["suspended_until"] == date(2026, 11, 10)
        assert any(s.id.endswith("mofcom-2025-11-07") for s in m.sources)
    # The BIS affiliates rule is suspended for a year after Busan; No. 46 clause 2 until 27 Nov 2026.
    assert found["bis-affiliates-rule"].status == "suspended"
    assert found["mofcom-2024-46-clause-2"].status == "suspended"
    assert found["mofcom-2024-46-clause-2"].deciding["suspended_until"] == date(2026, 11, 27)
    # No. 18 (April 2025) was not paused by the truce.
    assert found["mofcom-2025-18"].status == "in force"
    assert found["mofcom-2025-18"].deciding == {"effective_from": date(2025, 4, 4)}


def test_before_and_after_the_suspension(kg: KnowledgeGraph) -> None:
    before = _by_id(kg, measures_in_force(kg, on="2025-10-20").measures)
    assert before["mofcom-2025-57"].status == "announced"  # announced 9 Oct, effective 8 Nov
    assert before["mofcom-2025-61"].status == "in force"  # no start date: the announcement counts
    after = _by_id(kg, measures_in_force(kg, on="2026-11-10").measures)
    assert after["mofcom-2025-57"].status == "in force"
    assert "suspension ended on 2026-11-10" in after["mofcom-2025-57"].reason
    early = _by_id(kg, measures_in_force(kg, on="2025-03-01").measures)
    assert "mofcom-2025-18" not in early  # not announced yet


def test_a_reported_status_speaks_from_its_report_on_not_for_the_years_before(kg: KnowledgeGraph) -> None:
    # Undated measures take the status their newest source reports, but only from that report's
    # date: in 2020 nothing said the US restricted anything or suspended a tariff not yet threatened.
    for day in ("2020-01-01", "2025-06-01"):
        found = measures_in_force(kg, on=day)
        undated = [m for m in found.measures if m.reason.startswith("no dates in the graph")]
        assert undated, day
        for m in undated:
            assert m.status == "unknown" and "first source reporting its status is from" in m.reason, (day, m)
            assert m.reported_status == [] and m.possible_statuses == ["unknown"], m.label
    later = _by_id(kg, measures_in_force(kg, on="2026-01-15").measures)
    assert later["us-additional-100-percent-tariff"].status == "suspended"


def test_a_change_within_the_period_of_a_source_dated_to_the_year_is_not_projected(kg: KnowledgeGraph) -> None:
    # The MOFCOM order suspending No. 46 clause 2 is dated "2025" only: it may be from any day of
    # 2025, so its 9 November 2025 suspension is reported, not projected; its end in 2026 is.
    clause = "mofcom-2024-46-clause-2"
    assert not _by_id(kg, measures_in_force(kg, on="2026-01-15").measures)[clause].projected
    assert _by_id(kg, measures_in_force(kg, on="2026-12-01").measures)[clause].projected


def test_contested_start_of_no_70_makes_8_november_contested(kg: KnowledgeGraph) -> None:
    # No. 70 took effect on 7 Nov per MOFCOM; some reports say 10 Nov (a claim). On 8 Nov the
    # October measures were suspended, or in force for three days, depending on who is right.
    m = _by_id(kg, measures_in_force(kg, on="2025-11-08").measures)["mofcom-2025-57"]
    assert m.status == "suspended" and m.contested
    assert set(m.possible_statuses) == {"suspended", "in force"}
    claimed = [c for c in m.date_conflicts if c.claimed]
    assert claimed and claimed[0].value == date(2025, 11, 10)


def test_claims_are_attached(kg: KnowledgeGraph) -> None:
    m = measure_status(kg, kg.iri("mofcom-2025-18"), on="2026-01-15")
    assert m is not None
    lifted = [c for c in m.claims if c.claimed_status == "lifted"]
    assert lifted and lifted[0].claimant.id == kg.iri("white-house")
    assert measure_status(kg, kg.iri("lynas")) is None


def test_filters(kg: KnowledgeGraph) -> None:
    by_us = measures_in_force(kg, on="2026-01-15", imposed_by="US").measures
    assert by_us and all(kg.iri("united-states") in [a.id for a in m.imposed_by] for m in by_us)
    by_mofcom = measures_in_force(kg, on="2026-01-15", imposed_by="MOFCOM").measures
    assert {kg.local_id(m.id) for m in by_mofcom} >= set(MOFCOM_OCT)
    targeting_us = measures_in_force(kg, on="2026-01-15", targets="United States").measures
    assert all(not m.targets or kg.iri("united-states") in [t.id for t in m.targets] for m in targeting_us)
    assert "mofcom-2024-46-clause-2" in _by_id(kg, targeting_us)
    assert "bis-affiliates-rule" not in _by_id(kg, targeting_us)  # a US rule, no target given: not the US itself
    # Material matching reaches forms and the element: No. 18 restricts dysprosium and its oxide.
    dy = _by_id(kg, measures_in_force(kg, on="2026-01-15", material="dysprosium oxide").measures)
    assert "mofcom-2025-18" in dy and "mofcom-2025-55" not in dy


def test_bad_inputs(kg: KnowledgeGraph) -> None:
    with pytest.raises(InvalidParameter):
        measures_in_force(kg, on="2026-02-30")
    with pytest.raises(NodeNotFound):
        measures_in_force(kg, imposed_by="Narnia")


def test_agreements(kg: KnowledgeGraph) -> None:
    found = {kg.local_id(a.id): a for a in agreements(kg).agreements}
    truce = found["busan-truce-2025"]
    # No source gives the truce itself an end date (10 November 2026 is the BIS suspension's and
    # the Section 301 exclusions' end, not the truce's).
    assert truce.date == date(2025, 10, 30) and truce.valid_until is None
    assert {p.id for p in truce.parties} == {kg.iri("china"), kg.iri("united-states")}
    assert kg.iri("bis-affiliates-rule") in [m.id for m in truce.suspends]
    assert [m.id for m in truce.outcome_of] == [kg.iri("busan-meeting-2025")]
    dates = [a.date for a in agreements(kg).agreements if a.date]
    assert dates == sorted(dates)
    with_malaysia = agreements(kg, party="Malaysia").agreements
    assert with_malaysia and all(kg.iri("malaysia") in [p.id for p in a.parties] for a in with_malaysia)


def test_timeline(kg: KnowledgeGraph) -> None:
    events = timeline(kg, "2025-10", "2025-11").events
    assert events and all(date(2025, 10, 1) <= e.date <= date(2025, 11, 30) for e in events)
    assert [e.date for e in events] == sorted(e.date for e in events)
    busan = [e for e in events if e.entity.id == kg.iri("busan-meeting-2025")]
    assert busan and busan[0].date == date(2025, 10, 30) and busan[0].sources
    with pytest.raises(InvalidParameter):
        timeline(kg, "2026", "2025")
    with pytest.raises(InvalidParameter):
        timeline(kg, "October")


# ---------------------------------------------------------------------------------------------
# The derivation rule as properties
# ---------------------------------------------------------------------------------------------

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


@given(start=days, length=st.integers(1, 800), day=days)
def test_suspension_window_is_half_open(start: date, length: int, day: date) -> None:
    until = start + timedelta(days=length)
    effective = start - timedelta(days=30)
    status = derive_status(day, {"effective_from": effective, "suspended_from": start, "suspended_until": until})[0]
    if day < effective:
        assert status == "not yet announced"
    elif start <= day < until:
        assert status == "suspended"
    else:
        assert status == "in force"


@given(effective=days, ended=days, day=days)
def test_ended_measures_never_apply(effective: date, ended: date, day: date) -> None:
    status = derive_status(day, {"effective_from": effective, "ended_on": ended})[0]
    lifted = derive_status(day, {"effective_from": effective, "ended_on": ended}, lifted=True)[0]
    if day >= ended and day >= effective:
        # It ran its course unless something (an agreement) lifted it: the measures-in-force query's rule.
        assert (status, lifted) == ("lapsed", "lifted")
    elif day >= effective:
        assert status == "in force"


def test_a_date_given_only_as_a_year_says_so(kg: KnowledgeGraph) -> None:
    # The digest (citing Politico) has the clause-2 suspension run "until late 2026": a year, which
    # the answer gives as its first day, so it must say that only the year is known.
    clause = _by_id(kg, measures_in_force(kg, on="2026-01-15").measures)["mofcom-2024-46-clause-2"]
    late = [d for d in clause.date_conflicts if d.property == "suspended_until" and d.value == date(2026, 1, 1)]
    assert [(d.precision, d.claimed) for d in late] == [("year", True)]
    assert {d.precision for d in clause.date_conflicts if d.value == date(2026, 11, 27)} == {"day"}


def test_a_suspension_by_a_one_year_truce_ends_a_year_after_it_starts(kg: KnowledgeGraph) -> None:
    # The Busan truce (30 October 2025, rekg:duration P1Y) suspends China's rare-earth controls and
    # gives no end date of its own: the suspension had been open-ended, so on 2026-12-01 the controls
    # still showed as suspended, against the README and every other suspension of the truce.
    controls = "china-rare-earth-export-controls"
    during = _by_id(kg, measures_in_force(kg, on="2026-01-15").measures)[controls]
    assert during.status == "suspended" and during.deciding["suspended_until"] == date(2026, 10, 30)
    after = _by_id(kg, measures_in_force(kg, on="2026-12-01").measures)[controls]
    assert after.status == "in force" and after.projected


def test_the_evidence_note_counts_the_stale_statuses(kg: KnowledgeGraph) -> None:
    answer = measures_in_force(kg, on="2026-12-01")
    stale = sum(m.stale for m in answer.measures)
    assert stale > 0
    assert f"{stale} statuses rest on a source's report more than 180 days old" in answer.evidence.note
    fresh = measures_in_force(kg, on="2025-11-15")
    assert not any(m.stale for m in fresh.measures) and "stale" not in fresh.evidence.note
