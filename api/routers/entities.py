"""One entity: everything about it as HTML, JSON, Turtle or JSON-LD; entity IRIs dereference here."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from rekg.graph import answers as analyst
from rekg.graph.answers.refs import Ref as EntityRef
from rekg.graph.answers.refs import SourceRef as SourceInfo

from ..deps import KG
from ..negotiation import choose_format, offers_for
from .pages import render

__all__ = ["router"]

router = APIRouter(tags=["entities"])


#: The ``format=`` values: the keys of the formats an entity is offered in (its JSON, its page, its RDF).
EntityFormat = StrEnum("EntityFormat", [(o.key, o.key) for o in offers_for("entity")], module=__name__)


# --------------------------------------------------------------------------------------------
# JSON shape
# --------------------------------------------------------------------------------------------


class Value(BaseModel):
    """The object of a statement: an entity (`iri`), a `literal`, or a blank `node` with its parts."""

    kind: str = Field(description="iri, literal or node.")
    label: str = Field(description="How to show it: a label, a literal's text, or a node's summary.")
    id: str | None = Field(None, description="The IRI, for kind iri.")
    type: str | None = Field(None, description="What the entity or node is.")
    datatype: str | None = None
    lang: str | None = None
    parts: list[Part] = Field(default_factory=list, description="A node's own statements.")


class Part(BaseModel):
    """One statement about a blank node (an output's material, a stake's share...)."""

    property: str
    label: str
    value: Value


Value.model_rebuild()


class Statement(BaseModel):
    """One value of a relation with the sources that state it."""

    value: Value
    sources: list[SourceInfo]
    reference: bool = Field(description="Stated in the shared entities file (identity data).")
    conflict: bool = Field(description="Sources disagree about this value.")


class RelationGroup(BaseModel):
    """All values of one property: `out` (the entity's own) or `in` (pointing at it)."""

    property: str = Field(description="The property IRI.")
    label: str = Field(description="How the relation reads from the entity's side.")
    direction: str
    statements: list[Statement]
    functional: bool = Field(description="owl:FunctionalProperty: one value expected.")


class Conflict(BaseModel):
    """Sources that disagree: a functional property with several values, or a claim."""

    kind: str = Field(description="functional or claim.")
    property: str | None = None
    label: str
    values: list[Statement]
    detail: str


class ClaimedValue(BaseModel):
    property: str
    value: str


class Claim(BaseModel):
    """A rekg:Claim about the entity."""

    id: str
    label: str
    claimant: EntityRef | None = None
    claimed_status: str | None = None
    claimed_values: list[ClaimedValue]
    disputed_by: list[SourceInfo]
    sources: list[SourceInfo]


class Neighbour(BaseModel):
    """An entity one step away, for the graph view."""

    id: str
    label: str
    type: str | None = None
    relation: str
    direction: str


class StatusToday(BaseModel):
    """For a measure: its status today, derived from its dates (see `GET /measures`)."""

    on: date
    status: str
    reason: str
    contested: bool
    possible_statuses: list[str]


class Entity(BaseModel):
    """Everything about one entity, grouped by relation, each statement with its sources."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "https://w3id.org/rekg/id/lynas",
                    "label": "Lynas Rare Earths",
                    "type": "company",
                    "types": [{"id": "https://w3id.org/rekg/ontology#Company", "label": "company"}],
                    "labels": [{"value": "Lynas Rare Earths", "lang": "en"}, {"value": "莱纳斯稀土", "lang": "zh"}],
                    "aliases": ["Lynas"],
                    "facts": [],
                    "incoming": [],
                    "conflicts": [],
                    "claims": [],
                    "sources": [],
                    "neighbours": [],
                    "formats": {"ttl": "/entities/lynas?format=ttl"},
                }
            ]
        }
    )

    id: str
    label: str
    type: str | None = None
    types: list[EntityRef]
    labels: list[dict[str, str | None]] = Field(description="Every rdfs:label with its language.")
    aliases: list[str]
    facts: list[RelationGroup]
    incoming: list[RelationGroup]
    conflicts: list[Conflict]
    claims: list[Claim]
    sources: list[SourceInfo]
    neighbours: list[Neighbour]
    status_today: StatusToday | None = Field(None, description="For a measure: its status today.")
    formats: dict[str, str] = Field(description="Links to this entity in the other formats.")


def _formats(path: str) -> dict[str, str]:
    return {f.value: f"{path}?format={f.value}" for f in EntityFormat}


@router.get(
    "/entities/{id:path}",
    response_model=Entity,
    responses={
        200: {
            "description": "The entity, in the format the Accept header (or `format`) asks for.",
            "content": {o.media_type: {} for o in offers_for("entity")},
        },
        406: {"description": "No acceptable format."},
    },
)
def entity(
    request: Request,
    kg: KG,
    id: str = Path(
        ...,
        description="An entity id (`lynas`), `source/<id>`, a full IRI under the base, or a name.",
        examples=["lynas"],
    ),
    format: EntityFormat | None = Query(None, description="Override the Accept header."),
) -> Any:
    """Everything about one entity as HTML, JSON, Turtle or JSON-LD (by Accept), with sources and conflicts."""
    chosen = choose_format("entity", request.headers.get("accept"), [format.value] if format else [])
    headers = {"Vary": "Accept"}
    if chosen.kind == "graph":
        body, media = analyst.entity_rdf(kg, id, chosen.key)
        return Response(body, media_type=media, headers=headers)
    description = analyst.describe_entity(kg, id)
    data = asdict(description)
    data["formats"] = _formats(request.url.path)
    if chosen.key == "html":
        return render(request, "entity.html", {"entity": data, "title": description.label}, headers=headers)
    return Response(Entity.model_validate(data).model_dump_json(), media_type="application/json", headers=headers)


@router.get("/id/{slug:path}", status_code=303, response_class=RedirectResponse, include_in_schema=True)
def dereference_entity(slug: str = Path(..., description="The entity's local id.", examples=["lynas"])) -> Any:
    """Entity IRIs dereference: 303 See Other to the entity's description (linked-data practice)."""
    return RedirectResponse(f"/entities/{quote(slug, safe='')}", status_code=303, headers={"Vary": "Accept"})


@router.get("/source/{slug:path}", status_code=303, response_class=RedirectResponse)
def dereference_source(
    slug: str = Path(..., description="The source's id.", examples=["caixin-2025-11"]),
) -> Any:
    """Source IRIs dereference too: 303 See Other to the source's description."""
    return RedirectResponse(f"/entities/source/{quote(slug, safe='')}", status_code=303, headers={"Vary": "Accept"})
