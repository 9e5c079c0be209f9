"""The web page: search, quick questions, a SPARQL editor with examples; and its static files."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates
from rekg.graph.sparql.examples import example_queries
from starlette.exceptions import HTTPException

from ..deps import KG

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "render", "router"]

router = APIRouter(tags=["pages"])

API_DIR = Path(str(resources.files("rekg.api")))
STATIC_DIR = API_DIR / "static"
TEMPLATES_DIR = API_DIR / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

_STATIC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$")


def _namespaces(request: Request) -> dict[str, str]:
    kg = request.app.state.kg
    return {"id": str(kg.ns.id), "source": str(kg.ns.source), "base": kg.ns.base}


def entity_href(ns: dict[str, str], iri: str | None) -> str | None:
    """The page of an entity of this graph, or ``None`` for IRIs outside it (vocabulary, Wikidata)."""
    if not iri:
        return None
    if iri.startswith(ns["id"]):
        return "/entities/" + iri[len(ns["id"]) :]
    if iri.startswith(ns["source"]):
        return "/entities/source/" + iri[len(ns["source"]) :]
    return None


def render(request: Request, name: str, context: dict[str, Any], headers: dict[str, str] | None = None) -> HTMLResponse:
    """Render a template with what every page needs (namespaces, link helper)."""
    ns = _namespaces(request)
    ctx = {"ns": ns, "href": lambda iri: entity_href(ns, iri), **context}
    return templates.TemplateResponse(request, name, ctx, headers=headers)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index(request: Request, kg: KG) -> HTMLResponse:
    """The web page: search, quick questions and a SPARQL editor."""
    examples = [asdict(q) for q in example_queries()]
    return render(request, "index.html", {"examples": examples, "title": "rekg"})


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> FileResponse:
    """The page's own CSS and JavaScript (no CDN: everything is served from here)."""
    path = STATIC_DIR / name
    if not _STATIC_NAME.match(name) or not path.is_file():
        raise HTTPException(404, f"no static file {name!r}")
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache"})
