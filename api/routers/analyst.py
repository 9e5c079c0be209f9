"""Questions without SPARQL: suppliers, search, measures in force, agreements, timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from rekg.graph import answers as analyst

from ..deps import KG

__all__ = ["EntityRef", "SourceInfo", "router"]

router = APIRouter(tags=["analyst"])

_NAME = Annotated[str | None, Field(max_length=500)]

_DY = "https://w3id.org/rekg/id/dysprosium"
_CN = "https://w3id.org/rekg/id/china"
_CAIXIN = {
    "id": "https://w3id.org/rekg/source/caixin-2025-11",
    "title": "Caixin Explains: China-U.S. Rare Earth Truce Buys Time as Washington Hunts New Supply Chains",
    "publisher": "Caixin",
    "date": "2025-11-01",
}


class EntityRef(BaseModel):
    """An entity: its IRI and English label. Open it with `GET /entities/{id}`."""

    id: str = Field(description="The entity's IRI.", examples=["https://w3id.org/rekg/id/lynas"])
    label: str = Field(description="English label.", examples=["Lynas Rare Earths"])


class SourceInfo(BaseModel):
    """A source document; its IRI also names the graph holding what it states."""

    id: str = Field(description="IRI of the source and of its named graph.", examples=[_CAIXIN["id"]])
    title: str | None = Field(None, description="Title of the document.")
    publisher: str | None = Field(None, description="Who published it.", examples=["Caixin"])
    date: dt.date | None = Field(None, description="Publication date.")


# --------------------------------------------------------------------------------------------
# /suppliers
# --------------------------------------------------------------------------------------------


class Capacity(BaseModel):
    """How much a facility or output can make."""

    value: float = Field(examples=[10000])
    unit: str = Field(examples=["t/yr"])


class MaterialSupply(BaseModel):
    """A matching material the facility makes, with that output's own status."""

    id: str
    label: str
    status: str = Field(description="operating, planned or unknown.")
    start_year: int | None = Field(None, description="Year the output starts or started.")
    via: str = Field(description="`supplies` (the material or a form of it) or `made from` (a product made from it).")


class Facility(BaseModel):
    """A facility that makes the material."""

    id: str
    label: str
    location: EntityRef | None = Field(None, description="Country the facility stands in.")
    place: EntityRef | None = Field(None, description="City or site.")
    stage: str | None = Field(None, description="Supply-chain stage(s), e.g. separation.")
    status: str = Field(description="operating, planned or unknown.")
    start_year: int | None = Field(None, description="Start year; for planned facilities, when it is due.")
    capacity: Capacity | None = None
    materials: list[MaterialSupply]
    sources: list[SourceInfo]
    disputed: list[str] = Field(description="Fields on which sources give different values.")


class Supplier(BaseModel):
    """A company running facilities that make the material."""

    id: str
    label: str
    country: EntityRef | None = Field(None, description="Where the company is based.")
    status: str = Field(description="operating if any facility operates, else planned.")
    start_year: int | None = None
    facilities: list[Facility]
    sources: list[SourceInfo]


class SuppliersAnswer(BaseModel):
    """Who supplies a material, and the SPARQL query that found them."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "material": {"id": _DY, "label": "dysprosium"},
                    "outside": {"id": _CN, "label": "China"},
                    "stage": None,
                    "as_of": None,
                    "suppliers": [
                        {
                            "id": "https://w3id.org/rekg/id/lynas",
                            "label": "Lynas Rare Earths",
                            "country": {"id": "https://w3id.org/rekg/id/australia", "label": "Australia"},
                            "status": "operating",
                            "start_year": 2025,
                            "facilities": [
                                {
                                    "id": "https://w3id.org/rekg/id/lynas-malaysia",
                                    "label": "Lynas Malaysia plant",
                                    "location": {"id": "https://w3id.org/rekg/id/malaysia", "label": "Malaysia"},
                                    "place": None,
                                    "stage": "separation",
                                    "status": "operating",
                                    "start_year": 2025,
                                    "capacity": None,
                                    "materials": [
                                        {
                                            "id": "https://w3id.org/rekg/id/dysprosium-oxide",
                                            "label": "dysprosium oxide",
                                            "status": "operating",
                                            "start_year": 2025,
                                            "via": "supplies",
                                        }
                                    ],
                                    "sources": [_CAIXIN],
                                    "disputed": [],
                                }
                            ],
                            "sources": [_CAIXIN],
                        }
                    ],
                    "query": "# ?material = <https://w3id.org/rekg/id/dysprosium>\nSELECT ?material ?outside ...",
                    "bindings": {"material": _DY, "outside": _CN},
                }
            ]
        }
    )

    material: EntityRef
    outside: EntityRef | None = None
    stage: EntityRef | None = None
    as_of: dt.date | None = None
    suppliers: list[Supplier]
    query: str = Field(description="The SPARQL text run; the comment lines give the values bound to its variables.")
    bindings: dict[str, str] = Field(description="Variable -> value bound into the query (never formatted into it).")


@router.get("/suppliers", response_model=SuppliersAnswer)
def suppliers(
    kg: KG,
    material: str = Query(
        ...,
        min_length=1,
        max_length=500,
        description="Material, form, product or group: label, alias, symbol or IRI, any case.",
        examples=["Dy", "terbium", "permanent magnets"],
    ),
    outside: _NAME = Query(
        None,
        description="Exclude this country: companies based there, facilities there, companies it controls (>= 50 %).",
        examples=["CN", "China"],
    ),
    stage: _NAME = Query(
        None, description="Keep one supply-chain stage: mining, separation, metal making, magnet making, manufacturing."
    ),
    as_of: str | None = Query(
        None, max_length=40, description="Keep only what operated on this day (YYYY-MM-DD).", examples=["2025-06-01"]
    ),
) -> SuppliersAnswer:
    """Who supplies a material, outside a country, at a stage, on a date; with sources and the SPARQL used."""
    answer = analyst.suppliers_of(kg, material, outside=outside, stage=stage, as_of=as_of)
    return SuppliersAnswer.model_validate(asdict(answer))


# --------------------------------------------------------------------------------------------
# /search
# --------------------------------------------------------------------------------------------


class SearchHit(BaseModel):
    """An entity whose name matches."""

    id: str = Field(description="The entity's IRI.")
    label: str = Field(description="English label.")
    label_zh: str | None = Field(None, description="Chinese label, where known.")
    type: str | None = Field(None, description="What it is: company, element, export control...")
    matched: str = Field(description="The label or alias that matched.")
    match: str = Field(description="exact, prefix, words, contains or fuzzy.")
    score: float = Field(description="Higher is better (100 = exact label).")


class SearchResults(BaseModel):
    """Entities matching what was typed, best first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "q": "lyn",
                    "hits": [
                        {
                            "id": "https://w3id.org/rekg/id/lynas",
                            "label": "Lynas Rare Earths",
                            "label_zh": "莱纳斯稀土",
                            "type": "company",
                            "matched": "Lynas Rare Earths",
                            "match": "prefix",
                            "score": 89.86,
                        }
                    ],
                }
            ]
        }
    )

    q: str
    hits: list[SearchHit]


@router.get("/search", response_model=SearchResults)
def search(
    kg: KG,
    q: str = Query(
        ...,
        min_length=1,
        max_length=200,
        description="What the user typed: English or Chinese, a prefix, or a misspelling.",
        examples=["lyn", "镝", "dysprosim"],
    ),
    limit: int = Query(10, ge=1, le=100, description="At most this many hits."),
) -> SearchResults:
    """Labels and aliases matching `q` in English or Chinese, by prefix and fuzzily, ranked (for autocomplete)."""
    hits = analyst.search(kg, q, limit=limit)
    return SearchResults(q=q, hits=[SearchHit.model_validate(asdict(h)) for h in hits])


# --------------------------------------------------------------------------------------------
# /measures
# --------------------------------------------------------------------------------------------


class DateValue(BaseModel):
    """One value sources give for a date they disagree on."""

    property: str = Field(description="announced_on, effective_from, suspended_from, ...")
    value: dt.date
    sources: list[SourceInfo]
    claimed: bool = Field(description="Only claimed (a rekg:Claim reported by the source), not stated as fact.")


class ClaimedValue(BaseModel):
    """A value a claim gives for a property of the measure."""

    property: str = Field(examples=["effective from"])
    value: str = Field(examples=["2025-11-10"])


class MeasureClaim(BaseModel):
    """A status or value someone claims for the measure, as a source reports it."""

    id: str
    label: str
    claimant: EntityRef | None = None
    claimed_status: str | None = None
    claimed_values: list[ClaimedValue]
    sources: list[SourceInfo]


class ReportedStatus(BaseModel):
    """The status one source gives for the measure at the source's date."""

    status: str | None
    source: SourceInfo


class Measure(BaseModel):
    """A trade measure and its status on the day asked about."""

    id: str
    label: str
    kind: str = Field(description="export control, tariff, ownership rule or licensing scheme.")
    status: str = Field(description="announced, in force, suspended, lapsed, lifted or unknown, on that day.")
    reason: str = Field(description="Why, in words, from the deciding dates.")
    deciding: dict[str, dt.date] = Field(description="The dates that decide the status.")
    imposed_by: list[EntityRef]
    issued_by: list[EntityRef]
    targets: list[EntityRef] = Field(description="Empty means all destinations.")
    restricts: list[EntityRef]
    instrument: list[str] = Field(description="Legal citation, e.g. MOFCOM Announcement 2025 No. 18.")
    dates: dict[str, dt.date] = Field(description="announced_on, effective_from, suspended_from, suspended_until...")
    suspended_by: list[EntityRef]
    reported_status: list[ReportedStatus]
    claims: list[MeasureClaim]
    contested: bool = Field(description="True when a date sources disagree on could change the status.")
    possible_statuses: list[str]
    date_conflicts: list[DateValue]
    sources: list[SourceInfo]


class MeasuresAnswer(BaseModel):
    """Every measure known on a day with its status that day."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "on": "2026-01-15",
                    "counts": {"in force": 1, "suspended": 1},
                    "measures": [
                        {
                            "id": "https://w3id.org/rekg/id/mofcom-2025-61",
                            "label": "MOFCOM 2025 No. 61",
                            "kind": "export control",
                            "status": "suspended",
                            "reason": "suspended from 2025-11-10 until 2026-11-10",
                            "deciding": {"suspended_from": "2025-11-10", "suspended_until": "2026-11-10"},
                            "imposed_by": [{"id": _CN, "label": "China"}],
                            "issued_by": [],
                            "targets": [],
                            "restricts": [],
                            "instrument": ["MOFCOM Announcement 2025 No. 61"],
                            "dates": {"announced_on": "2025-10-09", "suspended_until": "2026-11-10"},
                            "suspended_by": [],
                            "reported_status": [],
                            "claims": [],
                            "contested": False,
                            "possible_statuses": ["suspended"],
                            "date_conflicts": [],
                            "sources": [_CAIXIN],
                        }
                    ],
                }
            ]
        }
    )

    on: dt.date
    counts: dict[str, int] = Field(description="Number of measures per status.")
    measures: list[Measure]


@router.get("/measures", response_model=MeasuresAnswer)
def measures(
    kg: KG,
    in_force_on: str | None = Query(
        None, max_length=40, description="The day (YYYY-MM-DD); today when omitted.", examples=["2026-01-15"]
    ),
    imposed_by: _NAME = Query(None, description="Country or body imposing or issuing the measure.", examples=["CN"]),
    targets: _NAME = Query(
        None, description="Country or firm aimed at (measures with no target apply to all).", examples=["US"]
    ),
    material: _NAME = Query(None, description="Material restricted (forms and groups count).", examples=["Dy"]),
) -> MeasuresAnswer:
    """Each trade measure's status on a day (announced, in force, suspended, lapsed, lifted), with deciding dates."""
    day = analyst.parse_date(in_force_on, name="in_force_on") or dt.date.today()
    found = analyst.measures_in_force(kg, on=day, imposed_by=imposed_by, targets=targets, material=material)
    counts: dict[str, int] = {}
    for m in found:
        counts[m.status] = counts.get(m.status, 0) + 1
    return MeasuresAnswer(on=day, counts=counts, measures=[Measure.model_validate(asdict(m)) for m in found])


# --------------------------------------------------------------------------------------------
# /agreements
# --------------------------------------------------------------------------------------------


class Agreement(BaseModel):
    """An agreement, supply deal or meeting."""

    id: str
    label: str
    kind: str = Field(description="agreement, supply deal, meeting or initiative.")
    date: dt.date | None = None
    date_precision: str | None = Field(None, description="day, or month/year when the source gives no day.")
    end_date: dt.date | None = None
    valid_until: dt.date | None = None
    place: list[EntityRef]
    parties: list[EntityRef]
    participants: list[EntityRef]
    suspends: list[EntityRef]
    creates: list[EntityRef]
    covers: list[EntityRef]
    outcome_of: list[EntityRef]
    implements: list[EntityRef]
    sources: list[SourceInfo]


class AgreementsAnswer(BaseModel):
    """Agreements and meetings, oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "party": "China",
                    "agreements": [
                        {
                            "id": "https://w3id.org/rekg/id/busan-meeting",
                            "label": "Busan meeting",
                            "kind": "meeting",
                            "date": "2025-10-30",
                            "date_precision": "day",
                            "end_date": None,
                            "valid_until": None,
                            "place": [{"id": "https://w3id.org/rekg/id/busan", "label": "Busan"}],
                            "parties": [{"id": _CN, "label": "China"}],
                            "participants": [],
                            "suspends": [],
                            "creates": [],
                            "covers": [],
                            "outcome_of": [],
                            "implements": [],
                            "sources": [_CAIXIN],
                        }
                    ],
                }
            ]
        }
    )

    party: str | None = Field(None, description="The party asked about, as given.")
    agreements: list[Agreement]


@router.get("/agreements", response_model=AgreementsAnswer)
def agreements(
    kg: KG,
    party: _NAME = Query(None, description="A party or participant: country, organization or person.", examples=["US"]),
) -> AgreementsAnswer:
    """Agreements, supply deals, meetings and initiatives: parties, dates, places, measures suspended or created."""
    found = analyst.agreements(kg, party=party)
    return AgreementsAnswer(party=party, agreements=[Agreement.model_validate(asdict(a)) for a in found])


# --------------------------------------------------------------------------------------------
# /timeline
# --------------------------------------------------------------------------------------------


class TimelineEvent(BaseModel):
    """Something that happened, or is due, on a day."""

    date: dt.date
    precision: str = Field(description="day, or month / year when only those are known (placed on the first day).")
    kind: str = Field(description="announced, takes effect, suspended, suspension ends, ended, takes place...")
    entity: EntityRef
    entity_type: str
    summary: str
    contested: bool = Field(description="Sources give different dates for this.")
    sources: list[SourceInfo]


class TimelineAnswer(BaseModel):
    """Dated events in order."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "start": "2025-10-01",
                    "end": "2026-12-31",
                    "events": [
                        {
                            "date": "2025-10-30",
                            "precision": "day",
                            "kind": "takes place",
                            "entity": {"id": "https://w3id.org/rekg/id/busan-meeting", "label": "Busan meeting"},
                            "entity_type": "meeting",
                            "summary": "Busan meeting takes place",
                            "contested": False,
                            "sources": [_CAIXIN],
                        }
                    ],
                }
            ]
        }
    )

    start: dt.date | None = None
    end: dt.date | None = None
    events: list[TimelineEvent]


@router.get("/timeline", response_model=TimelineAnswer)
def timeline(
    kg: KG,
    start: str | None = Query(
        None,
        alias="from",
        max_length=40,
        description="From (inclusive): YYYY-MM-DD, YYYY-MM or YYYY.",
        examples=["2025-10"],
    ),
    end: str | None = Query(
        None, alias="to", max_length=40, description="To (inclusive): YYYY-MM-DD, YYYY-MM or YYYY.", examples=["2026"]
    ),
) -> TimelineAnswer:
    """Dated events in order: measures announced, effective, suspended, ended; agreements, meetings, plants starting."""
    events = analyst.timeline(kg, start, end)
    lo = analyst.parse_date(start, name="from", partial=True)
    hi = analyst.parse_date(end, name="to", partial=True, end=True)
    return TimelineAnswer(start=lo, end=hi, events=[TimelineEvent.model_validate(asdict(e)) for e in events])
