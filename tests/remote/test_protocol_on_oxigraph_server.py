"""The SPARQL protocol suite (tests/api/test_sparql.py) with the store on the Oxigraph server."""

from tests.api.test_sparql import *  # noqa: F403 - the same tests, collected again with this folder's fixtures
