"""The FastAPI application: routers, error handlers and the knowledge graph it serves."""

from __future__ import annotations

from fastapi import FastAPI

from graph import KnowledgeGraph
from graph.store import open_store

from .errors import install_error_handlers
from .routers import analysis, analyst, entities, export, health, pages, sources, sparql
from .settings import Settings

__all__ = ["build_kg", "create_app"]


def build_kg(settings: Settings) -> KnowledgeGraph:
    """Open the configured store and load the seeds into it.

    Raises
    ------
    SeedError
        If a seed file does not parse or validate; the server must not start then.
    """
    store = open_store(settings.store, settings.store_path)
    return KnowledgeGraph.from_seeds(
        settings.seeds_dir, base=settings.base_iri, store=store, validate_shapes=settings.validate_seeds
    )


def create_app(settings: Settings | None = None, kg: KnowledgeGraph | None = None) -> FastAPI:
    """Build the app over ``kg`` (loaded from the settings' seeds when not given)."""
    settings = settings or Settings()
    kg = kg or build_kg(settings)
    app = FastAPI(
        title="rekg",
        summary="Knowledge graph of the critical-minerals supply chain and the trade measures around it.",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.kg = kg
    install_error_handlers(app)
    for module in (health, sparql, analyst, entities, analysis, export, sources, pages):
        app.include_router(module.router)
    return app
