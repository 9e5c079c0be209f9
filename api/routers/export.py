"""The whole graph as a download: Gephi, yEd, Cytoscape, spreadsheets and RDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from rekg.graph.io.export import FORMATS, GRAPH_FORMATS, RDF_FORMATS, export, export_csv

from ..deps import KG

__all__ = ["router"]

router = APIRouter(prefix="/export", tags=["export"])

_MEDIA = {name: media for name, (_, media, _) in GRAPH_FORMATS.items()} | {
    name: media for name, (_, media, _, _) in RDF_FORMATS.items()
}


@router.get(
    "/{fmt}",
    response_class=Response,
    responses={
        200: {
            "description": "The graph as a file download (`Content-Disposition: attachment`).",
            "content": {media: {} for media in dict.fromkeys(_MEDIA.values())},
        },
        406: {"description": "Unknown format; the body lists the formats."},
    },
)
def export_graph(
    fmt: Annotated[str, Path(description=f"One of: {', '.join(FORMATS)}.", examples=["gexf"], max_length=20)],
    kg: KG,
    bom: Annotated[
        bool, Query(description="csv only: start each CSV file with a UTF-8 byte-order mark, which Excel needs.")
    ] = False,
) -> Response:
    """The whole graph: gexf (Gephi), graphml (yEd, Cytoscape), json (node-link), csv (zip), or RDF.

    CSV files are UTF-8 without a byte-order mark (`bom=true` adds one for Excel). CSV cells that a
    spreadsheet would run as a formula get a leading `'`; the XML formats write a
    character XML cannot carry as U+FFFD, so every download opens.
    """
    out = export_csv(kg, bom=True) if fmt == "csv" and bom else export(kg, fmt)
    return Response(
        out.body,
        media_type=out.media_type,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )
