"""The FastAPI application: routers, error handlers and the knowledge graph it serves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from rekg.graph import KnowledgeGraph

from rekg import __version__

from .caching import install_caching
from .errors import install_error_handlers
from .middleware import install_middleware
from .routers import analysis, analyst, entities, export, health, pages, sources, sparql
from .settings import Settings

__all__ = ["create_app"]


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
    kg = kg or settings.open_graph()
    app = FastAPI(
        title="rekg",
        summary="Knowledge graph of the critical-minerals supply chain and the trade measures around it.",
        version=__version__,
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
