"""The web page: search, quick questions, a SPARQL editor with examples; its static files; the API docs.

``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) load their scripts and styles from this server
(``/static/vendor/``, the assets of the ``fastapi-offline`` package), so they work offline.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from dataclasses import asdict
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates
from rekg.graph.dates import dated_text
from rekg.graph.sparql.examples import example_queries
from starlette.exceptions import HTTPException

from ..deps import KG

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "render", "router"]

router = APIRouter(tags=["pages"])

API_DIR = Path(str(resources.files("rekg.api")))
STATIC_DIR = API_DIR / "static"
TEMPLATES_DIR = API_DIR / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
# A source's date as precisely as it is known ("2025", "2025-11"), by the rule the CLI and the API use.
templates.env.filters["dated"] = lambda iso, precision: dated_text(date.fromisoformat(iso) if iso else None, precision)

_STATIC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$")

#: Swagger UI and ReDoc, as a PyPI package ships them (their versions follow the package's).
VENDOR_DIR = Path(str(resources.files("fastapi_offline"))) / "static"
VENDOR_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


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


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    headers: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a template with what every page needs (namespaces, link helper)."""
    ns = _namespaces(request)
    ctx = {"ns": ns, "href": lambda iri: entity_href(ns, iri), **context}
    return templates.TemplateResponse(request, name, ctx, headers=headers, status_code=status_code)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index(request: Request, kg: KG) -> HTMLResponse:
    """The web page: search, quick questions and a SPARQL editor."""
    examples = [asdict(q) for q in example_queries()]
    # The measures form asks about today by default, as the endpoint does.
    context = {"examples": examples, "title": "rekg", "today": date.today().isoformat()}
    return render(request, "index.html", context)


def _docs_page(html: str) -> HTMLResponse:
    """The docs page with a policy of its own: its one inline script allowed by hash, inline styles allowed.

    Swagger UI and ReDoc set styles inline (ReDoc through ``<style>`` elements), and ReDoc runs
    its search in a worker made from a ``blob:`` URL; everything else is as strict as the page's.
    """
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    csp = (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})


@router.get("/docs", include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over the OpenAPI document, from local assets."""
    root = request.scope.get("root_path", "")
    page = get_swagger_ui_html(
        openapi_url=root + (request.app.openapi_url or "/openapi.json"),
        title=f"{request.app.title} API",
        swagger_js_url=f"{root}/static/vendor/swagger-ui-bundle.js",
        swagger_css_url=f"{root}/static/vendor/swagger-ui.css",
        swagger_favicon_url=f"{root}/static/favicon.svg",
        # Swagger UI would otherwise ask an outside validator about the document.
        swagger_ui_parameters={"validatorUrl": None},
    )
    return _docs_page(bytes(page.body).decode())


@router.get("/redoc", include_in_schema=False)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc over the OpenAPI document, from local assets (no web fonts)."""
    root = request.scope.get("root_path", "")
    page = get_redoc_html(
        openapi_url=root + (request.app.openapi_url or "/openapi.json"),
        title=f"{request.app.title} API",
        redoc_js_url=f"{root}/static/vendor/redoc.standalone.js",
        redoc_favicon_url=f"{root}/static/favicon.svg",
        with_google_fonts=False,
    )
    return _docs_page(bytes(page.body).decode())


@router.get("/static/vendor/{name}", include_in_schema=False)
def vendor(name: str) -> FileResponse:
    """The chart libraries vendored here (``api/static/vendor/``), Swagger UI's and ReDoc's scripts and styles."""
    own = STATIC_DIR / "vendor" / name
    if _STATIC_NAME.match(name) and own.is_file():
        path = own
    elif name in VENDOR_FILES:
        path = VENDOR_DIR / name
    else:
        raise HTTPException(404, f"no vendored file {name!r}")
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache"})


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> FileResponse:
    """The page's own CSS and JavaScript (no CDN: everything is served from here)."""
    path = STATIC_DIR / name
    if not _STATIC_NAME.match(name) or not path.is_file():
        raise HTTPException(404, f"no static file {name!r}")
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache"})
