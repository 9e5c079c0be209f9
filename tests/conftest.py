"""Shared fixtures: the real seed graph and the real app over it."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient
from rekg.api.app import create_app
from rekg.api.settings import Settings
from rekg.graph import KnowledgeGraph, open_graph


@pytest.fixture(scope="session")
def kg(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    """The seed graph, loaded and SHACL-validated once per test process. Do not write to it.

    ``REKG_TEST_BACKEND=oxigraph``, ``mirrored`` or ``remote`` runs every suite on that back end instead.
    """
    backend = os.environ.get("REKG_TEST_BACKEND", "memory")
    if backend == "memory":
        return open_graph()
    return open_graph(open_backend(backend, request, tmp_path_factory))


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def client(kg: KnowledgeGraph, settings: Settings) -> TestClient:
    """The real app over the seed graph, in process."""
    with TestClient(create_app(settings, kg)) as c:
        yield c


# --- store back ends (issue 7): the same seed graph on memory, oxigraph on disk and Virtuoso ---

#: ``oxigraph`` reads the disk (as stores over REKG_MEMORY_MIRROR_MAX_QUADS do); ``mirrored``
#: is the same store read from its in-memory copy, as `rekg serve --store oxigraph` runs smaller ones.
BACKENDS = ["memory", "oxigraph", "mirrored", "remote"]


@pytest.fixture(scope="session")
def virtuoso():
    """A private Virtuoso open source on loopback with its own temporary database, stopped by its PID."""
    from tests.virtuoso import VirtuosoServer, virtuoso_available

    if not virtuoso_available():
        pytest.fail("Virtuoso is not installed: apt-get install -y virtuoso-opensource (.ci/run does it)")
    server = VirtuosoServer().start()
    yield server
    server.stop()


def open_backend(kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A fresh, empty store of ``kind`` (the remote one on the session's Virtuoso, emptied)."""
    from rekg.graph.store import open_store

    if kind == "memory":
        return open_store("memory")
    if kind == "oxigraph":
        return open_store("oxigraph", tmp_path_factory.mktemp("oxigraph-store"))
    if kind == "mirrored":
        return open_store("oxigraph", tmp_path_factory.mktemp("oxigraph-store"), mirror_max_quads=10**6)
    store = open_store("remote", query_url=request.getfixturevalue("virtuoso").sparql_url, timeout=30.0)
    store.clear()
    return store


@pytest.fixture(scope="session")
def seeds_snapshot(tmp_path_factory: pytest.TempPathFactory):
    """A copy of seeds/ taken once, so every back end is loaded from the same files."""
    import shutil

    from rekg.graph.io.seeds import SEEDS_DIR

    target = tmp_path_factory.mktemp("seeds") / "seeds"
    shutil.copytree(SEEDS_DIR, target)
    return target


@pytest.fixture(scope="session", params=BACKENDS)
def backend_kg(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, seeds_snapshot
) -> KnowledgeGraph:
    """The seed graph on each back end in turn (memory, oxigraph on disk, remote Virtuoso). Do not write to it."""
    store = open_backend(request.param, request, tmp_path_factory)
    return open_graph(store, seeds_dir=seeds_snapshot, validate_shapes=False)
