"""FastAPI dependencies: the knowledge graph and the settings of the running app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from graph import KnowledgeGraph

from .settings import Settings

__all__ = ["KG", "AppSettings", "get_kg", "get_settings"]


def get_kg(request: Request) -> KnowledgeGraph:
    return request.app.state.kg


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


KG = Annotated[KnowledgeGraph, Depends(get_kg)]
AppSettings = Annotated[Settings, Depends(get_settings)]
