"""The knowledge graph as the rest of the code sees it: a store, its namespaces and caches."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import pyoxigraph as ox
from rekg.graph.store import Store
from rekg.ontology import DEFAULT_BASE_IRI, Namespaces, namespaces

__all__ = ["KnowledgeGraph", "Row"]

T = TypeVar("T")
Row = dict[str, Any]


class KnowledgeGraph:
    """A store plus what every query needs: the base namespaces, prefixes and a cache.

    The cache is keyed on the store's version, so anything computed from the graph (the
    NetworkX projection, convenience answers) is computed once per graph version.
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

    @property
    def version(self) -> int:
        return self.store.version

    def cached(self, key: Any, compute: Callable[[], T]) -> T:
        """Return ``compute()``, computed at most once per graph version for ``key``.

        Concurrent callers of the same key wait for the one computation instead of all
        repeating it (after a write, every request would otherwise rebuild the same index).
        A value computed at or after the version the caller started at is good enough: it
        holds every write acknowledged before the call. So under a stream of writes each
        caller waits for at most one computation that started after it did.
        """
        wanted = self.version
        hit = self._cache.get(key)
        if hit is not None and hit[0] >= wanted:
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
        return value

    def per_graph(self, key: Any, compute: Callable[[str], T]) -> dict[str, T]:
        """``{graph: compute(graph)}`` for every named graph, recomputed only for graphs that changed.

        For indexes that are a union of per-graph parts: after an upload only the new graph
        is read. A part is tagged with its graph's version read before computing, so a write
        during the computation is picked up by the next call.
        """
        with self._cache_lock:
            parts = dict(self._parts.get(key, {}))
        out: dict[str, T] = {}
        fresh: dict[str, tuple[int, Any]] = {}
        for graph in sorted(self.store.graph_names()):
            version = self.store.graph_version(graph)
            hit = parts.get(graph)
            if hit is None or hit[0] != version:
                hit = (version, compute(graph))
            fresh[graph] = hit
            out[graph] = hit[1]
        with self._cache_lock:
            self._parts[key] = fresh
        return out

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
