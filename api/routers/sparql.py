from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import Response

from graph.sparql import run_query

from ..deps import KG

router = APIRouter(tags=["sparql"])


@router.get("/sparql")
def sparql_get(kg: KG, query: str = Query(..., description="A SPARQL 1.1 query.")) -> Response:
    """Run a read-only SPARQL query."""
    body, media = run_query(kg, query)
    return Response(body, media_type=media)
