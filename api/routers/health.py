from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from ..deps import KG

router = APIRouter(tags=["service"])


class Health(BaseModel):
    status: str
    store: str
    graphs: int
    triples: int
    version: int


@router.get("/healthz", response_model=Health)
def healthz(kg: KG) -> Health:
    """Liveness and a summary of the loaded graph."""
    graphs = kg.store.graphs()
    return Health(
        status="ok", store=kg.store.kind, graphs=len(graphs), triples=sum(graphs.values()), version=kg.version
    )
