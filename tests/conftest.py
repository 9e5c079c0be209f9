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

    ``REKG_TEST_BACKEND=oxigraph``, ``mirrored``, ``remote`` (Virtuoso) or ``remote-oxigraph`` (the Oxigraph
    server) runs every suite on that back end instead.
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


# --- store back ends (issues 7, 18): the same seed graph on memory, oxigraph on disk, Virtuoso and the
# Oxigraph server ---

#: ``oxigraph`` reads the disk (as stores over REKG_MEMORY_MIRROR_MAX_QUADS do); ``mirrored``
#: is the same store read from its in-memory copy, as `rekg serve --store oxigraph` runs smaller ones.
#: ``remote`` is the remote back end on Virtuoso, ``remote-oxigraph`` the same back end on the
#: Oxigraph server (``oxigraph serve``); both are loaded through SPARQL Update.
BACKENDS = ["memory", "oxigraph", "mirrored", "remote", "remote-oxigraph"]

#: The back ends that are a real SPARQL server, and the fixture that starts each.
REMOTE_SERVERS = {"remote": "virtuoso", "remote-oxigraph": "oxigraph_server"}


@pytest.fixture(scope="session")
def virtuoso():
    """A private Virtuoso open source on loopback with its own temporary database, stopped by its PID."""
    from tests.virtuoso import VirtuosoServer, virtuoso_available

    if not virtuoso_available():
        pytest.fail("Virtuoso is not installed: apt-get install -y virtuoso-opensource (.ci/run does it)")
    server = VirtuosoServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def oxigraph_server():
    """A private Oxigraph server (``oxigraph serve``, union default graph) on loopback, stopped by its PID."""
    from tests.oxigraph_server import OxigraphServer, oxigraph_executable

    if oxigraph_executable() is None:
        pytest.fail("the Oxigraph server is not installed: pip install oxigraph (in rekg's dev dependencies)")
    server = OxigraphServer().start()
    yield server
    server.stop()


def remote_store(kind: str, request: pytest.FixtureRequest):
    """A remote store on the session's server for ``kind`` (``remote`` or ``remote-oxigraph``), as found."""
    from rekg.graph.store import open_store

    server = request.getfixturevalue(REMOTE_SERVERS[kind])
    if kind == "remote":
        return open_store("remote", query_url=server.sparql_url, timeout=30.0)
    return open_store("remote", query_url=server.query_url, update_url=server.update_url, timeout=30.0)


def open_backend(kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A fresh, empty store of ``kind`` (a remote one on the session's server, emptied)."""
    from rekg.graph.store import open_store

    if kind == "memory":
        return open_store("memory")
    if kind == "oxigraph":
        return open_store("oxigraph", tmp_path_factory.mktemp("oxigraph-store"))
    if kind == "mirrored":
        return open_store("oxigraph", tmp_path_factory.mktemp("oxigraph-store"), mirror_max_quads=10**6)
    if kind not in REMOTE_SERVERS:
        raise ValueError(f"unknown test back end {kind!r}; choose one of {', '.join(BACKENDS)}")
    store = remote_store(kind, request)
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
    """The seed graph on each back end in turn (memory, oxigraph on disk, Virtuoso, Oxigraph server).

    Do not write to it. On a remote server the seeds are loaded through SPARQL Update.
    """
    store = open_backend(request.param, request, tmp_path_factory)
    return open_graph(store, seeds_dir=seeds_snapshot, validate_shapes=False)
