"""A small pool of forked worker processes that can be killed in the middle of a query.

pyoxigraph cannot cancel a running query, and a thread cannot be stopped, so the public
endpoint evaluates queries in child processes: when a query runs past its time limit, or
its client goes away, the worker is sent ``SIGKILL`` and a fresh one takes its place.

Workers are forked from the serving process (the ``fork`` start method), so an in-memory
store is shared copy-on-write and a worker is ready in milliseconds. Each worker:

* resets the signal handlers it inherited from the server and, when forked from the main
  thread, asks the kernel to kill it if the server dies (``PR_SET_PDEATHSIG``);
* points every socket it inherited (the listening socket, client connections, the pipes of
  the other workers) at ``/dev/null``, so a connection the server closes really closes;
* walls itself off from the network and caps the memory it may allocate
  (:mod:`rekg.graph.sparql.sandbox` says how and why);
* then serves requests (bytes in, bytes out) until its pipe closes.

**Memory.** With ``memory_mb`` set, a worker may allocate that much beyond what it has when it
starts serving (:func:`rekg.graph.sparql.sandbox.cap_memory`); a query that needs more gets
:class:`WorkerOutOfMemory` and a fresh worker is forked.

Memory freed after a big query is not always returned to the system (the allocator keeps
it), so a worker whose resident anonymous memory grew by more than ``recycle_mb`` during a
query is replaced after answering it.

**Fairness.** Callers name a ``client`` (the HTTP layer passes the remote address). When a
worker frees up it goes to the waiting request whose client holds the fewest workers (first
come, first served among equals). A client may use every idle worker, but when another
client has to wait and the first holds at least two workers more than it, the first client's
most recently started query is stopped (its worker killed) and queued again at the head of
its client's line, keeping its deadline; the freed worker goes to the waiting client. So one
client's flood delays another client's query by about the time it takes to fork a worker. Among
clients that hold as many workers, the one served longest ago goes first (so with one worker, clients
take turns). A request that would get a worker only with less than :func:`min_run_s` of its
time left is answered :class:`WorkersBusy` instead: it never ran.

The pool is recycled when ``generation()`` changes (the graph version), because a forked
worker holds a snapshot of the store as it was when it was forked.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import multiprocessing as mp
import os
import resource
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Literal

from rekg.graph.sparql.sandbox import (
    MB,
    cap_memory,
    detach_sockets,
    enter_empty_network,
    install_no_socket_filter,
    libc,
    status_bytes,
)

__all__ = [
    "EVAL_STACK_BYTES",
    "SANDBOXES",
    "ClientGone",
    "PoolClosed",
    "Sandbox",
    "WorkerGone",
    "WorkerOutOfMemory",
    "WorkerPool",
    "WorkerTimeout",
    "WorkersBusy",
    "min_run_s",
]

log = logging.getLogger("rekg.sparql")

Handler = Callable[[bytes], bytes]
#: How a worker is kept off the network: both walls, one of them, or none.
Sandbox = Literal["netns+seccomp", "netns", "seccomp", "none"]
#: The sandbox states, strongest first.
SANDBOXES: tuple[Sandbox, ...] = ("netns+seccomp", "netns", "seccomp", "none")

_HELLO, _REPLY, _FAILED, _NOMEM = b"H", b"R", b"E", b"M"
#: Stack of the thread that evaluates queries in a worker.
EVAL_STACK_BYTES = 512 * 2**20
_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15
#: How a worker exits after a MemoryError it could not report.
_EXIT_NOMEM = 3
_SERVED_MEMORY = 4096


class WorkerTimeout(Exception):
    """The worker did not answer before the deadline; it has been killed."""


def min_run_s(timeout: float) -> float:
    """The least time left for which a waiting request is still handed a worker.

    A tenth of the time limit, at most half a second: less than that and the request is
    answered :class:`WorkersBusy` (with a time to retry) rather than started and stopped.

    Examples
    --------
    >>> min_run_s(8.0), min_run_s(1.0)
    (0.5, 0.1)
    """
    return min(0.5, timeout / 10)


class WorkersBusy(Exception):
    """No worker became free before the deadline."""


class WorkerGone(Exception):
    """The worker died or could not start (the message says why)."""


class WorkerOutOfMemory(WorkerGone):
    """The request needed more memory than a worker may allocate; the worker has been replaced."""


class PoolClosed(Exception):
    """The pool has been closed (the server is shutting down)."""


class ClientGone(Exception):
    """The caller's ``cancelled`` awaitable fired; the worker has been killed."""


@dataclass(eq=False)
class _Worker:
    proc: Any
    conn: Connection
    generation: int
    sandbox: Sandbox | None = None
    started: float = field(default_factory=time.monotonic)
    #: Resident anonymous memory when the worker said hello (bytes); growth past it is the worker's own.
    baseline: int | None = None
    #: Handed to a caller (``client``), in the order ``assigned`` of all hand-overs.
    busy: bool = False
    client: Hashable = None
    assigned: int = 0
    #: Killed to make room for another client's request; its caller queues again.
    preempted: bool = False

    @property
    def pid(self) -> int:
        return self.proc.pid


@dataclass(eq=False)
class _Waiter:
    loop: asyncio.AbstractEventLoop
    fut: asyncio.Future[_Worker]
    client: Hashable
    seq: int


@dataclass(frozen=True)
class _Options:
    netns: bool
    seccomp: bool
    memory_bytes: int | None


def _worker_main(
    conn: Connection, make_handler: Callable[[], Handler], parent: int | None, pdeathsig: bool, options: _Options
) -> None:
    # Handlers inherited from uvicorn would swallow SIGTERM; Ctrl-C is the server's business.
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        with contextlib.suppress(ValueError, OSError):
            signal.signal(sig, signal.SIG_DFL)
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    clib = libc()
    if clib is not None:
        clib.prctl(_PR_SET_NAME, b"rekg-sparql", 0, 0, 0)  # what ps/top show for the worker
        if pdeathsig:
            clib.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(0)  # the server died before the death signal was armed
    detach_sockets(conn.fileno())
    netns = bool(options.netns and clib is not None and enter_empty_network(clib))
    seccomp = bool(options.seccomp and install_no_socket_filter(clib))
    sandbox = "+".join(name for name, on in (("netns", netns), ("seccomp", seccomp)) if on) or "none"
    # Where an allocation fails at the memory cap, Rust panics or aborts: printing a backtrace then allocates
    # again and can deadlock the worker instead of ending it.
    os.environ["RUST_BACKTRACE"] = os.environ["RUST_LIB_BACKTRACE"] = "0"
    # A worker that hits its memory cap aborts; a core file of a gigabyte would slow that down and fill the disk.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        handler = make_handler()
    except BaseException as exc:  # report why, then die: the parent raises WorkerGone
        with contextlib.suppress(OSError):
            conn.send_bytes(_FAILED + f"{type(exc).__name__}: {exc}".encode())
        os._exit(1)
    conn.send_bytes(_HELLO + sandbox.encode())

    def serve() -> None:
        if options.memory_bytes:
            # Here, not before: the baseline includes this thread's stack and the opened store.
            cap_memory(options.memory_bytes)
        while True:
            try:
                request = conn.recv_bytes()
            except (EOFError, OSError):
                os._exit(0)
            try:
                reply = _REPLY + handler(request)
            except MemoryError:
                # Its heap may stay fragmented, and the next query should not start near the cap: say so, then go.
                with contextlib.suppress(OSError, MemoryError):
                    conn.send_bytes(_NOMEM)
                os._exit(_EXIT_NOMEM)
            except BaseException as exc:  # the handler should not raise; never leave the parent waiting
                reply = _FAILED + f"{type(exc).__name__}: {exc}".encode()
            try:
                conn.send_bytes(reply)
            except OSError:
                os._exit(0)

    # Oxigraph's parser and planner recurse once per nesting level or chained operator; with
    # the 8 MB main stack a few thousand levels overflow it and kill the process. Serving
    # from a thread with a big stack (reserved, not committed) moves that limit well past
    # what the lexer guard lets through.
    threading.stack_size(EVAL_STACK_BYTES)
    thread = threading.Thread(target=serve, name="rekg-sparql-eval")
    thread.start()
    thread.join()
    os._exit(0)


class WorkerPool:
    """Up to ``size`` worker processes, each running ``make_handler()`` once it is forked.

    Parameters
    ----------
    make_handler : callable
        Called in each new worker; returns the function that turns a request into a reply.
        Runs after the fork, so it may open files (a read-only store) the parent holds.
    size : int
        The number of workers, at least 1.
    generation : callable, optional
        Returns the current generation (the graph version). A worker forked under an older
        generation is retired instead of reused.
    memory_mb : int, optional
        Memory a worker may allocate beyond what it has when it starts serving, in MB; a
        request that needs more fails with :class:`WorkerOutOfMemory`. ``None``: no cap.
    recycle_mb : int, optional
        A worker whose resident memory grew by more than this (MB) is replaced after answering.
        ``None``: never.
    netns : bool
        Move workers into an empty network namespace where the kernel allows it.
    seccomp : bool
        Install the filter that refuses ``socket()`` in workers where the kernel allows it.
    fork_guard : context manager, optional
        Held around each fork: the store's :attr:`~rekg.graph.store.base.Store.fork_guard`, so
        that no worker is forked while a thread of the server is inside a write.
    start_method : {"fork", "forkserver"}
        ``fork`` (the default) forks workers from this process, so they share its memory (an
        in-memory store). ``forkserver`` forks them from a clean process started for the
        purpose, which never opened the store: for workers that open a store's files themselves,
        because RocksDB is not safe to use in a child forked from a process that has it open
        (its background threads' locks are copied as they are; workers aborted or hung).
        ``make_handler`` must then pickle.

    Examples
    --------
    >>> import asyncio
    >>> pool = WorkerPool(lambda: bytes.upper, size=1)
    >>> asyncio.run(pool.call(b"dysprosium", timeout=10))
    b'DYSPROSIUM'
    >>> pool.close()
    """

    def __init__(
        self,
        make_handler: Callable[[], Handler],
        *,
        size: int,
        generation: Callable[[], int] | None = None,
        memory_mb: int | None = None,
        recycle_mb: int | None = None,
        netns: bool = True,
        seccomp: bool = True,
        fork_guard: AbstractContextManager[Any] | None = None,
        start_method: Literal["fork", "forkserver"] = "fork",
    ) -> None:
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        if (memory_mb is not None and memory_mb < 1) or (recycle_mb is not None and recycle_mb < 1):
            raise ValueError("memory_mb and recycle_mb must be positive (or None)")
        self._make_handler = make_handler
        self.size = size
        self._generation = generation or (lambda: 0)
        self._fork_guard = fork_guard if fork_guard is not None else contextlib.nullcontext()
        self._options = _Options(netns, seccomp, None if memory_mb is None else memory_mb * MB)
        self.memory_mb = memory_mb
        self.recycle_mb = recycle_mb
        self._ctx = mp.get_context(start_method)
        if start_method == "forkserver":
            # Imported once in the fork server, not in every worker.
            self._ctx.set_forkserver_preload(["rekg.graph.sparql.executor"])
        self._lock = threading.RLock()
        self._idle: list[_Worker] = []
        self._workers: dict[int, _Worker] = {}
        self._waiters: deque[_Waiter] = deque()
        self._seq = itertools.count()
        #: When each client was last handed a worker (a number of ``_seq``).
        self._served: dict[Hashable, int] = {}
        self._closed = False
        self.sandbox: Sandbox | None = None
        #: Workers killed at a deadline or when their client left; preempted for another client;
        #: replaced for hitting the memory cap; replaced because they grew past ``recycle_mb``.
        self.killed = 0
        self.preempted = 0
        self.out_of_memory = 0
        self.recycled = 0

    @property
    def sandboxed(self) -> bool | None:
        """Whether workers are walled off from the network at all (``None`` until one has started)."""
        return None if self.sandbox is None else self.sandbox != "none"

    # -- process management -------------------------------------------------------------

    def _spawn(self) -> _Worker:
        parent_end, child_end = self._ctx.Pipe(duplex=True)
        if self._ctx.get_start_method() == "fork":
            # The death signal fires when the forking thread ends, so it is armed only for the main thread.
            parent, pdeathsig = os.getpid(), threading.current_thread() is threading.main_thread()
        else:  # forked by the fork server's main thread, which ends when this process does
            parent, pdeathsig = None, True
        proc = self._ctx.Process(
            target=_worker_main,
            args=(child_end, self._make_handler, parent, pdeathsig, self._options),
            name="rekg-sparql-worker",
            daemon=True,
        )
        try:
            with self._fork_guard:
                proc.start()
        finally:
            child_end.close()
        worker = _Worker(proc, parent_end, self._generation())
        self._workers[worker.pid] = worker
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker and forget it (the caller holds the lock)."""
        self._workers.pop(worker.pid, None)
        if worker.proc.exitcode is None:  # not reaped yet, so the PID is still this worker's
            with contextlib.suppress(ProcessLookupError, OSError):
                os.kill(worker.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            worker.conn.close()
        # Reap in the background: a big address space takes a moment to tear down.
        threading.Thread(target=worker.proc.join, name="rekg-reap", daemon=True).start()

    def _hello(self, worker: _Worker, body: bytes) -> None:
        """Note what a new worker said about itself; warn the first time workers are not sandboxed."""
        sandbox: Sandbox = body.decode() if body.decode() in SANDBOXES else "none"  # type: ignore[assignment]
        worker.sandbox = sandbox
        worker.baseline = status_bytes(worker.pid, "RssAnon")
        with self._lock:
            before = self.sandbox
            if before is None or SANDBOXES.index(sandbox) > SANDBOXES.index(before):
                self.sandbox = sandbox  # the pool is as safe as its least safe worker
        if before is None or self.sandbox != before:
            if self.sandbox == "none":
                log.warning(
                    "QUERY WORKERS ARE NOT SANDBOXED: this kernel allows neither a network namespace nor a seccomp "
                    "filter, so only the SPARQL guard stops a query from reaching the network"
                )
            elif self.sandbox == "seccomp":
                log.info("query workers: no network namespace on this kernel; a seccomp filter refuses sockets")

    def start(self, wait_s: float = 10.0) -> None:
        """Fork the workers now rather than on the first query, and wait up to ``wait_s`` for them.

        Once a worker has said hello, :attr:`sandbox` tells how it is walled off (and a worker
        that cannot be walled off is logged as a warning here, at start).
        """
        with self._lock:
            if self._closed:
                raise PoolClosed("the query worker pool is closed")
            new = [self._spawn() for _ in range(self.size - len(self._workers))]
        deadline = time.monotonic() + wait_s
        for worker in new:
            # Not handed out until it has said hello: two readers must never share its pipe.
            try:
                message = worker.conn.recv_bytes() if worker.conn.poll(max(deadline - time.monotonic(), 0)) else None
            except (EOFError, OSError):
                message = _FAILED + b"the worker exited at start"
            if message is not None and message[:1] == _HELLO:
                self._hello(worker, message[1:])
            elif message is not None:
                log.error("a query worker failed to start: %s", message[1:].decode(errors="replace"))
                with self._lock:
                    self._retire(worker)
                continue
            self._give_back(worker)

    def close(self) -> None:
        """Kill every worker; later calls raise :class:`PoolClosed`."""
        with self._lock:
            self._closed = True
            for worker in list(self._workers.values()):
                self._retire(worker)
            self._idle.clear()
            waiters, self._waiters = list(self._waiters), deque()
        for waiter in waiters:
            with contextlib.suppress(RuntimeError):
                waiter.loop.call_soon_threadsafe(_fail, waiter.fut, PoolClosed("the query worker pool is closed"))

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests and diagnostics)."""
        with self._lock:
            return list(self._workers)

    # -- handing workers out --------------------------------------------------------------

    def _held(self) -> Counter[Hashable]:
        """Workers each client holds now (a worker being preempted no longer counts)."""
        return Counter(w.client for w in self._workers.values() if w.busy and not w.preempted)

    def _assign(self, worker: _Worker, client: Hashable) -> _Worker:
        worker.busy, worker.client, worker.assigned = True, client, next(self._seq)
        if len(self._served) >= _SERVED_MEMORY and client not in self._served:
            self._served.clear()  # many addresses: forget who was served when; fairness restarts from now
        self._served[client] = worker.assigned
        return worker

    def _release(self, worker: _Worker) -> None:
        worker.busy, worker.client = False, None

    def _take(self, loop: asyncio.AbstractEventLoop, client: Hashable, seq: int) -> _Worker | asyncio.Future[_Worker]:
        with self._lock:
            if self._closed:
                raise PoolClosed("the query worker pool is closed")
            generation = self._generation()
            while self._idle:
                worker = self._idle.pop()
                if worker.generation == generation and worker.proc.is_alive():
                    return self._assign(worker, client)
                self._retire(worker)
            if len(self._workers) < self.size:
                return self._assign(self._spawn(), client)
            fut: asyncio.Future[_Worker] = loop.create_future()
            self._waiters.append(_Waiter(loop, fut, client, seq))
            self._preempt_for(client)
            return fut

    def _preempt_for(self, client: Hashable) -> None:
        """Free a worker for ``client`` if another client holds two or more workers than it does."""
        held = self._held()
        mine = held.get(client, 0)
        others = [(n, c) for c, n in held.items() if c != client]
        if not others:
            return
        most, hog = max(others, key=lambda nc: nc[0])
        if most < mine + 2:
            return
        victim = max(
            (w for w in self._workers.values() if w.busy and not w.preempted and w.client == hog),
            key=lambda w: w.assigned,
        )
        victim.preempted = True  # its caller sees the pipe close, and queues again
        self.preempted += 1
        with contextlib.suppress(ProcessLookupError, OSError):
            os.kill(victim.pid, signal.SIGKILL)
        log.info("stopped query worker %s (another client's newest query) for a waiting client", victim.pid)

    def _give_back(self, worker: _Worker | None) -> None:
        """Return a released worker (or ``None`` after a kill) to the pool or to the fairest waiter."""
        with self._lock:
            if self._closed:
                if worker is not None:
                    self._retire(worker)
                return
            if worker is not None and (worker.generation != self._generation() or worker.preempted):
                self._retire(worker)
                worker = None
            while self._waiters:
                waiter = self._next_waiter()
                if waiter is None:
                    break
                if worker is None:
                    worker = self._spawn()
                self._assign(worker, waiter.client)
                try:
                    waiter.loop.call_soon_threadsafe(self._deliver, waiter, worker)
                except RuntimeError:  # that loop is closed; try the next waiter
                    self._release(worker)
                    continue
                return
            if worker is not None:
                self._idle.append(worker)
            elif len(self._workers) < self.size:
                # Keep the pool warm: the next query should not pay for the fork.
                self._idle.append(self._spawn())

    def _next_waiter(self) -> _Waiter | None:
        """Remove and return the next waiter: its client holds the fewest workers, then was served longest ago.

        Among requests of one client, the earliest goes first.
        """
        live = [w for w in self._waiters if not w.fut.done()]
        if not live:
            self._waiters.clear()
            return None
        held = self._held()
        best = min(live, key=lambda w: (held.get(w.client, 0), self._served.get(w.client, -1), w.seq))
        self._waiters = deque(w for w in live if w is not best)
        return best

    def _deliver(self, waiter: _Waiter, worker: _Worker) -> None:
        if waiter.fut.done():
            with self._lock:
                self._release(worker)
            self._give_back(worker)
        else:
            waiter.fut.set_result(worker)

    def _abandon(self, fut: asyncio.Future[_Worker]) -> None:
        """Stop waiting for a worker; pass it on if it was handed over in the meantime."""
        if fut.done() and not fut.cancelled() and fut.exception() is None:
            worker = fut.result()
            with self._lock:
                self._release(worker)
            self._give_back(worker)
        else:
            fut.cancel()

    def _discard(self, worker: _Worker, why: str) -> None:
        with self._lock:
            if why == "killed":
                self.killed += 1
            elif why == "memory":
                self.out_of_memory += 1
            elif why == "grown":
                self.recycled += 1
            self._release(worker)
            self._retire(worker)
        if why == "killed":
            ran = time.monotonic() - worker.started
            log.info("killed query worker %s after %.1f s; forking a fresh one", worker.pid, ran)
        elif why in ("memory", "grown"):
            log.info("replaced query worker %s (%s)", worker.pid, "memory cap" if why == "memory" else "it grew")
        self._give_back(None)

    def _finish(self, worker: _Worker) -> None:
        """After a reply: the worker serves again, unless it was preempted meanwhile or has grown too big."""
        if worker.preempted:
            self._discard(worker, "preempted")
            return
        if self.recycle_mb is not None and worker.baseline is not None:
            now = status_bytes(worker.pid, "RssAnon")
            if now is not None and now - worker.baseline > self.recycle_mb * MB:
                self._discard(worker, "grown")
                return
        with self._lock:
            self._release(worker)
        self._give_back(worker)

    # -- running a request --------------------------------------------------------------

    async def call(
        self,
        request: bytes,
        *,
        timeout: float,
        cancelled: asyncio.Future[Any] | None = None,
        client: Hashable = None,
    ) -> bytes:
        """Send ``request`` to a free worker and return its reply.

        Parameters
        ----------
        request : bytes
            The request, passed as-is to the worker's handler.
        timeout : float
            Seconds, counted from now, for waiting for a free worker and for the reply.
        cancelled : asyncio.Future, optional
            A future or task the caller owns; when it completes first (the client went
            away), the worker is killed. It is never cancelled here.
        client : hashable, optional
            Who asks (the remote address): workers are shared fairly between clients.

        Returns
        -------
        bytes
            The handler's reply.

        Raises
        ------
        WorkersBusy
            No worker became free in time.
        WorkerTimeout
            The reply did not come in time; the worker was killed and replaced.
        ClientGone
            ``cancelled`` completed first; the worker was killed and replaced.
        WorkerOutOfMemory
            The request needed more than ``memory_mb``; the worker was replaced.
        WorkerGone
            The worker died or failed to start.
        PoolClosed
            The pool is closed.
        """
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        seq = next(self._seq)  # the place in line, kept when the request is preempted and queued again
        while True:
            worker = await self._acquire(loop, client, seq, deadline, timeout, cancelled)
            try:
                # Event loops (uvloop) may leave the pipe non-blocking after add_reader; the
                # framed send/recv of multiprocessing needs it blocking.
                os.set_blocking(worker.conn.fileno(), True)
                worker.conn.send_bytes(request)
                reply = await self._reply(loop, worker, deadline, cancelled)
            except (OSError, EOFError) as exc:
                if worker.preempted:
                    self._discard(worker, "preempted")
                    continue
                gone: WorkerGone | None = None
                try:
                    gone = await self._why_gone(worker, exc)
                finally:  # even when the caller is cancelled meanwhile
                    self._discard(worker, "memory" if isinstance(gone, WorkerOutOfMemory) else "died")
                raise gone from None
            except WorkerOutOfMemory:
                self._discard(worker, "memory")
                raise
            except BaseException:
                self._discard(worker, "killed")
                raise
            self._finish(worker)
            return reply

    async def _acquire(
        self,
        loop: asyncio.AbstractEventLoop,
        client: Hashable,
        seq: int,
        deadline: float,
        timeout: float,
        watch: asyncio.Future[Any] | None,
    ) -> _Worker:
        got = self._take(loop, client, seq)
        if not isinstance(got, asyncio.Future):
            return got
        try:
            waits = {got} | ({watch} if watch else set())
            done, _ = await asyncio.wait(waits, timeout=max(deadline - loop.time(), 0), return_when="FIRST_COMPLETED")
        except BaseException:
            self._abandon(got)
            raise
        if got not in done:
            self._abandon(got)
            if watch is not None and watch in done:
                raise ClientGone("the client went away while the query waited for a worker")
            raise WorkersBusy(f"all {self.size} query workers stayed busy for {timeout:g} s")
        worker = got.result()
        if deadline - loop.time() < min_run_s(timeout):
            # Handed over with a sliver of its time left, the query would be stopped before it got
            # anywhere and the client would read "timeout" as "too heavy". It never ran: say "busy".
            self._abandon(got)
            raise WorkersBusy(f"all {self.size} query workers stayed busy for {timeout:g} s")
        return worker

    async def _why_gone(self, worker: _Worker, exc: BaseException) -> WorkerGone:
        """What the death of a worker means: its exit status, once it has exited (a few seconds at most).

        Its pipe closes a moment before the kernel can report how it ended, and a big address
        space takes a while to tear down, so poll for the status rather than trust the pipe.
        """
        for _ in range(500):
            if worker.proc.exitcode is not None:
                break
            await asyncio.sleep(0.01)
        code = worker.proc.exitcode
        if code in (-signal.SIGABRT, _EXIT_NOMEM) and self.memory_mb is not None:
            # Oxigraph aborts when an allocation fails, which under the cap means the cap was reached.
            return WorkerOutOfMemory(f"the query needed more than {self.memory_mb} MB")
        return WorkerGone(f"the query worker {worker.pid} died (exit status {code}; {type(exc).__name__}: {exc})")

    async def _reply(
        self, loop: asyncio.AbstractEventLoop, worker: _Worker, deadline: float, watch: asyncio.Future[Any] | None
    ) -> bytes:
        fd = worker.conn.fileno()
        while True:
            # One future settled by whichever comes first: data, the deadline, the client
            # leaving. Cheaper than asyncio.wait() on the hot path.
            first: asyncio.Future[str] = loop.create_future()
            loop.add_reader(fd, _settle, first, "reply")
            timer = loop.call_at(deadline, _settle, first, "timeout")
            gone = None
            if watch is not None:

                def gone(_: Any, first: asyncio.Future[str] = first) -> None:
                    _settle(first, "gone")

                watch.add_done_callback(gone)
            try:
                what = await first
            finally:
                loop.remove_reader(fd)
                timer.cancel()
                if watch is not None and gone is not None:
                    watch.remove_done_callback(gone)
            if what == "reply":
                os.set_blocking(fd, True)
                message = worker.conn.recv_bytes()
                tag, body = message[:1], message[1:]
                if tag == _HELLO:
                    self._hello(worker, body)
                    continue
                if tag == _NOMEM:
                    raise WorkerOutOfMemory(f"the query needed more than {self.memory_mb} MB")
                if tag == _FAILED:
                    raise WorkerGone(body.decode(errors="replace"))
                return body
            if what == "gone":
                raise ClientGone("the client went away; the query was stopped")
            raise WorkerTimeout("the query ran past its time limit and was stopped")


def _settle(fut: asyncio.Future[str], value: str) -> None:
    if not fut.done():
        fut.set_result(value)


def _fail(fut: asyncio.Future[Any], exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)
