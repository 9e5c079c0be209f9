"""The analyst suite tests/graph/test_analyst_measures.py with the store on the Oxigraph server."""

from tests.graph.test_analyst_measures import *  # noqa: F403 - the same tests, collected again with this folder's fixtures
