"""ASGI middleware of the app: the request-body cap, a Server-Timing header, and CORS.

All of it is plain ASGI (no ``BaseHTTPMiddleware``), so it adds next to nothing per request.

* :class:`BodyLimit` refuses a body larger than ``REKG_MAX_BODY_BYTES`` with 413: at once
  when ``Content-Length`` says so, otherwise while the body streams in (chunked uploads),
  without ever holding more than the limit. If the route was already reading the body, its
  answer is replaced by the 413, so every route gets the same behaviour whatever it does
  with a failed read.
* :class:`ServerTiming` adds ``Server-Timing: app;dur=<ms>`` to every response.
* CORS is open to every origin for GET and POST, without credentials, and exposes the
  timing headers to scripts.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from .errors import ApiError, error_response

__all__ = ["BodyLimit", "ServerTiming", "install_middleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BODY_SETTING = "REKG_MAX_BODY_BYTES"


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "body_too_large",
        f"The request body is larger than {limit} bytes. Send a shorter request, or raise {BODY_SETTING}.",
        limit=limit,
        setting=BODY_SETTING,
    )


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
    """Install the body cap, the timing header and CORS (outermost) on ``app``."""
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(ServerTiming)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST"],
        allow_headers=["*"],
        allow_credentials=False,
        expose_headers=["X-Query-Time-Ms", "Server-Timing", "X-Result-Count"],
        max_age=600,
    )
