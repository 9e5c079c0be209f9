"""Store back ends behind one small interface.

Every back end evaluates SPARQL natively (Oxigraph in process, or a remote server); rdflib
is used only to parse and validate seed files. Results come back as pyoxigraph objects
(``QuerySolutions``, ``QueryBoolean``, ``QueryTriples``) whatever the back end, so the rest
of ``graph`` is written once.

The default graph of every query is the union of all named graphs. Nothing is ever written
to a store's own default graph.

Back ends (:func:`open_store`):

* ``memory``: Oxigraph in memory, the embedded default;
* ``oxigraph``: Oxigraph persistent on disk (RocksDB) in a directory;
* ``remote``: any SPARQL 1.1 query/update endpoint (:class:`graph.remote.RemoteStore`).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox
from rdflib import Dataset

from .errors import InvalidParameter, InvalidQuery, SeedError, StoreUnavailable, UnsupportedFormat

__all__ = [
    "FILE_FORMATS",
    "LoadReport",
    "OxigraphStore",
    "ProgressCallback",
    "Store",
    "format_for",
    "open_store",
    "quads_to_sparql",
    "read_rdf_file",
]

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
Term = ox.NamedNode | ox.Literal | ox.BlankNode
#: Called with (bytes read so far, total bytes) while a file loads.
ProgressCallback = Callable[[int, int], None]

#: File extension -> pyoxigraph format, for ``--data`` and ``rekg load``.
FILE_FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}
_QUAD_FORMATS = {ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG, ox.RdfFormat.JSON_LD}


def format_for(path: str | Path) -> ox.RdfFormat:
    """The RDF format of a file, from its extension.

    Parameters
    ----------
    path : str or Path
        A file name ending in .ttl, .nt, .nq, .trig, .jsonld, .rdf or .owl.

    Returns
    -------
    pyoxigraph.RdfFormat

    Raises
    ------
    UnsupportedFormat
        If the extension is not one of :data:`FILE_FORMATS`.

    Examples
    --------
    >>> format_for("extra/mines.ttl").name
    'Turtle'
    >>> format_for("dump.nq").name
    'N-Quads'
    """
    suffix = Path(path).suffix.lower()
    try:
        return FILE_FORMATS[suffix]
    except KeyError:
        raise UnsupportedFormat(
            f"{Path(path).name}: unknown RDF file extension {suffix or '(none)'!r}; "
            f"use one of {', '.join(FILE_FORMATS)}"
        ) from None


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
    back end (``memory``, ``oxigraph`` or ``remote``).
    """

    kind: str = "abstract"

    def __init__(self) -> None:
        self._version = 0
        self._lock = threading.Lock()
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
    """Oxigraph, in memory (``path=None``) or persistent on disk (``path=DIR``).

    A persistent store of at most ``mirror_max_quads`` quads is also copied into memory when
    it opens, and read there: RocksDB evaluates scans 4-12 times slower than Oxigraph's
    in-memory store, and query workers then read a forked copy instead of opening the
    files read-only while this process writes them. Every write goes to disk first (one
    flushed transaction), then to the copy, and only then is the version bumped.

    Examples
    --------
    >>> s = OxigraphStore()
    >>> g = "https://example.org/g"
    >>> q = ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"), ox.Literal("1"))
    >>> s.replace_graph(g, [q])
    1
    >>> s.graphs()
    {'https://example.org/g': 1}
    >>> [str(r["o"]) for r in s.query("SELECT ?o WHERE { ?s ?p ?o }")]
    ['"1"']
    """

    META_FILE = "rekg-meta.json"

    def __init__(self, path: str | Path | None = None, *, mirror_max_quads: int = 0) -> None:
        super().__init__()
        self.path = Path(path) if path else None
        self.kind = "oxigraph" if self.path else "memory"
        self.mirror_max_quads = mirror_max_quads
        if self.path:
            self.path.mkdir(parents=True, exist_ok=True)
            try:
                self._store = ox.Store(str(self.path))
            except OSError as exc:
                raise StoreUnavailable(
                    f"cannot open the oxigraph store in {self.path}: {exc} (is another rekg process using it?)"
                ) from exc
            meta = self.path / self.META_FILE
            if meta.exists():
                self._meta = json.loads(meta.read_text(encoding="utf-8"))
        else:
            self._store = ox.Store()
        #: Where queries read: the store itself, or the in-memory copy of a persistent one.
        self._read = self._store
        if self.path and mirror_max_quads and len(self._store) <= mirror_max_quads:
            self._read = ox.Store()
            self._read.bulk_extend(self._store)

    @property
    def in_memory(self) -> bool:
        """Whether queries read from memory (the memory back end, or a mirrored persistent store)."""
        return self._read is not self._store or self.path is None

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
            return self._read.query(sparql, prefixes=dict(prefixes or {}), **kwargs)
        except SyntaxError as exc:
            raise InvalidQuery(str(exc)) from exc

    def graphs(self) -> dict[str, int]:
        # Counting scans every quad (about a minute at 10M triples on disk): once per version.
        cached = getattr(self, "_counts", None)
        if cached is not None and cached[0] == self.version:
            return dict(cached[1])
        version = self.version
        counts: dict[str, int] = {}
        for name in self._read.named_graphs():
            counts[name.value] = 0
        res = self._read.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        for row in res:
            counts[row["g"].value] = int(row["n"].value)
        self._counts = (version, counts)
        return dict(counts)

    def graph_names(self) -> set[str]:
        return {g.value for g in self._read.named_graphs() if isinstance(g, ox.NamedNode)}

    def _durable(self) -> None:
        if self.path:
            self._store.flush()

    def replace_graph(self, name: str, quads: Iterable[ox.Quad | ox.Triple]) -> int:
        """Replace graph ``name`` in one SPARQL update, which Oxigraph runs as one transaction.

        Readers see the old graph or the new one, never a mix, and a failure leaves the old
        graph as it was. On disk the change is flushed before this returns.
        """
        g = ox.NamedNode(name)
        items = list(quads)
        body = quads_to_sparql(items)
        update = f"DROP SILENT GRAPH {g} ;\nINSERT DATA {{ GRAPH {g} {{\n{body}\n}} }}"
        try:
            self._store.update(update)
        except SyntaxError as exc:  # only terms that are not valid RDF can cause this
            raise SeedError(f"graph <{name}> holds a term that cannot be stored: {exc}") from exc
        self._durable()
        if self._read is not self._store:
            self._read.update(update)
        self._bump(name)
        return len(items)

    def remove_graph(self, name: str) -> bool:
        g = ox.NamedNode(name)
        existed = self._store.contains_named_graph(g)
        if existed:
            self._store.remove_graph(g)
            self._durable()
            if self._read is not self._store:
                self._read.remove_graph(g)
            self._bump(name)
        return existed

    def clear(self) -> None:
        self._store.clear()
        self._meta.clear()
        self._save_meta()
        self._durable()
        if self._read is not self._store:
            self._read.clear()
        self._bump()

    def dump(self, fmt: ox.RdfFormat, graph: str | None = None, prefixes: Mapping[str, str] | None = None) -> bytes:
        kwargs: dict[str, Any] = {"prefixes": dict(prefixes)} if prefixes else {}
        if graph is not None:
            kwargs["from_graph"] = ox.NamedNode(graph)
        elif not fmt.supports_datasets:
            # A triple format gets the union of the graphs, each triple once.
            triples = dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in self._read)
            return ox.serialize(list(triples), format=fmt, **kwargs)
        return self._read.dump(format=fmt, **kwargs)

    def load_file(
        self,
        path: str | Path,
        *,
        graph: str,
        base_iri: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> LoadReport:
        path = Path(path)
        fmt = format_for(path)
        base_iri = base_iri or path.resolve().as_uri()
        before = set(self._store.named_graphs())
        target = ox.NamedNode(graph)
        t0 = time.perf_counter()
        _load_into(self._store, path, fmt, base_iri, target, on_progress)
        self._durable()
        if self._read is not self._store:
            if len(self._store) > self.mirror_max_quads:
                self._read = self._store  # grown past the limit: read the disk from now on
            else:
                # The same load into the copy: cheaper than copying the store, and a dataset
                # file may add to any graph.
                _load_into(self._read, path, fmt, base_iri, target, None)
        self._bump()
        filled = {g for g in self._store.named_graphs() if g not in before or g == target}
        triples = 0
        for g in filled:
            res = self._read.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}")
            triples += int(next(iter(res))["n"].value)
        return LoadReport(str(path), sorted(g.value for g in filled), triples, time.perf_counter() - t0)

    def set_meta(self, key: str, value: str | None) -> None:
        super().set_meta(key, value)
        self._save_meta()

    def _save_meta(self) -> None:
        if not self.path:
            return
        # Written after the data it describes is flushed, and replaced atomically, so a crash
        # leaves either the old record (and the data is reloaded) or the new one.
        self._durable()
        target = self.path / self.META_FILE
        tmp = target.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(self._meta, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._durable()
        # pyoxigraph releases the RocksDB lock when the object is garbage collected.
        del self._store, self._read

    def __len__(self) -> int:
        return len(self._read)


def _load_into(
    store: ox.Store,
    path: Path,
    fmt: ox.RdfFormat,
    base_iri: str,
    target: ox.NamedNode,
    on_progress: ProgressCallback | None,
) -> None:
    """Bulk-load a file: a triple file replaces ``target``; a dataset file adds to its graphs."""
    if store.contains_named_graph(target):
        store.remove_graph(target)
    with read_rdf_file(path, fmt, on_progress) as reader:
        if fmt in _QUAD_FORMATS:
            store.bulk_load(reader, format=fmt, base_iri=base_iri)
            # Default-graph triples of a dataset file belong to the file's graph: the
            # store's own default graph is never read (it is not part of the union).
            if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None):
                store.update(f"ADD DEFAULT TO {target} ; CLEAR DEFAULT")
        else:
            store.bulk_load(reader, format=fmt, base_iri=base_iri, to_graph=target)


def open_store(kind: str = "memory", path: str | Path | None = None, **options: Any) -> Store:
    """Open a back end by name.

    Parameters
    ----------
    kind : {"memory", "oxigraph", "remote"}
        ``memory`` (embedded), ``oxigraph`` (persistent on disk, needs ``path``) or
        ``remote`` (a SPARQL 1.1 server, needs ``query_url``).
    path : str or Path, optional
        The directory of the persistent oxigraph store.
    **options
        For ``oxigraph``: ``mirror_max_quads`` (see :class:`OxigraphStore`). For ``remote``:
        ``query_url``, ``update_url``, ``timeout`` and the other arguments of
        :class:`graph.remote.RemoteStore`.

    Returns
    -------
    Store

    Raises
    ------
    InvalidParameter
        If ``kind`` is unknown or a required option is missing.
    StoreUnavailable
        If the store cannot be opened (directory locked, server unreachable).

    Examples
    --------
    >>> open_store("memory").kind
    'memory'
    """
    if kind == "memory":
        return OxigraphStore()
    if kind == "oxigraph":
        if not path:
            raise InvalidParameter("the oxigraph store needs a directory (--store-path / REKG_STORE_PATH)")
        return OxigraphStore(path, mirror_max_quads=options.get("mirror_max_quads", 0))
    if kind == "remote":
        from .remote import RemoteStore

        options.pop("mirror_max_quads", None)
        query_url = options.pop("query_url", None)
        if not query_url:
            raise InvalidParameter("the remote store needs a SPARQL query URL (REKG_REMOTE_QUERY_URL)")
        return RemoteStore(query_url, **options)
    raise InvalidParameter(f"unknown store {kind!r}; choose memory, oxigraph or remote")
