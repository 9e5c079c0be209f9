"""SPARQL execution for the public endpoint: guard, bounded evaluation and serialisation.

A request goes through three steps:

1. :meth:`QueryExecutor.prepare` (or :func:`prepare_query`) runs the guard,
   :mod:`rekg.graph.sparql.guard`: updates and ``SERVICE`` are refused, and every graph named by
   ``FROM`` / ``FROM NAMED`` or by the protocol's ``default-graph-uri`` /
   ``named-graph-uri`` must be a graph of the store. Nothing is ever fetched or read from
   a file. What runs is exactly what was checked: the guard's canonical rewrite of the query
   (relative IRIs resolved against the endpoint's URL), on the dataset passed to the store
   explicitly.
2. :meth:`QueryExecutor.run` evaluates the query with a time limit. A back end that can be
   read from forked workers (:meth:`rekg.graph.store.base.Store.worker_reader`: Oxigraph in
   memory or on disk) runs it in a worker process of
   :class:`rekg.graph.sparql.pool.WorkerPool`, which is killed when the limit passes or the
   client goes away; other back ends (the ``remote`` store) evaluate in a thread of this
   process and rely on their own HTTP timeout, since closing the connection is what
   cancels a remote query.
3. :func:`evaluate` serialises in the worker with pyoxigraph's native writers and sends
   bytes back. Results are first written as TSV (SELECT) or N-Triples (CONSTRUCT,
   DESCRIBE), one line per row, through a writer that stops the query as soon as the row
   cap is passed; the requested format (one of the registry, :mod:`rekg.graph.formats`) is
   then written natively from that.

The default graph of every query is the union of all named graphs unless the query or the
request names a dataset.
"""

from __future__ import annotations

import asyncio
import math
import pickle
import re
import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import pyoxigraph as ox
from rekg.graph.errors import (
    ForbiddenQuery,
    InvalidQuery,
    QueryMemoryExceeded,
    QueryTimeout,
    QueryWorkersBusy,
    RekgError,
    ResultTooLarge,
    StoreUnavailable,
    UnsupportedFeature,
    UnsupportedFormat,
)
from rekg.graph.formats import GRAPH_FORMATS, RESULT_FORMATS, rdf_format, results_format, xml_safe_bytes
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.lexer import QueryForm
from rekg.graph.sparql.guard import QueryShape, SourceMap, inspect_query
from rekg.graph.sparql.pool import (
    ClientGone,
    PoolClosed,
    Sandbox,
    WorkerGone,
    WorkerOutOfMemory,
    WorkerPool,
    WorkersBusy,
    WorkerTimeout,
)
from rekg.graph.sparql.sandbox import default_memory_mb
from rekg.graph.sparql.service import service_description
from rekg.graph.store.base import QueryReader, ReaderOpener

__all__ = [
    "PreparedQuery",
    "QueryExecutor",
    "QueryOutcome",
    "evaluate",
    "prepare_query",
    "run_query",
]

TIMEOUT_SETTING = "REKG_QUERY_TIMEOUT_S"
ROWS_SETTING = "REKG_MAX_ROWS"
WORKERS_SETTING = "REKG_QUERY_WORKERS"
MEMORY_SETTING = "REKG_QUERY_MEMORY_MB"


@dataclass(frozen=True)
class PreparedQuery:
    """A query that passed the guard, with the dataset it will run on.

    ``text`` is the guard's canonical rewrite of the query (:attr:`QueryShape.text`), the text that
    runs; ``source_map`` relates its positions to the query as sent (see :meth:`relocate`).
    ``default_graph`` / ``named_graphs`` are ``None`` for "the union of all graphs" /
    "every named graph"; otherwise the exact graphs (all of them graphs of the store).
    """

    text: str
    form: QueryForm
    default_graph: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    source_map: SourceMap | None = field(default=None, repr=False, compare=False)

    def relocate(self, exc: RekgError) -> RekgError:
        """``exc`` with the line and column of an Oxigraph syntax error moved to the query as sent.

        Examples
        --------
        >>> from rekg.graph.store import open_store
        >>> kg = KnowledgeGraph(open_store("memory"))
        >>> q = prepare_query(kg, "SELECT *\\n  WHERE { ?s ?p ?o ?x }")
        >>> q.text
        'SELECT * WHERE { ?s ?p ?o ?x }'
        >>> try:
        ...     evaluate(kg.store, q.text, "json")
        ... except InvalidQuery as exc:
        ...     print(exc.detail.split(": ")[0], "->", q.relocate(exc).detail.split(": ")[0])
        error at 1:31 -> error at 2:24
        """
        if self.source_map is None or not isinstance(exc, InvalidQuery):
            return exc
        detail = self.source_map.relocate(exc.detail)
        return exc if detail == exc.detail else type(exc)(detail, **exc.extra)

    @property
    def kind(self) -> Literal["results", "graph"]:
        """``results`` for SELECT and ASK, ``graph`` for CONSTRUCT and DESCRIBE."""
        return "results" if self.form in ("SELECT", "ASK") else "graph"


@dataclass(frozen=True)
class QueryOutcome:
    """A serialised result: the bytes, how many rows (or triples) and how long it took."""

    body: bytes
    count: int
    fmt: str
    eval_ms: float
    elapsed_ms: float = 0.0


class _RowCapReached(Exception):
    pass


class _LineCounter:
    """A binary sink that keeps what it gets and stops the writer after ``cap`` lines."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.lines = 0
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        self.parts.append(bytes(data))
        if self.lines > self.cap:
            raise _RowCapReached()
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def _too_many(max_rows: int, what: str) -> ResultTooLarge:
    return ResultTooLarge(
        f"The result has more than {max_rows} {what}. Add LIMIT {max_rows} (or a smaller LIMIT, with OFFSET to "
        f"page) to the query, or raise {ROWS_SETTING}. Whole graphs are available from /export.",
        limit=max_rows,
        setting=ROWS_SETTING,
    )


# Results are first written one line per row (or triple), so the writer can be stopped at
# the row cap; the requested format is then written from that.
_ROWS = ox.QueryResultsFormat.TSV
_TRIPLES = ox.RdfFormat.N_TRIPLES


#: Results written as XML: pyoxigraph writes characters XML cannot carry as they are, so a literal
#: from a --data file would make the document unreadable; they become U+FFFD as in the exports.
_XML_KEYS = frozenset({"xml", "rdfxml"})


def evaluate(
    store: QueryReader,
    text: str,
    fmt: str,
    *,
    prefixes: Mapping[str, str] | None = None,
    default_graph: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
    max_rows: int = 10_000,
) -> QueryOutcome:
    """Evaluate a query on ``store`` and serialise it in ``fmt``, refusing big results.

    This is what a worker process runs; it does not check the query (see
    :func:`prepare_query`) and has no time limit of its own.

    Parameters
    ----------
    store : Store or QueryReader
        Any back end, or what a worker reads of one.
    text : str
        The query.
    fmt : str
        A key of :data:`rekg.graph.formats.RESULT_FORMATS` (SELECT, ASK) or of
        :data:`rekg.graph.formats.GRAPH_FORMATS` (CONSTRUCT, DESCRIBE).
    prefixes : mapping, optional
        Predeclared prefixes.
    default_graph, named_graphs : sequence of str, optional
        The dataset; ``None`` for the union default graph / all named graphs.
    max_rows : int
        The most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) allowed.

    Returns
    -------
    QueryOutcome

    Raises
    ------
    InvalidQuery
        If the query does not parse or fails during evaluation.
    UnsupportedFeature
        If the query calls an extension function Oxigraph does not implement.
    ResultTooLarge
        If the result has more than ``max_rows`` rows or triples.
    UnsupportedFormat
        If ``fmt`` does not fit the query form, or the result cannot be written in it.

    Examples
    --------
    >>> from rekg.graph.store import open_store
    >>> s = open_store("memory")
    >>> _ = s.replace_graph("https://example.org/g", [ox.Quad(ox.NamedNode("https://example.org/dy"),
    ...     ox.NamedNode("https://example.org/label"), ox.Literal("dysprosium"))])
    >>> evaluate(s, "SELECT ?o WHERE { ?s ?p ?o }", "csv").body
    b'o\\r\\ndysprosium\\r\\n'
    >>> evaluate(s, "SELECT ?o WHERE { ?s ?p ?o }", "json", max_rows=0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rekg.graph.errors.ResultTooLarge: The result has more than 0 rows. Add LIMIT 0 ... or raise REKG_MAX_ROWS...
    """
    if fmt not in RESULT_FORMATS and fmt not in GRAPH_FORMATS:
        raise UnsupportedFormat(f"unknown result format {fmt!r}")
    if max_rows < 0:
        raise ValueError("max_rows must not be negative")
    started = time.perf_counter()
    try:
        res = store.query(
            text,
            prefixes=prefixes,
            default_graph=None if default_graph is None else list(default_graph),
            named_graphs=None if named_graphs is None else list(named_graphs),
        )
        if isinstance(res, ox.QueryBoolean):
            body, count = res.serialize(format=results_format(fmt, "an ASK")), 1
        elif isinstance(res, ox.QuerySolutions):
            results = results_format(fmt, "a SELECT")
            sink = _LineCounter(max_rows + 1)  # +1: the header line
            try:
                res.serialize(sink, format=_ROWS)
            except _RowCapReached:
                raise _too_many(max_rows, "rows") from None
            rows = sink.getvalue()
            count = max(rows.count(b"\n") - 1, 0)
            body = rows if results == _ROWS else ox.parse_query_results(rows, _ROWS).serialize(format=results)
        else:
            rdf = rdf_format(fmt, "a CONSTRUCT or DESCRIBE result")
            sink = _LineCounter(max_rows)
            try:
                res.serialize(sink, format=_TRIPLES)
            except _RowCapReached:
                raise _too_many(max_rows, "triples") from None
            triples = sink.getvalue()
            count = triples.count(b"\n")
            if rdf == _TRIPLES:
                body = triples
            else:
                try:
                    body = ox.serialize(ox.parse(triples, format=_TRIPLES), format=rdf, prefixes=dict(prefixes or {}))
                except (ValueError, OSError) as exc:
                    raise UnsupportedFormat(f"this result cannot be written as {fmt}: {exc}") from None
    except SyntaxError as exc:
        raise InvalidQuery(str(exc)) from None
    except RuntimeError as exc:
        if str(exc).startswith(("Corruption", "IO error")):
            raise StoreUnavailable(f"the store failed while reading: {exc}") from None
        if str(exc).startswith("The custom function"):
            # Well-formed SPARQL calling an extension function Oxigraph does not implement: not a syntax error.
            raise UnsupportedFeature(
                f"{exc}: this endpoint implements the SPARQL 1.1 functions, XSD casts and Oxigraph's extensions only"
            ) from None
        # pyoxigraph's other evaluation errors (an unbound SERVICE name...)
        raise InvalidQuery(f"the query failed during evaluation: {exc}") from None
    except OSError as exc:
        raise StoreUnavailable(f"the store failed while reading: {exc}") from None
    if fmt in _XML_KEYS and body:
        body = xml_safe_bytes(body)
    return QueryOutcome(body or b"", count, fmt, (time.perf_counter() - started) * 1000)


#: What a query told to reach the network (a SERVICE that got past the guard) is answered, whatever its target: the
#: sandbox refused the connection, and the answer must not tell an open port from a closed one, or a name from none.
NO_OUTBOUND = "SERVICE is not available: this endpoint makes no outbound network connections."
# How Oxigraph's HTTP client words a failed connection or look-up (an OSError, or an evaluation error).
_NETWORK_FAILURE = re.compile(
    r"os error \d+|lookup address|name resolution|not allowed for HTTP|network is|connection|refused|unreachable|"
    r"permission denied|timed out",
    re.IGNORECASE,
)


def _outbound_attempt(text: str, exc: RekgError) -> bool:
    """Whether evaluating ``text`` failed because it tried to reach out (only a SERVICE can).

    Oxigraph reports a failed SERVICE call as an I/O error (``StoreUnavailable`` here) whatever went wrong:
    a refused socket, a failed look-up, a port it will not call, a ``file:`` IRI.
    """
    if "service" not in text.casefold():
        return False
    return isinstance(exc, StoreUnavailable) or (
        isinstance(exc, InvalidQuery) and _NETWORK_FAILURE.search(exc.detail) is not None
    )


def _worker_handler(open_reader: ReaderOpener, prefixes: dict[str, str]) -> Any:
    reader = open_reader()

    def handle(request: bytes) -> bytes:
        text, fmt, default_graph, named_graphs, max_rows = pickle.loads(request)
        args = {"prefixes": prefixes, "default_graph": default_graph, "named_graphs": named_graphs}
        try:
            out = evaluate(reader, text, fmt, max_rows=max_rows, **args)
        except RekgError as exc:
            if _outbound_attempt(text, exc):
                exc = ForbiddenQuery(NO_OUTBOUND)
            return pickle.dumps(("err", type(exc).__name__, exc.detail, exc.extra), pickle.HIGHEST_PROTOCOL)
        return pickle.dumps(("ok", out), pickle.HIGHEST_PROTOCOL)

    return handle


_ERRORS: dict[str, type[RekgError]] = {
    cls.__name__: cls
    for cls in (
        InvalidQuery,
        ForbiddenQuery,
        ResultTooLarge,
        UnsupportedFeature,
        UnsupportedFormat,
        StoreUnavailable,
        QueryTimeout,
    )
}


def _graph_names(kg: KnowledgeGraph) -> frozenset[str]:
    return kg.cached(("sparql", "graph-names"), lambda: frozenset(kg.store.graphs()))


def prepare_query(
    kg: KnowledgeGraph,
    text: str,
    *,
    default_graph_uris: Iterable[str] = (),
    named_graph_uris: Iterable[str] = (),
    base: str | None = None,
) -> PreparedQuery:
    """Check a query from the outside world, fix the dataset it will run on and the text that runs.

    Parameters
    ----------
    kg : KnowledgeGraph
        The graph (its prefixes are predeclared; its graphs are the only ones allowed).
    text : str
        The query.
    default_graph_uris, named_graph_uris : iterable of str
        The protocol's ``default-graph-uri`` / ``named-graph-uri`` values. When any is
        given they replace the query's ``FROM`` / ``FROM NAMED`` (SPARQL 1.1 Protocol 2.1.4).
    base : str, optional
        The base IRI of relative IRIs when the query has no ``BASE``: the endpoint's URL.

    Returns
    -------
    PreparedQuery
        Its ``text`` is the guard's canonical rewrite of the query (see :mod:`rekg.graph.sparql.guard`).

    Raises
    ------
    ForbiddenQuery
        For updates, ``SERVICE``, and any graph that is not a graph of the store.
    InvalidQuery
        For what the guard finds wrong (the parser's own errors come at evaluation).

    Examples
    --------
    >>> from rekg.graph.store import open_store
    >>> kg = KnowledgeGraph(open_store("memory"))
    >>> prepare_query(kg, "ASK { ?s ?p ?o }").form
    'ASK'
    >>> prepare_query(kg, "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rekg.graph.errors.ForbiddenQuery: FROM <file:///etc/passwd> is not a graph of this store...
    """
    if not isinstance(text, str):
        raise TypeError("the query must be a str")
    default_uris = [u for u in default_graph_uris]
    named_uris = [u for u in named_graph_uris]
    shape: QueryShape = inspect_query(text, kg.prefixes, base=base)
    known = _graph_names(kg)

    def check(iris: Iterable[str], how: str) -> None:
        for iri in iris:
            if iri not in known:
                raise ForbiddenQuery(
                    f"{how} <{iri}> is not a graph of this store. This endpoint never fetches data from the web "
                    "or reads files; the service description (GET /sparql) lists the graphs you can name.",
                    graph=iri,
                )

    check(shape.default_graphs or (), "FROM")
    check(shape.named_graphs or (), "FROM NAMED")
    check(default_uris, "default-graph-uri")
    check(named_uris, "named-graph-uri")
    if default_uris or named_uris:
        default, named = tuple(default_uris), tuple(named_uris)
    else:
        default, named = shape.default_graphs, shape.named_graphs
    return PreparedQuery(shape.text, shape.form, default, named, source_map=shape.source_map)


def run_query(kg: KnowledgeGraph, text: str, fmt: str = "json", *, max_rows: int = 10_000) -> QueryOutcome:
    """Check and evaluate a query in this process, without a time limit (the CLI and the Python API).

    Checked as the endpoint checks it (:func:`prepare_query`); relative IRIs resolve against the
    graph's base IRI (so ``<id/lynas>`` is Lynas), where the endpoint resolves them against its URL.

    Examples
    --------
    >>> from rekg.graph.store import open_store
    >>> kg = KnowledgeGraph(open_store("memory"))
    >>> run_query(kg, "ASK { ?s ?p ?o }").body
    b'{"head":{},"boolean":false}'
    """
    prepared = prepare_query(kg, text, base=kg.ns.base)
    if fmt == "json" and prepared.kind == "graph":
        fmt = "ttl"
    try:
        return evaluate(
            kg.store,
            prepared.text,
            fmt,
            prefixes=kg.prefixes,
            default_graph=prepared.default_graph,
            named_graphs=prepared.named_graphs,
            max_rows=max_rows,
        )
    except InvalidQuery as exc:
        raise prepared.relocate(exc) from None


class QueryExecutor:
    """Runs checked queries with a time limit and a row cap, off the serving thread.

    Parameters
    ----------
    kg : KnowledgeGraph
        The graph to query.
    timeout_s : float
        Time limit of one query, waiting for a free worker included.
    max_rows : int
        Most rows (or triples) in one result.
    workers : int
        Worker processes, for back ends that can be read from them (:meth:`Store.worker_reader`).
    memory_mb : int
        Memory one worker may allocate for a query, in MB (0: :func:`~rekg.graph.sparql.sandbox.default_memory_mb`).
        A query that needs more fails with :class:`~rekg.graph.errors.QueryMemoryExceeded`; a worker that grew by
        more than a quarter of it during a query is replaced after answering.
    netns : bool
        Run workers in an empty network namespace where the kernel allows it (their seccomp filter, which
        refuses sockets, applies either way).

    Examples
    --------
    >>> from rekg.graph.store import open_store
    >>> kg = KnowledgeGraph(open_store("memory"))
    >>> ex = QueryExecutor(kg, timeout_s=5, max_rows=10, workers=1)
    >>> asyncio.run(ex.run(prepare_query(kg, "ASK {}"), "json")).body
    b'{"head":{},"boolean":true}'
    >>> ex.close()
    """

    def __init__(
        self,
        kg: KnowledgeGraph,
        *,
        timeout_s: float = 10.0,
        max_rows: int = 10_000,
        workers: int = 2,
        memory_mb: int = 0,
        netns: bool = True,
    ):
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if max_rows < 1 or workers < 1:
            raise ValueError("max_rows and workers must be at least 1")
        if memory_mb < 0:
            raise ValueError("memory_mb must not be negative")
        self.kg = kg
        self._closed = False
        self.timeout_s = float(timeout_s)
        self.max_rows = int(max_rows)
        self.workers = int(workers)
        self.memory_mb = int(memory_mb) or default_memory_mb(self.workers)
        self._pool: WorkerPool | None = None
        opener = kg.store.worker_reader()
        if opener is not None:
            files = kg.store.workers_read_files  # decided once: a serving store does not change mode
            self._pool = WorkerPool(
                partial(_worker_handler, opener, dict(kg.prefixes)),
                start_method="forkserver" if files else "fork",
                size=self.workers,
                generation=lambda: kg.version,
                fork_guard=kg.store.fork_guard,
                memory_mb=self.memory_mb,
                # Memory a big query leaves behind is seldom returned to the system; a fresh fork costs milliseconds.
                recycle_mb=max(self.memory_mb // 4, 1),
                netns=netns,
            )

    @property
    def isolation(self) -> str:
        """``processes`` (killable workers) or ``in-process`` (back ends without a worker reader)."""
        return "processes" if self._pool is not None else "in-process"

    @property
    def sandboxed(self) -> bool | None:
        """Whether workers run without network access (``None`` until one has started)."""
        return self._pool.sandboxed if self._pool is not None else None

    @property
    def sandbox(self) -> Sandbox | None:
        """How workers are kept off the network: ``netns+seccomp``, ``netns``, ``seccomp`` or ``none``.

        ``None`` until a worker has started, and for back ends queried in-process (the remote store).
        """
        return self._pool.sandbox if self._pool is not None else None

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called (a closed executor cannot run queries)."""
        return self._closed

    @property
    def worker_pids(self) -> list[int]:
        """Process ids of the live workers."""
        return self._pool.pids if self._pool is not None else []

    def start(self) -> None:
        """Fork the workers now (the app's lifespan calls this) instead of at the first query."""
        if self._pool is not None:
            self._pool.start()

    def close(self) -> None:
        """Kill the workers; the executor is then closed for good."""
        self._closed = True
        if self._pool is not None:
            self._pool.close()

    async def run(
        self,
        query: PreparedQuery,
        fmt: str,
        *,
        cancelled: asyncio.Future[Any] | None = None,
        client: Hashable = None,
    ) -> QueryOutcome:
        """Evaluate a prepared query in ``fmt`` within the time limit.

        Parameters
        ----------
        query : PreparedQuery
            From :meth:`prepare`.
        fmt : str
            A key of :data:`rekg.graph.formats.RESULT_FORMATS` or :data:`rekg.graph.formats.GRAPH_FORMATS`
            that fits the query form.
        cancelled : asyncio.Future, optional
            Completes when the client disconnects; the query is then stopped.
        client : hashable, optional
            Who asks (the HTTP layer passes the remote address): workers are shared fairly between
            clients (see :mod:`rekg.graph.sparql.pool`).

        Returns
        -------
        QueryOutcome

        Raises
        ------
        QueryTimeout
            The query ran past the limit (or the client left); it was stopped.
        QueryWorkersBusy
            Every worker stayed busy until the limit; the query never ran.
        QueryMemoryExceeded
            The query needed more memory than a worker may use; it was stopped.
        ResultTooLarge, InvalidQuery, UnsupportedFormat, StoreUnavailable
            As :func:`evaluate`.
        ForbiddenQuery
            The query tried to reach the network (only possible past the guard).
        """
        if not isinstance(query, PreparedQuery):
            raise TypeError("run() takes a PreparedQuery; call prepare() first")
        if self._closed:
            raise StoreUnavailable("The SPARQL executor has been shut down.")
        started = time.perf_counter()
        if self._pool is None:
            out = await self._run_in_process(query, fmt, cancelled)
        else:
            request = pickle.dumps(
                (query.text, fmt, query.default_graph, query.named_graphs, self.max_rows), pickle.HIGHEST_PROTOCOL
            )
            try:
                reply = await self._pool.call(request, timeout=self.timeout_s, cancelled=cancelled, client=client)
            except WorkerTimeout:
                raise self._timeout() from None
            except WorkersBusy:
                # By then every query running now has finished or been stopped at its own limit.
                retry = max(1, math.ceil(self.timeout_s))
                raise QueryWorkersBusy(
                    f"All {self.workers} query workers stayed busy with other queries for {self.timeout_s:g} s; "
                    f"the query did not run. Try again in {retry} s, or raise {WORKERS_SETTING} or {TIMEOUT_SETTING}.",
                    retry_after_s=retry,
                    limit_s=self.timeout_s,
                    setting=WORKERS_SETTING,
                ) from None
            except ClientGone:
                raise QueryTimeout("The client went away; the query was stopped.") from None
            except WorkerOutOfMemory:
                raise QueryMemoryExceeded(
                    f"The query needed more than {self.memory_mb} MB of memory, the most one query worker may use, "
                    f"and was stopped. Narrow the patterns, drop ORDER BY or large strings, or raise {MEMORY_SETTING}.",
                    limit_mb=self.memory_mb,
                    setting=MEMORY_SETTING,
                ) from None
            except WorkerGone as exc:
                raise StoreUnavailable(
                    f"The query worker died while running this query ({exc}); it may have run out of memory."
                ) from None
            except PoolClosed:
                raise StoreUnavailable("The SPARQL executor is shutting down.") from None
            status, *rest = pickle.loads(reply)
            if status != "ok":
                name, detail, extra = rest
                raise _ERRORS.get(name, InvalidQuery)(detail, **extra)
            out = rest[0]
        return QueryOutcome(out.body, out.count, out.fmt, out.eval_ms, (time.perf_counter() - started) * 1000)

    def _timeout(self) -> QueryTimeout:
        return QueryTimeout(
            f"The query ran longer than {self.timeout_s:g} s and was stopped. Add a LIMIT or narrow the patterns, "
            f"or raise {TIMEOUT_SETTING}.",
            limit_s=self.timeout_s,
            setting=TIMEOUT_SETTING,
        )

    async def _run_in_process(
        self, query: PreparedQuery, fmt: str, cancelled: asyncio.Future[Any] | None
    ) -> QueryOutcome:
        # A remote store cancels by closing its HTTP connection when its own timeout passes;
        # this thread is then released. We stop waiting for it at our deadline either way.
        task = asyncio.ensure_future(
            asyncio.to_thread(
                evaluate,
                self.kg.store,
                query.text,
                fmt,
                prefixes=self.kg.prefixes,
                default_graph=query.default_graph,
                named_graphs=query.named_graphs,
                max_rows=self.max_rows,
            )
        )
        waits: set[asyncio.Future[Any]] = {task} | ({cancelled} if cancelled is not None else set())
        done, _ = await asyncio.wait(waits, timeout=self.timeout_s, return_when="FIRST_COMPLETED")
        if task in done:
            return task.result()
        task.cancel()
        if cancelled is not None and cancelled in done:
            raise QueryTimeout("The client went away; the query was abandoned.")
        raise self._timeout()

    def describe_service(self, endpoint: str, fmt: str = "ttl") -> bytes:
        """The service description of this endpoint (see :func:`service_description`)."""
        return service_description(
            self.kg,
            endpoint,
            fmt,
            notes=[
                f"Each query may run for {self.timeout_s:g} s ({TIMEOUT_SETTING}) and return at most "
                f"{self.max_rows} rows or triples ({ROWS_SETTING}); a bigger result is refused with HTTP 413, "
                "never silently truncated.",
                f"Each query may use {self.memory_mb} MB of memory ({MEMORY_SETTING}); a query that needs more is "
                "stopped with HTTP 503.",
            ],
        )
