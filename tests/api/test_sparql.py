"""The SPARQL endpoint through the real app (TestClient): request forms, decoding, negotiation,
errors, limits, CORS and the service description. The same points through a real uvicorn
server, with real clients, are in ``test_protocol_server.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Namespace
from rekg.api.app import create_app
from rekg.api.settings import Settings
from rekg.graph import KnowledgeGraph

SELECT_LYNAS = "SELECT ?f WHERE { ?f rekg:operator id:lynas } ORDER BY ?f"
CONSTRUCT_LYNAS = "CONSTRUCT { ?f rekg:operator id:lynas } WHERE { ?f rekg:operator id:lynas }"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DIRECT = {"content-type": "application/sparql-query"}


def is_error(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) >= {"error", "detail"} and body["detail"]
    if code:
        assert body["error"] == code
    return body


def bindings(r) -> list[dict]:
    assert r.status_code == 200, r.text
    return r.json()["results"]["bindings"]


@pytest.fixture(scope="module")
def limited(kg: KnowledgeGraph) -> Iterator[TestClient]:
    """The app with tight limits: 3 rows, 1 s, 2 KB bodies, 1 worker."""
    settings = Settings(max_rows=3, query_timeout_s=1.0, max_body_bytes=2000, query_workers=1)
    with TestClient(create_app(settings, kg)) as c:
        yield c


# -- the three request forms ------------------------------------------------------------------


def test_get_form_urlencoded_post_and_direct_post_give_the_same_answer(client: TestClient) -> None:
    get = client.get("/sparql", params={"query": SELECT_LYNAS})
    form = client.post("/sparql", data={"query": SELECT_LYNAS})
    direct = client.post("/sparql", content=SELECT_LYNAS.encode(), headers=DIRECT)
    assert get.status_code == form.status_code == direct.status_code == 200
    assert get.content == form.content == direct.content
    assert bindings(get), "the seeds should have facilities operated by Lynas"


def test_direct_post_accepts_an_explicit_utf8_charset(client: TestClient) -> None:
    r = client.post("/sparql", content="ASK {}", headers={"content-type": "application/sparql-query; charset=UTF-8"})
    assert r.status_code == 200 and r.json()["boolean"] is True


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (b"query=SELECT+%28%22a%2Bb%22+AS+%3Fx%29+%7B%7D", "a+b"),  # %2B is a plus
        (b"query=SELECT+%28%22a+b%22+AS+%3Fx%29+%7B%7D", "a b"),  # + is a space
        (b"query=SELECT+%28%22100%2525%22+AS+%3Fx%29+%7B%7D", "100%25"),  # decoded once, not twice
        ('query=SELECT ("Dy 镝" AS ?x) {}'.encode(), "Dy 镝"),  # raw UTF-8 in a form body
    ],
)
def test_form_bodies_are_decoded_exactly_once(client: TestClient, raw: bytes, value: str) -> None:
    r = client.post("/sparql", content=raw, headers={"content-type": "application/x-www-form-urlencoded"})
    assert bindings(r) == [{"x": {"type": "literal", "value": value}}]


def test_get_query_strings_are_decoded_exactly_once(client: TestClient) -> None:
    r = client.get("/sparql?query=SELECT+%28%22a%2Bb%25%22+AS+%3Fx%29+%7B%7D")
    assert bindings(r) == [{"x": {"type": "literal", "value": "a+b%"}}]


def test_prefixes_are_predeclared(client: TestClient) -> None:
    bare = client.get("/sparql", params={"query": SELECT_LYNAS})
    declared = client.get(
        "/sparql",
        params={
            "query": "PREFIX rekg: <https://w3id.org/rekg/ontology#> PREFIX id: <https://w3id.org/rekg/id/> "
            + SELECT_LYNAS
        },
    )
    assert bare.content == declared.content


# -- malformed requests -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code"),
    [
        ({"method": "POST", "content": b"query=ASK+%7B%7D"}, 415, "unsupported_media_type"),  # no type
        ({"method": "POST", "content": b"ASK {}", "headers": {"content-type": "text/plain"}}, 415, None),
        (
            {"method": "POST", "content": b"--x--", "headers": {"content-type": "multipart/form-data; boundary=x"}},
            415,
            None,
        ),
        (
            {
                "method": "POST",
                "content": b"ASK {}",
                "headers": {"content-type": "application/sparql-query; charset=latin1"},
            },
            415,
            None,
        ),
        ({"method": "POST", "content": "ASK { ?s ?p 'é' }".encode("latin-1"), "headers": DIRECT}, 400, "bad_request"),
        ({"method": "GET", "url": "/sparql?query=ASK+%7B%3Fs+%3Fp+%22%FF%22%7D"}, 400, "bad_request"),
        ({"method": "GET", "url": "/sparql?query=ASK+%7B%7D&query=ASK+%7B%7D"}, 400, "bad_request"),
        (
            {"method": "POST", "url": "/sparql?query=ASK+%7B%7D", "content": b"ASK {}", "headers": DIRECT},
            400,
            "bad_request",
        ),
        ({"method": "POST", "data": {"format": "json"}}, 400, "bad_request"),  # a form without a query
        (
            {"method": "POST", "content": b"", "headers": {"content-type": "application/x-www-form-urlencoded"}},
            400,
            None,
        ),
        ({"method": "GET", "params": {"query": "SELECT ?x WHERE { ?x"}}, 400, "malformed_query"),
        ({"method": "GET", "params": {"query": "\x00\x01\x02 binary garbage \xff"}}, 400, "malformed_query"),
        ({"method": "PUT", "content": b"ASK {}", "headers": DIRECT}, 405, "method_not_allowed"),
        ({"method": "DELETE"}, 405, "method_not_allowed"),
    ],
)
def test_bad_requests_are_4xx_json(client: TestClient, request_kwargs: dict, status: int, code: str | None) -> None:
    kwargs = {"url": "/sparql", **request_kwargs}
    is_error(client.request(**kwargs), status, code)


def test_syntax_errors_give_the_parsers_message_and_position(client: TestClient) -> None:
    body = is_error(client.get("/sparql", params={"query": "SELECT ?x WHERE {\n  ?x ?y \n"}), 400, "malformed_query")
    assert "error at 3:" in body["detail"]


# -- read-only ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "POST", "data": {"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
        {"method": "GET", "params": {"update": "CLEAR ALL"}},
        {"method": "POST", "content": b"DROP ALL", "headers": {"content-type": "application/sparql-update"}},
        {"method": "POST", "data": {"query": "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }"}},
        {"method": "GET", "params": {"query": "PREFIX x: <urn:x> DELETE WHERE { ?s ?p ?o }"}},
        {"method": "POST", "content": b"LOAD <file:///etc/passwd>", "headers": DIRECT},
    ],
)
def test_updates_are_refused_and_change_nothing(client: TestClient, kg: KnowledgeGraph, request_kwargs: dict) -> None:
    before = (kg.version, kg.store.graphs())
    body = is_error(client.request(url="/sparql", **request_kwargs), 400, "forbidden_query")
    assert "read-only" in body["detail"] or "SPARQL Update" in body["detail"]
    assert (kg.version, kg.store.graphs()) == before


# -- no outbound reach ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://127.0.0.1:1/x.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
    ],
)
def test_outbound_reach_is_refused_with_a_reason(client: TestClient, query: str) -> None:
    body = is_error(client.get("/sparql", params={"query": query}), 400, "forbidden_query")
    assert "SERVICE" in body["detail"] or "not a graph of this store" in body["detail"]


def test_dataset_parameters_must_name_store_graphs(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "http://127.0.0.1:1/data"})
    assert "default-graph-uri" in is_error(r, 400, "forbidden_query")["detail"]


# -- datasets --------------------------------------------------------------------------------


def test_default_graph_uri_restricts_the_default_graph(client: TestClient, kg: KnowledgeGraph) -> None:
    counts = kg.store.graphs()
    two = sorted(counts)[:2]
    r = client.get(
        "/sparql",
        params=[("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")] + [("default-graph-uri", g) for g in two],
    )
    assert int(bindings(r)[0]["n"]["value"]) == sum(counts[g] for g in two)


def test_named_graph_uri_limits_graph_patterns(client: TestClient, kg: KnowledgeGraph) -> None:
    g = sorted(kg.store.graphs())[0]
    r = client.post(
        "/sparql", data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": g}
    )
    assert [b["g"]["value"] for b in bindings(r)] == [g]


def test_from_naming_a_store_graph_works(client: TestClient, kg: KnowledgeGraph) -> None:
    g, n = sorted(kg.store.graphs().items())[0]
    r = client.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) FROM <{g}> WHERE {{ ?s ?p ?o }}"})
    assert int(bindings(r)[0]["n"]["value"]) == n


# -- negotiation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ],
)
def test_select_follows_accept(client: TestClient, accept: str, media: str, fmt: ox.QueryResultsFormat) -> None:
    r = client.get("/sparql", params={"query": SELECT_LYNAS}, headers={"accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert "accept" in r.headers["vary"].lower()
    json = client.get("/sparql", params={"query": SELECT_LYNAS}).json()["results"]["bindings"]
    assert [s["f"].value for s in ox.parse_query_results(r.content, fmt)] == [b["f"]["value"] for b in json]


def test_select_as_csv(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT_LYNAS}, headers={"accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv") and r.text.startswith("f\r\n")


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/n-quads", "application/n-quads", "nquads"),
        ("application/trig", "application/trig", "trig"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
def test_construct_and_describe_follow_accept(client: TestClient, accept: str, media: str, fmt: str, form: str) -> None:
    query = CONSTRUCT_LYNAS if form == "CONSTRUCT" else "DESCRIBE id:lynas"
    r = client.get("/sparql", params={"query": query}, headers={"accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media), r.text
    g = Graph().parse(data=r.content, format=fmt)
    assert len(g) == int(r.headers["x-result-count"]) > 0


@pytest.mark.parametrize(
    ("query", "accept"),
    [(SELECT_LYNAS, "text/html"), (SELECT_LYNAS, "text/turtle"), (CONSTRUCT_LYNAS, "application/sparql-results+json")],
)
def test_unsupported_accept_is_a_406_listing_what_is_available(client: TestClient, query: str, accept: str) -> None:
    body = is_error(
        client.get("/sparql", params={"query": query}, headers={"accept": accept}), 406, "unsupported_format"
    )
    assert body["available"]


@pytest.mark.parametrize(
    ("query", "fmt", "media"),
    [
        (SELECT_LYNAS, "csv", "text/csv"),
        (SELECT_LYNAS, "xml", "application/sparql-results+xml"),
        (CONSTRUCT_LYNAS, "nt", "application/n-triples"),
        (CONSTRUCT_LYNAS, "jsonld", "application/ld+json"),
    ],
)
def test_format_parameter_overrides_accept(client: TestClient, query: str, fmt: str, media: str) -> None:
    r = client.get("/sparql", params={"query": query, "format": fmt}, headers={"accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)


# -- limits ---------------------------------------------------------------------------------


def test_row_cap_refuses_with_the_setting_and_a_limit_hint(limited: TestClient) -> None:
    ok = limited.get("/sparql", params={"query": "SELECT ?n { VALUES ?n { 1 2 3 } }"})
    assert len(bindings(ok)) == 3
    body = is_error(
        limited.get("/sparql", params={"query": "SELECT ?n { VALUES ?n { 1 2 3 4 } }"}), 413, "result_too_large"
    )
    assert "REKG_MAX_ROWS" in body["detail"] and "LIMIT" in body["detail"]


def test_time_limit_gives_a_503_naming_the_setting(limited: TestClient) -> None:
    r = limited.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
    assert "REKG_QUERY_TIMEOUT_S" in is_error(r, 503, "query_timeout")["detail"]
    assert limited.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


def test_body_over_the_cap_is_a_413_by_content_length(limited: TestClient) -> None:
    big = "ASK { " + "#" * 3000 + "\n }"
    body = is_error(limited.post("/sparql", content=big.encode(), headers=DIRECT), 413, "body_too_large")
    assert "REKG_MAX_BODY_BYTES" in body["detail"]


def test_body_over_the_cap_is_a_413_when_streamed_without_length(limited: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"query=ASK+%7B%7D%23"
        for _ in range(10):
            yield b"x" * 500

    r = limited.post("/sparql", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    is_error(r, 413, "body_too_large")


def test_body_under_the_cap_is_fine(limited: TestClient) -> None:
    assert limited.post("/sparql", content=b"ASK { }", headers=DIRECT).status_code == 200


def test_a_query_string_over_the_cap_is_a_414(limited: TestClient) -> None:
    body = is_error(limited.get("/sparql", params={"query": "ASK {" + "#" * 3000 + "\n}"}), 414, "uri_too_long")
    assert "REKG_MAX_BODY_BYTES" in body["detail"] and "POST" in body["detail"]


def test_a_form_naming_another_charset_is_still_read_as_utf8(client: TestClient) -> None:
    form = {"content-type": "application/x-www-form-urlencoded; charset=ISO-8859-1"}
    ok = client.post("/sparql", content=b"query=SELECT+%28%22%E9%95%9D%22+AS+%3Fx%29+%7B%7D", headers=form)
    assert bindings(ok) == [{"x": {"type": "literal", "value": "镝"}}]
    is_error(client.post("/sparql", content=b"query=SELECT+%28%22%E9%22+AS+%3Fx%29+%7B%7D", headers=form), 400)


# -- headers for people and browsers -----------------------------------------------------------


def test_query_time_headers(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT_LYNAS})
    assert float(r.headers["x-query-time-ms"]) >= 0
    assert "query;dur=" in r.headers["server-timing"] and int(r.headers["x-result-count"]) == len(
        r.json()["results"]["bindings"]
    )


def test_cors_is_open_for_get_and_post_without_credentials(client: TestClient) -> None:
    pre = client.options(
        "/sparql",
        headers={
            "origin": "https://yasgui.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "*"
    assert {"GET", "POST"} <= {m.strip() for m in pre.headers["access-control-allow-methods"].split(",")}
    assert "access-control-allow-credentials" not in pre.headers
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"origin": "https://yasgui.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "x-query-time-ms" in r.headers["access-control-expose-headers"].lower()


# -- the service description -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "params", "media", "fmt"),
    [
        ({}, {}, "text/turtle", "turtle"),
        ({"accept": "text/turtle"}, {}, "text/turtle", "turtle"),
        ({"accept": "application/ld+json"}, {}, "application/ld+json", "json-ld"),
        ({"accept": "application/rdf+xml"}, {}, "application/rdf+xml", "xml"),
        ({"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, {}, "text/turtle", "turtle"),
        ({}, {"format": "nt"}, "application/n-triples", "nt"),
    ],
)
def test_service_description_is_negotiated(
    client: TestClient, kg: KnowledgeGraph, headers: dict, params: dict, media: str, fmt: str
) -> None:
    r = client.get("/sparql", headers=headers, params=params)
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    g = Graph().parse(data=r.content, format=fmt)
    (service,) = g.subjects(predicate=SD.endpoint)
    assert str(service) == "http://testserver/sparql"
    names = {str(n) for n in g.objects(None, SD.name)}
    assert names == set(kg.store.graphs())
