"""Sources: list them, add one (a validated upload becomes its own graph), remove an uploaded one."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
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
    415: {"description": "`unsupported_media_type`: not one of the source formats."},
    422: {
        "description": "`invalid_data`: the document does not parse (JSON-LD whose context names another document "
        "is refused, never fetched), holds characters XML 1.0 cannot carry (each triple named), or violates the "
        "SHACL shapes (`problems` lists them). Nothing is written."
    },
}


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
            "content": {mt: {"schema": {"type": "string"}} for mt in SOURCE_FORMATS},
        }
    },
)
async def add(request: Request, kg: KG) -> SourceWrite:
    """Add a new source (its description and claims) as its own graph, validated first; needs the write token."""
    body = await request.body()
    # Parsing and SHACL take a while; keep the event loop free for other requests.
    written = await run_in_threadpool(
        add_source, kg, body, request.headers.get("content-type", ""), check=upload_validation(request.app)
    )
    return written


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
