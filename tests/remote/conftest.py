"""The protocol, analyst, ingestion and import suites again, on the Oxigraph server through ``remote``.

Each module here re-collects one existing suite (``from tests.api.test_sparql import *``), so the
tests are the same functions with the same parameters; only the fixtures they use are replaced:

* ``kg`` and ``client``: the seed graph loaded once per test process into a private Oxigraph
  server (``oxigraph serve --union-default-graph`` on loopback), through the remote back end's
  SPARQL Update path, and the real app over it;
* ``writable`` and ``without_usgs_seed``: the seeds loaded afresh into a second private server
  for every test, so writes never leak into another test.

Known gaps of the engine or of the remote back end are listed in :data:`GAPS` and marked
``xfail(strict=True)``: fixing one makes its test fail until the entry goes.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rekg.api.app import create_app
from rekg.api.settings import Settings
from rekg.graph import KnowledgeGraph, open_graph
from rekg.graph.io.seeds import SEEDS_DIR
from rekg.graph.store import open_store

from tests.oxigraph_server import OxigraphServer, oxigraph_executable

#: Test (by its name within this folder's modules, parameters included) -> why it fails on the
#: Oxigraph server. Empty: every re-collected test passes there.
GAPS: dict[str, str] = {}


#: The fixtures that put a test on the Oxigraph server; re-collected tests using none of them
#: (pure functions, a module's own in-memory graph) already ran in their own suite and are left out.
ON_THE_SERVER = frozenset({"kg", "client", "limited", "writable", "without_usgs_seed"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    keep, drop = [], []
    for item in items:
        if Path(str(item.path)).parent != here:
            keep.append(item)
        elif ON_THE_SERVER.isdisjoint(getattr(item, "fixturenames", ())):
            drop.append(item)
        else:
            if item.name in GAPS:
                item.add_marker(pytest.mark.xfail(reason=GAPS[item.name], strict=True))
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _server() -> OxigraphServer:
    if oxigraph_executable() is None:
        pytest.fail("the Oxigraph server is not installed: pip install oxigraph (in rekg's dev dependencies)")
    return OxigraphServer().start()


def _remote_graph(server: OxigraphServer, seeds_dir: Path = SEEDS_DIR) -> KnowledgeGraph:
    """The seed graph on ``server``, emptied first and loaded through SPARQL Update."""
    store = open_store("remote", query_url=server.query_url, update_url=server.update_url, timeout=30.0)
    store.clear()
    return open_graph(store, seeds_dir=seeds_dir, validate_shapes=False)


@pytest.fixture(scope="session")
def read_server() -> Iterator[OxigraphServer]:
    """The Oxigraph server of the read-only suites (one per test process), stopped by its PID."""
    server = _server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def write_server() -> Iterator[OxigraphServer]:
    """The Oxigraph server the writing suites reload for every test, stopped by its PID."""
    server = _server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def kg(read_server: OxigraphServer) -> KnowledgeGraph:
    """The seed graph on the Oxigraph server. Do not write to it."""
    return _remote_graph(read_server)


@pytest.fixture(scope="session")
def client(kg: KnowledgeGraph, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, kg)) as c:
        yield c


@pytest.fixture
def remote_writable(write_server: OxigraphServer) -> Callable[..., Iterator[TestClient]]:
    """A factory of private apps with writes enabled over a fresh seed graph on the server."""

    def make(token: str, seeds_dir: Path = SEEDS_DIR) -> Iterator[TestClient]:
        with TestClient(create_app(Settings(write_token=token), _remote_graph(write_server, seeds_dir))) as c:
            yield c

    return make


def seeds_without(tmp_path: Path, *names: str) -> Path:
    """A copy of the seeds without the named files."""
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds, ignore=shutil.ignore_patterns(*names, "__pycache__"))
    return seeds
