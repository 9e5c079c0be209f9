"""Supply-dependency analysis: paths, centrality, chokepoints, concentration, disruption scenarios.

Each route validates its input, calls one function of :mod:`rekg.graph.network` and returns the
result dataclass it gives, which is also the route's response model: the field docstrings of
those dataclasses are the schema's descriptions. Each route documents a real (shortened) answer
as its example, for 1 December 2026, when China's suspended controls are back in force.

Every route answers for a day, ``as_of`` (today by default), and applies the measures in force
that day as ``/measures`` gives them; ``restricted`` chooses whether paths crossing a flow they
restrict count (:mod:`rekg.graph.network.restrictions`). Every answer carries ``evidence``.
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
from rekg.graph.network.restrictions import RESTRICTED
from rekg.graph.rules import KINDS

from ..deps import KG

__all__ = ["EXAMPLES", "DisruptionRequest", "router"]

router = APIRouter(tags=["analysis"])

# The choices come from the functions' own tables, so the API cannot drift from them.
Metric = Literal[METRICS]  # type: ignore[valid-type]
Kind = Enum("Kind", {k: k for k in KINDS}, type=str)
Indicator = Literal[tuple(INDICATORS)]  # type: ignore[valid-type]
Restricted = Literal[RESTRICTED]  # type: ignore[valid-type]
_NAMES = Annotated[list[str], Query(max_length=50)]


class DisruptionRequest(BaseModel):
    """A scenario: who stops supplying, and which measures come back."""

    remove: list[str] = Field(default_factory=list, max_length=50, description="Countries or entities to remove.")
    as_of: str | None = Field(None, max_length=40, description="The day, YYYY-MM-DD (today by default).")
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
        "restricted_by": extra.get("restricted_by", []),
        "via": extra.get("via"),
    }


def _applied(measure: dict, imposed_by: list[dict], flows: int, *, projected: bool) -> dict[str, Any]:
    return {
        "measure": measure,
        "status": "in force",
        "projected": projected,
        "stale": False,
        "imposed_by": imposed_by,
        "flows": flows,
    }


def _evidence(data_until: str, about: str, *, projected: bool = True) -> dict[str, Any]:
    """The evidence block of an example answer of :data:`_DAY` (the newest seed source is of 2025-12-01)."""
    lag = (dt.date.fromisoformat(_DAY) - dt.date.fromisoformat(data_until)).days
    tail = (
        "statuses after that are projected from the dates sources gave, not reported by a source."
        if projected
        else "the graph knows nothing newer about it."
    )
    return {
        "as_of": _DAY,
        "data_until": data_until,
        "graph_data_until": "2025-12-01",
        "projected": projected,
        "note": f"The newest source on {about} is from {data_until}, {lag} days before {_DAY}; {tail}",
    }


def _example(value: dict) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {"application/json": {"example": value}}}}


#: The day of the examples: China's suspended controls are back in force (projected: no source after 2025).
_DAY = "2026-12-01"

_CN = _node("china", "China", "country")
_US = _node("united-states", "United States", "country")
_MY = _node("malaysia", "Malaysia", "country")
_AU = _node("australia", "Australia", "country")
_MOFCOM = _node("mofcom", "Ministry of Commerce of China", "body")
_PLANT = _node("lynas-malaysia", "Lynas Malaysia plant", "facility")
_DY = _node("dysprosium", "dysprosium", "material")
_DY_OXIDE = _node("dysprosium-oxide", "dysprosium oxide", "material")
_ANTIMONY = _node("antimony", "antimony", "material")
_DEAL = _node("us-malaysia-minerals-deal-2025", "US–Malaysia critical minerals partnership", "agreement")
_RE_CONTROLS = _node("china-rare-earth-export-controls", "China's export controls on rare earths", "measure")
_NO_18 = _node("mofcom-2025-18", "MOFCOM Announcement 2025 No. 18", "measure")
_NO_46 = _node("mofcom-2024-46-clause-2", "MOFCOM Announcement 2024 No. 46, clause 2", "measure")
_BIS_RULE = _node("bis-affiliates-rule", "BIS affiliates rule", "measure")
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
_MOFCOM_18 = _source(
    "mofcom-2025-04-04", "MOFCOM and GACC Announcement 2025 No. 18: export control on seven rare earths", "2025-04-04"
)
_ENTITIES = {
    "id": "https://w3id.org/rekg/graph/entities",
    "title": "rekg shared entities (seeds/entities.ttl)",
    "date": None,
}
_APRIL_APPLIED = _applied(_NO_18, [_CN], 21, projected=False)
_OCTOBER = _node("china-october-2025-controls", "China's October 2025 export controls", "measure")
_RE_APPLIED = _applied(_OCTOBER, [_CN, _MOFCOM], 30, projected=True)
_US_VIA_CHINA = {
    "nodes": [_US, _CN, _DY],
    "steps": [
        _step(_US, _CN, "supplies_to", True, "China supplies United States", [_CAIXIN]),
        _step(
            _CN,
            _DY,
            "supplies",
            False,
            "China supplies dysprosium",
            [_MOFCOM_18],
            restricted_by=[_NO_18, _RE_CONTROLS],
        ),
    ],
    "length": 2,
    "countries": [_US, _CN],
    "companies": [],
    "restricted_by": [_NO_18, _RE_CONTROLS],
}

#: GET /paths?source=US&target=dysprosium&as_of=2026-12-01&limit=3 (the open path, then a restricted one)
_PATHS = {
    "source": _US,
    "target": _DY,
    "avoid": [],
    "max_len": 6,
    "limit": 3,
    "as_of": _DAY,
    "restricted": "include",
    "measures": [_APRIL_APPLIED, _RE_APPLIED],
    "paths": [
        {
            "nodes": [_US, _DEAL, _MY, _PLANT, _DY_OXIDE, _DY],
            "steps": [
                _step(_US, _DEAL, "party_to", False, f"United States is party to {_DEAL['label']}", [_CAIXIN]),
                _step(_DEAL, _MY, "party_to", True, f"Malaysia is party to {_DEAL['label']}", [_CAIXIN]),
                _step(
                    _MY,
                    _PLANT,
                    "located_in",
                    True,
                    "Lynas Malaysia plant is located in Malaysia",
                    [_CAIXIN, _LYNAS_NEWS],
                ),
                _step(
                    _PLANT,
                    _DY_OXIDE,
                    "produces",
                    False,
                    "Lynas Malaysia plant produces dysprosium oxide",
                    [_CAIXIN, _LYNAS_NEWS],
                    status="operating",
                    start_year=2025,
                ),
                _step(_DY_OXIDE, _DY, "form_of", False, "dysprosium oxide is a form of dysprosium", [_ENTITIES]),
            ],
            "length": 5,
            "countries": [_US, _MY],
            "companies": [_node("lynas", "Lynas Rare Earths", "company")],
            "restricted_by": [],
        },
    ],
    "evidence": _evidence("2025-11-07", "supply paths from United States to dysprosium"),
}

#: GET /centrality?metric=betweenness&kind=country&top=3&as_of=2026-12-01 (Australia ties with nodes not listed)
_CENTRALITY = {
    "metric": "betweenness",
    "kind": "country",
    "top": 3,
    "as_of": _DAY,
    "restricted": "include",
    "measures": [
        _applied(_BIS_RULE, [_node("bis", "Bureau of Industry and Security", "body"), _US], 1, projected=True)
    ],
    "ranked": [
        {"rank": 1, **_CN, "score": 0.029616, "tied": False, "tie_group": None},
        {"rank": 2, **_US, "score": 0.01634, "tied": False, "tie_group": None},
        {"rank": 3, **_node("estonia", "Estonia", "country"), "score": 0.000204, "tied": True, "tie_group": 3},
    ],
    "ties_cut": True,
    "evidence": _evidence("2025-12-01", f"the {_DAY} supply view"),
}

#: GET /chokepoints?consumer=US&material=dysprosium&as_of=2026-12-01
_CHOKEPOINTS = {
    "consumer": _US,
    "material": _DY,
    "as_of": _DAY,
    "restricted": "include",
    "connected": True,
    "direct": False,
    "articulation_points": [],
    "minimum_node_cut": [_CN, _DY_OXIDE],
    "suppliers": [_CN, _PLANT],
    "restricted_flows": [{"supplier": _CN, "material": _DY, "restricted_by": [_NO_18, _RE_CONTROLS]}],
    "measures": [_APRIL_APPLIED, _RE_APPLIED],
    "evidence": _evidence("2025-11-07", "the supply of dysprosium to United States"),
}

_RARE_EARTHS = _node("rare-earths", "rare earths", "material")
#: GET /concentration?material=rare earths&indicator=processing&as_of=2026-12-01
_CONCENTRATION = {
    "material": _RARE_EARTHS,
    "indicator": "processing",
    "period": None,
    "as_of": _DAY,
    "hhi": 8100.0,
    "hhi_upper": 8200.0,
    "coverage": 0.9,
    "level": "highly concentrated",
    "shares": [{"subject": _CN, "value": 90.0, "unit": "%", "share": 0.9, "estimated": True, "sources": [_DIGEST]}],
    "total": None,
    "available": [
        {"material": _RARE_EARTHS, "indicator": "mining", "period": None},
        {"material": _RARE_EARTHS, "indicator": "processing", "period": None},
    ],
    "note": "shares as the sources state them; 10% of the total is not broken down",
    "evidence": _evidence("2025-11-03", "rare earths processing", projected=False),
    "importer": None,
    "figures_for": None,
}

_DEFENCE = _node("defence", "defence", "sector")
_GALLIUM = _node("gallium", "gallium", "material")
#: GET /scenarios/disruption?remove=China&as_of=2026-12-01: nothing more lost against the day's measures,
#: which already cut the US off China's materials; against no measures, the US loses them.
_DISRUPTION = {
    "as_of": _DAY,
    "removed": [_CN],
    "removed_with": [_node("gacc", "General Administration of Customs of China", "body"), _MOFCOM],
    "baseline": {
        "measures": [_APRIL_APPLIED, _applied(_NO_46, [_CN, _MOFCOM], 4, projected=True)],
        "consumers_restricted": [{"consumer": _US, "materials_lost": [_ANTIMONY, _GALLIUM]}],
    },
    "measures": [_APRIL_APPLIED, _applied(_NO_46, [_CN, _MOFCOM], 4, projected=True)],
    "materials_without_supplier": [
        {
            "material": _ANTIMONY,
            "suppliers_before": [_CN],
            "sectors": [_DEFENCE, _node("semiconductors", "semiconductors", "sector")],
        }
    ],
    "sectors_affected": [{"sector": _DEFENCE, "materials": [_ANTIMONY, _GALLIUM], "consumers": []}],
    "consumers_affected": [],
    "without_measures": {
        "consumers_affected": [{"consumer": _US, "materials_lost": [_ANTIMONY, _GALLIUM]}],
        "sectors_affected": [{"sector": _DEFENCE, "materials": [_ANTIMONY, _GALLIUM], "consumers": [_US]}],
    },
    "paths_lost": [
        {
            "nodes": [_US, _CN, _ANTIMONY],
            "steps": [
                _step(_US, _CN, "supplies_to", True, "China supplies United States", [_CAIXIN]),
                _step(_CN, _ANTIMONY, "supplies", False, "China supplies antimony", [_DIGEST], restricted_by=[_NO_46]),
            ],
            "length": 2,
            "countries": [_US, _CN],
            "companies": [],
            "restricted_by": [_NO_46],
        }
    ],
    "paths_lost_truncated": False,
    "note": (
        f"Against the baseline of {_DAY} (14 measures in force, 14 restricting flows the graph holds, which already "
        "cut 6 countries off some materials), 0 countries lose access to materials; against no measures at all, "
        "5 countries lose access to materials."
    ),
    "evidence": _evidence("2025-12-01", "this scenario's measures and flows"),
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

# A str, parsed by the graph's one date rule (rekg.graph.dates.parse_date) as /measures parses in_force_on:
# pydantic's date would also take 0 or a Unix timestamp.
_AS_OF = Query(
    max_length=40,
    description="The day, YYYY-MM-DD (today by default): what is active and which measures are in force that day.",
)
_RESTRICTED = Query(
    description=(
        "Whether paths that cross a flow a measure in force that day restricts count: `include` (default: all "
        "count, restricted ones are marked with `restricted_by`), `exclude` (open ones only) or `only`."
    )
)


@router.get("/paths", response_model=network.SupplyPaths, responses=_example(_PATHS))
def paths(
    kg: KG,
    source: Annotated[str, Query(max_length=500, description="Who obtains: a country or firm.", examples=["US"])],
    target: Annotated[str, Query(max_length=500, description="What or whom it obtains.", examples=["dysprosium"])],
    avoid: _NAMES = [],  # noqa: B006 (FastAPI copies query defaults)
    max_len: Annotated[int, Query(ge=1, le=12, description="Longest path, in steps.")] = 6,
    limit: Annotated[int, Query(ge=1, le=200, description="Most paths to return.")] = 20,
    as_of: Annotated[str | None, _AS_OF] = None,
    restricted: Annotated[Restricted, _RESTRICTED] = "include",
) -> network.SupplyPaths:
    """Supply-dependency paths from source to target on a day, open ones first; restricted ones name the measures."""
    return network.supply_paths(kg, source, target, avoid, max_len, limit=limit, as_of=as_of, restricted=restricted)


@router.get("/centrality", response_model=network.Centrality, responses=_example(_CENTRALITY))
def centrality(
    kg: KG,
    metric: Annotated[Metric, Query(description="The centrality measure.")] = "betweenness",
    kind: Annotated[Kind | None, Query(description="Keep only nodes of this kind.")] = None,
    top: Annotated[int, Query(ge=1, le=1000, description="How many to return.")] = 10,
    as_of: Annotated[str | None, _AS_OF] = None,
    restricted: Annotated[Restricted, _RESTRICTED] = "include",
) -> network.Centrality:
    """The most central nodes of the supply graph on a day; equal scores are marked tied and ordered by label."""
    return network.centrality(kg, metric, kind.value if kind else None, top, as_of=as_of, restricted=restricted)


@router.get("/chokepoints", response_model=network.Chokepoints, responses=_example(_CHOKEPOINTS))
def chokepoints(
    kg: KG,
    consumer: Annotated[str, Query(max_length=500, description="A country or firm.", examples=["US"])],
    material: Annotated[str, Query(max_length=500, description="A material.", examples=["dysprosium"])],
    as_of: Annotated[str | None, _AS_OF] = None,
    restricted: Annotated[Restricted, _RESTRICTED] = "include",
) -> network.Chokepoints:
    """Nodes on every supply path from a consumer to a material on a day, a minimum node cut, restricted flows."""
    return network.chokepoints(kg, consumer, material, as_of=as_of, restricted=restricted)


@router.get("/concentration", response_model=network.Concentration, responses=_example(_CONCENTRATION))
def concentration(
    kg: KG,
    material: Annotated[str, Query(max_length=500, description="A material or group.")] = "rare earths",
    indicator: Annotated[Indicator, Query(description="Which figures to use.")] = "mining",
    period: Annotated[str | None, Query(max_length=20, description="2024, 2025-09...; latest by default.")] = None,
    as_of: Annotated[
        str | None,
        Query(max_length=40, description="The day, YYYY-MM-DD (today by default): figures of periods begun by then."),
    ] = None,
    importer: Annotated[
        str | None,
        Query(
            max_length=500,
            description="For indicator=imports: the importing country; by default the only one with import shares.",
        ),
    ] = None,
) -> network.Concentration:
    """Herfindahl–Hirschman index of who mines, processes or makes a material, or of where a country imports it from."""
    return network.concentration(kg, material, indicator, period, as_of=as_of, importer=importer)


@router.get("/scenarios/disruption", response_model=network.Disruption, responses=_example(_DISRUPTION))
def disruption(kg: KG, scenario: Annotated[DisruptionRequest, Query()]) -> network.Disruption:
    """What breaks if countries or firms stop supplying, against the day's measures and against none.

    The same scenario as the POST form takes, as query parameters (``remove`` and ``reimpose`` repeated).
    """
    return network.disruption(kg, remove=scenario.remove, as_of=scenario.as_of, reimpose=scenario.reimpose)


@router.post("/scenarios/disruption", response_model=network.Disruption, responses=_example(_DISRUPTION))
def disruption_with_measures(kg: KG, scenario: DisruptionRequest) -> network.Disruption:
    """The same, with measures re-imposed (say, China's controls after the suspension lapses)."""
    return network.disruption(kg, remove=scenario.remove, as_of=scenario.as_of, reimpose=scenario.reimpose)
