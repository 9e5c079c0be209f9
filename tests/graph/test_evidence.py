"""Answers say what they rest on: freshness, projected and stale statuses, coverage, country-level supply."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from rekg.graph import KnowledgeGraph
from rekg.graph.answers import agreements, describe_entity, measures_in_force, suppliers_of, timeline
from rekg.graph.answers.evidence import evidence, graph_data_until

DAY = date(2026, 12, 1)


def _by_id(kg: KnowledgeGraph, answer) -> dict:
    return {kg.local_id(m.id): m for m in answer.measures}


def test_a_suspension_that_ran_out_after_the_newest_source_is_projected(kg: KnowledgeGraph) -> None:
    answer = measures_in_force(kg, on=DAY)
    no61 = _by_id(kg, answer)["mofcom-2025-61"]
    assert no61.status == "in force" and no61.projected
    assert "projected" in no61.reason and "2026-11-10" in no61.reason
    assert answer.evidence.projected and answer.evidence.as_of == DAY
    assert answer.evidence.data_until <= answer.evidence.graph_data_until < DAY
    assert "projected" in answer.evidence.note


def test_a_status_a_source_reported_on_its_day_is_not_projected(kg: KnowledgeGraph) -> None:
    # On 2025-11-01 No. 61 applies since its announcement (2025-10-09), which sources of October
    # and November 2025 report: stated, not worked out.
    no61 = _by_id(kg, measures_in_force(kg, on="2025-11-01"))["mofcom-2025-61"]
    assert no61.status == "in force" and not no61.projected


def test_reported_statuses_go_stale_after_the_limit(kg: KnowledgeGraph) -> None:
    reported = [m for m in measures_in_force(kg, on=DAY).measures if m.reported_on]
    assert reported, "the seeds hold measures whose status is only reported"
    assert all(m.stale for m in reported if (DAY - m.reported_on).days > 180)
    lenient = measures_in_force(kg, on=DAY, stale_after_days=10_000).measures
    assert not any(m.stale for m in lenient)


def test_no_producer_data_is_said_not_implied(kg: KnowledgeGraph) -> None:
    answer = suppliers_of(kg, "gallium", outside="China")
    assert answer.suppliers == [] and answer.countries == []
    assert answer.coverage.facilities == 0 and answer.coverage.countries == 0
    assert "no producer data for gallium" in answer.coverage.note
    assert answer.evidence.data_until is None and "rests on no data" in answer.evidence.note


def test_country_level_supply_outside_china(kg: KnowledgeGraph) -> None:
    answer = suppliers_of(kg, "rare earths", outside="China")
    named = {c.country.label for c in answer.countries}
    assert {"Australia", "Burma", "Nigeria", "Thailand", "United States"} <= named
    assert "China" not in named and "world" not in {n.lower() for n in named}
    us = next(c for c in answer.countries if c.country.label == "United States" and c.indicator == "mine production")
    assert us.period == "2024" and us.unit and 0 < us.share_of_world < 100
    assert any(s.publisher and "Geological" in s.publisher for s in us.sources)
    assert answer.coverage.countries >= len(named)


def test_coverage_counts_facilities_inside_and_outside(kg: KnowledgeGraph) -> None:
    answer = suppliers_of(kg, "dysprosium", outside="China")
    assert (
        answer.coverage.facilities
        >= answer.coverage.facilities_outside
        >= len([f for s in answer.suppliers for f in s.facilities])
    )


def test_government_bodies_act_for_their_country(kg: KnowledgeGraph) -> None:
    labels = [a.label for a in agreements(kg, party="US").agreements]
    assert any("Department of Defense" in label for label in labels)
    mofcom = {kg.local_id(m.id) for m in measures_in_force(kg, on=DAY, imposed_by="China").measures}
    assert "mofcom-2025-61" in mofcom


def test_every_answer_carries_evidence(kg: KnowledgeGraph) -> None:
    for answer in (
        suppliers_of(kg, "Dy"),
        measures_in_force(kg, on=DAY),
        agreements(kg),
        timeline(kg, "2025", "2026"),
        describe_entity(kg, "mofcom-2025-61"),
    ):
        e = answer.evidence
        assert e.graph_data_until == graph_data_until(kg)
        assert e.note and (e.data_until is None or e.data_until <= e.graph_data_until)


def test_entity_status_today_says_it_is_projected(kg: KnowledgeGraph) -> None:
    d = describe_entity(kg, "mofcom-2025-61")
    assert d.status_today.projected == d.evidence.projected


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/suppliers", {"material": "gallium", "outside": "China"}),
        ("/measures", {"in_force_on": "2026-12-01"}),
        ("/agreements", {"party": "US"}),
        ("/timeline", {"from": "2025"}),
        ("/entities/mofcom-2025-61", {}),
    ],
)
def test_the_api_sends_the_evidence(client: TestClient, path: str, params: dict) -> None:
    body = client.get(path, params=params, headers={"Accept": "application/json"}).json()
    assert set(body["evidence"]) == {"as_of", "data_until", "graph_data_until", "projected", "note"}


def test_evidence_wording(kg: KnowledgeGraph) -> None:
    fresh = evidence(kg, date(2025, 10, 1), [str(kg.ns.source["caixin-2025-11"])])
    assert fresh.note.startswith("Rests on sources up to 2025-11-01")
    late = evidence(kg, DAY, [str(kg.ns.source["caixin-2025-11"])], projected=True, about="the truce")
    assert "395 days before 2026-12-01" in late.note and "projected" in late.note


def test_answers_echo_how_loose_names_were_read(kg: KnowledgeGraph) -> None:
    answer = suppliers_of(kg, "Dysprósium", outside="中國")
    assert [(r.what, r.how, r.label) for r in answer.resolved_from] == [
        ("material", "diacritics", "dysprosium"),
        ("country", "script", "China"),
    ]
    assert suppliers_of(kg, "dysprosium", outside="China").resolved_from == []
    assert agreements(kg, party="Untied States").resolved_from[0].how == "fuzzy"
