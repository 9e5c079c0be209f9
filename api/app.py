"""The FastAPI application: routers, error handlers and the knowledge graph it serves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from rekg.graph import KnowledgeGraph
from rekg.graph.io.load import FileProgress, open_kg
from rekg.graph.store import open_store

from .caching import install_caching
from .errors import install_error_handlers
from .middleware import install_middleware
from .routers import analysis, analyst, entities, export, health, pages, sources, sparql
from .settings import Settings

__all__ = ["build_kg", "create_app"]


def build_kg(settings: Settings, *, on_progress: FileProgress | None = None, reset: bool = False) -> KnowledgeGraph:
    """Open the configured store, load the seeds unless it already holds them, then ``settings.data``.

    Raises
    ------
    SeedError
        If a seed or data file does not parse or validate; the server must not start then.
    StoreUnavailable
        If the store cannot be opened or reached.
    """
    store = open_store(
        settings.store,
        settings.store_path,
        query_url=settings.remote_query_url,
        update_url=settings.remote_update_url,
        timeout=settings.query_timeout_s,
        mirror_max_quads=settings.memory_mirror_max_quads,
    )
    return open_kg(
        store,
        seeds_dir=settings.seeds_dir,
        base=settings.base_iri,
        validate_shapes=settings.validate_seeds,
        data=settings.data,
        reset=reset,
        on_progress=on_progress,
    )


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Fork the SPARQL query workers (and the upload validator) at start-up and kill them at shutdown."""
    executor = sparql.sparql_executor(app)
    executor.start()
    validation = sources.upload_validation(app) if app.state.settings.write_token else None
    if validation is not None:
        validation.start()
    try:
        yield
    finally:
        executor.close()
        if validation is not None:
            validation.close()


def create_app(settings: Settings | None = None, kg: KnowledgeGraph | None = None) -> FastAPI:
    """Build the app over ``kg`` (loaded from the settings' seeds when not given)."""
    settings = settings or Settings()
    kg = kg or build_kg(settings)
    app = FastAPI(
        title="rekg",
        summary="Knowledge graph of the critical-minerals supply chain and the trade measures around it.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.kg = kg
    install_error_handlers(app)
    install_middleware(app, max_body_bytes=settings.max_body_bytes)
    install_caching(app)
    for module in (health, sparql, analyst, entities, analysis, export, sources, pages):
        app.include_router(module.router)
    return app
