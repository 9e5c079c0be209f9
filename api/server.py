"""How ``rekg serve`` runs uvicorn: an HTTP protocol that bounds request heads before the app sees them.

The app answers a URL over ``REKG_MAX_URL_BYTES`` with a JSON 414 and headers over
``REKG_MAX_HEADER_BYTES`` or ``REKG_MAX_HEADERS`` with a JSON 431 (:class:`rekg.api.middleware.HttpEdge`).
A client that sends far more must not cost the server seconds of buffering: uvicorn's httptools
protocol grows a header line by concatenation, so a 200 MB header took 41 s and stalled every other
client. :func:`limited_http_protocol` counts request-head bytes, URL bytes and header lines as they
arrive and, at twice the app's limits, sends the same JSON and closes the connection.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from typing import Any

from rekg.graph import KnowledgeGraph

from .errors import ApiError
from .middleware import headers_too_large, too_many_headers, uri_too_long

__all__ = ["ServerLimits", "limited_http_protocol", "prepare"]

log = logging.getLogger(__name__)


#: Graphs up to this many quads get their shared indexes computed at start (the seeds: under a
#: second; 100k triples: a few seconds); on bigger ones that takes minutes (the supply network of
#: 1M triples: 32 s), so they are left to their first caller.
PREPARE_MAX_QUADS = 100_000


def prepare(kg: KnowledgeGraph) -> None:
    """Get a served graph ready for its first requests, and out of the garbage collector's way.

    `rekg serve` runs it before it listens and forks its workers (not in a thread beside them:
    a worker forked while another thread imports a module waits for that import forever). On a
    graph of up to :data:`PREPARE_MAX_QUADS` quads the indexes most answers share (names, search, events,
    the supply network) are computed now, so the first callers find them ready; after a write
    they are recomputed before the write is published (:meth:`~rekg.graph.kg.KnowledgeGraph.writing`).

    Then everything alive is frozen (:func:`gc.freeze`): the cyclic collector stops scanning
    objects that live as long as the server. Under writes, a full collection over them took
    100-170 ms with every thread stopped, which was most of the slowest answers' time.
    """
    from rekg.graph.answers import measures_in_force, search
    from rekg.graph.network import centrality

    try:
        # A store read from its files is over the memory-mirror limit (1M quads by default): not counted.
        if not kg.store.workers_read_files and sum(kg.store.graphs().values()) <= PREPARE_MAX_QUADS:
            search(kg, "rare earth")
            measures_in_force(kg)
            centrality(kg, metric="degree", top=1)
    except Exception as exc:  # only a head start: the first caller meets the same problem and is told
        log.warning("rekg: the shared indexes were not prepared at start (%s: %s)", type(exc).__name__, exc)
    gc.collect()
    gc.freeze()


class ServerLimits:
    """What the HTTP server itself lets through to the app: about twice the app's own limits.

    Between the app's limit and this one, the app answers (a JSON 414 or 431 on a connection that
    stays open, with the edge's headers); past it, the server refuses the request itself, with the
    same JSON, and closes the connection, so an oversized head is never buffered whole.
    """

    #: httptools cannot parse a longer URL (its offsets are 16-bit).
    HTTPTOOLS_MAX_URL = 65_535

    def __init__(self, *, max_url_bytes: int, max_header_bytes: int, max_headers: int) -> None:
        # The settings, which the refusals name (the cut-offs are the server's business).
        self.max_url_bytes = max_url_bytes
        self.max_header_bytes = max_header_bytes
        self.max_headers = max_headers
        self.url_bytes = min(2 * max_url_bytes, self.HTTPTOOLS_MAX_URL)
        self.header_bytes = 2 * max_header_bytes
        self.headers = 2 * max_headers

    @property
    def head_bytes(self) -> int:
        """The request line and headers together (h11's ``max_incomplete_event_size``)."""
        return self.url_bytes + self.header_bytes


class _HeadRefused(Exception):
    """Raised in a parser callback to stop parsing a request head that is over a limit."""


#: After refusing a request head, the server reads and drops what the client still sends for this long
#: (or this much), so the client can read the refusal before the connection closes.
LINGER_S = 1.0
LINGER_BYTES = 4 << 20


def limited_http_protocol(limits: ServerLimits) -> type[asyncio.Protocol] | None:
    """uvicorn's httptools protocol that refuses request heads over ``limits`` (``None`` without httptools).

    httptools buffers a header line whole, growing it by concatenation, before handing it over:
    a 200 MB line took 41 s and held the event loop. This protocol counts the bytes of a request
    head as they arrive and answers as soon as the head passes the limit (JSON 414 for the URL,
    431 for the headers), then closes the connection. It also bounds the number of header lines.
    """
    try:
        from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
    except ImportError:  # uvicorn without its [standard] extra: the caller falls back to h11's size cap
        return None

    class LimitedHttpToolsProtocol(HttpToolsProtocol):
        """:class:`HttpToolsProtocol` with bounded request heads."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._in_head = True
            self._head_bytes = 0
            self._url_bytes = 0
            self._header_lines = 0
            self._refusal: ApiError | None = None
            self._refused = False
            self._dropped = 0

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head = True
            self._head_bytes = self._url_bytes = self._header_lines = 0

        def on_url(self, url: bytes) -> None:
            self._url_bytes += len(url)
            if self._url_bytes > limits.url_bytes:
                self._refusal = uri_too_long(limits.max_url_bytes)
                raise _HeadRefused
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._header_lines += 1
            if self._header_lines > limits.headers:
                self._refusal = too_many_headers(limits.max_headers)
                raise _HeadRefused
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

        def data_received(self, data: bytes) -> None:
            if self._refused:
                # Lingering after a refusal: drop what still comes, up to a bound.
                self._dropped += len(data)
                if self._dropped > LINGER_BYTES:
                    self.transport.close()
                return
            super().data_received(data)
            if self._refused or not self._in_head:
                return
            # Still inside a head: all of this chunk belongs to it (at most the tail of an earlier body is
            # counted too, which only makes the cut a little early). A header line is not handed over until
            # it ends, so this count is what bounds one huge line.
            self._head_bytes += len(data)
            if self._head_bytes - self._url_bytes > limits.header_bytes:
                self._refusal = headers_too_large(limits.max_header_bytes)
                self._refuse()

        def send_400_response(self, msg: str) -> None:
            # A callback that raised _HeadRefused surfaces as a parser error: answer with its refusal instead.
            if self._refusal is None:
                super().send_400_response(msg)
            else:
                self._refuse()

        def _refuse(self) -> None:
            assert self._refusal is not None
            payload = json.dumps(self._refusal.body(), separators=(",", ":")).encode()
            content = [STATUS_LINE[self._refusal.status]]
            for name, value in self.server_state.default_headers:
                content.extend([name, b": ", value, b"\r\n"])
            content.extend(
                [
                    b"content-type: application/json\r\n",
                    b"content-length: " + str(len(payload)).encode("ascii") + b"\r\n",
                    b"connection: close\r\n",
                    b"access-control-allow-origin: *\r\n",
                    b"x-content-type-options: nosniff\r\n",
                    b"\r\n",
                    payload,
                ]
            )
            self.transport.write(b"".join(content))
            self._refused = True
            self.logger.warning("%s: request refused, %s", self.client, self._refusal.detail)
            # Half-close: the client sees the answer and the end of it, while what it is still sending is
            # read and dropped for a moment; closing with unread data at once would reset the connection and
            # could destroy the answer before the client reads it.
            if self.transport.can_write_eof():
                self.transport.write_eof()
            self.loop.call_later(LINGER_S, self.transport.close)

    return LimitedHttpToolsProtocol


# -- body cap and timing -----------------------------------------------------------------------------
