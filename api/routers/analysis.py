"""Supply-dependency analysis: paths, centrality, chokepoints, concentration, disruption scenarios.

Each route validates its input, calls one function of :mod:`rekg.graph.network` and returns the
result dataclass it gives, which is also the route's response model: the field docstrings of
those dataclasses are the schema's descriptions. Each route documents a real (shortened) answer
as its example.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from rekg.graph import network
from rekg.graph.network.centrality import METRICS
from rekg.graph.network.concentration import INDICATORS
from rekg.graph.rules import KINDS

from ..deps import KG

__all__ = ["EXAMPLES", "DisruptionRequest", "router"]

router = APIRouter(tags=["analysis"])

# The choices come from the functions' own tables, so the API cannot drift from them.
Metric = Literal[METRICS]  # type: ignore[valid-type]
Kind = Enum("Kind", {k: k for k in KINDS}, type=str)
Indicator = Literal[tuple(INDICATORS)]  # type: ignore[valid-type]
_NAMES = Annotated[list[str], Query(max_length=50)]


class DisruptionRequest(BaseModel):
    """A scenario: who stops supplying, and which measures come back."""

    remove: list[str] = Field(default_factory=list, max_length=50, description="Countries or entities to remove.")
    as_of: dt.date | None = Field(None, description="The day (today by default).")
    reimpose: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Measures to apply as if in force (names, instruments or IRIs).",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "remove": [],
                    "as_of": "2026-01-15",
                    "reimpose": ["MOFCOM Announcement 2025 No. 61", "mofcom-2024-46-clause-2"],
                }
            ]
        }
    )


# Examples: real answers on the seed graph, with long lists cut to one or two items -------

_ID = "https://w3id.org/rekg/id/"


def _node(local: str, label: str, kind: str) -> dict[str, str]:
    return {"id": _ID + local, "label": label, "kind": kind}


def _source(local: str, title: str, date: str | None) -> dict[str, Any]:
    return {"id": "https://w3id.org/rekg/source/" + local, "title": title, "date": date}


def _step(
    source: dict, target: dict, relation: str, inverse: bool, text: str, sources: list[dict], **extra: Any
) -> dict[str, Any]:
    return {
        "source": source,
        "target": target,
        "relation": relation,
        "inverse": inverse,
        "text": text,
        "sources": sources,
        "status": extra.get("status"),
        "start_year": extra.get("start_year"),
    }


def _example(value: dict) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {"application/json": {"example": value}}}}


_CN = _node("china", "China", "country")
_US = _node("united-states", "United States", "country")
_MY = _node("malaysia", "Malaysia", "country")
_PLANT = _node("lynas-malaysia", "Lynas Malaysia plant", "facility")
_DY = _node("dysprosium", "dysprosium", "material")
_DY_OXIDE = _node("dysprosium-oxide", "dysprosium oxide", "material")
_ANTIMONY = _node("antimony", "antimony", "material")
_LYNAS_NEWS = _source(
    "lynas-2025-05", "Lynas announces first separated dysprosium oxide at its Malaysian plant", "2025-05-01"
)
_CAIXIN = _source(
    "caixin-2025-11",
    "Caixin Explains: China-U.S. Rare Earth Truce Buys Time as Washington Hunts New Supply Chains",
    "2025-11-01",
)
_DIGEST = _source(
    "digest-2025-11",
    "What's happened: China suspends export restrictions on rare earths and critical minerals for one year",
    "2025-11-01",
)
_ENTITIES = {
    "id": "https://w3id.org/rekg/graph/entities",
    "title": "rekg shared entities (seeds/entities.ttl)",
    "date": None,
}

#: GET /paths?source=Malaysia&target=dysprosium&avoid=China&max_len=4&limit=1
_PATHS = {
    "source": _MY,
    "target": _DY,
    "avoid": [_CN],
    "max_len": 4,
    "limit": 1,
    "as_of": None,
    "paths": [
        {
            "nodes": [_MY, _PLANT, _DY_OXIDE, _DY],
            "steps": [
                _step(_MY, _PLANT, "located_in", True, "Lynas Malaysia plant is located in Malaysia", [_LYNAS_NEWS]),
                _step(
                    _PLANT,
                    _DY_OXIDE,
                    "produces",
                    False,
                    "Lynas Malaysia plant produces dysprosium oxide",
                    [_LYNAS_NEWS],
                    status="operating",
                    start_year=2025,
                ),
                _step(_DY_OXIDE, _DY, "form_of", False, "dysprosium oxide is a form of dysprosium", [_ENTITIES]),
            ],
            "length": 3,
            "countries": [_MY],
            "companies": [_node("lynas", "Lynas Rare Earths", "company")],
        }
    ],
}

#: GET /centrality?metric=betweenness&kind=country&top=2
_CENTRALITY = {
    "metric": "betweenness",
    "kind": "country",
    "top": 2,
    "ranked": [
        {"rank": 1, **_CN, "score": 0.032156},
        {"rank": 2, **_US, "score": 0.029891},
    ],
}

#: GET /chokepoints?consumer=US&material=dysprosium
_CHOKEPOINTS = {
    "consumer": _US,
    "material": _DY,
    "as_of": None,
    "connected": True,
    "direct": False,
    "articulation_points": [],
    "minimum_node_cut": [_CN, _DY_OXIDE],
    "suppliers": [_CN, _PLANT],
}

_RARE_EARTHS = _node("rare-earths", "rare earths", "material")
#: GET /concentration?material=rare earths&indicator=processing
_CONCENTRATION = {
    "material": _RARE_EARTHS,
    "indicator": "processing",
    "period": "2025",
    "hhi": 8100.0,
    "hhi_upper": 8200.0,
    "coverage": 0.9,
    "level": "highly concentrated",
    "shares": [
        {"subject": _CN, "value": 90.0, "unit": "percent", "share": 0.9, "estimated": True, "sources": [_DIGEST]}
    ],
    "total": None,
    "available": [
        {"material": _RARE_EARTHS, "indicator": "mining", "period": "2025"},
        {"material": _RARE_EARTHS, "indicator": "processing", "period": "2025"},
    ],
    "note": "shares as the sources state them; 10% of the total is not broken down",
}

#: GET /scenarios/disruption?remove=China&as_of=2025-11-15
_DISRUPTION = {
    "as_of": "2025-11-15",
    "removed": [_CN],
    "removed_with": [_node("caixin", "Caixin", "company")],
    "measures": [
        {
            "measure": _node(
                "china-april-2025-countermeasures",
                "China's April 2025 countermeasures on critical minerals and magnets",
                "measure",
            ),
            "status": "in force",
            "imposed_by": [_CN],
        }
    ],
    "materials_without_supplier": [
        {
            "material": _ANTIMONY,
            "suppliers_before": [_CN],
            "sectors": [_node("defence", "defence", "sector"), _node("semiconductors", "semiconductors", "sector")],
        }
    ],
    "sectors_affected": [
        {"sector": _node("defence", "defence", "sector"), "materials": [_ANTIMONY], "consumers": [_US]},
    ],
    "consumers_affected": [{"consumer": _US, "materials_lost": [_ANTIMONY, _node("gallium", "gallium", "material")]}],
    "paths_lost": [
        {
            "nodes": [_US, _CN, _ANTIMONY],
            "steps": [
                _step(_US, _CN, "supplies_to", True, "China supplies United States", [_CAIXIN]),
                _step(_CN, _ANTIMONY, "supplies", False, "China supplies antimony", [_DIGEST]),
            ],
            "length": 2,
            "countries": [_US, _CN],
            "companies": [],
        }
    ],
    "paths_lost_truncated": False,
}


#: The example answer of each route, by path (the tests compare them with real answers).
EXAMPLES: dict[str, dict[str, Any]] = {
    "/paths": _PATHS,
    "/centrality": _CENTRALITY,
    "/chokepoints": _CHOKEPOINTS,
    "/concentration": _CONCENTRATION,
    "/scenarios/disruption": _DISRUPTION,
}


# Routes ----------------------------------------------------------------------------------


@router.get("/paths", response_model=network.SupplyPaths, responses=_example(_PATHS))
def paths(
    kg: KG,
    source: Annotated[str, Query(max_length=500, description="Who obtains: a country or firm.", examples=["US"])],
    target: Annotated[str, Query(max_length=500, description="What or whom it obtains.", examples=["dysprosium"])],
    avoid: _NAMES = [],  # noqa: B006 (FastAPI copies query defaults)
    max_len: Annotated[int, Query(ge=1, le=12, description="Longest path, in steps.")] = 6,
    limit: Annotated[int, Query(ge=1, le=200, description="Most paths to return.")] = 20,
    as_of: Annotated[dt.date | None, Query(description="Use only what is active on that day.")] = None,
) -> network.SupplyPaths:
    """Supply-dependency paths from source to target, shortest first; `avoid` routes around countries or firms."""
    return network.supply_paths(kg, source, target, avoid, max_len, limit=limit, as_of=as_of)


@router.get("/centrality", response_model=network.Centrality, responses=_example(_CENTRALITY))
def centrality(
    kg: KG,
    metric: Annotated[Metric, Query(description="The centrality measure.")] = "betweenness",
    kind: Annotated[Kind | None, Query(description="Keep only nodes of this kind.")] = None,
    top: Annotated[int, Query(ge=1, le=1000, description="How many to return.")] = 10,
) -> network.Centrality:
    """The most central nodes of the supply graph by betweenness, PageRank, degree or eigenvector."""
    return network.centrality(kg, metric, kind.value if kind else None, top)


@router.get("/chokepoints", response_model=network.Chokepoints, responses=_example(_CHOKEPOINTS))
def chokepoints(
    kg: KG,
    consumer: Annotated[str, Query(max_length=500, description="A country or firm.", examples=["US"])],
    material: Annotated[str, Query(max_length=500, description="A material.", examples=["dysprosium"])],
    as_of: Annotated[dt.date | None, Query(description="Use only what is active on that day.")] = None,
) -> network.Chokepoints:
    """Nodes on every supply path from a consumer to a material, and a minimum node cut."""
    return network.chokepoints(kg, consumer, material, as_of=as_of)


@router.get("/concentration", response_model=network.Concentration, responses=_example(_CONCENTRATION))
def concentration(
    kg: KG,
    material: Annotated[str, Query(max_length=500, description="A material or group.")] = "rare earths",
    indicator: Annotated[Indicator, Query(description="Which figures to use.")] = "mining",
    period: Annotated[str | None, Query(max_length=20, description="2024, 2025-09...; latest by default.")] = None,
) -> network.Concentration:
    """Herfindahl–Hirschman index of who mines, processes or makes a material, from the graph's shares."""
    return network.concentration(kg, material, indicator, period)


@router.get("/scenarios/disruption", response_model=network.Disruption, responses=_example(_DISRUPTION))
def disruption(
    kg: KG,
    remove: _NAMES,
    as_of: Annotated[dt.date | None, Query(description="The day (today by default).")] = None,
) -> network.Disruption:
    """What breaks if countries or firms stop supplying: materials with no supplier, sectors, consumers, paths."""
    return network.disruption(kg, remove=remove, as_of=as_of)


@router.post("/scenarios/disruption", response_model=network.Disruption, responses=_example(_DISRUPTION))
def disruption_with_measures(kg: KG, scenario: DisruptionRequest) -> network.Disruption:
    """The same, with measures re-imposed (say, China's controls after the suspension lapses)."""
    return network.disruption(kg, remove=scenario.remove, as_of=scenario.as_of, reimpose=scenario.reimpose)
