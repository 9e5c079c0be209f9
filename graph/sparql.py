"""SPARQL execution for the public endpoint.

First version: evaluates a read query against the store with the predeclared prefixes and
serialises SELECT/ASK results as SPARQL JSON. The protocol issue completes it (negotiation,
guards against outbound reach, time limits in killable workers, row caps).
"""

from __future__ import annotations

import pyoxigraph as ox

from .errors import ForbiddenQuery
from .kg import KnowledgeGraph

__all__ = ["run_query"]


def run_query(kg: KnowledgeGraph, sparql: str) -> tuple[bytes, str]:
    """Evaluate a read-only query; return the serialised result and its media type.

    Raises
    ------
    InvalidQuery
        If the query does not parse.
    ForbiddenQuery
        If the query form is not SELECT, ASK, CONSTRUCT or DESCRIBE.
    """
    res = kg.store.query(sparql, prefixes=kg.prefixes)
    if isinstance(res, ox.QuerySolutions):
        return res.serialize(format=ox.QueryResultsFormat.JSON), "application/sparql-results+json"
    if isinstance(res, ox.QueryBoolean):
        return (b'{"head":{},"boolean":%s}' % (b"true" if bool(res) else b"false")), "application/sparql-results+json"
    if isinstance(res, ox.QueryTriples):
        return ox.serialize(list(res), format=ox.RdfFormat.TURTLE, prefixes=kg.prefixes), "text/turtle"
    raise ForbiddenQuery("only SELECT, ASK, CONSTRUCT and DESCRIBE are allowed")
