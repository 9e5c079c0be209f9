"""One entity: everything about it as HTML, JSON, Turtle or JSON-LD; entity IRIs dereference here."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from rekg.graph import answers as analyst
from rekg.graph.answers.entities import EntityDescription
from rekg.graph.errors import AmbiguousName, NodeNotFound

from ..deps import KG
from ..errors import error_body, status_of
from ..negotiation import choose_format, offers_for
from .pages import render

__all__ = ["EXAMPLE", "router"]

router = APIRouter(tags=["entities"])


#: The ``format=`` values: the keys of the formats an entity is offered in (its JSON, its page, its RDF).
EntityFormat = StrEnum("EntityFormat", [(o.key, o.key) for o in offers_for("entity")], module=__name__)


#: An example answer for the documentation (tests keep it a valid EntityDescription).
EXAMPLE = {
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
    "status_today": None,
    "evidence": {
        "as_of": "2026-12-01",
        "data_until": "2025-11-01",
        "graph_data_until": "2025-12-01",
        "projected": False,
        "note": "The newest source on Lynas Rare Earths is from 2025-11-01, 395 days before 2026-12-01; "
        "the graph knows nothing newer about it.",
    },
    "formats": {"json": "/entities/lynas?format=json", "ttl": "/entities/lynas?format=ttl"},
}


def _formats(path: str) -> dict[str, str]:
    return {f.value: f"{path}?format={f.value}" for f in EntityFormat}


@router.get(
    "/entities/{id:path}",
    response_model=EntityDescription,
    responses={
        200: {
            "description": "The entity, in the format the Accept header (or `format`) asks for.",
            "content": {o.media_type: ({"example": EXAMPLE} if o.key == "json" else {}) for o in offers_for("entity")},
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
    q: str | None = Query(
        None, max_length=500, description="A name to look up, as the page's search box sends it (`/entities/?q=Lynas`)."
    ),
) -> Any:
    """Everything about one entity as HTML, JSON, Turtle or JSON-LD (by Accept), with sources and conflicts."""
    if not id and q and q.strip():
        # The search box without JavaScript: the name becomes the path, which resolves names.
        return RedirectResponse(f"/entities/{quote(q.strip(), safe='')}", status_code=303, headers={"Vary": "Accept"})
    chosen = choose_format("entity", request.headers.get("accept"), [format.value] if format else [])
    headers = {"Vary": "Accept"}
    if chosen.kind == "graph":
        body, media = analyst.entity_rdf(kg, id, chosen.key)
        return Response(body, media_type=media, headers=headers)
    try:
        found = analyst.describe_entity(kg, id)
    except (NodeNotFound, AmbiguousName) as exc:
        if chosen.key != "html":
            raise
        # A person at the page gets a page: what was not found, and the names it might be, as links.
        context = {"title": "Not found", "error": error_body(exc.code, exc.detail, **exc.extra), "typed": id}
        return render(request, "not_found.html", context, headers=headers, status_code=status_of(exc))
    description = replace(found, formats=_formats(request.url.path))
    if chosen.key == "html":
        context = {"entity": description.to_dict(), "title": description.label}
        return render(request, "entity.html", context, headers=headers)
    return JSONResponse(description.to_dict(), headers=headers)


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
