"""Shared fixtures: the real seed graph and the real app over it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from graph import KnowledgeGraph


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    """The seed graph, loaded and SHACL-validated once per test process. Do not write to it."""
    return KnowledgeGraph.from_seeds()


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def client(kg: KnowledgeGraph, settings: Settings) -> TestClient:
    """The real app over the seed graph, in process."""
    with TestClient(create_app(settings, kg)) as c:
        yield c
