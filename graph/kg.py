"""The knowledge graph as the rest of the code sees it: a store, its namespaces and caches."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import pyoxigraph as ox
from rekg.graph.store import Store
from rekg.ontology import DEFAULT_BASE_IRI, Namespaces, namespaces

__all__ = ["KnowledgeGraph", "Row"]

T = TypeVar("T")
Row = dict[str, Any]

log = logging.getLogger(__name__)

#: After a write, cached values read within this many seconds are computed again before the write
#: is acknowledged; older ones are computed by their next reader.
REWARM_WINDOW_S = 300.0
#: A write stops recomputing after this long (most recently read first), so a graph read in many
#: ways cannot make every write slow; what is left is computed by its next reader.
REWARM_BUDGET_S = 1.0
#: :meth:`KnowledgeGraph.per_graph` reads the parts of more graphs than this in one go.
BULK_GRAPHS = 16


class KnowledgeGraph:
    """A store plus what every query needs: the base namespaces, prefixes and a cache.

    The cache is keyed on the graph's version, so anything computed from the graph (the
    NetworkX projection, convenience answers) is computed once per graph version.

    Writes go through :meth:`writing`. While one runs, readers keep the version from before it
    (and the values cached for it); the writer then computes again what readers used recently,
    and only then publishes the new version. So after a write no reader waits for an index to
    be rebuilt, and once the write is acknowledged every answer includes it.
    """

    def __init__(self, store: Store, base: str = DEFAULT_BASE_IRI, *, seed_graphs: Iterable[str] = ()) -> None:
        self.store = store
        self.ns: Namespaces = namespaces(base)
        self.prefixes = self.ns.prefixes()
        #: Graphs that come from the curated seed files; uploads may not replace or delete them.
        self.seed_graphs: frozenset[str] = frozenset(seed_graphs)
        #: Serialises writes so a check-then-write (e.g. "source id is free") is atomic.
        self.write_lock = threading.Lock()
        self._cache: dict[Any, tuple[int, Any]] = {}
        self._cache_lock = threading.Lock()
        self._key_locks: dict[Any, threading.Lock] = {}
        self._parts: dict[Any, dict[str, tuple[int, Any]]] = {}
        #: key -> (when last read, how to compute it): what a write computes again before publishing.
        self._used: dict[Any, tuple[float, Callable[[], Any]]] = {}
        #: Writes under way through :meth:`writing`; while there are any, readers see ``_published``.
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._published = store.version
        #: One recomputation at a time; a writer whose write another one's covered just returns.
        self._publish_lock = threading.Lock()
        self._rewarming = threading.local()

    @property
    def version(self) -> int:
        """The version answers are computed for.

        The store's own, except while writes are under way: then the newest version whose
        recomputed values are ready (see :meth:`writing`).
        """
        own = getattr(self._rewarming, "version", None)
        if own is not None:
            return own
        if self._pending:
            return self._published
        return self.store.version

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the write lock for a change to the store; return once the new version is published.

        Other threads keep seeing the version from before until the cached values they read
        lately have been computed again for it, so they are answered at once instead of
        waiting for an index to be rebuilt. The recomputation runs after the write lock is
        released, and one recomputation covers every write finished before it started, so
        concurrent writers share it instead of queueing for one each.
        """
        with self._pending_lock:
            if not self._pending:
                self._published = self.store.version
            self._pending += 1
        try:
            with self.write_lock:
                before = self.store.version
                yield
                mine = self.store.version
            if mine != before:
                self._publish(mine)
        finally:
            with self._pending_lock:
                self._pending -= 1

    def _publish(self, mine: int) -> None:
        with self._publish_lock:
            if self._published >= mine:
                return  # a recomputation that started after this write covered it
            target = self.store.version
            self._rewarming.version = target
            try:
                self._rewarm()
            finally:
                self._rewarming.version = None
            self._published = target

    def _rewarm(self) -> None:
        """Compute again, for the version being published, the cached values read lately (newest first)."""
        now = time.monotonic()
        recent = sorted(
            ((when, key, compute) for key, (when, compute) in list(self._used.items()) if now - when < REWARM_WINDOW_S),
            key=lambda t: t[0],
            reverse=True,
        )
        for key in [k for k, (when, _) in list(self._used.items()) if now - when >= REWARM_WINDOW_S]:
            # Not read lately: dropped, so answers to many different questions do not pile up.
            self._used.pop(key, None)
            self._cache.pop(key, None)
        for _, key, compute in recent:
            if time.monotonic() - now > REWARM_BUDGET_S:
                break
            try:
                self.cached(key, compute)
            except Exception:  # the write is done; a reader meets the same error and reports it
                log.warning("recomputing %r after a write failed", key, exc_info=True)

    def cached(self, key: Any, compute: Callable[[], T], *, rewarm: bool = True) -> T:
        """Return ``compute()``, computed at most once per graph version for ``key``.

        With ``rewarm`` (the default) a write computes the value again before it is published if
        it was read lately; pass ``False`` for values that are large and seldom read (exports).

        Concurrent callers of the same key wait for the one computation instead of all
        repeating it (after a write, every request would otherwise rebuild the same index).
        A value computed at or after the version the caller started at is good enough: it
        holds every write acknowledged before the call. So under a stream of writes each
        caller waits for at most one computation that started after it did.
        """
        wanted = self.version
        # What a write computes again: values read lately (a recomputation is not a read), once
        # they have been computed without error.
        read = rewarm and getattr(self._rewarming, "version", None) is None
        hit = self._cache.get(key)
        if hit is not None and hit[0] >= wanted:
            if read:
                self._used[key] = (time.monotonic(), compute)
            return hit[1]
        with self._cache_lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] >= wanted:
                return hit[1]
            # Tagged with the version read before computing: the value holds at least that.
            version = self.version
            value = compute()
            self._cache[key] = (version, value)
        if read:
            self._used[key] = (time.monotonic(), compute)
        return value

    def latest(self, key: Any) -> Any | None:
        """The value last computed for ``key``, whatever its version (``None`` if never).

        For values that are cheaper to update than to compute again: the computation starts
        from the last one and redoes only what the graphs changed since then touch.
        """
        hit = self._cache.get(key)
        return hit[1] if hit is not None else None

    def per_graph(
        self,
        key: Any,
        compute: Callable[[str], T],
        *,
        depends: Any = None,
        bulk: Callable[[list[str]], Mapping[str, T]] | None = None,
    ) -> dict[str, T]:
        """``{graph: compute(graph)}`` for every named graph, recomputed only for graphs that changed.

        For indexes that are a union of per-graph parts: after an upload only the new graph
        is read. A part is tagged with its graph's version read before computing, so a write
        during the computation is picked up by the next call. ``depends`` is what the parts
        read beyond their own graph (compared with ``==``): when it changes, every part is
        computed again. ``bulk`` computes the parts of many graphs at once (one query instead
        of one a graph); it is used when more than :data:`BULK_GRAPHS` parts are due, as on a
        first call over a store of many sources.
        """
        with self._cache_lock:
            parts = dict(self._parts.get(key, {}))
        names = sorted(self.store.graph_names())
        versions = {graph: (self.store.graph_version(graph), depends) for graph in names}
        due = [g for g in names if g not in parts or parts[g][0] != versions[g]]
        if bulk is not None and len(due) > BULK_GRAPHS:
            computed = bulk(due)
            for graph in due:
                parts[graph] = (versions[graph], computed[graph])
        else:
            for graph in due:
                parts[graph] = (versions[graph], compute(graph))
        fresh = {graph: parts[graph] for graph in names}
        with self._cache_lock:
            self._parts[key] = fresh
        return {graph: hit[1] for graph, hit in fresh.items()}

    def rows_by_graph(
        self, sparql: str, *, depends: Any = None, **bindings: ox.NamedNode | ox.Literal
    ) -> dict[str, list[Row]]:
        """``{graph: rows}`` of a SELECT whose pattern reads its facts inside ``GRAPH ?g``.

        The rows of each graph are kept per graph version (see :meth:`per_graph`), so after a
        write only the graphs it changed are queried again; many graphs due at once (a first
        call) are read in one query. The query must project ``?g``. Whatever it reads outside
        ``GRAPH ?g`` (the classes of an entity, say) must be summed up by ``depends``. On a store
        that cannot bind ``?g`` graph by graph (:attr:`Store.reads_graph_by_graph`) the query
        runs once over every graph, every time.
        """

        def every(graphs: list[str]) -> dict[str, list[Row]]:
            rows = rows_by(self.select(sparql, **bindings), "g")
            return {g: list(rows.get(g, ())) for g in graphs}

        if not self.store.reads_graph_by_graph:
            return every(sorted(self.store.graph_names()))
        return self.per_graph(
            ("rows", sparql, tuple(sorted((k, str(v)) for k, v in bindings.items()))),
            lambda g: self.select(sparql, g=ox.NamedNode(g), **bindings),
            depends=depends,
            bulk=every,
        )

    def converted_parts(self, key: Any, parts: Mapping[str, T], convert: Callable[[T], Any]) -> dict[str, Any]:
        """``{graph: convert(part)}``, converting again only the parts that are new objects.

        For indexes built from :meth:`rows_by_graph`: an unchanged graph keeps its part (the same
        object), so its converted part is reused, and stays the same object as well.
        """
        with self._cache_lock:
            before = self._parts.get(key, {})
        fresh = {
            g: before[g] if g in before and before[g][0] is part else (part, convert(part)) for g, part in parts.items()
        }
        with self._cache_lock:
            self._parts[key] = fresh
        return {g: converted for g, (_, converted) in fresh.items()}

    def select_by_graph(self, sparql: str, *, depends: Any = None, **bindings: ox.NamedNode | ox.Literal) -> list[Row]:
        """The rows of :meth:`rows_by_graph`, graph after graph."""
        return [row for rows in self.rows_by_graph(sparql, depends=depends, **bindings).values() for row in rows]

    def select(self, sparql: str, **bindings: ox.NamedNode | ox.Literal) -> list[Row]:
        """Run a SELECT with predeclared prefixes; return rows of Python values.

        Values are bound with SPARQL substitutions, never formatted into the text.
        IRIs come back as ``str``, literals as Python values (``int``, ``date``...), and
        unbound variables are absent from the row.
        """
        res = self.store.query(sparql, prefixes=self.prefixes, substitutions=bindings or None)
        variables = [v.value for v in res.variables]
        rows = []
        for sol in res:
            row: Row = {}
            for v in variables:
                term = sol[v]
                if term is not None:
                    row[v] = to_python(term)
            rows.append(row)
        return rows

    def ask(self, sparql: str, **bindings: ox.NamedNode | ox.Literal) -> bool:
        return bool(self.store.query(sparql, prefixes=self.prefixes, substitutions=bindings or None))

    def construct(self, sparql: str, **bindings: ox.NamedNode | ox.Literal) -> list[ox.Triple]:
        return list(self.store.query(sparql, prefixes=self.prefixes, substitutions=bindings or None))

    def iri(self, local: str) -> str:
        """The entity IRI for a local name, e.g. ``dysprosium``."""
        return str(self.ns.id[local])

    def local_id(self, iri: str) -> str:
        """The short id of an entity IRI under this base, or the IRI itself."""
        prefix = str(self.ns.id)
        return iri[len(prefix) :] if iri.startswith(prefix) else iri


_XSD = "http://www.w3.org/2001/XMLSchema#"


def to_python(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Any:
    """Convert a pyoxigraph term to a plain Python value (IRIs and blank nodes to ``str``)."""
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        v = term.value
        try:
            if dt in (_XSD + "integer", _XSD + "int", _XSD + "long"):
                return int(v)
            if dt in (_XSD + "decimal", _XSD + "double", _XSD + "float"):
                return float(v)
            if dt == _XSD + "boolean":
                return v == "true"
            if dt == _XSD + "date":
                from datetime import date

                return date.fromisoformat(v)
        except ValueError:
            return v
        return v
    return str(term)


def literal(value: Any) -> ox.Literal:
    """A typed pyoxigraph literal for a Python value, for use as a query binding."""
    from datetime import date

    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(_XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(_XSD + "integer"))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode(_XSD + "double"))
    if isinstance(value, date):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(_XSD + "date"))
    return ox.Literal(str(value))


def iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def rows_by(rows: Iterable[Row], key: str) -> Mapping[Any, list[Row]]:
    out: dict[Any, list[Row]] = {}
    for r in rows:
        out.setdefault(r.get(key), []).append(r)
    return out
