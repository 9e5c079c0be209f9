"""FastAPI dependencies: the knowledge graph and the settings of the running app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from rekg.graph import KnowledgeGraph

from .settings import Settings

__all__ = ["KG", "AppSettings", "client_key", "get_kg", "get_settings"]


def get_kg(request: Request) -> KnowledgeGraph:
    return request.app.state.kg


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def client_key(request: Request) -> str:
    """Who is asking, for sharing the query workers fairly: the remote address (not the port).

    uvicorn replaces the address with the ``X-Forwarded-For`` of a proxy it trusts (by default one on
    127.0.0.1), so behind a reverse proxy on the same machine each of its clients counts on its own.
    """
    return request.client.host if request.client is not None else "unknown"


KG = Annotated[KnowledgeGraph, Depends(get_kg)]
AppSettings = Annotated[Settings, Depends(get_settings)]


def require_writer(request: Request) -> None:
    """Allow the request only with the configured bearer token (compared in constant time)."""
    import hmac

    from .errors import ApiError

    token = request.app.state.settings.write_token
    if not token:
        raise ApiError(
            403, "writes_disabled", "Writes are disabled on this server; set REKG_WRITE_TOKEN to enable them."
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(
            401,
            "unauthorized",
            "Send the write token as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": 'Bearer realm="rekg"'},
        )


Writer = Depends(require_writer)
