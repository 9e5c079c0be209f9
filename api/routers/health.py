from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from ..deps import KG

router = APIRouter(tags=["service"])


class Health(BaseModel):
    status: str
    store: str
    graphs: int
    triples: int
    version: int
    sandbox: Literal["netns+seccomp", "netns", "seccomp", "none"] | None = Field(
        None,
        description="How SPARQL query workers are kept off the network: an empty network namespace, a seccomp filter "
        "that refuses sockets, both, or none (then only the query guard stands in the way, and the server logged a "
        "warning at start). null: no worker has started yet, or the store is queried in-process (remote).",
    )
    query_memory_mb: int | None = Field(
        None, description="Memory one query may use in a worker (REKG_QUERY_MEMORY_MB, resolved); null: no workers."
    )


@router.get("/healthz", response_model=Health)
def healthz(kg: KG, request: Request) -> Health:
    """Liveness, a summary of the loaded graph, and how the query workers are confined."""
    graphs = kg.store.graphs()
    # Only read here: /healthz must never fork workers or wait for them.
    executor = getattr(request.app.state, "sparql_executor", None)
    in_workers = executor is not None and executor.isolation == "processes"
    return Health(
        status="ok",
        store=kg.store.kind,
        graphs=len(graphs),
        triples=sum(graphs.values()),
        version=kg.version,
        sandbox=executor.sandbox if in_workers else None,
        query_memory_mb=executor.memory_mb if in_workers else None,
    )
