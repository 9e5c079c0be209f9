"""The SPARQL 1.1 Protocol through a real uvicorn server on 127.0.0.1.

Modelled on the W3C SPARQL 1.1 Protocol test suite (query via GET, URL-encoded POST and
direct POST; the dataset via the protocol; bad methods, content types, multiple queries,
non-UTF-8 and syntax errors; updates refused), plus:

* a cartesian query does not freeze the server (``/healthz`` answers in under a second while
  it runs) and is really stopped (its worker process is gone, the CPU is free) at the time
  limit, or as soon as its client disconnects; the worker running it is told by its PID (the
  ``rekg-sparql`` child whose CPU time grows), not by a share of a machine other tests share;
* no outbound reach: a canary TCP listener and a canary file (a FIFO, which tells when anyone
  opens it) see nothing, whatever the query names;
* real clients: SPARQLWrapper and rdflib's ``SPARQLStore``;
* the ``remote`` back end (``rekg.graph.store.remote.RemoteStore``) pointed at this server works through
  the endpoint of a second app.

The server is started as a subprocess on a free port and stopped by its PID.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psutil
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, GET, JSON, JSONLD, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from tests.serverutil import Canary, Server, canary_listener, start_server
from tests.serverutil import file_canary as serverutil_file_canary

TIMEOUT_S = 6.0
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LYNAS = "SELECT ?f WHERE { ?f rekg:operator id:lynas } ORDER BY ?f"
REKG = "https://w3id.org/rekg/ontology#"


@contextlib.contextmanager
def protocol_server(**env: str) -> Iterator[Server]:
    """`rekg serve` with two query workers; on the way out, checks that none outlives it."""
    server = start_server([], {"REKG_VALIDATE_SEEDS": "false", "REKG_QUERY_WORKERS": "2", **env}, timeout=120)
    try:
        yield server
    finally:
        workers = []
        with contextlib.suppress(psutil.Error):
            workers = psutil.Process(server.pid).children()
        server.stop()
        _, alive = psutil.wait_procs(workers, timeout=5)
        assert not alive, f"query workers outlived the server: {alive}"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with protocol_server(REKG_QUERY_TIMEOUT_S=str(TIMEOUT_S)) as s:
        yield s


@pytest.fixture(scope="module")
def http(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def wait_gone(proc: psutil.Process, seconds: float) -> bool:
    try:
        proc.wait(timeout=seconds)
    except psutil.TimeoutExpired:
        return False
    return True


def cpu_seconds(proc: psutil.Process) -> float:
    times = proc.cpu_times()
    return times.user + times.system


def busy_worker(server: Server, timeout: float = 4.0, burnt: float = 0.1) -> psutil.Process:
    """The query worker running a query: the one whose own CPU time grows by ``burnt`` seconds.

    Told apart by PID, in CPU seconds per process: an idle worker waits on its pipe and uses
    none, while the busy one gets some CPU however loaded the machine is (``pytest -n 8``).
    """
    first: dict[int, float] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in server.query_workers():
            with contextlib.suppress(psutil.Error):
                used = cpu_seconds(worker)
                if used - first.setdefault(worker.pid, used) >= burnt:
                    return worker
        time.sleep(0.02)
    raise AssertionError(f"no query worker used {burnt} s of CPU within {timeout} s: {server.query_workers()}")


def json_error(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] and body["detail"]
    return body


# -- bounded: a heavy query neither freezes the server nor keeps running -----------------------


def test_healthz_stays_fast_during_a_cartesian_query_which_is_stopped_at_the_limit(server: Server) -> None:
    result: dict[str, object] = {}

    def heavy() -> None:
        started = time.monotonic()
        r = httpx.get(server.sparql, params={"query": CARTESIAN}, timeout=60)
        result.update(response=r, seconds=time.monotonic() - started)

    thread = threading.Thread(target=heavy)
    thread.start()
    busy = busy_worker(server)
    latencies = []
    while thread.is_alive() and len(latencies) < 200:
        started = time.monotonic()
        assert httpx.get(server.url + "/healthz", timeout=5).status_code == 200
        latencies.append(time.monotonic() - started)
        time.sleep(0.05)
    thread.join()
    assert latencies and max(latencies) < 1.0, latencies
    r = result["response"]
    assert isinstance(r, httpx.Response)
    assert "REKG_QUERY_TIMEOUT_S" in json_error(r, 503)["detail"]
    assert TIMEOUT_S - 0.5 < result["seconds"] < TIMEOUT_S + 3  # type: ignore[operator]
    assert wait_gone(busy, 2), "the worker running the query is still alive"
    # A fresh worker took its place, and nothing is burning CPU any more.
    deadline = time.monotonic() + 5
    while len(server.query_workers()) != 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = server.query_workers()
    assert len(workers) == 2 and busy.pid not in {w.pid for w in workers}
    before = {w.pid: cpu_seconds(w) for w in workers}
    time.sleep(0.5)
    used = {w.pid: round(cpu_seconds(w) - before[w.pid], 2) for w in workers}
    assert sum(used.values()) < 0.05, f"CPU seconds used by idle workers in 0.5 s: {used}"


def test_a_client_that_disconnects_stops_its_query(server: Server) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port))
    target = "/sparql?" + urlencode({"query": CARTESIAN})
    request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    sock.sendall(request.encode())
    started = time.monotonic()
    busy = busy_worker(server)
    sock.close()
    assert wait_gone(busy, 2.0)
    assert time.monotonic() - started < TIMEOUT_S - 0.5, "stopped by the time limit, not by the disconnect"
    assert httpx.get(server.sparql, params={"query": "ASK {}"}).json()["boolean"] is True


def test_queries_still_run_while_another_one_burns_a_worker(server: Server) -> None:
    thread = threading.Thread(target=lambda: httpx.get(server.sparql, params={"query": CARTESIAN}, timeout=60))
    thread.start()
    busy_worker(server)
    started = time.monotonic()
    r = httpx.get(server.sparql, params={"query": LYNAS}, timeout=10)
    assert r.status_code == 200 and time.monotonic() - started < 1.0
    thread.join()


# -- W3C SPARQL 1.1 Protocol tests, adapted (read-only endpoint, graphs from the seeds) --------


def graphs(http: httpx.Client) -> dict[str, int]:
    r = http.get("/sparql", params={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"})
    return {b["g"]["value"]: int(b["n"]["value"]) for b in r.json()["results"]["bindings"]}


def count(r: httpx.Response) -> int:
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_query_get(http: httpx.Client) -> None:
    r = http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert r.status_code == 200 and r.json() == {"head": {}, "boolean": True}


def test_query_post_form(http: httpx.Client) -> None:
    r = http.post("/sparql", data={"query": "ASK { ?s ?p ?o }"})
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_query_post_direct(http: httpx.Client) -> None:
    r = http.post("/sparql", content=b"ASK { ?s ?p ?o }", headers={"content-type": "application/sparql-query"})
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_query_dataset_default_graph(http: httpx.Client) -> None:
    g, n = sorted(graphs(http).items())[0]
    assert count(http.get("/sparql", params={"query": COUNT_ALL, "default-graph-uri": g})) == n


def test_query_dataset_default_graphs_get_and_post(http: httpx.Client) -> None:
    (g1, n1), (g2, n2) = sorted(graphs(http).items())[:2]
    params = [("query", COUNT_ALL), ("default-graph-uri", g1), ("default-graph-uri", g2)]
    assert count(http.get("/sparql", params=params)) == n1 + n2
    body = httpx.QueryParams(params).__str__().encode()
    r = http.post("/sparql", content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert count(r) == n1 + n2


def test_query_dataset_named_graphs_get_and_post(http: httpx.Client) -> None:
    g1, g2 = sorted(graphs(http))[:2]
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    params = [("query", q), ("named-graph-uri", g1), ("named-graph-uri", g2)]
    for r in (http.get("/sparql", params=params), http.post("/sparql", data={"query": q, "named-graph-uri": [g1, g2]})):
        assert [b["g"]["value"] for b in r.json()["results"]["bindings"]] == [g1, g2]


def test_query_dataset_full(http: httpx.Client) -> None:
    (g1, n1), (g2, _) = sorted(graphs(http).items())[:2]
    q = "SELECT (COUNT(*) AS ?n) ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } GROUP BY ?g ORDER BY ?g"
    r = http.get("/sparql", params={"query": q, "default-graph-uri": g1, "named-graph-uri": g2})
    rows = {b.get("g", {}).get("value"): int(b["n"]["value"]) for b in r.json()["results"]["bindings"]}
    assert rows[None] == n1 and set(rows) == {None, g2}


def test_query_multiple_dataset_protocol_wins_over_from(http: httpx.Client) -> None:
    (g1, n1), (g2, n2) = sorted(graphs(http).items())[:2]
    q = f"SELECT (COUNT(*) AS ?n) FROM <{g1}> WHERE {{ ?s ?p ?o }}"
    assert count(http.get("/sparql", params={"query": q})) == n1
    assert count(http.get("/sparql", params={"query": q, "default-graph-uri": g2})) == n2


def test_direct_post_takes_the_dataset_from_the_url(http: httpx.Client) -> None:
    g, n = sorted(graphs(http).items())[0]
    r = http.post(
        "/sparql",
        params={"default-graph-uri": g},
        content=COUNT_ALL.encode(),
        headers={"content-type": "application/sparql-query"},
    )
    assert count(r) == n


@pytest.mark.parametrize(
    ("query", "accept", "media"),
    [
        (LYNAS, "application/sparql-results+xml", "application/sparql-results+xml"),
        (LYNAS, "application/sparql-results+json", "application/sparql-results+json"),
        (LYNAS, "text/tab-separated-values", "text/tab-separated-values"),
        (LYNAS, "text/csv", "text/csv"),
        ("ASK { ?s ?p ?o }", "application/sparql-results+xml", "application/sparql-results+xml"),
        ("ASK { ?s ?p ?o }", "application/sparql-results+json", "application/sparql-results+json"),
        ("DESCRIBE id:lynas", "text/turtle", "text/turtle"),
        ("DESCRIBE id:lynas", "application/rdf+xml", "application/rdf+xml"),
        ("CONSTRUCT WHERE { ?f rekg:operator id:lynas }", "application/n-triples", "application/n-triples"),
        ("CONSTRUCT WHERE { ?f rekg:operator id:lynas }", "application/ld+json", "application/ld+json"),
    ],
)
def test_query_content_type(http: httpx.Client, query: str, accept: str, media: str) -> None:
    r = http.get("/sparql", params={"query": query}, headers={"accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert r.content


@pytest.mark.parametrize(
    ("method", "kwargs", "status"),
    [
        (
            "PUT",
            {"content": b"ASK {}", "headers": {"content-type": "application/sparql-query"}},
            405,
        ),  # bad_query_method
        ("GET", {"params": [("query", "ASK {}"), ("query", "ASK {}")]}, 400),  # bad_multiple_queries
        ("POST", {"content": b"ASK {}", "headers": {"content-type": "text/plain"}}, 415),  # bad_query_wrong_media_type
        ("POST", {"content": b"query=ASK%20%7B%7D"}, 415),  # bad_query_missing_form_type
        ("POST", {"content": b"ASK {}"}, 415),  # bad_query_missing_direct_type
        (
            "POST",
            {"content": "ASK { ?s ?p 'ü' }".encode("latin-1"), "headers": {"content-type": "application/sparql-query"}},
            400,
        ),  # bad_query_non_utf8
        ("GET", {"params": {"query": "ASK { ?s ?p }"}}, 400),  # bad_query_syntax
        ("GET", {"params": {"update": "CLEAR ALL"}}, 400),  # bad_update_get
        ("POST", {"data": {"update": "CLEAR ALL"}}, 400),
        ("POST", {"content": b"CLEAR ALL", "headers": {"content-type": "application/sparql-update"}}, 400),
        ("POST", {"data": {"query": "DROP ALL"}}, 400),  # an update sent as a query
        ("POST", {"content": b"x" * 1_000_001, "headers": {"content-type": "application/sparql-query"}}, 413),
    ],
)
def test_bad_requests(http: httpx.Client, method: str, kwargs: dict, status: int) -> None:
    json_error(http.request(method, "/sparql", **kwargs), status)


def test_refused_updates_change_nothing(http: httpx.Client) -> None:
    before = http.get("/healthz").json()
    for kwargs in (
        {"data": {"update": "INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } }"}},
        {"data": {"query": "DELETE WHERE { ?s ?p ?o }"}},
        {"content": b"DROP ALL", "headers": {"content-type": "application/sparql-update"}},
    ):
        assert http.post("/sparql", **kwargs).status_code == 400
    after = http.get("/healthz").json()
    assert (after["triples"], after["graphs"], after["version"]) == (
        before["triples"],
        before["graphs"],
        before["version"],
    )


def test_service_description_and_cors_through_the_server(http: httpx.Client, server: Server) -> None:
    r = http.get("/sparql", headers={"origin": "https://example.org"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert r.headers["access-control-allow-origin"] == "*"
    g = Graph().parse(data=r.text, format="turtle")
    assert (URIRef(server.sparql), None, None) in g
    pre = http.options("/sparql", headers={"origin": "https://example.org", "access-control-request-method": "POST"})
    assert pre.status_code == 200 and "POST" in pre.headers["access-control-allow-methods"]


# -- no outbound reach ----------------------------------------------------------------------


@pytest.fixture()
def canary() -> Iterator[Canary]:
    with canary_listener() as c:
        yield c


@pytest.fixture()
def file_canary(tmp_path: Path) -> Iterator[tuple[Path, Path, list[int]]]:
    with serverutil_file_canary(
        tmp_path / "canary.ttl", tmp_path / "secret.ttl", '<urn:s> <urn:p> "SECRET-CANARY-7f3a" .\n'
    ) as c:
        yield c


def test_no_query_reaches_the_network_or_reads_a_file(
    http: httpx.Client, canary: Canary, file_canary: tuple[Path, Path, list[int]]
) -> None:
    url = canary.url
    fifo, secret, opened = file_canary
    attempts: list[dict] = []
    for target in (url, fifo.as_uri(), secret.as_uri()):
        attempts += [
            {"query": f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"},
            {"query": f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}"},
            {"query": f"PREFIX : <{target}> SELECT * WHERE {{ SERVICE:x {{ ?s ?p ?o }} }}"},
            {"query": f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}"},
            {"query": f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
            {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "default-graph-uri": target},
            {"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1", "named-graph-uri": target},
            {"update": f"LOAD <{target}>"},
            {"query": f"LOAD <{target}>"},
            {"query": f'SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{target}> {{ ?a ?b ?c }} }} }} #"""'},
        ]
    for params in attempts:
        r = http.post("/sparql", data=params)
        body = json_error(r, 400)
        assert body["error"] == "forbidden_query", params
        assert "SECRET-CANARY" not in r.text
    # Naming such a graph inside the query (not as the dataset) is allowed: it is just empty.
    for target in (url, fifo.as_uri()):
        for q in (f"SELECT * WHERE {{ GRAPH <{target}> {{ ?s ?p ?o }} }}", f"DESCRIBE <{target}>"):
            assert http.get("/sparql", params={"query": q}).status_code == 200
    time.sleep(0.3)
    assert canary.hits == [] and opened == []


# -- real clients -------------------------------------------------------------------------


def wrapper(server: Server, query: str, fmt: str, method: str = GET) -> SPARQLWrapper:
    sw = SPARQLWrapper(server.sparql)
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    if method == POSTDIRECTLY:
        sw.setMethod(POST)
        sw.setRequestMethod(POSTDIRECTLY)
    else:
        sw.setMethod(method)
    return sw


@pytest.mark.parametrize("method", [GET, POST, POSTDIRECTLY])
def test_sparqlwrapper_select_in_json(server: Server, http: httpx.Client, method: str) -> None:
    expected = [b["f"]["value"] for b in http.get("/sparql", params={"query": LYNAS}).json()["results"]["bindings"]]
    res = wrapper(server, "PREFIX rekg: <" + REKG + "> " + LYNAS, JSON, method).query().convert()
    assert [b["f"]["value"] for b in res["results"]["bindings"]] == expected and expected


@pytest.mark.parametrize("fmt", [XML, CSV, TSV])
def test_sparqlwrapper_select_in_other_formats(server: Server, fmt: str) -> None:
    res = wrapper(server, LYNAS, fmt).query()
    media = res.response.headers["content-type"]
    body = res.convert()
    if fmt == XML:
        assert media.startswith("application/sparql-results+xml") and body.getElementsByTagName("result")
    else:
        assert media.startswith("text/csv" if fmt == CSV else "text/tab-separated-values")
        assert b"lynas" in body


def test_sparqlwrapper_ask(server: Server) -> None:
    assert wrapper(server, "ASK { ?s ?p ?o }", JSON).query().convert()["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD, XML])
def test_sparqlwrapper_construct(server: Server, fmt: str) -> None:
    res = wrapper(server, "CONSTRUCT WHERE { ?f rekg:operator id:lynas }", fmt).query().convert()
    g = res if isinstance(res, Graph) else Graph().parse(data=res, format="turtle")
    assert len(g) > 0 and all(str(p) == REKG + "operator" for p in g.predicates())


def test_sparqlwrapper_update_is_refused(server: Server) -> None:
    sw = wrapper(server, "INSERT DATA { <urn:a> <urn:b> <urn:c> }", JSON, POST)
    with pytest.raises(QueryBadFormed):
        sw.query()


def test_rdflib_sparqlstore(server: Server, http: httpx.Client) -> None:
    store = SPARQLStore(query_endpoint=server.sparql)
    g = Graph(store=store)
    rows = list(g.query("SELECT ?c ?code WHERE { ?c a <" + REKG + "Country> ; <" + REKG + "isoCode> ?code }"))
    assert rows and all(isinstance(code, Literal) for _, code in rows)
    countries = set(
        store.triples((None, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef(REKG + "Country")))
    )
    # Every country with an ISO code is a country; Estonia (a USGS import source) has no code,
    # because the reference facts give none.
    assert {c for c, _ in rows} < {t[0] for t, _ in countries}
    assert {t[0] for t, _ in countries} - {c for c, _ in rows} == {URIRef("https://w3id.org/rekg/id/estonia")}
    assert g.query("ASK { ?s ?p ?o }").askAnswer is True
    operated = "SELECT DISTINCT ?f ?o WHERE { ?f <" + REKG + "operator> ?o } LIMIT 3"
    constructed = g.query("CONSTRUCT { ?f <" + REKG + "operator> ?o } WHERE { " + operated + " }").graph
    assert len(constructed) == 3
    # A graph of the store as the context: the store sends default-graph-uri.
    name, n = sorted(graphs(http).items())[0]
    in_graph = Graph(store=store, identifier=URIRef(name))
    assert len(list(in_graph.triples((None, None, None)))) == n


# -- the remote back end through the endpoint ---------------------------------------------


def test_remote_store_works_through_the_endpoint_and_is_bounded(server: Server) -> None:
    from fastapi.testclient import TestClient
    from rekg.api.app import create_app
    from rekg.api.settings import Settings
    from rekg.graph import KnowledgeGraph
    from rekg.graph.store.remote import RemoteStore

    remote = RemoteStore(server.sparql, timeout=30)
    kg = KnowledgeGraph(remote)
    with TestClient(create_app(Settings(query_timeout_s=1.0), kg)) as c:
        direct = httpx.get(server.sparql, params={"query": LYNAS}).json()
        r = c.get("/sparql", params={"query": LYNAS})
        assert r.status_code == 200 and r.json()["results"]["bindings"] == direct["results"]["bindings"]
        assert c.get("/sparql", params={"query": "SERVICE"}).status_code == 400
        started = time.monotonic()
        slow = c.get("/sparql", params={"query": CARTESIAN})
        assert slow.status_code == 503 and time.monotonic() - started < 3
        assert c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True
    remote.close()


def test_a_large_result_arrives_whole(http: httpx.Client) -> None:
    # Bigger than a socket buffer, so the worker's reply arrives in several reads.
    total = sum(graphs(http).values())
    r = http.get(
        "/sparql",
        params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"accept": "application/n-triples"},
    )
    assert r.status_code == 200 and len(r.content) > 200_000
    # CONSTRUCT builds a set: a triple stated in two sources' graphs comes once.
    assert int(r.headers["x-result-count"]) == r.content.count(b"\n") == len(set(r.content.splitlines()))
    assert 0 < r.content.count(b"\n") <= total
