"""The ``Store`` interface every back end implements, with what it can do, and the file helpers they share.

Every back end evaluates SPARQL natively (Oxigraph in process, or a remote server); rdflib
is used only to parse and validate seed files. Results come back as pyoxigraph objects
(``QuerySolutions``, ``QueryBoolean``, ``QueryTriples``) whatever the back end, so the rest
of ``graph`` is written once.

The default graph of every query is the union of all named graphs. Nothing is ever written
to a store's own default graph.

The back ends live beside this module (:mod:`rekg.graph.store.oxigraph`,
:mod:`rekg.graph.store.remote`); :func:`rekg.graph.store.open_store` opens one by name.
"""

from __future__ import annotations

import contextlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import pyoxigraph as ox
from rdflib import Dataset
from rekg.graph.errors import SeedError

__all__ = [
    "LoadReport",
    "ProgressCallback",
    "QueryReader",
    "ReaderOpener",
    "Store",
    "quads_to_sparql",
    "read_rdf_file",
]

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
Term = ox.NamedNode | ox.Literal | ox.BlankNode
#: Called with (bytes read so far, total bytes) while a file loads.
ProgressCallback = Callable[[int, int], None]


class QueryReader(Protocol):
    """What a query worker evaluates on: a store, or a read-only view of its files."""

    def query(
        self,
        sparql: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        """As :meth:`Store.query`."""


#: Called in a freshly forked query worker; returns what that worker reads.
ReaderOpener = Callable[[], QueryReader]


def quads_to_sparql(quads: Iterable[ox.Quad | ox.Triple]) -> str:
    """Triples as the body of an ``INSERT DATA`` block (N-Triples term syntax, valid SPARQL).

    Terms are pyoxigraph terms, already validated, so their N-Triples form is safe to embed.

    Examples
    --------
    >>> t = ox.Triple(ox.NamedNode("http://ex.org/a"), ox.NamedNode("http://ex.org/p"), ox.Literal('say "hi"'))
    >>> quads_to_sparql([t])
    '<http://ex.org/a> <http://ex.org/p> "say \\\\"hi\\\\"" .'
    """
    return "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)


@dataclass
class LoadReport:
    """What loading one file did."""

    file: str
    graphs: list[str] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0


class _ProgressReader:
    """A binary file that reports how far it has been read, for progress bars."""

    def __init__(self, fh: IO[bytes], total: int, callback: ProgressCallback | None) -> None:
        self._fh, self._total, self._callback, self._done = fh, total, callback, 0

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self._done += len(data)
        if self._callback is not None:
            self._callback(self._done, self._total)
        return data

    def readinto(self, buffer: Any) -> int:
        n = self._fh.readinto(buffer)
        self._done += n or 0
        if self._callback is not None:
            self._callback(self._done, self._total)
        return n

    def readable(self) -> bool:
        return True


@contextlib.contextmanager
def read_rdf_file(path: Path, fmt: ox.RdfFormat, on_progress: ProgressCallback | None) -> Iterator[_ProgressReader]:
    """Open ``path`` for a parser, reporting progress; a parse error becomes a SeedError naming the file."""
    with path.open("rb") as fh:
        try:
            yield _ProgressReader(fh, path.stat().st_size, on_progress)
        except SyntaxError as exc:
            raise SeedError(f"{path.name}: does not parse as {fmt.name}: {exc}", file=str(path)) from exc


class Store(ABC):
    """What the core needs from a back end.

    ``version`` increases on every write; caches key on it. ``graph_version(name)`` changes
    only when that graph may have changed, for caches kept per graph. ``kind`` names the
    back end (``memory``, ``oxigraph`` or ``remote``) for people; code asks a back end what
    it can do (:meth:`worker_reader`) instead of checking which one it is.
    """

    kind: str = "abstract"

    def __init__(self) -> None:
        self._version = 0
        self._lock = threading.Lock()
        #: Held while the store writes; worker pools fork only outside it, so no forked worker
        #: inherits a lock that a writing thread of the server holds inside the store's engine
        #: (the worker would wait on it forever).
        #: Whether a query with ``?g`` bound to one graph answers as its rows for that graph in the same
        #: query over every graph (:meth:`KnowledgeGraph.select_by_graph` reads graph by graph only then).
        #: Virtuoso 7.2 drops rows when a bound ``?g`` meets a property path.
        self.reads_graph_by_graph = True
        self.fork_guard = threading.RLock()
        self._meta: dict[str, str] = {}
        # Version of each graph's last write; graphs not listed date from the last write that
        # may have touched any graph (loading a file, clearing).
        self._graph_versions: dict[str, int] = {}
        self._all_graphs_version = 0

    @property
    def version(self) -> int:
        return self._version

    def graph_version(self, name: str) -> int:
        """The store version at which graph ``name`` last changed (or may have)."""
        return self._graph_versions.get(name, self._all_graphs_version)

    def _bump(self, graph: str | None = None) -> None:
        """Start a new version after a write to ``graph`` (``None``: any graph may have changed)."""
        with self._lock:
            self._version += 1
            if graph is None:
                self._graph_versions = {}
                self._all_graphs_version = self._version
            else:
                self._graph_versions[graph] = self._version

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        substitutions: Mapping[str, Term] | None = None,
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
    def replace_graph(self, name: str, quads: Iterable[ox.Quad | ox.Triple]) -> int:
        """Atomically replace the content of graph ``name``; returns the triple count."""

    @abstractmethod
    def remove_graph(self, name: str) -> bool:
        """Drop graph ``name``; returns whether it existed."""

    @abstractmethod
    def dump(self, fmt: ox.RdfFormat, graph: str | None = None, prefixes: Mapping[str, str] | None = None) -> bytes:
        """Serialise the whole dataset (or one graph) in ``fmt``."""

    @abstractmethod
    def load_file(
        self,
        path: str | Path,
        *,
        graph: str,
        base_iri: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> LoadReport:
        """Load an RDF file, fast, without keeping all of it in memory.

        Triples of triple formats (and of the default graph of quad formats) go into
        ``graph``, which is replaced; named graphs of quad formats keep their names and are
        added to. Not atomic: a failure part-way can leave part of the file loaded.
        """

    def clear(self) -> None:
        """Remove every graph (``rekg load --reset``)."""
        for name in list(self.graphs()):
            self.remove_graph(name)
        self._meta.clear()

    def graph_names(self) -> set[str]:
        """The named graphs, without counting their triples (cheap on big stores)."""
        return set(self.graphs())

    def has_graph(self, name: str) -> bool:
        return name in self.graph_names()

    def get_meta(self, key: str) -> str | None:
        """A bookkeeping value kept with the store (e.g. the hash of the seeds it holds)."""
        return self._meta.get(key)

    def set_meta(self, key: str, value: str | None) -> None:
        """Record (or with ``None`` forget) a bookkeeping value with the store."""
        if value is None:
            self._meta.pop(key, None)
        else:
            self._meta[key] = value

    def load_dataset(self, ds: Dataset) -> None:
        """Copy every graph of an rdflib dataset into the store, one graph at a time."""
        self.load_nquads(ds.serialize(format="nquads", encoding="utf-8"))

    def load_nquads(self, data: bytes) -> list[str]:
        """Replace each named graph of an N-Quads document with its quads; return the graphs' names.

        Default-graph quads are dropped: nothing is ever written to a store's own default graph.
        """
        by_graph: dict[str, list[ox.Quad]] = {}
        for q in ox.parse(data, format=ox.RdfFormat.N_QUADS):
            if isinstance(q.graph_name, ox.DefaultGraph):
                continue
            by_graph.setdefault(q.graph_name.value, []).append(q)
        for name, quads in by_graph.items():
            self.replace_graph(name, quads)
        return sorted(by_graph)

    def worker_reader(self) -> ReaderOpener | None:
        """How a forked query worker reads this store, or ``None`` if it cannot.

        A back end that returns an opener has its SPARQL endpoint queries evaluated in worker
        processes forked from this one, which are killed when a query runs past its time
        limit; the opener runs in the worker, after the fork. Without one (a remote server,
        which stops a query when its connection closes), queries run in a thread of this
        process.
        """
        return None

    @property
    def workers_read_files(self) -> bool:
        """Whether forked workers read this store's files rather than a copy in memory.

        Oxigraph leaves reading files that another handle writes undefined, so while this holds
        workers read checkpoints of them, taken after each write (:mod:`rekg.graph.store.snapshots`).
        """
        return False

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files or connections."""
