"""The HTTP edge of the app: request limits, HEAD, CORS and security headers; the body cap and a timing header.

All of it is plain ASGI (no ``BaseHTTPMiddleware``), so it adds next to nothing per request.

* :class:`HttpEdge` is the outermost layer (outside even Starlette's 500 handler, see
  :class:`rekg.api.app.RekgApp`), so whatever answers, a route, the response cache, the ETag
  304 or the 500 handler, the answer passes through it:

  - a URL over ``REKG_MAX_URL_BYTES`` is a JSON 414, headers over ``REKG_MAX_HEADER_BYTES``
    or more than ``REKG_MAX_HEADERS`` lines a JSON 431;
  - ``HEAD`` is answered wherever ``GET`` is (RFC 9110 9.3.2): the GET's status and headers,
    no body;
  - CORS is open to every origin, without credentials: ``Access-Control-Allow-Origin: *`` on
    every response, whatever the request's ``Origin``, so an answer never depends on it (the
    response cache can replay it to anyone); preflights are answered here;
  - ``X-Content-Type-Options: nosniff`` on every response, and on HTML a Content Security
    Policy, ``Referrer-Policy`` and frame protection.
* the server side of the same limits, uvicorn's protocol cutting off a request head at twice
  them before the app sees it, is :mod:`rekg.api.server`.
* :class:`BodyLimit` refuses a body larger than ``REKG_MAX_BODY_BYTES`` with 413: at once
  when ``Content-Length`` says so, otherwise while the body streams in (chunked uploads),
  without ever holding more than the limit. If the route was already reading the body, its
  answer is replaced by the 413, so every route gets the same behaviour whatever it does
  with a failed read.
* :class:`ServerTiming` adds ``Server-Timing: app;dur=<ms>`` to every response.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from .errors import ApiError, error_response

__all__ = [
    "CSP_PAGE",
    "BodyLimit",
    "HttpEdge",
    "ServerTiming",
    "headers_too_large",
    "install_middleware",
    "too_many_headers",
    "uri_too_long",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BODY_SETTING = "REKG_MAX_BODY_BYTES"
URL_SETTING = "REKG_MAX_URL_BYTES"
HEADER_BYTES_SETTING = "REKG_MAX_HEADER_BYTES"
HEADERS_SETTING = "REKG_MAX_HEADERS"

#: The policy of the HTML pages: only this server's own scripts, styles, images and fetches; no inline code,
#: no plugins, no framing. The page's JSON data blocks (``<script type="application/json">``) are not scripts
#: and need no exception.
CSP_PAGE = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: Response headers scripts on other origins may read.
EXPOSED_HEADERS = "X-Query-Time-Ms, Server-Timing, X-Result-Count, X-Rekg-Cache, ETag"
CORS_METHODS = "GET, HEAD, POST"
#: Preflight answers are cached this long by browsers (seconds).
CORS_MAX_AGE = "600"


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "body_too_large",
        f"The request body is larger than {limit} bytes. Send a shorter request, or raise {BODY_SETTING}.",
        limit=limit,
        setting=BODY_SETTING,
    )


def uri_too_long(limit: int) -> ApiError:
    return ApiError(
        414,
        "uri_too_long",
        f"The URL is longer than {limit} bytes ({URL_SETTING}). POST long SPARQL queries, as "
        "application/sparql-query or form-encoded, instead.",
        limit=limit,
        setting=URL_SETTING,
    )


def headers_too_large(limit: int) -> ApiError:
    return ApiError(
        431,
        "headers_too_large",
        f"The request headers are larger than {limit} bytes ({HEADER_BYTES_SETTING}).",
        limit=limit,
        setting=HEADER_BYTES_SETTING,
    )


def too_many_headers(limit: int) -> ApiError:
    return ApiError(
        431,
        "headers_too_large",
        f"The request has more than {limit} header lines ({HEADERS_SETTING}).",
        limit=limit,
        setting=HEADERS_SETTING,
    )


# -- the edge ----------------------------------------------------------------------------------


def _edge_headers(raw: list[tuple[bytes, bytes]], status: int) -> list[tuple[bytes, bytes]]:
    """``raw`` response headers with CORS, ``nosniff`` and (on HTML) the security headers added where missing."""
    names = {k.lower() for k, _ in raw}
    out = list(raw)

    def add(name: bytes, value: str) -> None:
        if name not in names:
            out.append((name, value.encode("latin-1")))

    add(b"access-control-allow-origin", "*")
    add(b"access-control-expose-headers", EXPOSED_HEADERS)
    add(b"x-content-type-options", "nosniff")
    content_type = next((v for k, v in raw if k.lower() == b"content-type"), b"")
    if content_type.lower().startswith(b"text/html"):
        add(b"content-security-policy", CSP_PAGE)
        add(b"x-frame-options", "DENY")
        add(b"referrer-policy", "same-origin")
    if status == 405:
        # A 405 names what the resource allows; wherever GET is allowed, so is HEAD (the edge answers it).
        for i, (k, v) in enumerate(out):
            allowed = [m.strip() for m in v.decode("latin-1").split(",")]
            if k.lower() == b"allow" and "GET" in allowed and "HEAD" not in allowed:
                out[i] = (k, ", ".join([*allowed, "HEAD"]).encode("latin-1"))
    return out


class HttpEdge:
    """The outermost layer: request limits, ``HEAD``, CORS and security headers (see the module docstring).

    Parameters
    ----------
    app : ASGI app
    max_url_bytes, max_header_bytes, max_headers : int
        Longest URL (path and query string), largest total of the header lines, most header lines.
    """

    def __init__(self, app: ASGIApp, *, max_url_bytes: int, max_header_bytes: int, max_headers: int) -> None:
        self.app = app
        self.max_url_bytes = max_url_bytes
        self.max_header_bytes = max_header_bytes
        self.max_headers = max_headers

    def _refusal(self, scope: Scope) -> ApiError | None:
        url = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b"")) + 1
        if url > self.max_url_bytes:
            return uri_too_long(self.max_url_bytes)
        headers = scope.get("headers", ())
        if len(headers) > self.max_headers:
            return too_many_headers(self.max_headers)
        # Each line as sent: "name: value\r\n".
        if sum(len(k) + len(v) + 4 for k, v in headers) > self.max_header_bytes:
            return headers_too_large(self.max_header_bytes)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"

        async def edge_send(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                message = {**message, "headers": _edge_headers(list(message.get("headers", [])), message["status"])}
            elif head and kind in ("http.response.body", "http.response.pathsend"):
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        refusal = self._refusal(scope)
        if refusal is not None:
            await JSONResponse(refusal.body(), status_code=refusal.status)(scope, receive, edge_send)
            return
        if _is_preflight(scope):
            await _preflight(scope, edge_send)
            return
        # HEAD runs as the GET it mirrors (the routes, the ETag check and the response cache all see a GET);
        # edge_send drops the body and keeps the GET's headers, Content-Length included.
        await self.app({**scope, "method": "GET"} if head else scope, receive, edge_send)


def _is_preflight(scope: Scope) -> bool:
    if scope["method"] != "OPTIONS":
        return False
    names = {k for k, _ in scope.get("headers", ())}
    return b"origin" in names and b"access-control-request-method" in names


async def _preflight(scope: Scope, send: Send) -> None:
    """Answer a CORS preflight: every origin, the read methods, whatever headers were asked for."""
    asked = next((v for k, v in scope.get("headers", ()) if k == b"access-control-request-headers"), b"")
    headers = [
        (b"access-control-allow-methods", CORS_METHODS.encode()),
        (b"access-control-max-age", CORS_MAX_AGE.encode()),
        (b"vary", b"Access-Control-Request-Headers"),
        (b"content-length", b"0"),
    ]
    if asked:
        headers.append((b"access-control-allow-headers", asked))
    # 200 rather than 204: some older clients treat a 204 preflight as a failure.
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


# -- the server side of the limits ---------------------------------------------------------------


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with a JSON 413, before reading them whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                declared = value
                break
        if declared is not None:
            if not declared.isdigit():
                response = error_response(400, "bad_request", "The Content-Length header is not a number.")
                await response(scope, receive, send)
                return
            if int(declared) > self.max_bytes:
                exc = _too_large(self.max_bytes)
                await error_response(413, exc.code, exc.detail, **exc.extra)(scope, receive, send)
                return
        state = {"seen": 0, "over": False, "started": False}

        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["seen"] += len(message.get("body", b""))
                if state["seen"] > self.max_bytes:
                    state["over"] = True
                    raise _too_large(self.max_bytes)
            return message

        async def guarded_send(message: Message) -> None:
            if state["over"]:
                if message["type"] == "http.response.start" and not state["started"]:
                    state["started"] = True
                    exc = _too_large(self.max_bytes)
                    await error_response(413, exc.code, exc.detail, **exc.extra)(scope, _no_body, send)
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not state["over"]:
                raise
            if not state["started"]:
                exc = _too_large(self.max_bytes)
                await error_response(413, exc.code, exc.detail, **exc.extra)(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


class ServerTiming:
    """Add ``Server-Timing: app;dur=<ms>`` (time until the response starts) to responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - started) * 1000
                headers = list(message.get("headers", ()))
                headers.append((b"server-timing", f"app;dur={ms:.1f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, timed_send)


def install_middleware(app: FastAPI, *, max_body_bytes: int) -> None:
    """Install the body cap and the timing header on ``app`` (the edge wraps the whole app: see ``RekgApp``)."""
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(ServerTiming)
