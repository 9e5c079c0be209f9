"""One JSON error shape, ``{"error", "detail"}``, for every failure of the HTTP API."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from rekg.graph import errors as ge
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = ["STATUS", "ApiError", "install_error_handlers"]

log = logging.getLogger("rekg.api")


class ApiError(ge.RekgError):
    """An error raised by the HTTP layer itself (negotiation, body size...)."""

    def __init__(
        self, status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: object
    ) -> None:
        super().__init__(detail, **extra)
        self.status = status
        self.code = code
        self.headers = headers

    def body(self) -> dict[str, object]:
        """The JSON body of this error, as every endpoint sends it."""
        return error_body(self.code, self.detail, **self.extra)


#: HTTP status of each core error; the most specific class wins.
STATUS: dict[type[ge.RekgError], int] = {
    ge.NodeNotFound: 404,
    ge.AmbiguousName: 409,
    ge.InvalidParameter: 422,
    ge.InvalidQuery: 400,
    ge.ForbiddenQuery: 400,
    ge.QueryTimeout: 503,
    ge.QueryWorkersBusy: 503,
    ge.QueryMemoryExceeded: 503,
    ge.ResultTooLarge: 413,
    ge.UnsupportedFeature: 400,
    ge.UnsupportedFormat: 406,
    ge.UnsupportedMediaType: 415,
    ge.SeedError: 422,
    ge.SheetError: 422,
    ge.SourceConflict: 409,
    ge.CuratedEntityConflict: 409,
    ge.StoreUnavailable: 502,
}


def status_of(exc: ge.RekgError) -> int:
    if isinstance(exc, ApiError):
        return exc.status
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_body(code: str, detail: str, **extra: object) -> dict[str, object]:
    """The one JSON error shape: ``{"error", "detail"}`` and whatever else helps (unset values left out)."""
    body: dict[str, object] = {"error": code, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def error_response(status: int, code: str, detail: str, headers: dict | None = None, **extra: object) -> JSONResponse:
    return JSONResponse(error_body(code, detail, **extra), status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception to the one JSON error shape."""

    @app.exception_handler(ge.RekgError)
    async def _rekg(_: Request, exc: ge.RekgError) -> JSONResponse:
        headers = getattr(exc, "headers", None)
        if isinstance(exc, ge.QueryWorkersBusy):
            headers = {**(headers or {}), "Retry-After": str(exc.retry_after_s)}
        return error_response(status_of(exc), exc.code, exc.detail, headers=headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"parameter": ".".join(str(p) for p in e.get("loc", ())[1:]) or None, "message": e.get("msg")}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{p['parameter']}: {p['message']}" for p in problems)
        return error_response(422, "invalid_parameter", detail or "invalid request", problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            404: "not_found",
            405: "method_not_allowed",
            413: "body_too_large",
            414: "uri_too_long",
            431: "headers_too_large",
        }.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = "No such endpoint; see /docs for the API."
        return error_response(exc.status_code, code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "An unexpected error occurred; this is a bug in rekg.")
