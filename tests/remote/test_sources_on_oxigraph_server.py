"""The ingestion suite (POST/GET/DELETE /sources, tests/api/test_sources_api.py) on the Oxigraph server."""

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.test_sources_api import *  # noqa: F403 - the same tests, collected again with these fixtures
from tests.api.test_sources_api import TOKEN


@pytest.fixture
def writable(remote_writable: Callable[..., Iterator[TestClient]]) -> Iterator[TestClient]:
    """A private app with writes enabled over a fresh seed graph on the Oxigraph server."""
    yield from remote_writable(TOKEN)
