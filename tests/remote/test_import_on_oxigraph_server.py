"""The import suite (claims sheets and the USGS release, tests/api/test_import_api.py) on the Oxigraph server."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.test_import_api import *  # noqa: F403 - the same tests, collected again with these fixtures
from tests.api.test_import_api import TOKEN
from tests.remote.conftest import seeds_without


@pytest.fixture
def writable(remote_writable: Callable[..., Iterator[TestClient]]) -> Iterator[TestClient]:
    yield from remote_writable(TOKEN)


@pytest.fixture
def without_usgs_seed(remote_writable: Callable[..., Iterator[TestClient]], tmp_path: Path) -> Iterator[TestClient]:
    yield from remote_writable(TOKEN, seeds_without(tmp_path, "usgs-mcs-2025.trig"))
