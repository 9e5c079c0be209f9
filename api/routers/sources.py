"""Sources: list them, add one (a validated upload becomes its own graph), remove an uploaded one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request, Response
from rekg.graph.formats import SHEET_FORMATS
from rekg.graph.io.importers import template
from rekg.graph.io.seeds import SOURCE_FORMATS
from rekg.graph.io.sources import (
    IsolatedValidation,
    SourceInfo,
    SourceWrite,
    add_source,
    list_sources,
    remove_source,
)
from starlette.concurrency import run_in_threadpool

from ..deps import KG, Writer

router = APIRouter(prefix="/sources", tags=["sources"])

#: What a refused upload answers (every error is the JSON ``{"error", "detail"}`` shape).
_UPLOAD_ERRORS: dict[int | str, dict] = {
    409: {
        "description": "`conflict`: a source with that id exists. `curated_entity`: the document gives an entity "
        "of the curated graphs a label, alias, code, title, type or sameAs; `triples` lists the offending statements."
    },
    413: {"description": "`body_too_large`: the document is larger than `REKG_MAX_BODY_BYTES`."},
    415: {"description": "`unsupported_media_type`: not one of the source formats."},
    422: {
        "description": "`invalid_data`: the document does not parse (JSON-LD whose context names another document "
        "is refused, never fetched), holds characters XML 1.0 cannot carry (each triple named), or violates the "
        "SHACL shapes (`problems` lists them). `invalid_sheet`: a CSV source (claims sheet or USGS data release) "
        "has problems, each in `problems` as `{row, column, reason, value, suggestions}`. Nothing is written."
    },
}

#: Media types a source may be sent as: the RDF formats, then CSV (claims sheets, the USGS data release).
_BODY_TYPES = [*SOURCE_FORMATS, *dict.fromkeys(f.media_type for f in SHEET_FORMATS.values())]


def upload_validation(app: FastAPI) -> IsolatedValidation:
    """The app's validator of uploads, created on first use (the lifespan starts and closes it)."""
    validation: IsolatedValidation | None = getattr(app.state, "upload_validation", None)
    if validation is None or validation.closed:
        validation = IsolatedValidation(timeout_s=app.state.settings.upload_timeout_s)
        app.state.upload_validation = validation
    return validation


@router.get("", response_model=list[SourceInfo])
def sources(kg: KG) -> list[SourceInfo]:
    """Every source graph with its description and triple count."""
    return list_sources(kg)


@router.post(
    "",
    response_model=SourceWrite,
    status_code=201,
    dependencies=[Writer],
    responses=_UPLOAD_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {mt: {"schema": {"type": "string"}} for mt in _BODY_TYPES},
        }
    },
)
async def add(
    request: Request,
    response: Response,
    kg: KG,
    dry_run: Annotated[
        bool, Query(description="Check everything and answer what would be written (200), without writing.")
    ] = False,
) -> SourceWrite:
    """Add a new source as its own graph, validated first; needs the write token.

    The body is RDF (TriG, Turtle, N-Quads, N-Triples, JSON-LD, RDF/XML) or CSV (`text/csv`): a claims
    sheet (`GET /sources/template.csv`) or the USGS MCS world data release, told apart by the header.
    Importing the same CSV again changes nothing (`unchanged: true`).
    """
    body = await request.body()
    # Parsing and SHACL take a while; keep the event loop free for other requests.
    written = await run_in_threadpool(
        lambda: add_source(
            kg,
            body,
            request.headers.get("content-type", ""),
            check=upload_validation(request.app),
            dry_run=dry_run,
        )
    )
    if written.dry_run or written.unchanged:
        response.status_code = 200
    return written


@router.get(
    "/template.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "An empty claims sheet."}},
)
def sheet_template() -> Response:
    """An empty claims sheet: the source lines, the header and one commented example row."""
    return Response(
        template(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="rekg-claims.csv"'},
    )


@router.delete(
    "/{source_id}",
    response_model=SourceWrite,
    dependencies=[Writer],
    responses={
        404: {"description": "`not_found`: no source has that id."},
        409: {"description": "`conflict`: a curated seed source; change it in `seeds/` instead."},
    },
)
def delete(source_id: str, kg: KG) -> SourceWrite:
    """Remove an uploaded source and every fact in its graph; needs the write token."""
    return remove_source(kg, source_id)
