"""Bearer and basic authentication for the remote back end, against a real Oxigraph server behind a
loopback proxy that requires them (:mod:`tests.auth_proxy`).

With the right credentials the seeds load through the update endpoint and queries answer; without
them, or with wrong ones, rekg says so as a ``StoreUnavailable`` (HTTP 502 from the API, a one-line
error from `rekg serve`); the secrets never appear in ``repr``, error messages, log records, the
server's log or ``/healthz``.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rekg.api.settings import Settings
from rekg.graph.errors import InvalidParameter, StoreUnavailable
from rekg.graph.io.load import open_graph
from rekg.graph.store import open_store
from rekg.graph.store.remote import RemoteAuth, RemoteStore, redact_url

from tests.auth_proxy import AuthProxy
from tests.oxigraph_server import OxigraphServer
from tests.serverutil import REKG, free_port, stop_process

TOKEN = "tok-3f9c2a7e51d04b8e"
READ_TOKEN = "ro-tok-8d21c6b0e9a4"
USER, PASSWORD = "analyst", "pw-71b2e0c4d9f3"
BASIC = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
SECRETS = (TOKEN, READ_TOKEN, PASSWORD, BASIC.split()[1])


@pytest.fixture(scope="module")
def upstream() -> Iterator[OxigraphServer]:
    """A private Oxigraph server for this module (its writes stay out of the shared one)."""
    with OxigraphServer() as server:
        yield server


@pytest.fixture
def proxy(upstream: OxigraphServer) -> Iterator[AuthProxy]:
    with AuthProxy(upstream.url, accepted={f"Bearer {TOKEN}", BASIC}, read_only={f"Bearer {READ_TOKEN}"}) as p:
        yield p


def remote(proxy: AuthProxy, auth: RemoteAuth | None, **kwargs: object) -> RemoteStore:
    return RemoteStore(proxy.url + "/query", proxy.url + "/update", auth=auth, timeout=30, **kwargs)


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"a secret leaked into: {text[:300]}"


def test_bearer_token_loads_the_seeds_and_queries(proxy: AuthProxy, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = remote(proxy, RemoteAuth(bearer_token=TOKEN))
    store.clear()  # another test may have loaded the seeds already: load them again, through /update
    kg = open_graph(store, validate_shapes=False)
    assert len(store.graphs()) > 10
    rows = kg.select("SELECT ?l WHERE { id:dysprosium rdfs:label ?l FILTER(lang(?l) = 'en') }")
    assert [r["l"] for r in rows] == ["dysprosium"]
    paths = {path.split("?")[0] for path, auth in proxy.seen}
    assert paths == {"/query", "/update"}, "both endpoints were used"
    assert {auth for _, auth in proxy.seen} == {f"Bearer {TOKEN}"}, "every request carried the token"
    assert_no_secret(repr(store), str(store), *(r.getMessage() for r in caplog.records))
    store.close()


def test_basic_auth(proxy: AuthProxy) -> None:
    store = remote(proxy, RemoteAuth(username=USER, password=PASSWORD))
    graph = "https://example.org/auth-test/basic"
    s, p = ox.NamedNode(graph + "#s"), ox.NamedNode(graph + "#p")
    store.replace_graph(graph, [ox.Quad(s, p, ox.Literal("basic"), ox.NamedNode(graph))])
    assert [r["o"].value for r in store.query(f"SELECT ?o WHERE {{ {s} {p} ?o }}")] == ["basic"]
    assert store.remove_graph(graph)
    assert {auth for _, auth in proxy.seen} == {BASIC}
    assert_no_secret(repr(store))


def test_no_credentials_is_a_clear_store_unavailable(proxy: AuthProxy) -> None:
    with pytest.raises(StoreUnavailable) as err:
        remote(proxy, None)
    assert "(401)" in err.value.detail and "sent none" in err.value.detail
    assert "REKG_REMOTE_BEARER_TOKEN" in err.value.detail
    assert proxy.seen == [("/query", None)]


@pytest.mark.parametrize(
    "auth",
    [RemoteAuth(bearer_token="not-" + TOKEN), RemoteAuth(username=USER, password="wrong-" + PASSWORD)],
    ids=["bearer", "basic"],
)
def test_wrong_credentials_are_refused_without_showing_them(proxy: AuthProxy, auth: RemoteAuth) -> None:
    with pytest.raises(StoreUnavailable) as err:
        remote(proxy, auth)
    assert "(401)" in err.value.detail and f"did not accept rekg's credentials ({auth.scheme}" in err.value.detail
    assert_no_secret(err.value.detail, str(err.value), repr(auth))
    assert not any(s in err.value.detail for s in auth.secrets())


def test_a_server_quoting_the_token_is_redacted(proxy: AuthProxy) -> None:
    """The proxy's 403 quotes the Authorization header; rekg's message must not repeat it."""
    store = remote(proxy, RemoteAuth(bearer_token=READ_TOKEN))
    assert bool(store.query("ASK {}"))
    with pytest.raises(StoreUnavailable) as err:
        store.set_meta("auth-test", "read-only")
    assert "(403)" in err.value.detail and "do not allow this request" in err.value.detail
    assert "Bearer *** may only read" in err.value.detail
    assert_no_secret(err.value.detail)


def test_password_in_the_url_is_redacted(upstream: OxigraphServer) -> None:
    with AuthProxy(upstream.url, accepted=()) as p:
        url = p.url.replace("http://", f"http://{USER}:{PASSWORD}@") + "/query"
        with pytest.raises(StoreUnavailable) as err:
            RemoteStore(url, timeout=30)
        # httpx sent the URL's user and password as basic authentication: refused here on purpose.
        assert p.seen == [("/query", BASIC)]
    assert "(401)" in err.value.detail
    assert_no_secret(err.value.detail)
    assert redact_url(url) in err.value.detail


def test_credentials_are_validated_without_echoing_them() -> None:
    with pytest.raises(ValueError, match="not both"):
        RemoteAuth(bearer_token=TOKEN, username=USER)
    with pytest.raises(ValueError, match="needs a user name"):
        RemoteAuth(password=PASSWORD)
    with pytest.raises(InvalidParameter) as err:
        Settings(remote_bearer_token=TOKEN, remote_user=USER).remote_auth()
    assert_no_secret(err.value.detail)
    with pytest.raises(InvalidParameter) as err:
        Settings(remote_user=USER, remote_password=PASSWORD + "\n").remote_auth()
    assert_no_secret(err.value.detail)
    settings = Settings(remote_user=USER, remote_password=PASSWORD, remote_bearer_token=None)
    assert_no_secret(repr(settings), str(settings), settings.model_dump_json())
    assert settings.remote_auth() == RemoteAuth(username=USER, password=PASSWORD)
    # The settings only matter to the remote store: a memory store opens whatever they say.
    assert Settings(remote_password=PASSWORD).open_graph().store.kind == "memory"


def test_plain_http_beyond_loopback_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="rekg.store")
    # 192.0.2.0/24 is TEST-NET-1: nothing answers, and the warning comes before the first request.
    with pytest.raises(StoreUnavailable):
        open_store("remote", query_url="http://192.0.2.1:9/sparql", timeout=0.5, auth=RemoteAuth(bearer_token=TOKEN))
    warnings = [r.getMessage() for r in caplog.records if r.name == "rekg.store"]
    assert any("plain http to http://192.0.2.1:9/sparql" in w for w in warnings)
    assert_no_secret(*warnings)


# -- the real server: `rekg serve --store remote` with the credentials in the environment ---------


def _serve(proxy: AuthProxy, env: dict[str, str], log: Path) -> tuple[str, object]:
    import os
    import subprocess
    import time

    port = free_port()
    fh = open(log, "wb")  # noqa: SIM115 - the child owns it for its lifetime
    proc = subprocess.Popen(
        [*REKG, "serve", "--host", "127.0.0.1", "--port", str(port), "--store", "remote"],
        env={
            **os.environ,
            "REKG_REMOTE_QUERY_URL": proxy.url + "/query",
            "REKG_REMOTE_UPDATE_URL": proxy.url + "/update",
            "REKG_VALIDATE_SEEDS": "false",
            **env,
        },
        stdout=fh,
        stderr=subprocess.STDOUT,
    )
    fh.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    return url, proc


def test_rekg_serve_with_a_token_and_without(proxy: AuthProxy, tmp_path: Path) -> None:
    # Without credentials the server does not start, and says why in one line.
    url, proc = _serve(proxy, {}, tmp_path / "none.log")
    assert proc.wait(60) == 1
    out = (tmp_path / "none.log").read_text()
    assert "error (store_unavailable)" in out and "(401)" in out and "Traceback" not in out

    url, proc = _serve(proxy, {"REKG_REMOTE_BEARER_TOKEN": TOKEN}, tmp_path / "token.log")
    try:
        assert proc.poll() is None, (tmp_path / "token.log").read_text()
        health = httpx.get(url + "/healthz", timeout=10)
        assert health.json()["store"] == "remote" and health.json()["triples"] > 1000
        q = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
        ok = httpx.get(url + "/sparql", params=q, headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert ok.status_code == 200 and int(ok.json()["results"]["bindings"][0]["n"]["value"]) > 1000
        # The token is revoked on the gateway while rekg runs: a 502 that names the cause, no traceback.
        proxy.accepted.clear()
        q = {"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"}
        refused = httpx.get(
            url + "/sparql", params=q, headers={"Accept": "application/sparql-results+json"}, timeout=30
        )
        assert refused.status_code == 502, refused.text
        assert refused.json()["error"] == "store_unavailable" and "(401)" in refused.json()["detail"]
        assert_no_secret(health.text, refused.text)
    finally:
        stop_process(proc)
    log = (tmp_path / "token.log").read_text()
    assert "GET /sparql" in log  # the access log was written, and holds no secret
    assert_no_secret(log)
    assert "Traceback" not in log
