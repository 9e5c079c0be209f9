"""What hostile testing found at the HTTP layer (issue 15, findings 4, 10, 11, 12 and 14), through a real
`rekg serve` on 127.0.0.1, and the same rules in process where a real server cannot show them (a 500).

* Oversized request heads: one 200 MB header line and 20,000 header lines are cut off at once with a
  JSON 431 while ``/healthz`` keeps answering fast; headers just over the app's limits get a JSON 431
  from the app; a 100 kB query string gets the JSON 414 the README promises (not uvicorn's plain 400).
* CORS on every answer: replayed from the response cache, a 304, a 431/414, a 500.
* The response cache keys on what the answer depends on (``Host``) and keeps no answer of ``NOW()``,
  ``RAND()`` and the like.
* ``HEAD`` wherever ``GET`` works; security headers on HTML; gzip for large answers.

Every attack is bounded in size and time and sent only to the loopback server this module starts.
"""

from __future__ import annotations

import gzip
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from http.client import HTTPConnection
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from rekg.api.app import create_app
from rekg.api.settings import Settings
from rekg.graph import KnowledgeGraph

from tests.serverutil import Server, running_server

#: GET routes without path parameters, and some with (filled in), that HEAD must mirror.
GET_PATHS = [
    "/healthz",
    "/",
    "/sparql",
    "/sparql?query=ASK%20%7B%7D",
    "/entities/lynas",
    "/export/ttl",
    "/static/app.js",
    "/static/vendor/swagger-ui.css",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/suppliers?material=Dy",
]
LYNAS = "SELECT ?f WHERE { ?f rekg:operator id:lynas } ORDER BY ?f"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running_server([], {"REKG_VALIDATE_SEEDS": "false", "REKG_QUERY_WORKERS": "1"}, timeout=120) as s:
        yield s


@pytest.fixture(scope="module")
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def _port(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def _json_error(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["error"] == code and body["detail"], body
    assert r.headers["access-control-allow-origin"] == "*"
    return body


class HealthProbe:
    """Times ``GET /healthz``, each on a new connection, every 20 ms while an attack runs, in a thread."""

    def __init__(self, server: Server) -> None:
        self.port = _port(server)
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="healthz-probe", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            conn = HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                conn.request("GET", "/healthz")
                r = conn.getresponse()
                r.read()
                if r.status != 200:
                    self.failures.append(f"status {r.status}")
            except OSError as exc:
                self.failures.append(repr(exc))
            finally:
                conn.close()
            self.latencies.append(time.monotonic() - started)
            self._stop.wait(0.02)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        time.sleep(0.1)
        return self

    def __exit__(self, *_: object) -> None:
        deadline = time.monotonic() + 5
        while len(self.latencies) < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        self._stop.set()
        self._thread.join(35)

    def report(self, attack: str) -> float:
        assert not self.failures, self.failures
        worst = max(self.latencies)
        print(
            f"\n/healthz during {attack}: {len(self.latencies)} probes, median "
            f"{statistics.median(self.latencies) * 1000:.1f} ms, max {worst * 1000:.1f} ms"
        )
        return worst


class RawExchange:
    """One request sent over a raw socket while a thread reads the answer (so it is read even if the
    server closes the connection on a client that is still sending)."""

    def __init__(self, server: Server) -> None:
        self.sock = socket.create_connection(("127.0.0.1", _port(server)))
        self.answer = b""
        self.answered_at: float | None = None
        self._reader = threading.Thread(target=self._read, name="raw-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        self.sock.settimeout(20)
        try:
            while chunk := self.sock.recv(65536):
                if self.answered_at is None:
                    self.answered_at = time.monotonic()
                self.answer += chunk
        except OSError:
            pass  # reset once the server stopped reading: the answer came before

    def send(self, *parts: bytes) -> int:
        """Send ``parts`` until the server stops taking them; the bytes it took."""
        sent = 0
        try:
            for part in parts:
                self.sock.sendall(part)
                sent += len(part)
        except OSError:
            pass
        return sent

    def finish(self) -> tuple[int, bytes]:
        self._reader.join(20)
        self.sock.close()
        head, _, body = self.answer.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1]) if head else 0
        return status, body


# -- oversized request heads ------------------------------------------------------------------


def test_a_200_mb_header_is_cut_off_at_once_and_healthz_stays_fast(server: Server) -> None:
    chunk = b"a" * (1 << 20)
    with HealthProbe(server) as probe:
        exchange = RawExchange(server)
        started = time.monotonic()
        # 200 MiB at most; the server stops reading long before.
        sent = exchange.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ", *([chunk] * 200))
        status, body = exchange.finish()
    assert status == 431, exchange.answer[:300]
    assert b'"headers_too_large"' in body and b"REKG_MAX_HEADER_BYTES" in body
    assert exchange.answered_at is not None and exchange.answered_at - started < 2.0
    assert sent < 50 << 20, f"the server read {sent} bytes of a refused head"
    assert probe.report("a 200 MB header") < 1.0


def test_twenty_thousand_headers_are_refused_and_healthz_stays_fast(server: Server) -> None:
    lines = b"".join(b"X-H%d: %d\r\n" % (i, i) for i in range(20_000))
    with HealthProbe(server) as probe:
        exchange = RawExchange(server)
        started = time.monotonic()
        exchange.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", lines, b"\r\n")
        status, body = exchange.finish()
    assert status == 431 and b'"headers_too_large"' in body
    assert exchange.answered_at is not None and exchange.answered_at - started < 2.0
    assert probe.report("20,000 headers") < 1.0


def test_headers_over_the_apps_limits_get_its_json_431(http: httpx.Client) -> None:
    many = _json_error(http.get("/healthz", headers=[(f"x-h{i}", "1") for i in range(150)]), 431, "headers_too_large")
    assert many["setting"] == "REKG_MAX_HEADERS" and many["limit"] == 100
    big = _json_error(http.get("/healthz", headers={"x-big": "a" * 40_000}), 431, "headers_too_large")
    assert big["setting"] == "REKG_MAX_HEADER_BYTES"
    # The connection is still good for the next request.
    assert http.get("/healthz").status_code == 200


@pytest.mark.parametrize("size", [40_000, 100_000, 1_000_000])
def test_a_long_query_string_gets_the_json_414(server: Server, size: int) -> None:
    # httpx refuses to build URLs this long, as most clients do; http.client sends what it is given.
    conn = HTTPConnection("127.0.0.1", _port(server), timeout=30)
    try:
        conn.request("GET", "/sparql?query=" + quote("ASK {" + " " * size + "}"))
        r = conn.getresponse()
        body = r.read()
    except (BrokenPipeError, ConnectionResetError):  # pragma: no cover - the answer came first
        pytest.fail("the server reset the connection instead of answering 414")
    finally:
        conn.close()
    assert r.status == 414 and r.getheader("content-type").startswith("application/json")
    assert b'"uri_too_long"' in body and b"REKG_MAX_URL_BYTES" in body and b"POST" in body
    assert r.getheader("access-control-allow-origin") == "*"


# -- CORS on every answer ---------------------------------------------------------------------


def test_a_cached_answer_keeps_cors_whoever_asked_first(http: httpx.Client) -> None:
    query = LYNAS + " # cors-first-without-origin"
    first = http.get("/sparql", params={"query": query})
    assert first.status_code == 200 and first.headers["x-rekg-cache"] == "miss"
    again = http.get("/sparql", params={"query": query}, headers={"Origin": "https://yasgui.example"})
    assert again.headers["x-rekg-cache"] == "hit"
    assert again.headers["access-control-allow-origin"] == "*"
    assert "x-result-count" in again.headers["access-control-expose-headers"].lower()
    assert again.content == first.content


def test_a_304_carries_cors(http: httpx.Client) -> None:
    first = http.get("/export/nq")
    assert first.status_code == 200
    again = http.get("/export/nq", headers={"If-None-Match": first.headers["etag"], "Origin": "https://x.example"})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["access-control-allow-origin"] == "*"
    assert again.headers["x-content-type-options"] == "nosniff"


def test_a_preflight_is_answered_for_every_origin(http: httpx.Client) -> None:
    pre = http.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-custom",
        },
    )
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "*"
    assert {"GET", "HEAD", "POST"} <= {m.strip() for m in pre.headers["access-control-allow-methods"].split(",")}
    assert pre.headers["access-control-allow-headers"] == "content-type, x-custom"
    assert "access-control-allow-credentials" not in pre.headers


def test_a_500_carries_cors_and_the_json_shape(kg: KnowledgeGraph) -> None:
    # No route of a healthy server fails; a route made to fail shows what any bug would answer.
    app = create_app(Settings(), kg)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/boom", headers={"Origin": "https://x.example"})
    assert r.status_code == 500 and r.json()["error"] == "internal_error"
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["x-content-type-options"] == "nosniff"


# -- the response cache keys on what the answer depends on -------------------------------------


def test_a_service_description_for_a_spoofed_host_is_not_replayed(http: httpx.Client, server: Server) -> None:
    spoofed = http.get("/sparql", headers={"Host": "evil.example"})
    assert spoofed.status_code == 200 and b"evil.example" in spoofed.content
    mine = http.get("/sparql")
    assert b"evil.example" not in mine.content and server.url.encode() in mine.content
    # A query answer is keyed on Host too: another host is another entry.
    query = LYNAS + " # keyed-on-host"
    assert (
        http.get("/sparql", params={"query": query}, headers={"Host": "evil.example"}).headers["x-rekg-cache"] == "miss"
    )
    assert http.get("/sparql", params={"query": query}).headers["x-rekg-cache"] == "miss"
    assert http.get("/sparql", params={"query": query}).headers["x-rekg-cache"] == "hit"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (NOW() AS ?t) {}",
        "SELECT (rand() AS ?r) {}",
        "SELECT (STRUUID() AS ?u) {}",
        "SELECT (UUID() AS ?u) {}",
        "SELECT (BNODE() AS ?b) {}",
        "SELECT (now # a comment\n () AS ?t) {}",
    ],
)
def test_answers_that_change_between_evaluations_are_not_cached(http: httpx.Client, query: str) -> None:
    answers = [http.get("/sparql", params={"query": query}) for _ in range(2)]
    for r in answers:
        assert r.status_code == 200, r.text
        assert "x-rekg-cache" not in r.headers


def test_random_answers_really_differ(http: httpx.Client) -> None:
    values = {http.get("/sparql", params={"query": "SELECT (STRUUID() AS ?u) {}"}).text for _ in range(3)}
    assert len(values) == 3


# -- HEAD, security headers, gzip -------------------------------------------------------------


@pytest.mark.parametrize("path", GET_PATHS)
def test_head_mirrors_get_without_a_body(server: Server, path: str) -> None:
    conn = HTTPConnection("127.0.0.1", _port(server), timeout=30)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": "identity"})
        got = conn.getresponse()
        got_body = got.read()
        conn.request("HEAD", path, headers={"Accept-Encoding": "identity"})
        head = conn.getresponse()
        head_body = head.read()
    finally:
        conn.close()
    assert got.status == 200, got_body[:300]
    assert head.status == 200 and head_body == b""
    assert head.getheader("content-type") == got.getheader("content-type")
    if got.getheader("content-length") is not None and path not in ("/", "/docs", "/redoc", "/sparql"):
        assert int(head.getheader("content-length")) == len(got_body)


def test_head_on_every_get_route_of_the_app(client: TestClient) -> None:
    """Every GET route without path parameters answers HEAD as it answers GET (in process)."""
    from tests.api.test_error_shape import routes

    checked = 0
    for path, methods in routes(client.app):
        if "GET" not in methods or "{" in path:
            continue
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path
        checked += 1
    assert checked >= 10


def test_a_405_names_head_beside_get(http: httpx.Client) -> None:
    refused = http.request("PUT", "/healthz")
    assert refused.status_code == 405
    assert {m.strip() for m in refused.headers["allow"].split(",")} == {"GET", "HEAD"}


@pytest.mark.parametrize("path", ["/", "/entities/lynas-malaysia", "/docs", "/redoc"])
def test_html_pages_send_the_security_headers(http: httpx.Client, path: str) -> None:
    r = http.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-eval'" not in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"


def test_json_answers_are_nosniff(http: httpx.Client) -> None:
    r = http.get("/healthz")
    assert r.headers["x-content-type-options"] == "nosniff" and "content-security-policy" not in r.headers


def test_large_answers_are_gzipped_for_clients_that_take_it(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        plain = client.get("/export/ttl", headers={"Accept-Encoding": "identity"})
        assert plain.status_code == 200 and "content-encoding" not in plain.headers
        with client.stream("GET", "/export/ttl", headers={"Accept-Encoding": "gzip"}) as zipped:
            raw = b"".join(zipped.iter_raw())
            assert zipped.headers["content-encoding"] == "gzip"
            assert "Accept-Encoding" in zipped.headers["vary"]
        assert gzip.decompress(raw) == plain.content and len(raw) < len(plain.content) / 3
        # Each coding has its own tag, and the 304 works for both.
        tag = zipped.headers["etag"]
        assert tag != plain.headers["etag"]
        assert client.get("/export/ttl", headers={"If-None-Match": tag, "Accept-Encoding": "gzip"}).status_code == 304
        # Small answers are not worth it.
        assert "content-encoding" not in client.get("/healthz", headers={"Accept-Encoding": "gzip"}).headers
        # A cached SPARQL answer is replayed compressed.
        query = LYNAS.replace("?f", "?facility") + " # gzip"
        for expected in ("miss", "hit"):
            r = client.get(
                "/sparql", params={"query": query}, headers={"Accept-Encoding": "gzip", "Accept": "text/csv"}
            )
            assert r.headers["x-rekg-cache"] == expected and r.text.startswith("facility")
