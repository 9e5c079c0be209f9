from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from graph.export import export_rdf

from ..deps import KG

router = APIRouter(prefix="/export", tags=["export"])


@router.get("/{fmt}", response_class=Response)
def export(fmt: str, kg: KG) -> Response:
    """The whole graph as a download (ttl, nt, nq, trig, jsonld, rdfxml)."""
    out = export_rdf(kg, fmt)
    return Response(
        out.body,
        media_type=out.media_type,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )
