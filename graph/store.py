"""Store back ends behind one small interface.

Every back end evaluates SPARQL natively (Oxigraph in process, or a remote server); rdflib
is used only to parse and validate seed files. Results come back as pyoxigraph objects
(``QuerySolutions``, ``QueryBoolean``, ``QueryTriples``) whatever the back end, so the rest
of ``graph`` is written once.

The default graph of every query is the union of all named graphs.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset

from .errors import InvalidQuery

__all__ = ["OxigraphStore", "Store", "open_store"]

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


class Store(ABC):
    """What the core needs from a back end.

    ``version`` increases on every write; caches key on it.
    """

    kind: str = "abstract"

    def __init__(self) -> None:
        self._version = 0
        self._lock = threading.Lock()

    @property
    def version(self) -> int:
        return self._version

    def _bump(self) -> None:
        with self._lock:
            self._version += 1

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        """Evaluate ``sparql``; the default graph is the union of all graphs unless given.

        Raises
        ------
        InvalidQuery
            If the query does not parse.
        """

    @abstractmethod
    def graphs(self) -> dict[str, int]:
        """Every named graph with its number of triples."""

    @abstractmethod
    def replace_graph(self, name: str, quads: Iterable[ox.Quad]) -> int:
        """Atomically replace the content of graph ``name``; returns the triple count."""

    @abstractmethod
    def remove_graph(self, name: str) -> bool:
        """Drop graph ``name``; returns whether it existed."""

    @abstractmethod
    def dump(self, fmt: ox.RdfFormat, graph: str | None = None, prefixes: Mapping[str, str] | None = None) -> bytes:
        """Serialise the whole dataset (or one graph) in ``fmt``."""

    def has_graph(self, name: str) -> bool:
        return name in self.graphs()

    def load_dataset(self, ds: Dataset) -> None:
        """Copy every graph of an rdflib dataset into the store, one graph at a time."""
        by_graph: dict[str, list[ox.Quad]] = {}
        data = ds.serialize(format="nquads", encoding="utf-8")
        for q in ox.parse(data, format=ox.RdfFormat.N_QUADS):
            if isinstance(q.graph_name, ox.DefaultGraph):
                continue
            by_graph.setdefault(q.graph_name.value, []).append(q)
        for name, quads in by_graph.items():
            self.replace_graph(name, quads)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files or connections."""


class OxigraphStore(Store):
    """Oxigraph, in memory (``path=None``) or persistent on disk (``path=DIR``)."""

    def __init__(self, path: str | Path | None = None) -> None:
        super().__init__()
        self.path = Path(path) if path else None
        self.kind = "oxigraph" if self.path else "memory"
        if self.path:
            self.path.mkdir(parents=True, exist_ok=True)
            self._store = ox.Store(str(self.path))
        else:
            self._store = ox.Store()

    @property
    def raw(self) -> ox.Store:
        """The underlying pyoxigraph store, for bulk work in ``graph``."""
        return self._store

    def query(
        self,
        sparql: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        substitutions: Mapping[str, Any] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        kwargs: dict[str, Any] = {}
        if default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if substitutions:
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        try:
            return self._store.query(sparql, prefixes=dict(prefixes or {}), **kwargs)
        except SyntaxError as exc:
            raise InvalidQuery(str(exc)) from exc

    def graphs(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for name in self._store.named_graphs():
            counts[name.value] = 0
        res = self._store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        for row in res:
            counts[row["g"].value] = int(row["n"].value)
        return counts

    def replace_graph(self, name: str, quads: Iterable[ox.Quad]) -> int:
        g = ox.NamedNode(name)
        items = [ox.Quad(q.subject, q.predicate, q.object, g) for q in quads]
        self._store.update(f"DROP SILENT GRAPH <{name}>")
        self._store.extend(items)
        if self.path:
            self._store.flush()
        self._bump()
        return len(items)

    def remove_graph(self, name: str) -> bool:
        g = ox.NamedNode(name)
        existed = self._store.contains_named_graph(g)
        if existed:
            self._store.remove_graph(g)
            if self.path:
                self._store.flush()
            self._bump()
        return existed

    def dump(self, fmt: ox.RdfFormat, graph: str | None = None, prefixes: Mapping[str, str] | None = None) -> bytes:
        kwargs: dict[str, Any] = {"prefixes": dict(prefixes)} if prefixes else {}
        if graph is not None:
            kwargs["from_graph"] = ox.NamedNode(graph)
        return self._store.dump(format=fmt, **kwargs)

    def __len__(self) -> int:
        return len(self._store)


def open_store(kind: str = "memory", path: str | Path | None = None, **options: Any) -> Store:
    """Open a back end by name: ``memory`` or ``oxigraph`` (persistent, needs ``path``)."""
    if kind == "memory":
        return OxigraphStore()
    if kind == "oxigraph":
        if not path:
            raise ValueError("the oxigraph store needs a directory (--store-path / REKG_STORE_PATH)")
        return OxigraphStore(path)
    raise ValueError(f"unknown store {kind!r}; choose memory or oxigraph")
