"""Oxigraph back ends: in memory, and persistent on disk (RocksDB) with an optional in-memory copy."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rekg.graph.errors import InvalidQuery, SeedError, StoreUnavailable
from rekg.graph.formats import format_for
from rekg.graph.store.base import (
    LoadReport,
    ProgressCallback,
    QueryReader,
    QueryResult,
    ReaderOpener,
    Store,
    quads_to_sparql,
    read_rdf_file,
)
from rekg.graph.store.snapshots import SNAPSHOTS_DIR, Snapshot, Snapshots, open_newest

__all__ = ["OxigraphStore"]


def _writes(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run a write holding the store's ``fork_guard`` (see :attr:`Store.fork_guard`).

    When workers read the files, a write that succeeds ends with a checkpoint for them to read
    (:mod:`rekg.graph.store.snapshots`); after a failed one they keep reading the one before.
    """

    @functools.wraps(method)
    def guarded(self: OxigraphStore, *args: Any, **kwargs: Any) -> Any:
        with self.fork_guard:
            result = method(self, *args, **kwargs)
            if self._snapshots is not None and self.workers_read_files:
                self._snapshots.take(self._store)
            return result

    return guarded


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
        #: Checkpoints for workers that read the files; made once :meth:`worker_reader` is asked.
        self._snapshots: Snapshots | None = None
        if self.path and mirror_max_quads and len(self._store) <= mirror_max_quads:
            self._read = ox.Store()
            self._read.bulk_extend(self._store)

    @property
    def in_memory(self) -> bool:
        """Whether queries read from memory (the memory back end, or a mirrored persistent store)."""
        return self._read is not self._store or self.path is None

    @property
    def workers_read_files(self) -> bool:
        return not self.in_memory

    def worker_reader(self) -> ReaderOpener:
        """Workers read their forked copy of an in-memory store, else the newest checkpoint of the files.

        For the files the opener holds only the checkpoints' directory (it pickles), since those
        workers come from a fork server that never opened the store
        (:class:`~rekg.graph.sparql.pool.WorkerPool`). From now on every write ends with a
        checkpoint (:mod:`rekg.graph.store.snapshots`), and one is taken now.

        Examples
        --------
        >>> s = OxigraphStore()
        >>> s.worker_reader()() is s  # in a forked worker: that worker's copy of the store
        True
        """
        if self.path is not None and self._snapshots is None:
            # Also for a mirrored store, which reads its files from the write that grows it past the limit.
            self._snapshots = Snapshots(self.path / SNAPSHOTS_DIR)
        if self.workers_read_files:
            assert self._snapshots is not None
            with self.fork_guard:
                self._snapshots.take(self._store)
            return partial(_SnapshotReader, self._snapshots.root)
        return partial(_open_in_worker, self)

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

    @_writes
    def replace_graph(self, name: str, quads: Iterable[ox.Quad | ox.Triple]) -> int:
        """Replace graph ``name`` in one SPARQL update, which Oxigraph runs as one transaction.

        Readers see the old graph or the new one, never a mix, and a failure leaves the old
        graph as it was. On disk the change is flushed before this returns.
        """
        g = ox.NamedNode(name)
        items = list(quads)
        if not self._store.contains_named_graph(g):
            # A new graph: one transactional load of N-Triples, several times faster than parsing an
            # INSERT DATA update of the same size (half a million triples: ~2 s instead of ~5 s).
            try:  # triples, or quads in the default graph, as they come from a parser
                text = ox.serialize(items, format=ox.RdfFormat.N_TRIPLES)
            except ValueError:  # quads naming a graph: the graph is ``name`` whatever they say
                text = ox.serialize(
                    [ox.Triple(q.subject, q.predicate, q.object) for q in items], format=ox.RdfFormat.N_TRIPLES
                )
            self._store.load(text, format=ox.RdfFormat.N_TRIPLES, to_graph=g)
            self._durable()
            if self._read is not self._store:
                self._read.load(text, format=ox.RdfFormat.N_TRIPLES, to_graph=g)
            self._bump(name)
            return len(items)
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

    @_writes
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

    @_writes
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

    @_writes
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
    kwargs = {"format": fmt, "base_iri": base_iri} | ({} if fmt.supports_datasets else {"to_graph": target})
    parts = _parallel_parts(path, fmt)
    if len(parts) > 1:
        _bulk_load_parts(store, path, fmt, parts, kwargs, on_progress)
    else:
        with read_rdf_file(path, fmt, on_progress) as reader:
            store.bulk_load(reader, **kwargs)
    # Default-graph triples of a dataset file belong to the file's graph: the store's own
    # default graph is never read (it is not part of the union).
    if fmt.supports_datasets and next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None):
        store.update(f"ADD DEFAULT TO {target} ; CLEAR DEFAULT")


#: A line-based file (N-Triples, N-Quads) at least this big is cut at line ends into one part a
#: core (at most :data:`MAX_LOAD_THREADS`) and the parts are bulk loaded side by side: Oxigraph's
#: store takes concurrent bulk loads, and its loader works on one core. Each bulk load names the
#: blank nodes of its part afresh, so a file is cut only where no blank node label is used on both
#: sides of a cut (labels are read with a pattern; ``_:`` inside a literal only makes cutting rarer).
PARALLEL_LOAD_BYTES = 32 * 2**20
MAX_LOAD_THREADS = 4
_LINE_FORMATS = (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)


def _parallel_parts(path: Path, fmt: ox.RdfFormat) -> list[tuple[int, int]]:
    """Byte ranges to load side by side, cut after line ends; one range when it would not pay or be safe."""
    size = path.stat().st_size
    threads = min(os.cpu_count() or 1, MAX_LOAD_THREADS)
    if fmt not in _LINE_FORMATS or size < PARALLEL_LOAD_BYTES or threads < 2:
        return [(0, size)]
    cuts = [0]
    with path.open("rb") as fh:
        for i in range(1, threads):
            fh.seek(max(size * i // threads, cuts[-1]))
            fh.readline()  # to the end of the line the cut falls in
            cuts.append(fh.tell())
    cuts.append(size)
    parts = [(a, b) for a, b in pairwise(cuts) if b > a]
    return parts if _blank_nodes_stay_in_their_part(path, parts) else [(0, size)]


_BLANK_LABEL = re.compile(rb"_:[A-Za-z0-9_\-.]*[A-Za-z0-9_\-]")
#: Past this many distinct labels the check costs more memory than the parallel load saves.
_MAX_LABELS = 5_000_000


def _blank_nodes_stay_in_their_part(path: Path, parts: list[tuple[int, int]], chunk: int = 16 * 2**20) -> bool:
    """Whether no blank node label occurs in two of ``parts`` (each part read in line-aligned chunks)."""
    seen: dict[bytes, int] = {}
    with path.open("rb") as fh:
        for i, (start, end) in enumerate(parts):
            fh.seek(start)
            left, carry = end - start, b""
            while left > 0 or carry:
                block = fh.read(min(chunk, left)) if left > 0 else b""
                left -= len(block)
                text = carry + block
                cut = text.rfind(b"\n") + 1 if left > 0 else len(text)
                text, carry = text[:cut], text[cut:]
                for label in set(_BLANK_LABEL.findall(text)):
                    if seen.setdefault(label, i) != i:
                        return False
                if len(seen) > _MAX_LABELS:
                    return False
                if not block and not left:
                    carry = b""
    return True


class _RangeReader:
    """One byte range of a file, for one of the parallel bulk loads; progress is counted for all."""

    def __init__(self, path: Path, start: int, end: int, progress: Callable[[int], None]) -> None:
        self._fh = path.open("rb")
        self._fh.seek(start)
        self._left = end - start
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        n = self._left if size is None or size < 0 else min(size, self._left)
        data = self._fh.read(n) if n > 0 else b""
        self._left -= len(data)
        self._progress(len(data))
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._fh.close()


def _bulk_load_parts(
    store: ox.Store,
    path: Path,
    fmt: ox.RdfFormat,
    parts: list[tuple[int, int]],
    kwargs: dict[str, Any],
    on_progress: ProgressCallback | None,
) -> None:
    total, done, lock = path.stat().st_size, [0], threading.Lock()

    def progress(n: int) -> None:
        with lock:
            done[0] += n
            if on_progress is not None:
                on_progress(done[0], total)

    errors: list[BaseException] = []

    def load(start: int, end: int) -> None:
        reader = _RangeReader(path, start, end, progress)
        try:
            store.bulk_load(reader, **kwargs)
        except BaseException as exc:  # reported below, in the caller's thread
            errors.append(exc)
        finally:
            reader.close()

    threads = [threading.Thread(target=load, args=part, name="rekg-bulk-load") for part in parts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        exc = errors[0]
        if isinstance(exc, SyntaxError):
            raise SeedError(f"{path.name}: does not parse as {fmt.name}: {exc}", file=str(path)) from exc
        raise exc


class _SnapshotReader:
    """What a worker reads when the store is queried on disk: the newest checkpoint, read-only.

    Opened in the worker, which holds it (and so keeps it from being pruned) until it dies.
    """

    query = OxigraphStore.query

    def __init__(self, root: Path) -> None:
        self.snapshot: Snapshot = open_newest(root)
        self._read = self.snapshot.store


def _open_in_worker(store: OxigraphStore) -> QueryReader:
    """What a freshly forked worker reads: its copy of an in-memory store, else a checkpoint of the files.

    Decided in the worker, from the store as it was at the fork, so a store that stops (or
    starts) being mirrored is never read through a RocksDB handle inherited across fork.
    """
    if store.in_memory:
        return store
    assert store._snapshots is not None  # made by worker_reader(), which gave out this opener
    return _SnapshotReader(store._snapshots.root)
