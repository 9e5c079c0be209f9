"""HTTP caching: ETag and ``If-None-Match`` -> 304 for exports and entity pages, and a response
cache for ``GET /sparql``.

Two ASGI middlewares, so the routers stay unaware of them.

**Response cache.** A read-only SPARQL answer only changes when the graph does, so the bodies
of successful ``GET /sparql`` answers are kept per graph version, keyed on the query string and
the ``Accept`` / ``Accept-Encoding`` headers, and replayed without evaluating the query again
(``X-Rekg-Cache: hit``). Bounded: answers over 2 MiB are not kept, and the least recently used
go when the total passes 64 MiB; a write (new version) makes every entry stale. POST queries
are not cached.

**Validation.** The tag of a response is derived
from what determines it: the graph version (which changes on every write), an id drawn once
per app (so tags from before a restart, when versions start again, never match), the
method, path, query string and the ``Accept`` header. A request whose ``If-None-Match``
holds the current tag is answered 304 without running the route at all; a 200 response
gets the tag, ``Cache-Control: no-cache`` (reuse, but ask first) and ``Vary: Accept``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI

__all__ = ["ETagMiddleware", "SparqlCacheMiddleware", "install_caching"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Path prefixes whose GET answers are validated by ETag.
DEFAULT_PREFIXES = ("/export/", "/entities/")


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return ""


def _matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2): ``W/"x"`` matches ``"x"``; ``*`` matches anything."""
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in if_none_match.split(","))


class ETagMiddleware:
    """Tag GET/HEAD answers under ``prefixes`` and answer matching ``If-None-Match`` with 304.

    Parameters
    ----------
    app : ASGI app
    prefixes : iterable of str
        Path prefixes to cover. The path of the entity IRIs (``{base}id/``) is added from the
        served graph, so entity IRIs dereferenced on this server are covered too.
    """

    def __init__(self, app: ASGIApp, prefixes: Iterable[str] = DEFAULT_PREFIXES) -> None:
        self.app = app
        self.prefixes = tuple(prefixes)
        self.instance = secrets.token_hex(8)

    def _covered(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return False
        path: str = scope["path"]
        if path.startswith(self.prefixes):
            return True
        kg = getattr(scope["app"].state, "kg", None) if "app" in scope else None
        if kg is None:
            return False
        id_path = urlsplit(str(kg.ns.id)).path
        return bool(id_path) and id_path != "/" and path.startswith(id_path)

    def _etag(self, scope: Scope) -> str:
        kg = scope["app"].state.kg
        h = hashlib.sha256()
        for part in (
            self.instance,
            str(kg.version),
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            _header(scope, b"accept"),
        ):
            h.update(part.encode() + b"\0")
        return f'"{h.hexdigest()[:32]}"'

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._covered(scope):
            await self.app(scope, receive, send)
            return
        etag = self._etag(scope)
        inm = _header(scope, b"if-none-match")
        if inm and _matches(inm, etag):
            await send(
                {
                    "type": "http.response.start",
                    "status": 304,
                    "headers": [
                        (b"etag", etag.encode()),
                        (b"cache-control", b"no-cache"),
                        (b"vary", b"Accept"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() not in (b"etag", b"cache-control")
                ]
                vary = [v for k, v in headers if k.lower() == b"vary"]
                headers = [(k, v) for k, v in headers if k.lower() != b"vary"]
                merged = {p.strip() for v in vary for p in v.decode("latin-1").split(",") if p.strip()} | {"Accept"}
                headers += [
                    (b"etag", etag.encode()),
                    (b"cache-control", b"no-cache"),
                    (b"vary", ", ".join(sorted(merged)).encode("latin-1")),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, tagged)


class SparqlCacheMiddleware:
    """Replay successful ``GET /sparql`` answers while the graph version is unchanged.

    Parameters
    ----------
    app : ASGI app
    path : str
        The SPARQL endpoint's path.
    max_entry_bytes, max_total_bytes : int
        Largest answer kept, and the most kept in all (least recently used go first).
    """

    def __init__(
        self, app: ASGIApp, path: str = "/sparql", max_entry_bytes: int = 2 << 20, max_total_bytes: int = 64 << 20
    ) -> None:
        self.app = app
        self.path = path
        self.max_entry = max_entry_bytes
        self.max_total = max_total_bytes
        self._entries: OrderedDict[tuple, tuple[int, list[tuple[bytes, bytes]], bytes]] = OrderedDict()
        self._size = 0
        self._version: object = None

    def _key(self, scope: Scope) -> tuple:
        return (
            scope["method"],
            scope.get("query_string", b""),
            _header(scope, b"accept"),
            _header(scope, b"accept-encoding"),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or scope["path"] != self.path
            or b"query=" not in scope.get("query_string", b"")
        ):
            await self.app(scope, receive, send)
            return
        kg = getattr(scope["app"].state, "kg", None) if "app" in scope else None
        if kg is None:
            await self.app(scope, receive, send)
            return
        version = (id(kg.store), kg.version)
        if version != self._version:
            self._entries.clear()
            self._size = 0
            self._version = version
        key = self._key(scope)
        hit = self._entries.get(key)
        if hit is not None:
            self._entries.move_to_end(key)
            status, headers, body = hit
            await send(
                {"type": "http.response.start", "status": status, "headers": [*headers, (b"x-rekg-cache", b"hit")]}
            )
            await send({"type": "http.response.body", "body": body})
            return
        started: dict[str, Any] = {}
        chunks: list[bytes] = []
        keep = True

        async def capture(message: Message) -> None:
            nonlocal keep
            if message["type"] == "http.response.start":
                started.update(message)
                keep = message["status"] == 200
                message = {**message, "headers": [*message.get("headers", []), (b"x-rekg-cache", b"miss")]}
            elif message["type"] == "http.response.body" and keep:
                chunks.append(message.get("body", b""))
                if sum(len(c) for c in chunks) > self.max_entry:
                    keep = False
                    chunks.clear()
            await send(message)

        await self.app(scope, receive, capture)
        # Only an answer computed on the version it is filed under is kept.
        if keep and started and (id(kg.store), kg.version) == self._version:
            body = b"".join(chunks)
            self._entries[key] = (started["status"], list(started.get("headers", [])), body)
            self._size += len(body)
            while self._size > self.max_total and self._entries:
                _, (_, _, old) = self._entries.popitem(last=False)
                self._size -= len(old)


def install_caching(app: FastAPI, prefixes: Iterable[str] = DEFAULT_PREFIXES) -> None:
    """Add ETag validation for exports, entity pages and entity IRIs, and the ``GET /sparql`` cache."""
    app.add_middleware(ETagMiddleware, prefixes=tuple(prefixes))
    app.add_middleware(SparqlCacheMiddleware)
