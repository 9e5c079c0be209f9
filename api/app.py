"""The FastAPI application: routers, error handlers and the knowledge graph it serves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from rekg.graph import KnowledgeGraph
from starlette.types import ASGIApp

from rekg import __version__

from .caching import install_caching
from .errors import install_error_handlers
from .middleware import HttpEdge, install_middleware
from .routers import analysis, analyst, entities, export, health, pages, sources, sparql
from .settings import Settings

__all__ = ["RekgApp", "create_app"]


class RekgApp(FastAPI):
    """FastAPI with the HTTP edge (:class:`~rekg.api.middleware.HttpEdge`) outside everything else.

    Starlette puts its 500 handler outside every middleware added with ``add_middleware``; a 500
    would miss CORS and the security headers. The edge wraps even that handler, so every answer
    carries them: routes, the response cache's replays, the ETag middleware's 304s and 500s alike.
    """

    def build_middleware_stack(self) -> ASGIApp:
        settings: Settings = self.state.settings
        return HttpEdge(
            super().build_middleware_stack(),
            max_url_bytes=settings.max_url_bytes,
            max_header_bytes=settings.max_header_bytes,
            max_headers=settings.max_headers,
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
    kg = kg or settings.open_graph()
    app = RekgApp(
        title="rekg",
        summary="Knowledge graph of the critical-minerals supply chain and the trade measures around it.",
        version=__version__,
        lifespan=lifespan,
        # /docs and /redoc are served by the pages router, with Swagger UI and ReDoc from this server (no CDN).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.kg = kg
    install_error_handlers(app)
    # From the outside in: the edge (RekgApp), Starlette's 500 handler, the response cache, gzip, ETag,
    # the timing header, the body cap.
    install_middleware(app, max_body_bytes=settings.max_body_bytes)
    install_caching(app)
    for module in (health, sparql, analyst, entities, analysis, export, sources, pages):
        app.include_router(module.router)
    return app
