"""The SPARQL 1.1 Protocol endpoint: ``GET`` and ``POST /sparql``, read-only.

Request forms (SPARQL 1.1 Protocol, 2.1): ``GET /sparql?query=...``, ``POST`` with
``application/x-www-form-urlencoded`` (``query=...``) and ``POST`` with
``application/sparql-query`` (the query as the body, dataset parameters in the URL).
``default-graph-uri`` / ``named-graph-uri`` set the dataset; ``format=`` overrides
``Accept``. ``GET /sparql`` without a query returns the service description.

Parameters are decoded exactly once, strictly as UTF-8 (``+`` is a space, ``%2B`` a plus).
The query itself is checked and run by :mod:`rekg.graph.sparql`: the guard resolves relative
IRIs against the endpoint's URL (as the protocol allows, and as Oxigraph's own server does), and
runs off the event loop for all but short queries, so a huge query cannot stall the server.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from rekg.graph.errors import InvalidQuery
from rekg.graph.formats import GRAPH_FORMATS, RESULT_FORMATS
from rekg.graph.sparql.executor import PreparedQuery, QueryExecutor, prepare_query

from ..deps import client_key
from ..errors import ApiError
from ..negotiation import choose_format, offers_for, parse_accept
from ..settings import Settings

__all__ = ["router", "sparql_executor"]

router = APIRouter(prefix="/sparql", tags=["sparql"])

_FORM = "application/x-www-form-urlencoded"
_DIRECT = "application/sparql-query"
_UPDATE = "application/sparql-update"
_MAX_FIELDS = 1000
# Queries up to this many characters are checked on the event loop (2-3 ms at worst, one token per
# character; most queries are this short); longer ones in a thread (bench/guard.py has figures).
_INLINE_GUARD_CHARS = 1_000

_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "query",
        "in": "query",
        "required": False,
        "description": "A SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE); rekg's prefixes are predeclared. "
        "Without it, GET returns the service description.",
        "schema": {"type": "string"},
        "example": "SELECT ?f WHERE { ?f rekg:operator id:lynas }",
    },
    {
        "name": "default-graph-uri",
        "in": "query",
        "required": False,
        "description": "A graph of the store to use as (part of) the default graph; repeatable.",
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
    },
    {
        "name": "named-graph-uri",
        "in": "query",
        "required": False,
        "description": "A graph of the store to make available to GRAPH; repeatable.",
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
    },
    {
        "name": "format",
        "in": "query",
        "required": False,
        "description": f"Override Accept: {', '.join(RESULT_FORMATS)} (SELECT, ASK); {', '.join(GRAPH_FORMATS)} "
        "(CONSTRUCT, DESCRIBE, service description).",
        "schema": {"type": "string"},
    },
]

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The result, in the negotiated format (or the service description).",
        "content": {o.media_type: {} for o in (*offers_for("results"), *offers_for("graph"))},
    },
    400: {
        "description": "Syntax error (with the parser's message and position), update, SERVICE, foreign graph, or an "
        "extension function this endpoint does not implement (unsupported_feature)."
    },
    406: {"description": "Nothing in Accept (or format=) can be produced."},
    413: {"description": "Request body over REKG_MAX_BODY_BYTES, or result over REKG_MAX_ROWS."},
    415: {"description": "POST with a content type other than form-encoded or application/sparql-query."},
    503: {
        "description": "The query ran past REKG_QUERY_TIMEOUT_S or needed more than REKG_QUERY_MEMORY_MB and was "
        "stopped, or every worker stayed busy that long (with Retry-After)."
    },
}


def sparql_executor(app: FastAPI) -> QueryExecutor:
    """The app's query executor, created on first use (the lifespan starts and closes it).

    An app may go through several lifespans (a test client per call): a closed executor is
    replaced by a fresh one.
    """
    executor: QueryExecutor | None = getattr(app.state, "sparql_executor", None)
    if executor is None or executor.closed:
        settings: Settings = app.state.settings
        executor = QueryExecutor(
            app.state.kg,
            timeout_s=settings.query_timeout_s,
            max_rows=settings.max_rows,
            workers=settings.query_workers,
            memory_mb=settings.query_memory_mb,
            netns=settings.query_netns,
        )
        app.state.sparql_executor = executor
    return executor


def _bad(detail: str, **extra: Any) -> ApiError:
    return ApiError(400, "bad_request", detail, **extra)


def _decode_pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    """``a=1&b=2`` bytes to pairs, decoded once, strictly as UTF-8."""
    try:
        text = raw.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=_MAX_FIELDS)
    except UnicodeDecodeError:
        raise _bad(f"The {where} is not valid UTF-8 (percent-encode the query's UTF-8 bytes).") from None
    except ValueError:
        raise _bad(f"The {where} has more than {_MAX_FIELDS} parameters.") from None


def _media(content_type: str) -> tuple[str, dict[str, str]]:
    media, *params = (p.strip() for p in content_type.split(";"))
    options = {}
    for p in params:
        name, _, value = p.partition("=")
        options[name.strip().lower()] = value.strip().strip('"').lower()
    return media.lower(), options


def _check_charset(options: dict[str, str]) -> None:
    charset = options.get("charset")
    if charset not in (None, "utf-8", "utf8"):
        raise ApiError(415, "unsupported_media_type", f"charset={charset} is not supported; send UTF-8.")


async def _read_request(request: Request) -> tuple[dict[str, list[str]], str | None]:
    """All protocol parameters (URL and body), and the query of a direct POST."""
    params: dict[str, list[str]] = {}
    raw_query: bytes = request.scope.get("query_string", b"")
    limit = request.app.state.settings.max_body_bytes
    if len(raw_query) > limit:
        raise ApiError(
            414,
            "uri_too_long",
            f"The URL's query string is longer than {limit} bytes (REKG_MAX_BODY_BYTES); POST long queries "
            "as application/sparql-query instead.",
            limit=limit,
            setting="REKG_MAX_BODY_BYTES",
        )
    for name, value in _decode_pairs(raw_query, "URL query string"):
        params.setdefault(name, []).append(value)
    direct: str | None = None
    if request.method == "POST":
        content_type = request.headers.get("content-type")
        if not content_type:
            raise ApiError(
                415,
                "unsupported_media_type",
                f"A POST needs a Content-Type: {_FORM} (query=...) or {_DIRECT} (the query as the body).",
            )
        media, options = _media(content_type)
        if media == _UPDATE:
            raise ApiError(
                400, "forbidden_query", "This endpoint is read-only: SPARQL Update requests are not accepted."
            )
        if media == _FORM:
            # The body is percent-encoded ASCII whatever charset a client names; the decoded
            # bytes must be UTF-8 (SPARQL 1.1 Protocol 2.1.2), which _decode_pairs checks.
            for name, value in _decode_pairs(await request.body(), "form body"):
                params.setdefault(name, []).append(value)
        elif media == _DIRECT:
            _check_charset(options)
            try:
                direct = (await request.body()).decode("utf-8")
            except UnicodeDecodeError:
                raise _bad("The query is not valid UTF-8.") from None
        else:
            raise ApiError(
                415,
                "unsupported_media_type",
                f"Content-Type {media!r} is not accepted; POST {_FORM} (query=...) or {_DIRECT} (the query as "
                "the body).",
            )
    return params, direct


async def _disconnected(request: Request) -> None:
    """Complete when the client goes away (the body has been read already)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


def _endpoint_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + request.url.path


async def _prepare(
    request: Request, executor: QueryExecutor, query: str, params: dict[str, list[str]]
) -> PreparedQuery:
    """The guard's verdict on ``query``, relative IRIs resolved against this endpoint's URL."""
    check = functools.partial(
        prepare_query,
        executor.kg,
        query,
        default_graph_uris=params.get("default-graph-uri", []),
        named_graph_uris=params.get("named-graph-uri", []),
        base=_endpoint_url(request),
    )
    if len(query) <= _INLINE_GUARD_CHARS:
        return check()
    return await asyncio.to_thread(check)


async def _answer(request: Request) -> Response:
    params, direct = await _read_request(request)
    if "update" in params:
        raise ApiError(
            400, "forbidden_query", "This endpoint is read-only: the update parameter (SPARQL Update) is not accepted."
        )
    queries = params.get("query", [])
    if direct is not None:
        if queries:
            raise _bad("The query is given twice: as the POST body and as a query parameter. Send one.")
        queries = [direct]
    if len(queries) > 1:
        raise _bad(f"{len(queries)} query parameters were given; send exactly one query per request.")
    formats = params.get("format", [])
    accept = request.headers.get("accept")
    executor = sparql_executor(request.app)
    if not queries:
        if request.method == "POST":
            raise _bad("No query: POST query=... (form-encoded) or the query as an application/sparql-query body.")
        if not formats and any(r.type == "text" and r.subtype == "html" and r.q > 0 for r in parse_accept(accept)):
            offer = GRAPH_FORMATS["ttl"]  # a browser: Turtle reads better than RDF/XML
        else:
            offer = choose_format("graph", accept, formats)
        body = executor.describe_service(_endpoint_url(request), offer.key)
        return Response(body, media_type=offer.content_type, headers={"Vary": "Accept"})
    prepared = await _prepare(request, executor, queries[0], params)
    offer = choose_format(prepared.kind, accept, formats)
    watch = asyncio.ensure_future(_disconnected(request))
    try:
        outcome = await executor.run(prepared, offer.key, cancelled=watch, client=client_key(request))
    except InvalidQuery as exc:
        # Oxigraph read the guard's canonical text: report its error where it is in the query as sent.
        raise prepared.relocate(exc) from None
    finally:
        watch.cancel()
    return Response(
        outcome.body,
        media_type=offer.content_type,
        headers={
            "Vary": "Accept",
            "X-Query-Time-Ms": f"{outcome.elapsed_ms:.1f}",
            "X-Result-Count": str(outcome.count),
            "Server-Timing": f"query;dur={outcome.elapsed_ms:.1f}, eval;dur={outcome.eval_ms:.1f}",
        },
    )


@router.get("", response_class=Response, openapi_extra={"parameters": _PARAMETERS}, responses=_RESPONSES)
async def sparql_get(request: Request) -> Response:
    """Run a read-only SPARQL query given as ?query=, or get the service description without one."""
    return await _answer(request)


@router.post(
    "",
    response_class=Response,
    responses=_RESPONSES,
    openapi_extra={
        "parameters": [p for p in _PARAMETERS if p["name"] != "query"],
        "requestBody": {
            "required": True,
            "content": {
                _FORM: {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string"},
                            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "format": {"type": "string"},
                        },
                        "required": ["query"],
                    }
                },
                _DIRECT: {"schema": {"type": "string"}},
            },
        },
    },
)
async def sparql_post(request: Request) -> Response:
    """Run a read-only SPARQL query sent form-encoded (query=...) or as an application/sparql-query body."""
    return await _answer(request)
