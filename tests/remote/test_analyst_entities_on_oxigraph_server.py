"""The analyst suite tests/graph/test_analyst_entities.py with the store on the Oxigraph server."""

from tests.graph.test_analyst_entities import *  # noqa: F403 - the same tests, collected again with this folder's fixtures
