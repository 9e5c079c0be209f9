"""The query worker pool (:mod:`rekg.graph.sparql.pool`): memory cap, recycling, sandbox, fairness.

Handlers here are plain functions run in the forked workers, so each test states exactly what a
worker does; the SPARQL executor's own handler is used where the point is what a query can do.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
from rekg.graph import KnowledgeGraph
from rekg.graph.errors import ForbiddenQuery, QueryMemoryExceeded, QueryWorkersBusy
from rekg.graph.sparql.executor import NO_OUTBOUND, PreparedQuery, QueryExecutor, prepare_query
from rekg.graph.sparql.pool import (
    SANDBOXES,
    WorkerOutOfMemory,
    WorkerPool,
    WorkersBusy,
)
from rekg.graph.sparql.sandbox import _no_socket_program, default_memory_mb
from rekg.graph.store import open_store

from tests.serverutil import canary_listener

EX = "https://example.org/"
SECCOMP = os.uname().machine in ("x86_64", "aarch64") and "Seccomp:" in Path("/proc/self/status").read_text()
needs_seccomp = pytest.mark.skipif(not SECCOMP, reason="no seccomp on this kernel or architecture")


@contextmanager
def pool(handler: Callable[[bytes], bytes], **options: object) -> Iterator[WorkerPool]:
    p = WorkerPool(lambda: handler, **{"size": 1, **options})  # type: ignore[arg-type]
    p.start()
    try:
        yield p
    finally:
        p.close()


def call(p: WorkerPool, request: bytes, timeout: float = 20, client: object = None) -> bytes:
    return asyncio.run(p.call(request, timeout=timeout, client=client))


_HOARD: list[bytearray] = []


def allocate(request: bytes) -> bytes:
    """Allocate (and touch) ``request`` MB; with ``keep`` in front, keep it afterwards."""
    keep = request.startswith(b"keep ")
    block = bytearray(int(request.split()[-1]) * 2**20)
    block[::4096] = b"x" * len(block[::4096])
    if keep:
        _HOARD.append(block)
    return b"%d" % len(block)


def strings_in_every_row(request: bytes) -> bytes:
    """The hostile query, in Oxigraph: a large string joined into every row, sorted."""
    store = ox.Store()
    for i in range(2000):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i))))
    big = "x" * 100_000
    rows = store.query(f'SELECT ?x WHERE {{ ?s ?p ?o BIND(CONCAT(STR(?s), "{big}") AS ?x) }} ORDER BY ?x')
    return b"%d" % sum(1 for _ in rows)


# -- memory --------------------------------------------------------------------------------------


def test_the_default_memory_cap_depends_on_the_machine_and_the_workers() -> None:
    assert 128 <= default_memory_mb(32) <= default_memory_mb(2) <= default_memory_mb(1) <= 1024


def test_a_python_allocation_over_the_cap_fails_and_the_worker_is_replaced() -> None:
    with pool(allocate, memory_mb=64) as p:
        assert call(p, b"16") == b"%d" % (16 * 2**20)
        (first,) = p.pids
        with pytest.raises(WorkerOutOfMemory, match="64 MB"):
            call(p, b"200")
        assert p.out_of_memory == 1 and first not in p.pids
        assert call(p, b"16") == b"%d" % (16 * 2**20)


def test_a_query_over_the_cap_fails_in_oxigraph_and_the_worker_is_replaced() -> None:
    # Rust aborts the worker when an allocation fails (SIGABRT) or pyo3 turns it into MemoryError.
    started = time.monotonic()
    with pool(strings_in_every_row, memory_mb=64) as p:
        (first,) = p.pids
        with pytest.raises(WorkerOutOfMemory):
            call(p, b"")
        assert first not in p.pids and len(p.pids) == 1
    assert time.monotonic() - started < 15


def test_without_a_cap_the_same_query_runs() -> None:
    with pool(strings_in_every_row) as p:
        assert call(p, b"") == b"2000"


def test_a_worker_that_grew_during_a_query_is_replaced_after_answering() -> None:
    with pool(allocate, memory_mb=512, recycle_mb=32) as p:
        (first,) = p.pids
        assert call(p, b"keep 8") and p.pids == [first]  # small growth: kept
        assert call(p, b"keep 64") == b"%d" % (64 * 2**20)  # the answer still comes
        assert p.recycled == 1 and first not in p.pids and len(p.pids) == 1


# -- the sandbox ----------------------------------------------------------------------------------


def connect_to(port: int) -> Callable[[bytes], bytes]:
    """A handler that tries what a SERVICE call does: open a TCP connection (and, for good measure, a Unix socket)."""

    def handle(_: bytes) -> bytes:
        results = []
        for family, target in ((socket.AF_INET, ("127.0.0.1", port)), (socket.AF_INET6, ("::1", port))):
            try:
                with socket.socket(family, socket.SOCK_STREAM) as s:
                    s.settimeout(2)
                    s.connect(target)
                    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                results.append("connected")
            except OSError as exc:
                results.append(errno.errorcode.get(exc.errno or 0, str(exc)))
        try:
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()
            results.append("unix")
        except OSError as exc:
            results.append(errno.errorcode.get(exc.errno or 0, str(exc)))
        return " ".join(results).encode()

    return handle


def test_the_filter_program_knows_its_architectures() -> None:
    assert _no_socket_program("x86_64") and _no_socket_program("aarch64")
    assert _no_socket_program("riscv64") is None  # unknown: no filter rather than a wrong one


@needs_seccomp
def test_without_a_network_namespace_the_seccomp_filter_refuses_every_socket() -> None:
    with canary_listener() as canary:
        port = int(canary.url.rsplit(":", 1)[1].strip("/"))
        with pool(connect_to(port), netns=False) as p:
            assert p.sandbox == "seccomp" and p.sandboxed is True
            assert call(p, b"") == b"EACCES EACCES EACCES"
        time.sleep(0.3)
        assert canary.hits == []


def test_the_same_handler_unconfined_does_connect() -> None:
    # The control for the test above: the canary and the handler work, so a refusal means the filter.
    with canary_listener() as canary:
        port = int(canary.url.rsplit(":", 1)[1].strip("/"))
        with pool(connect_to(port), netns=False, seccomp=False) as p:
            assert p.sandbox == "none" and p.sandboxed is False
            assert call(p, b"").startswith(b"connected")
        deadline = time.monotonic() + 2
        while not canary.hits and time.monotonic() < deadline:
            time.sleep(0.02)
        assert canary.hits


def test_workers_without_any_sandbox_are_reported_loudly_at_start(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="rekg.sparql"), pool(bytes.upper, netns=False, seccomp=False) as p:
        assert p.sandbox == "none"  # known at start, before any request
    assert any("NOT SANDBOXED" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_the_sandbox_is_known_once_the_pool_has_started() -> None:
    with pool(bytes.upper) as p:
        assert p.sandbox in SANDBOXES
        if SECCOMP:
            assert "seccomp" in p.sandbox  # type: ignore[operator]


@needs_seccomp
@pytest.mark.parametrize("netns", [True, False])
def test_a_smuggled_service_gets_one_answer_whatever_its_target(netns: bool) -> None:
    store = open_store("memory")
    store.replace_graph(f"{EX}g", [ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("o"))])
    kg = KnowledgeGraph(store)
    ex = QueryExecutor(kg, timeout_s=10, workers=1, netns=netns)
    ex.start()
    try:
        assert ex.sandbox in (("netns+seccomp", "seccomp") if netns else ("seccomp",))
        with canary_listener() as canary:
            with socket.socket() as closed:
                closed.bind(("127.0.0.1", 0))
                closed_url = f"http://127.0.0.1:{closed.getsockname()[1]}/"
            answers = set()
            for target in (canary.url, closed_url, "http://example.invalid/", "https://127.0.0.1:1/", "file:///etc/"):
                # Past the guard on purpose: the prepared query is built by hand.
                smuggled = PreparedQuery(f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}", "SELECT")
                with pytest.raises(ForbiddenQuery) as info:
                    asyncio.run(ex.run(smuggled, "json"))
                answers.add((info.value.code, info.value.detail))
            time.sleep(0.3)
            assert canary.hits == []
        assert answers == {("forbidden_query", NO_OUTBOUND)}
        assert asyncio.run(ex.run(prepare_query(kg, "ASK { ?s ?p ?o }"), "json")).body.endswith(b"true}")
    finally:
        ex.close()


# -- fairness ---------------------------------------------------------------------------------


def sleep_for(request: bytes) -> bytes:
    time.sleep(float(request))
    return request


async def timed(p: WorkerPool, request: bytes, client: str, timeout: float = 30) -> tuple[str, float, bytes | str]:
    started = time.monotonic()
    try:
        reply: bytes | str = await p.call(request, timeout=timeout, client=client)
    except WorkersBusy as exc:
        reply = f"busy: {exc}"
    return client, time.monotonic() - started, reply


def test_one_clients_flood_does_not_hold_back_another_client() -> None:
    with pool(sleep_for, size=2) as p:

        async def scenario() -> list[tuple[str, float, bytes | str]]:
            flood = [asyncio.ensure_future(timed(p, b"2", "flood")) for _ in range(4)]
            await asyncio.sleep(0.5)  # both workers are now the flood's
            quick = await timed(p, b"0", "other")
            return [quick, *await asyncio.gather(*flood)]

        (who, waited, reply), *flood = asyncio.run(scenario())
        assert who == "other" and reply == b"0" and waited < 1.0, waited
        assert p.preempted == 1
        # The stopped query was queued again and answered: nothing of the flood is lost.
        assert [r for _, _, r in flood] == [b"2"] * 4


def test_a_client_alone_may_use_every_worker() -> None:
    with pool(sleep_for, size=2) as p:

        async def both() -> list[tuple[str, float, bytes | str]]:
            return await asyncio.gather(timed(p, b"1", "alone"), timed(p, b"1", "alone"))

        started = time.monotonic()
        results = asyncio.run(both())
        assert [r for _, _, r in results] == [b"1", b"1"] and time.monotonic() - started < 1.9
        assert p.preempted == 0


def test_a_waiting_worker_goes_to_the_client_that_holds_fewest() -> None:
    with pool(sleep_for, size=1) as p:

        async def scenario() -> list[str]:
            order: list[str] = []

            async def ask(client: str, delay: float) -> None:
                await asyncio.sleep(delay)
                await p.call(b"0.3", timeout=30, client=client)
                order.append(client)

            # "a" holds the worker and queues two more; "b" arrives last but is served next (turns).
            await asyncio.gather(ask("a", 0), ask("a", 0.05), ask("a", 0.1), ask("b", 0.15))
            return order

        order = asyncio.run(scenario())
        assert order.index("b") == 1, order
        assert p.preempted == 0  # one worker: nobody holds two, so nothing is stopped


def test_a_busy_pool_says_so_with_a_time_to_retry(kg: KnowledgeGraph) -> None:
    ex = QueryExecutor(kg, timeout_s=1.0, workers=1)
    ex.start()
    try:

        async def two() -> list[object]:
            slow = ex.run(prepare_query(kg, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"), "json")
            fast = ex.run(prepare_query(kg, "ASK {}"), "json")
            return await asyncio.gather(slow, fast, return_exceptions=True)

        _, busy = asyncio.run(two())
        assert isinstance(busy, QueryWorkersBusy) and busy.code == "workers_busy"
        assert busy.retry_after_s == 1 and "REKG_QUERY_WORKERS" in busy.detail
    finally:
        ex.close()


def test_the_executor_names_the_memory_setting() -> None:
    store = open_store("memory")
    p = ox.NamedNode(f"{EX}p")
    store.replace_graph(f"{EX}g", [ox.Quad(ox.NamedNode(f"{EX}s{i}"), p, ox.Literal(str(i))) for i in range(2000)])
    kg = KnowledgeGraph(store)
    ex = QueryExecutor(kg, timeout_s=20, workers=1, memory_mb=64)
    ex.start()
    try:
        big = "x" * 100_000
        q = prepare_query(kg, f'SELECT ?x WHERE {{ ?s ?p ?o BIND(CONCAT(STR(?s), "{big}") AS ?x) }} ORDER BY ?x')
        with pytest.raises(QueryMemoryExceeded, match="REKG_QUERY_MEMORY_MB") as info:
            asyncio.run(ex.run(q, "json"))
        assert info.value.extra == {"limit_mb": 64, "setting": "REKG_QUERY_MEMORY_MB"}
        assert asyncio.run(ex.run(prepare_query(kg, "ASK { ?s ?p ?o }"), "json")).body.endswith(b"true}")
    finally:
        ex.close()
