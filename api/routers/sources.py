from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, Field
from rekg.graph.io.sources import IsolatedValidation, SourceInfo, add_source, list_sources, remove_source
from starlette.concurrency import run_in_threadpool

from ..deps import KG, Writer

router = APIRouter(prefix="/sources", tags=["sources"])


def upload_validation(app: FastAPI) -> IsolatedValidation:
    """The app's validator of uploads, created on first use (the lifespan starts and closes it)."""
    validation: IsolatedValidation | None = getattr(app.state, "upload_validation", None)
    if validation is None or validation.closed:
        validation = IsolatedValidation(timeout_s=app.state.settings.upload_timeout_s)
        app.state.upload_validation = validation
    return validation


class Source(BaseModel):
    id: str = Field(description="Short id; the graph IRI is the base's source namespace plus this id.")
    iri: str = Field(description="IRI of the source, which is also the name of the graph holding its facts.")
    triples: int = Field(description="Number of triples in the source's graph.")
    title: str | None = None
    publisher: str | None = None
    date: dt.date | None = None
    kind: str | None = Field(None, description="What sort of document the source is.")
    curated: bool = Field(description="True for seed sources shipped with rekg; these cannot be deleted over HTTP.")

    @classmethod
    def of(cls, s: SourceInfo) -> Source:
        return cls(**s.__dict__)


class SourceWritten(BaseModel):
    id: str
    iri: str
    triples: int = Field(description="Triples written (POST) or removed (DELETE).")


@router.get("", response_model=list[Source])
def sources(kg: KG) -> list[Source]:
    """Every source graph with its description and triple count."""
    return [Source.of(s) for s in list_sources(kg)]


@router.post(
    "",
    response_model=SourceWritten,
    status_code=201,
    dependencies=[Writer],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                mt: {"schema": {"type": "string"}}
                for mt in ("application/trig", "text/turtle", "application/ld+json", "application/n-quads")
            },
        }
    },
)
async def add(request: Request, kg: KG) -> SourceWritten:
    """Add a new source (its description and claims) as its own graph, validated first; needs the write token."""
    body = await request.body()
    # Parsing and SHACL take a while; keep the event loop free for other requests.
    written = await run_in_threadpool(
        add_source, kg, body, request.headers.get("content-type", ""), check=upload_validation(request.app)
    )
    return SourceWritten(**written.__dict__)


@router.delete("/{source_id}", response_model=SourceWritten, dependencies=[Writer])
def delete(source_id: str, kg: KG) -> SourceWritten:
    """Remove an uploaded source and every fact in its graph; needs the write token."""
    return SourceWritten(**remove_source(kg, source_id).__dict__)
