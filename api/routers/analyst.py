"""Questions without SPARQL: suppliers, search, measures in force, agreements, timeline.

Each route parses its parameters, calls one function of :mod:`rekg.graph.answers` and returns
its answer; the answer's dataclass is the response model, so the API, the CLI's ``--format json``
and the Python API show one shape.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field
from rekg.graph import answers as analyst
from rekg.graph.answers.agreements import AgreementsAnswer
from rekg.graph.answers.measures import MeasuresAnswer
from rekg.graph.answers.search import SearchResults
from rekg.graph.answers.suppliers import SupplierAnswer
from rekg.graph.answers.timeline import Timeline

from ..deps import KG, AppSettings

__all__ = ["EXAMPLES", "example", "router"]

router = APIRouter(tags=["analyst"])

_NAME = Annotated[str | None, Field(max_length=500)]

_DY = "https://w3id.org/rekg/id/dysprosium"
_CN = "https://w3id.org/rekg/id/china"
_CAIXIN = {
    "id": "https://w3id.org/rekg/source/caixin-2025-11",
    "title": "Caixin Explains: China-U.S. Rare Earth Truce Buys Time as Washington Hunts New Supply Chains",
    "publisher": "Caixin",
    "date": "2025-11-01",
    "date_precision": "month",
}

# Example answers for the OpenAPI documentation (tests keep their keys equal to real answers').
_SUPPLIERS = {
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
                    "updated": [],
                }
            ],
            "sources": [_CAIXIN],
        }
    ],
    "query": "# ?material = <https://w3id.org/rekg/id/dysprosium>\nSELECT ?material ?outside ...",
    "bindings": {"material": _DY, "outside": _CN},
    "countries": [],
    "coverage": {
        "facilities": 1,
        "companies": 1,
        "countries": 0,
        "facilities_outside": 1,
        "countries_outside": 0,
        "note": "The graph holds 1 facility of 1 company making dysprosium and production statistics for 0 countries; "
        "suppliers outside China are among those, not every producer.",
    },
    "evidence": {
        "as_of": "2026-12-01",
        "data_until": "2025-11-01",
        "graph_data_until": "2025-12-01",
        "projected": False,
        "note": "The newest source on dysprosium suppliers is from 2025-11-01, 395 days before 2026-12-01; "
        "the graph knows nothing newer about it.",
    },
    "importer": None,
    "import_shares": [],
    "resolved_from": [],
}

_SEARCH = {
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

_MEASURES = {
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
            "projected": False,
            "reported_on": None,
            "stale": False,
            "contested": False,
            "possible_statuses": ["suspended"],
            "date_conflicts": [],
            "sources": [_CAIXIN],
        }
    ],
    "evidence": {
        "as_of": "2026-01-15",
        "data_until": "2025-11-07",
        "graph_data_until": "2025-12-01",
        "projected": True,
        "note": "The newest source on these measures is from 2025-11-07, 69 days before 2026-01-15; statuses after "
        "that are projected from the dates sources gave, not reported by a source.",
    },
    "resolved_from": [],
}

_AGREEMENTS = {
    "party": {"id": _CN, "label": "China"},
    "agreements": [
        {
            "id": "https://w3id.org/rekg/id/busan-meeting-2025",
            "label": "Xi–Trump meeting in Busan",
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
    "evidence": {
        "as_of": "2026-12-01",
        "data_until": "2025-11-03",
        "graph_data_until": "2025-12-01",
        "projected": False,
        "note": "The newest source on China's agreements is from 2025-11-03, 393 days before 2026-12-01; "
        "the graph knows nothing newer about it.",
    },
    "resolved_from": [],
}

_TIMELINE = {
    "start": "2025-10-01",
    "end": "2026-12-31",
    "events": [
        {
            "date": "2025-10-30",
            "precision": "day",
            "kind": "takes place",
            "entity": {"id": "https://w3id.org/rekg/id/busan-meeting-2025", "label": "Xi–Trump meeting in Busan"},
            "entity_type": "meeting",
            "summary": "Xi–Trump meeting in Busan takes place",
            "contested": False,
            "sources": [_CAIXIN],
        }
    ],
    "evidence": {
        "as_of": "2026-12-31",
        "data_until": "2025-12-01",
        "graph_data_until": "2025-12-01",
        "projected": False,
        "note": "The newest source on these events is from 2025-12-01, 395 days before 2026-12-31; "
        "the graph knows nothing newer about it.",
    },
}

#: path -> example answer, for the documentation and its tests.
EXAMPLES: dict[str, dict[str, Any]] = {
    "/suppliers": _SUPPLIERS,
    "/search": _SEARCH,
    "/measures": _MEASURES,
    "/agreements": _AGREEMENTS,
    "/timeline": _TIMELINE,
}


def example(body: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` argument documenting ``body`` as the example of a 200 answer."""
    return {200: {"content": {"application/json": {"example": body}}}}


@router.get("/suppliers", response_model=SupplierAnswer, responses=example(_SUPPLIERS))
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
    importer: _NAME = Query(
        None,
        description="Where this country's imports of the material come from (import_shares); all importers by default.",
        examples=["US"],
    ),
) -> SupplierAnswer:
    """Who supplies a material, outside a country, at a stage, on a date; with sources and the SPARQL used.

    ``import_shares`` says where countries' imports of it come from: ``?material=rare-earth
    compounds&importer=US`` gives China 70 % of US imports, with the USGS source, and
    ``&outside=China`` the remaining Malaysia 13 %, Japan 6 %, Estonia 5 % and 6 % not broken down.
    """
    return analyst.suppliers_of(kg, material, outside=outside, stage=stage, as_of=as_of, importer=importer)


@router.get("/search", response_model=SearchResults, responses=example(_SEARCH))
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
    return analyst.search(kg, q, limit=limit)


@router.get("/measures", response_model=MeasuresAnswer, responses=example(_MEASURES))
def measures(
    kg: KG,
    settings: AppSettings,
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
    return analyst.measures_in_force(
        kg,
        on=in_force_on,
        imposed_by=imposed_by,
        targets=targets,
        material=material,
        stale_after_days=settings.stale_after_days,
    )


@router.get("/agreements", response_model=AgreementsAnswer, responses=example(_AGREEMENTS))
def agreements(
    kg: KG,
    party: _NAME = Query(None, description="A party or participant: country, organization or person.", examples=["US"]),
) -> AgreementsAnswer:
    """Agreements, supply deals, meetings and initiatives: parties, dates, places, measures suspended or created."""
    return analyst.agreements(kg, party=party)


@router.get("/timeline", response_model=Timeline, responses=example(_TIMELINE))
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
) -> Timeline:
    """Dated events in order: measures announced, effective, suspended, ended; agreements, meetings, plants starting."""
    return analyst.timeline(kg, start, end)
