"""The analyst suite tests/graph/test_analyst_suppliers.py with the store on the Oxigraph server."""

from tests.graph.test_analyst_suppliers import *  # noqa: F403 - the same tests, collected again with this folder's fixtures
