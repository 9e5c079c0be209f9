"""ETag and If-None-Match on exports and entity pages."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rekg.api.app import create_app
from rekg.api.settings import Settings
from rekg.graph.io.load import open_graph
from rekg.graph.store import open_store


@pytest.fixture
def own_client() -> TestClient:
    """An app over its own writable in-memory graph."""
    kg = open_graph(open_store("memory"), validate_shapes=False)
    with TestClient(create_app(Settings(), kg)) as c:
        c.kg = kg
        yield c


@pytest.mark.parametrize("path", ["/export/nq", "/export/ttl", "/entities/dysprosium"])
def test_etag_then_304(client: TestClient, path: str) -> None:
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "no-cache"
    assert "Accept" in first.headers["vary"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    # Weak form and lists match too (RFC 9110 weak comparison).
    assert client.get(path, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_etag_depends_on_path_and_accept(client: TestClient) -> None:
    nq = client.get("/export/nq").headers["etag"]
    ttl = client.get("/export/ttl").headers["etag"]
    assert nq != ttl
    assert client.get("/export/ttl", headers={"If-None-Match": nq}).status_code == 200
    html = client.get("/entities/dysprosium", headers={"Accept": "text/html"})
    js = client.get("/entities/dysprosium", headers={"Accept": "application/json"})
    assert html.status_code == js.status_code == 200
    assert html.headers["etag"] != js.headers["etag"]


def test_errors_and_other_routes_get_no_etag(client: TestClient) -> None:
    missing = client.get("/entities/no-such-thing-at-all")
    assert missing.status_code == 404 and "etag" not in missing.headers
    assert "etag" not in client.get("/healthz").headers
    bad = client.get("/export/nope")
    assert bad.status_code >= 400 and "etag" not in bad.headers


def test_a_write_changes_the_etag(own_client: TestClient) -> None:
    first = own_client.get("/export/nq")
    etag = first.headers["etag"]
    g = "https://example.org/extra"
    q = ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("new"))
    own_client.kg.store.replace_graph(g, [q])
    after = own_client.get("/export/nq", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    assert b'"new"' in after.content


def test_tags_do_not_survive_a_restart() -> None:
    # Versions start again at 0 in a new process; the per-app id keeps old tags from matching.
    kg = open_graph(open_store("memory"), validate_shapes=False)
    with TestClient(create_app(Settings(), kg)) as a, TestClient(create_app(Settings(), kg)) as b:
        assert a.get("/export/nq").headers["etag"] != b.get("/export/nq").headers["etag"]


# --- the GET /sparql response cache ----------------------------------------------------------

Q = "SELECT ?c WHERE { ?c a rekg:Country } ORDER BY ?c"


def test_sparql_answers_are_replayed_until_the_graph_changes(own_client: TestClient) -> None:
    first = own_client.get("/sparql", params={"query": Q})
    assert first.status_code == 200 and first.headers["x-rekg-cache"] == "miss"
    again = own_client.get("/sparql", params={"query": Q})
    assert again.headers["x-rekg-cache"] == "hit"
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    # Another representation is another entry.
    csv = own_client.get("/sparql", params={"query": Q}, headers={"Accept": "text/csv"})
    assert csv.headers["x-rekg-cache"] == "miss" and csv.content != first.content
    # A write makes every entry stale.
    g = "https://example.org/extra"
    country = ox.Quad(
        ox.NamedNode("https://example.org/atlantis"),
        ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode("https://w3id.org/rekg/ontology#Country"),
    )
    own_client.kg.store.replace_graph(g, [country])
    after = own_client.get("/sparql", params={"query": Q})
    assert after.headers["x-rekg-cache"] == "miss"
    assert b"atlantis" in after.content


def test_errors_and_posts_are_not_cached(own_client: TestClient) -> None:
    for _ in range(2):
        bad = own_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
        assert bad.status_code == 400 and bad.headers.get("x-rekg-cache") != "hit"
    for _ in range(2):
        posted = own_client.post("/sparql", data={"query": Q})
        assert posted.status_code == 200 and "x-rekg-cache" not in posted.headers


def test_the_cache_key_holds_host_and_coding_but_not_origin(own_client: TestClient) -> None:
    query = Q + " # key"
    assert own_client.get("/sparql", params={"query": query}).headers["x-rekg-cache"] == "miss"
    # Origin changes nothing in the answer (CORS is * for everyone), so it is a hit, with CORS.
    with_origin = own_client.get("/sparql", params={"query": query}, headers={"Origin": "https://a.example"})
    assert with_origin.headers["x-rekg-cache"] == "hit"
    assert with_origin.headers["access-control-allow-origin"] == "*"
    # The endpoint URL comes from Host; another host, another entry.
    other_host = own_client.get("/sparql", params={"query": query}, headers={"Host": "other.example"})
    assert other_host.headers["x-rekg-cache"] == "miss"
    # Compressed and plain bodies are kept apart.
    plain = own_client.get("/sparql", params={"query": query}, headers={"Accept-Encoding": "identity"})
    assert plain.headers["x-rekg-cache"] == "miss"


def test_the_service_description_is_not_cached(own_client: TestClient) -> None:
    for params in ({}, {"xquery": "1"}, {"query": ""}):
        r = own_client.get("/sparql", params=params)
        assert "x-rekg-cache" not in r.headers, params


@pytest.mark.parametrize(
    ("query", "volatile"),
    [
        ("SELECT (NOW() AS ?t) {}", True),
        ("select (Rand ( ) as ?r) {}", True),
        ("SELECT (STRUUID() AS ?u) {}", True),
        ("SELECT (uuid() AS ?u) {}", True),
        ("SELECT (BNODE() AS ?b) {}", True),
        ("SELECT (NOW # comment\n() AS ?t) {}", True),
        ("SELECT (\\u004EOW() AS ?t) {}", True),
        (Q, False),
        ("SELECT ?s { ?s rekg:knownAs ?o }", False),
    ],
)
def test_answers_that_change_between_evaluations_are_not_kept(
    own_client: TestClient, query: str, volatile: bool
) -> None:
    from rekg.api.caching import volatile as is_volatile

    assert is_volatile(query) is volatile
    if volatile:
        for _ in range(2):
            assert "x-rekg-cache" not in own_client.get("/sparql", params={"query": query}).headers


def test_an_etag_names_one_content_coding(client: TestClient) -> None:
    plain = client.get("/export/ttl", headers={"Accept-Encoding": "identity"})
    zipped = client.get("/export/ttl", headers={"Accept-Encoding": "gzip"})
    assert plain.headers["etag"] != zipped.headers["etag"]
    assert zipped.headers["content-encoding"] == "gzip" and zipped.content == plain.content
    assert client.get("/export/ttl", headers={"If-None-Match": plain.headers["etag"]}).status_code == 200
