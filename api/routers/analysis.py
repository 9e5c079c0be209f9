"""Supply-dependency analysis: paths, centrality, chokepoints, concentration, disruption scenarios."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from rekg.graph.network import analysis
from rekg.graph.network.projection import KINDS

from ..deps import KG

__all__ = ["router"]

router = APIRouter(tags=["analysis"])

_US = "https://w3id.org/rekg/id/united-states"
_DY = "https://w3id.org/rekg/id/dysprosium"
_CAIXIN = "https://w3id.org/rekg/source/caixin-2025-11"

Metric = Literal["betweenness", "pagerank", "degree", "eigenvector"]
# The node kinds the projection defines, as one enum so the API cannot drift from it.
Kind = Enum("Kind", {k: k for k in KINDS}, type=str)
Indicator = Literal["mining", "processing", "magnet_making", "production"]
_NAMES = Annotated[list[str], Query(max_length=50)]


class _Model(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Node(_Model):
    """A node of the supply graph. Open it with `GET /entities/{id}`."""

    id: str = Field(description="The entity's IRI.", examples=[_DY])
    label: str = Field(description="English label.", examples=["dysprosium"])
    kind: str = Field(description="country, company, body, facility, material, sector, measure, agreement...")


class Source(_Model):
    """A source graph stating a fact."""

    id: str = Field(description="IRI of the source and of its named graph.", examples=[_CAIXIN])
    title: str = Field(description="Title of the document.")
    date: str | None = Field(None, description="Publication date (ISO).")


class Step(_Model):
    """One step of a path, with the relation and sources behind it."""

    source: Node
    target: Node
    relation: str = Field(description="The projection edge behind the step.", examples=["located_in"])
    inverse: bool = Field(description="True when the step runs against the edge (Malaysia → the plant it hosts).")
    text: str = Field(description="The step in words.", examples=["Lynas Malaysia plant is located in Malaysia"])
    sources: list[Source]
    status: str | None = Field(None, description="For `produces`: operating or planned.")
    start_year: int | None = Field(None, description="For `produces`: the year the output starts.")


class SupplyPath(_Model):
    """A chain of supply steps from the source to the target."""

    nodes: list[Node]
    steps: list[Step]
    length: int = Field(description="Number of steps.", examples=[5])
    countries: list[Node] = Field(description="Countries on the path, with those its facilities and firms are in.")
    companies: list[Node] = Field(description="Companies on the path, with the operators of its facilities.")


class Ranked(_Model):
    """A node with its centrality score."""

    rank: int = Field(examples=[1])
    id: str = Field(examples=["https://w3id.org/rekg/id/china"])
    label: str = Field(examples=["China"])
    kind: str = Field(examples=["country"])
    score: float = Field(examples=[0.0205])


class Chokepoints(_Model):
    """What a consumer's supply of a material depends on."""

    consumer: Node
    material: Node
    connected: bool = Field(description="Whether any supply path exists.")
    direct: bool = Field(description="True when the consumer obtains the material in one step (no node cut).")
    articulation_points: list[Node] = Field(description="Nodes on every path: losing one cuts the supply.")
    minimum_node_cut: list[Node] = Field(description="A smallest set of nodes whose loss cuts every path.")
    suppliers: list[Node] = Field(description="Facilities and actors that hand over the material on some path.")


class Share(_Model):
    """One maker's part of the total."""

    subject: Node
    value: float = Field(description="The figure as stated.", examples=[70])
    unit: str | None = Field(None, examples=["percent"])
    share: float = Field(description="Fraction of the total, 0 to 1.", examples=[0.7])
    estimated: bool
    sources: list[Source]


class Available(_Model):
    """Figures the graph has."""

    material: Node
    indicator: str
    period: str | None


class Concentration(_Model):
    """Herfindahl–Hirschman index of a material's mining, processing or production."""

    material: Node
    indicator: str = Field(examples=["mining"])
    period: str | None = Field(None, examples=["2025"])
    hhi: float | None = Field(None, description="Sum of squared percentage shares of the known makers (lower bound).")
    hhi_upper: float | None = Field(None, description="The index if the part not broken down were one more maker.")
    coverage: float = Field(description="Fraction of the total the known shares cover.")
    level: str | None = Field(None, description="highly / moderately concentrated (2023 US Merger Guidelines).")
    shares: list[Share]
    total: float | None = Field(None, description="For `production`: the total the shares are of.")
    available: list[Available] = Field(description="Material, indicator and period combinations with figures.")
    note: str

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "material": {
                        "id": "https://w3id.org/rekg/id/rare-earths",
                        "label": "rare earths",
                        "kind": "material",
                    },
                    "indicator": "processing",
                    "period": "2025",
                    "hhi": 8100.0,
                    "hhi_upper": 8200.0,
                    "coverage": 0.9,
                    "level": "highly concentrated",
                    "shares": [],
                    "total": None,
                    "available": [],
                    "note": "shares as the sources state them; 10% of the total is not broken down",
                }
            ]
        },
    )


class MeasureApplied(_Model):
    """A measure the scenario applies."""

    measure: Node
    status: str = Field(description="`in force` on the day, or `re-imposed` by the scenario.")
    imposed_by: list[Node]


class MaterialImpact(_Model):
    """A material left with no supplier."""

    material: Node
    suppliers_before: list[Node]
    sectors: list[Node]


class SectorImpact(_Model):
    """A sector that uses materials the scenario cuts off."""

    sector: Node
    materials: list[Node]
    consumers: list[Node] = Field(description="Countries that lose those materials.")


class ConsumerImpact(_Model):
    """A country that can no longer obtain some materials."""

    consumer: Node
    materials_lost: list[Node]


class Disruption(_Model):
    """What the scenario breaks."""

    as_of: dt.date
    removed: list[Node]
    removed_with: list[Node] = Field(description="Everything located in, based in or controlled by what was removed.")
    measures: list[MeasureApplied]
    materials_without_supplier: list[MaterialImpact]
    sectors_affected: list[SectorImpact]
    consumers_affected: list[ConsumerImpact]
    paths_lost: list[SupplyPath] = Field(description="For each country and material it loses, its shortest routes.")
    paths_lost_truncated: bool


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


@router.get("/paths", response_model=list[SupplyPath])
def paths(
    kg: KG,
    source: Annotated[str, Query(max_length=500, description="Who obtains: a country or firm.", examples=["US"])],
    target: Annotated[str, Query(max_length=500, description="What or whom it obtains.", examples=["dysprosium"])],
    avoid: _NAMES = [],  # noqa: B006 (FastAPI copies query defaults)
    max_len: Annotated[int, Query(ge=1, le=12, description="Longest path, in steps.")] = 6,
    limit: Annotated[int, Query(ge=1, le=200, description="Most paths to return.")] = 20,
    as_of: Annotated[dt.date | None, Query(description="Use only what is active on that day.")] = None,
) -> list[analysis.SupplyPath]:
    """Supply-dependency paths from source to target, shortest first; `avoid` routes around countries or firms."""
    return analysis.supply_paths(kg, source, target, avoid, max_len, limit=limit, as_of=as_of)


@router.get("/centrality", response_model=list[Ranked])
def centrality(
    kg: KG,
    metric: Annotated[Metric, Query(description="The centrality measure.")] = "betweenness",
    kind: Annotated[Kind | None, Query(description="Keep only nodes of this kind.")] = None,
    top: Annotated[int, Query(ge=1, le=1000, description="How many to return.")] = 10,
) -> list[analysis.Ranked]:
    """The most central nodes of the supply graph by betweenness, PageRank, degree or eigenvector."""
    return analysis.centrality(kg, metric, kind.value if kind else None, top)


@router.get("/chokepoints", response_model=Chokepoints)
def chokepoints(
    kg: KG,
    consumer: Annotated[str, Query(max_length=500, description="A country or firm.", examples=["US"])],
    material: Annotated[str, Query(max_length=500, description="A material.", examples=["dysprosium"])],
    as_of: Annotated[dt.date | None, Query(description="Use only what is active on that day.")] = None,
) -> analysis.Chokepoints:
    """Nodes on every supply path from a consumer to a material, and a minimum node cut."""
    return analysis.chokepoints(kg, consumer, material, as_of=as_of)


@router.get("/concentration", response_model=Concentration)
def concentration(
    kg: KG,
    material: Annotated[str, Query(max_length=500, description="A material or group.")] = "rare earths",
    indicator: Annotated[Indicator, Query(description="Which figures to use.")] = "mining",
    period: Annotated[str | None, Query(max_length=20, description="2024, 2025-09...; latest by default.")] = None,
) -> analysis.Concentration:
    """Herfindahl–Hirschman index of who mines, processes or makes a material, from the graph's shares."""
    return analysis.concentration(kg, material, indicator, period)


@router.get("/scenarios/disruption", response_model=Disruption)
def disruption(
    kg: KG,
    remove: _NAMES,
    as_of: Annotated[dt.date | None, Query(description="The day (today by default).")] = None,
) -> analysis.Disruption:
    """What breaks if countries or firms stop supplying: materials with no supplier, sectors, consumers, paths."""
    return analysis.disruption(kg, remove=remove, as_of=as_of)


@router.post("/scenarios/disruption", response_model=Disruption)
def disruption_with_measures(kg: KG, scenario: DisruptionRequest) -> analysis.Disruption:
    """The same, with measures re-imposed (say, China's controls after the suspension lapses)."""
    return analysis.disruption(kg, remove=scenario.remove, as_of=scenario.as_of, reimpose=scenario.reimpose)
