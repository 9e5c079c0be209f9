"""Hostile queries against the query workers, through a real `rekg serve` on 127.0.0.1 (issue 15).

* A query that joins a large string into every row and sorts (about 1 GB/s of allocation) is
  stopped at ``REKG_QUERY_MEMORY_MB`` with a JSON 503 naming the setting; its worker is replaced,
  and ``/healthz`` answers fast throughout.
* One client's flood of heavy queries does not stall another client's ``ASK {}``: the other
  client comes from 127.0.0.2 (all of 127.0.0.0/8 is loopback), a different remote address; the
  flood's own queries that never got a worker get the JSON 503 with ``Retry-After``.
* ``/healthz`` reports how workers are kept off the network, and with the namespace switched off
  (``REKG_QUERY_NETNS=false``, as on kernels without unprivileged user namespaces) the seccomp
  filter alone is in force and queries still run. That a worker under it cannot connect to a canary
  is proven in ``tests/graph/test_pool.py``: through HTTP, the guard stops any SERVICE first.

Servers are started as subprocesses on free ports and stopped by their PIDs.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.serverutil import Server, running_server

MEMORY_MB = 128
TIMEOUT_S = 8.0
#: The string-join query of the hostile test: 100 kB joined into each of the 2,789 seed triples, sorted.
STRING_JOIN = 'SELECT ?x WHERE { ?s ?p ?o BIND(CONCAT(STR(?s), "' + "x" * 100_000 + '") AS ?x) } ORDER BY ?x'
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SECCOMP = os.uname().machine in ("x86_64", "aarch64") and "Seccomp:" in Path("/proc/self/status").read_text()


@contextlib.contextmanager
def serve(**env: str) -> Iterator[Server]:
    base = {"REKG_VALIDATE_SEEDS": "false", "REKG_QUERY_WORKERS": "2", "REKG_QUERY_TIMEOUT_S": str(TIMEOUT_S)}
    with running_server([], {**base, **env}, timeout=120) as server:
        yield server


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serve(REKG_QUERY_MEMORY_MB=str(MEMORY_MB)) as s:
        yield s


class HealthProbe:
    """Times ``GET /healthz`` every 50 ms in a thread while an attack runs."""

    def __init__(self, server: Server) -> None:
        self.url = server.url + "/healthz"
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="healthz-probe", daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as c:
            while not self._stop.is_set():
                started = time.monotonic()
                assert c.get(self.url).status_code == 200
                self.latencies.append(time.monotonic() - started)
                time.sleep(0.05)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def test_healthz_reports_the_sandbox_and_the_memory_cap(server: Server) -> None:
    body = httpx.get(server.url + "/healthz").json()
    assert body["sandbox"] in ("netns+seccomp", "netns", "seccomp", "none")
    if SECCOMP:
        assert "seccomp" in body["sandbox"]
    assert body["query_memory_mb"] == MEMORY_MB


def test_a_memory_hungry_query_gets_a_json_error_and_the_server_stays_healthy(server: Server) -> None:
    before = {w.pid for w in server.query_workers()}
    peak: dict[int, int] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for w in server.query_workers():
                with contextlib.suppress(psutil.Error):
                    peak[w.pid] = max(peak.get(w.pid, 0), w.memory_info().rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with HealthProbe(server) as probe:
        started = time.monotonic()
        r = httpx.post(server.sparql, data={"query": STRING_JOIN}, timeout=60)
        took = time.monotonic() - started
    done.set()
    sampler.join()
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["error"] == "query_memory_exceeded" and "REKG_QUERY_MEMORY_MB" in body["detail"]
    assert body["setting"] == "REKG_QUERY_MEMORY_MB" and body["limit_mb"] == MEMORY_MB
    assert took < TIMEOUT_S, "stopped by the time limit, not by the memory cap"
    assert probe.latencies and max(probe.latencies) < 1.0, probe.latencies
    # The worker stayed within the cap (plus what it shares with the server), and was replaced.
    assert max(peak.values()) < (MEMORY_MB + 150) * 2**20, {p: v // 2**20 for p, v in peak.items()}
    deadline = time.monotonic() + 5
    while len(server.query_workers()) != 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    after = {w.pid for w in server.query_workers()}
    assert len(after) == 2 and after != before
    assert httpx.get(server.sparql, params={"query": "ASK {}"}).json()["boolean"] is True


def test_one_clients_flood_does_not_stall_another_clients_ask(server: Server) -> None:
    flood: list[httpx.Response] = []
    # All six go out together: the four that wait then reach their deadlines about when the two
    # running ones are stopped, too late to be started (pool.min_run_s), so they are "busy".
    ready = threading.Barrier(6)

    def heavy() -> None:
        with httpx.Client(timeout=60) as c:
            ready.wait()
            flood.append(c.get(server.sparql, params={"query": CARTESIAN}))

    threads = [threading.Thread(target=heavy) for _ in range(6)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # both workers are now the flood's, and four of its queries wait
    latencies = []
    other = httpx.HTTPTransport(local_address="127.0.0.2")
    with HealthProbe(server) as probe, httpx.Client(transport=other, timeout=30) as c:
        for _ in range(3):
            started = time.monotonic()
            r = c.get(server.sparql, params={"query": "ASK {}"})
            latencies.append(time.monotonic() - started)
            assert r.status_code == 200 and r.json()["boolean"] is True
            time.sleep(0.3)
    for t in threads:
        t.join()
    assert max(latencies) < 1.5, latencies
    assert max(probe.latencies) < 1.0, probe.latencies
    # The flood's queries end as a heavy query does: stopped at the limit, or never started (busy, Retry-After).
    assert len(flood) == 6 and all(r.status_code == 503 for r in flood), [r.text for r in flood]
    busy = [r for r in flood if r.json()["error"] == "workers_busy"]
    assert busy and all(int(r.headers["retry-after"]) >= 1 for r in busy)
    assert all("REKG_QUERY_WORKERS" in r.json()["detail"] for r in busy)


def test_without_a_network_namespace_the_seccomp_filter_is_in_force() -> None:
    with serve(REKG_QUERY_NETNS="false") as s:
        body = httpx.get(s.url + "/healthz").json()
        assert body["sandbox"] == ("seccomp" if SECCOMP else "none")
        if not SECCOMP:
            assert "NOT SANDBOXED" in s.log.read_text(errors="replace")
        r = httpx.get(s.sparql, params={"query": "SELECT ?f WHERE { ?f rekg:operator id:lynas }"})
        assert r.status_code == 200 and r.json()["results"]["bindings"]
        r = httpx.get(s.sparql, params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
        assert r.status_code == 400 and r.json()["error"] == "forbidden_query"
