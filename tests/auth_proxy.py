"""A loopback reverse proxy that lets a request through to a SPARQL server only with the right credentials.

It stands in for the gateway of a managed engine (GraphDB, Stardog, Neptune behind a proxy) in
front of a real server: requests whose ``Authorization`` header is one of ``accepted`` are
forwarded; one of ``read_only`` may query but gets a 403 on the update endpoint, with a body
that quotes the header it was sent (as careless servers do, to prove rekg does not repeat it);
anything else gets a 401 with a ``WWW-Authenticate`` challenge. Every header seen is recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

__all__ = ["AuthProxy"]

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"}


class AuthProxy:
    """Run the proxy in a thread of this process, on 127.0.0.1 and a free port.

    Parameters
    ----------
    upstream : str
        The server's base URL, e.g. ``http://127.0.0.1:7878``; paths are kept.
    accepted : iterable of str
        ``Authorization`` header values allowed to query and update.
    read_only : iterable of str
        Header values allowed to query only.
    """

    def __init__(self, upstream: str, accepted: Iterable[str], read_only: Iterable[str] = ()) -> None:
        self.upstream = upstream.rstrip("/")
        self.accepted = set(accepted)
        self.read_only = set(read_only)
        #: (path, Authorization header or None) of every request, in order.
        self.seen: list[tuple[str, str | None]] = []
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=60)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="auth-proxy", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> AuthProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
        self._client.close()

    def __enter__(self) -> AuthProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                auth = self.headers.get("Authorization")
                with proxy._lock:
                    proxy.seen.append((self.path, auth))
                    accepted, read_only = auth in proxy.accepted, auth in proxy.read_only
                if not (accepted or read_only):
                    self._answer(
                        401,
                        b"authentication required\n",
                        {
                            "WWW-Authenticate": 'Bearer realm="sparql", Basic realm="sparql"',
                            "Content-Type": "text/plain",
                        },
                    )
                    return
                if read_only and not accepted and self.path.split("?")[0].endswith("/update"):
                    self._answer(403, f"{auth} may only read\n".encode(), {"Content-Type": "text/plain"})
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"authorization"}}
                r = proxy._client.request(self.command, proxy.upstream + self.path, content=body, headers=headers)
                out = {k: v for k, v in r.headers.items() if k.lower() not in _HOP_BY_HOP | {"content-encoding"}}
                self._answer(r.status_code, r.content, out)

            do_GET = do_POST = _forward

        return Handler
