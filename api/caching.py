"""HTTP caching: ETag and ``If-None-Match`` -> 304 for exports and entity pages, a response
cache for ``GET /sparql``, and gzip between the two.

ASGI middlewares, so the routers stay unaware of them. From the outside in: the response cache,
gzip, ETag validation (so the cache keeps compressed bodies and replays them without compressing
again, and a tag names one content coding).

**Response cache.** A read-only SPARQL answer only changes when the graph does, so the bodies
of successful ``GET /sparql`` answers are kept per graph version and replayed without
evaluating the query again (``X-Rekg-Cache: hit``). The key holds everything the answer depends
on: the query string, ``Accept``, whether the client takes gzip, and the scheme, ``Host`` and
root path the answer's IRIs are resolved against (relative IRIs resolve against the endpoint
URL). ``Origin`` is not in it because no answer depends on it (CORS is ``*`` for everyone, added
outside the cache). A query whose answer changes between evaluations (``NOW()``, ``RAND()``,
``UUID()``, ``STRUUID()``, ``BNODE()``) is not kept, nor is the service description (no
``query``). Bounded: answers over 2 MiB are not kept, and the least recently used go when the
total passes 64 MiB; a write (new version) makes every entry stale. POST queries are not cached.

**Validation.** The tag of a response is derived from what determines it: the graph version
(which changes on every write), an id drawn once per app (so tags from before a restart, when
versions start again, never match), the method, path, query string, the ``Accept`` header and
whether the answer is gzipped. A request whose ``If-None-Match`` holds the current tag is
answered 304 without running the route at all; a 200 response gets the tag,
``Cache-Control: no-cache`` (reuse, but ask first) and ``Vary: Accept``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

__all__ = ["ETagMiddleware", "SparqlCacheMiddleware", "install_caching"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Path prefixes whose GET answers are validated by ETag.
DEFAULT_PREFIXES = ("/export/", "/entities/")

#: Answers smaller than this are sent uncompressed (gzip's header and a TCP segment make it pointless).
GZIP_MIN_BYTES = 1024
#: zlib level 6: close to level 9's size at a fraction of its time.
GZIP_LEVEL = 6

#: Built-in functions whose value changes between evaluations, followed by "(" after any whitespace and
#: comments. A conservative test of the text: a match inside a string or an IRI only costs a cache miss.
#: ``\u`` escapes could spell a name, so a query holding one is not cached either. (A comment must end with
#: its newline here, so no text splits into comments in more than one way: the search stays linear.)
_VOLATILE = re.compile(r"(?:now|rand|uuid|struuid|bnode)(?:\s|#[^\n]*\n)*\(|\\u", re.IGNORECASE)


def volatile(query: str) -> bool:
    """Whether the answer to ``query`` may change between two evaluations over the same graph.

    >>> volatile("SELECT (NOW() AS ?t) {}"), volatile("select (rand  # why not\\n () as ?r) {}")
    (True, True)
    >>> volatile("SELECT ?s { ?s a rekg:Country }")
    False
    """
    return _VOLATILE.search(query) is not None


def _accepts_gzip(scope: Scope) -> bool:
    return "gzip" in _header(scope, b"accept-encoding").lower()


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
            # gzip (outside) compresses for clients that take it: another coding, another tag.
            "gzip" if _accepts_gzip(scope) else "identity",
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
            _accepts_gzip(scope),
            # What the endpoint URL is made of (the service description and relative IRIs echo it).
            scope.get("scheme"),
            _header(scope, b"host"),
            scope.get("root_path", ""),
            tuple(scope.get("server") or ()),
        )

    @staticmethod
    def _cacheable(scope: Scope) -> bool:
        """A ``GET`` with one query whose answer depends on nothing but the graph and the key."""
        raw: bytes = scope.get("query_string", b"")
        if b"query=" not in raw:
            return False
        try:
            params = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=1000)
        except (UnicodeDecodeError, ValueError):
            return False  # the endpoint refuses it; nothing to keep
        queries = [v for k, v in params if k == "query"]
        return len(queries) == 1 and bool(queries[0].strip()) and not volatile(queries[0])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or scope["path"] != self.path
            or not self._cacheable(scope)
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
    """Add ETag validation for exports, entity pages and entity IRIs, gzip, and the ``GET /sparql`` cache."""
    app.add_middleware(ETagMiddleware, prefixes=tuple(prefixes))
    # gzip streams (each chunk is flushed), leaves 304s and small answers alone, and adds Vary: Accept-Encoding.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=GZIP_LEVEL)
    app.add_middleware(SparqlCacheMiddleware)
