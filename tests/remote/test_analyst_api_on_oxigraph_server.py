"""The analyst endpoint suite (tests/api/test_analyst_api.py) with the store on the Oxigraph server."""

from tests.api.test_analyst_api import *  # noqa: F403 - the same tests, collected again with this folder's fixtures
