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
* moves into an empty network namespace when the kernel allows unprivileged user
  namespaces, so even a query that slipped past :mod:`rekg.graph.sparql.guard` could not open a
  connection (the guard is the rule; this is a second wall, reported by ``sandboxed``);
* then serves requests (bytes in, bytes out) until its pipe closes.

The pool is recycled when ``generation()`` changes (the graph version), because a forked
worker holds a snapshot of the store as it was when it was forked.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing as mp
import os
import signal
import stat
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["EVAL_STACK_BYTES", "ClientGone", "PoolClosed", "WorkerGone", "WorkerPool", "WorkerTimeout", "WorkersBusy"]

log = logging.getLogger("rekg.sparql")

Handler = Callable[[bytes], bytes]

_HELLO, _REPLY, _FAILED = b"H", b"R", b"E"
#: Stack of the thread that evaluates queries in a worker.
EVAL_STACK_BYTES = 512 * 2**20
_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


class WorkerTimeout(Exception):
    """The worker did not answer before the deadline; it has been killed."""


class WorkersBusy(Exception):
    """No worker became free before the deadline."""


class WorkerGone(Exception):
    """The worker died or could not start (the message says why)."""


class PoolClosed(Exception):
    """The pool has been closed (the server is shutting down)."""


class ClientGone(Exception):
    """The caller's ``cancelled`` awaitable fired; the worker has been killed."""


@dataclass(eq=False)
class _Worker:
    proc: Any
    conn: Connection
    generation: int
    sandboxed: bool | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        return self.proc.pid


def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - not Linux
        return None


def _detach_sockets(keep: int) -> None:
    """Point every inherited socket except ``keep`` at /dev/null (numbers stay taken)."""
    try:
        fds = [int(x) for x in os.listdir("/proc/self/fd")]
    except OSError:  # pragma: no cover - no /proc
        return
    null = os.open(os.devnull, os.O_RDWR)
    for fd in fds:
        if fd in (keep, null):
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.dup2(null, fd)
        except OSError:
            pass
    os.close(null)


def _worker_main(conn: Connection, make_handler: Callable[[], Handler], parent: int, pdeathsig: bool) -> None:
    # Handlers inherited from uvicorn would swallow SIGTERM; Ctrl-C is the server's business.
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        with contextlib.suppress(ValueError, OSError):
            signal.signal(sig, signal.SIG_DFL)
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    libc = _libc()
    if libc is not None:
        libc.prctl(_PR_SET_NAME, b"rekg-sparql", 0, 0, 0)  # what ps/top show for the worker
        if pdeathsig:
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)
    _detach_sockets(conn.fileno())
    sandboxed = bool(libc is not None and libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0)
    try:
        handler = make_handler()
    except BaseException as exc:  # report why, then die: the parent raises WorkerGone
        with contextlib.suppress(OSError):
            conn.send_bytes(_FAILED + f"{type(exc).__name__}: {exc}".encode())
        os._exit(1)
    conn.send_bytes(_HELLO + (b"1" if sandboxed else b"0"))

    def serve() -> None:
        while True:
            try:
                request = conn.recv_bytes()
            except (EOFError, OSError):
                os._exit(0)
            try:
                reply = _REPLY + handler(request)
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

    Examples
    --------
    >>> import asyncio
    >>> pool = WorkerPool(lambda: bytes.upper, size=1)
    >>> asyncio.run(pool.call(b"dysprosium", timeout=10))
    b'DYSPROSIUM'
    >>> pool.close()
    """

    def __init__(
        self, make_handler: Callable[[], Handler], *, size: int, generation: Callable[[], int] | None = None
    ) -> None:
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        self._make_handler = make_handler
        self.size = size
        self._generation = generation or (lambda: 0)
        self._ctx = mp.get_context("fork")
        self._lock = threading.RLock()
        self._idle: list[_Worker] = []
        self._workers: dict[int, _Worker] = {}
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[_Worker]]] = deque()
        self._closed = False
        self.sandboxed: bool | None = None
        self.killed = 0

    # -- process management -------------------------------------------------------------

    def _spawn(self) -> _Worker:
        parent_end, child_end = self._ctx.Pipe(duplex=True)
        on_main = threading.current_thread() is threading.main_thread()
        proc = self._ctx.Process(
            target=_worker_main,
            args=(child_end, self._make_handler, os.getpid(), on_main),
            name="rekg-sparql-worker",
            daemon=True,
        )
        try:
            proc.start()
        finally:
            child_end.close()
        worker = _Worker(proc, parent_end, self._generation())
        self._workers[worker.pid] = worker
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker and forget it (the caller holds the lock)."""
        self._workers.pop(worker.pid, None)
        with contextlib.suppress(ProcessLookupError, OSError):
            os.kill(worker.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            worker.conn.close()
        # Reap in the background: a big address space takes a moment to tear down.
        threading.Thread(target=worker.proc.join, name="rekg-reap", daemon=True).start()

    def start(self) -> None:
        """Fork the workers now rather than on the first query."""
        with self._lock:
            if self._closed:
                raise PoolClosed("the query worker pool is closed")
            while len(self._workers) < self.size:
                self._idle.append(self._spawn())

    def close(self) -> None:
        """Kill every worker; later calls raise :class:`PoolClosed`."""
        with self._lock:
            self._closed = True
            for worker in list(self._workers.values()):
                self._retire(worker)
            self._idle.clear()
            waiters, self._waiters = list(self._waiters), deque()
        for loop, fut in waiters:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_fail, fut, PoolClosed("the query worker pool is closed"))

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

    def _take(self, loop: asyncio.AbstractEventLoop) -> _Worker | asyncio.Future[_Worker]:
        with self._lock:
            if self._closed:
                raise PoolClosed("the query worker pool is closed")
            generation = self._generation()
            while self._idle:
                worker = self._idle.pop()
                if worker.generation == generation and worker.proc.is_alive():
                    return worker
                self._retire(worker)
            if len(self._workers) < self.size:
                return self._spawn()
            fut: asyncio.Future[_Worker] = loop.create_future()
            self._waiters.append((loop, fut))
            return fut

    def _give_back(self, worker: _Worker | None) -> None:
        """Return a healthy worker (or ``None`` after a kill) to the pool or a waiter."""
        with self._lock:
            if self._closed:
                if worker is not None:
                    self._retire(worker)
                return
            if worker is not None and worker.generation != self._generation():
                self._retire(worker)
                worker = None
            while self._waiters:
                loop, fut = self._waiters.popleft()
                if fut.done():
                    continue
                if worker is None:
                    worker = self._spawn()
                try:
                    loop.call_soon_threadsafe(self._deliver, fut, worker)
                except RuntimeError:  # that loop is closed; try the next waiter
                    continue
                return
            if worker is not None:
                self._idle.append(worker)
            elif len(self._workers) < self.size:
                # Keep the pool warm: the next query should not pay for the fork.
                self._idle.append(self._spawn())

    def _deliver(self, fut: asyncio.Future[_Worker], worker: _Worker) -> None:
        if fut.done():
            self._give_back(worker)
        else:
            fut.set_result(worker)

    def _abandon(self, fut: asyncio.Future[_Worker]) -> None:
        """Stop waiting for a worker; pass it on if it was handed over in the meantime."""
        if fut.done() and not fut.cancelled() and fut.exception() is None:
            self._give_back(fut.result())
        else:
            fut.cancel()

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self.killed += 1
            self._retire(worker)
        log.info(
            "killed query worker %s after %.1f s; forking a fresh one", worker.pid, time.monotonic() - worker.started
        )
        self._give_back(None)

    # -- running a request --------------------------------------------------------------

    async def call(self, request: bytes, *, timeout: float, cancelled: asyncio.Future[Any] | None = None) -> bytes:
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
        WorkerGone
            The worker died or failed to start.
        PoolClosed
            The pool is closed.
        """
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        watch = cancelled
        got = self._take(loop)
        if isinstance(got, asyncio.Future):
            try:
                done, _ = await asyncio.wait(
                    {got} | ({watch} if watch else set()), timeout=deadline - loop.time(), return_when="FIRST_COMPLETED"
                )
            except BaseException:
                self._abandon(got)
                raise
            if got not in done:
                self._abandon(got)
                if watch is not None and watch in done:
                    raise ClientGone("the client went away while the query waited for a worker")
                raise WorkersBusy(f"all {self.size} query workers stayed busy for {timeout:g} s")
            worker = got.result()
            if deadline - loop.time() <= 0.001:
                # Handed over at the very end of our time: the query never ran, say why.
                self._give_back(worker)
                raise WorkersBusy(f"all {self.size} query workers stayed busy for {timeout:g} s")
        else:
            worker = got
        healthy = False
        try:
            # Event loops (uvloop) may leave the pipe non-blocking after add_reader; the
            # framed send/recv of multiprocessing needs it blocking.
            os.set_blocking(worker.conn.fileno(), True)
            worker.conn.send_bytes(request)
            reply = await self._reply(loop, worker, deadline, watch)
            healthy = True
            return reply
        except (OSError, EOFError) as exc:
            raise WorkerGone(f"the query worker {worker.pid} died ({type(exc).__name__}: {exc})") from None
        finally:
            if healthy:
                self._give_back(worker)
            else:
                self._discard(worker)

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
                    worker.sandboxed = body == b"1"
                    if self.sandboxed is None and not worker.sandboxed:
                        log.warning(
                            "query workers cannot drop network access on this kernel; relying on the lexer guard"
                        )
                    if self.sandboxed is None or not worker.sandboxed:
                        self.sandboxed = worker.sandboxed
                    continue
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
