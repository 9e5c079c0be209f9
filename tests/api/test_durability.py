"""Acknowledged writes survive kill -9; interrupted ones leave nothing partial; SIGTERM drains requests."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx

from tests.serverutil import running_server, start_server

TOKEN = "durability-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/trig"}
ENV = {"REKG_WRITE_TOKEN": TOKEN}


def source_doc(i: int, facts: int = 40) -> bytes:
    """A valid source with one described graph and `facts` labelled places (so each write is sizeable)."""
    sid = f"stream-{i:04d}"
    lines = [
        "@prefix id: <id/> . @prefix src: <source/> . @prefix rekg: <https://w3id.org/rekg/ontology#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        f"src:{sid} {{",
        f'  src:{sid} a rekg:Source ; rdfs:label "stream {i}"@en ; dcterms:title "Streamed note {i}" ;',
        '    dcterms:publisher id:lynas ; dcterms:date "2026-02-01"^^xsd:date ; rekg:sourceKind rekg:NewsArticle .',
    ]
    lines += [
        f'  id:{sid}-place-{k} a rekg:Place ; rdfs:label "place {k} of {i}"@en ; rekg:country id:malaysia .'
        for k in range(facts)
    ]
    lines.append("}")
    return "\n".join(lines).encode()


#: The source's 6 triples, the 2 PROV-O triples the write path adds (graph/io/provenance.py), 40 facts of 3.
PROV = 2
EXPECTED_TRIPLES = 6 + PROV + 40 * 3


def _sources(url: str) -> dict[str, int]:
    return {
        s["id"]: s["triples"] for s in httpx.get(url + "/sources", timeout=10).json() if s["id"].startswith("stream-")
    }


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    store = tmp_path / "store"
    args = ["--store", "oxigraph", "--store-path", str(store)]
    server = start_server(args, ENV)
    acked: list[str] = []
    attempted: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        with httpx.Client(timeout=30) as http:
            for i in range(10_000):
                if stop.is_set():
                    return
                attempted.append(f"stream-{i:04d}")
                try:
                    r = http.post(server.url + "/sources", content=source_doc(i), headers=AUTH)
                except httpx.HTTPError:
                    return  # the server died mid-request
                assert r.status_code == 201, r.text
                acked.append(r.json()["id"])

    t = threading.Thread(target=writer)
    t.start()
    try:
        deadline = time.monotonic() + 60
        while len(acked) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(acked) >= 5, "writes were not acknowledged in time"
        server.stop(signal.SIGKILL)
    finally:
        stop.set()
        t.join(30)
        server.stop()

    assert acked, "nothing was acknowledged before the kill"
    with running_server(args, ENV) as again:
        present = _sources(again.url)
    # Every acknowledged source is there, whole.
    assert {s: present.get(s) for s in acked} == {s: EXPECTED_TRIPLES for s in acked}
    # Anything else present can only be the one write in flight at the kill, and it is whole too.
    extra = set(present) - set(acked)
    assert extra <= set(attempted[len(acked) :])
    assert len(extra) <= 1
    assert all(present[s] == EXPECTED_TRIPLES for s in extra)


def test_sigterm_lets_in_flight_requests_finish(tmp_path: Path) -> None:
    args = ["--store", "oxigraph", "--store-path", str(tmp_path / "store")]
    server = start_server(args, ENV)
    result: dict[str, object] = {}

    def slow_write() -> None:
        # A large source takes long enough to validate that SIGTERM arrives while it is in flight.
        r = httpx.post(server.url + "/sources", content=source_doc(1, facts=1500), headers=AUTH, timeout=60)
        result["status"] = r.status_code

    t = threading.Thread(target=slow_write)
    t.start()
    time.sleep(0.3)
    code = server.stop(signal.SIGTERM, timeout=60)
    t.join(60)
    assert result.get("status") == 201
    # uvicorn drains, shuts down cleanly, then re-raises the captured SIGTERM as its exit status.
    assert code in (0, -signal.SIGTERM)
    assert "Finished server process" in server.log.read_text(errors="replace")
    with running_server(args, ENV) as again:
        assert _sources(again.url) == {"stream-0001": 6 + PROV + 1500 * 3}


def test_a_store_read_on_disk_answers_whole_versions_while_sources_are_posted(tmp_path: Path) -> None:
    """Over the memory-mirror limit, workers read the store's files: none is alive while a write lands,
    so every count a query sees is that of some acknowledged state, and never goes back (issue 18)."""
    args = ["--store", "oxigraph", "--store-path", str(tmp_path / "store")]
    count = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        'FILTER(STRSTARTS(STR(?g), "https://w3id.org/rekg/source/stream-")) }'
    )
    per_source, sources = 6 + PROV + 10 * 3, 12
    with running_server(args, {**ENV, "REKG_MEMORY_MIRROR_MAX_QUADS": "0"}) as server:
        acked: list[int] = []

        def writer() -> None:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                for i in range(sources):
                    r = http.post("/sources", content=source_doc(i, facts=10), headers=AUTH)
                    assert r.status_code == 201, r.text
                    acked.append(i)

        def read(http: httpx.Client) -> int:
            r = http.post("/sparql", data={"query": count}, headers={"Accept": "application/sparql-results+json"})
            assert r.status_code == 200, r.text
            return int(r.json()["results"]["bindings"][0]["n"]["value"])

        t = threading.Thread(target=writer)
        seen: list[tuple[int, int]] = []  # (writes acknowledged before the query was sent, count)
        with httpx.Client(base_url=server.url, timeout=30) as http:
            t.start()
            while t.is_alive():
                before = len(acked)
                seen.append((before, read(http)))
            t.join()
            seen.append((len(acked), read(http)))
    counts = [n for _, n in seen]
    assert all(n % per_source == 0 for n in counts), counts
    assert counts == sorted(counts) and counts[-1] == per_source * sources
    assert all(n >= before * per_source for before, n in seen)  # every acknowledged write is in the answer
    assert len(set(counts)) > 2, "the reads did not overlap the writes"
