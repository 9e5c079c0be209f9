"""Open a knowledge graph on any back end: seeds loaded once, extra RDF files on top.

A persistent store (``oxigraph`` on disk, or ``remote``) records which seed content it holds
(a fingerprint of the ontology and seed files and the base IRI) and which data files it has
loaded (path, size, modification time). Reopening it loads nothing that is already there:
the seeds are reloaded only when their content changes or on ``reset``, a data file only when
it changes. The in-memory store starts empty, so it always loads everything.

Extra files (``rekg serve --data``, ``rekg load``) are read by pyoxigraph's native parsers
straight into the store (``bulk_load`` on Oxigraph). A file in a triple format (.ttl, .nt,
.rdf, .owl) fills its own named graph ``{base}graph/data/{file name}``; a dataset file
(.nq, .trig, .jsonld) keeps its named graphs, and its default-graph triples go to that graph.

RDF/XML and entity expansion
----------------------------
pyoxigraph's RDF/XML parser refuses external entities (``<!ENTITY x SYSTEM "file:...">``
is a syntax error, so nothing is read from disk or the network), but it expands internal
entities recursively and eagerly: the classic "billion laughs" document (nine nested
entities, under 1 KB) makes pyoxigraph 0.5 allocate gigabytes and abort the process.
:func:`check_rdfxml` therefore reads the document type declaration before parsing and
rejects parameter entities, external entities, entities that refer to other entities and
entity values over 4 KiB; flat abbreviations such as ``<!ENTITY xsd "http://...#">``, common
in OWL files, stay allowed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rekg.graph.errors import InvalidParameter, SeedError
from rekg.graph.io.seeds import SEEDS_DIR, cache_dir, load_seeds, seed_files, validation_stamp
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.store import LoadReport, Store, format_for, open_store
from rekg.ontology import DEFAULT_BASE_IRI, ONTOLOGY_FILE, namespaces

__all__ = ["FileProgress", "check_rdfxml", "data_graph", "load_files", "open_graph", "seed_fingerprint", "seed_quads"]

#: Called with (file, bytes read, file size) while a data file loads.
FileProgress = Callable[[Path, int, int], None]

_SEEDS_KEY = "seeds"
_SEED_GRAPHS_KEY = "seed_graphs"
_DATA_KEY = "data:"
_MAX_ENTITY = 4096
_PROLOG_BYTES = 1 << 20


def seed_fingerprint(seeds_dir: Path = SEEDS_DIR, base: str = DEFAULT_BASE_IRI) -> str:
    """A hash of everything the seed graphs are built from: ontology, seed files and base IRI.

    Raises
    ------
    SeedError
        If the seed folder does not exist.

    Examples
    --------
    >>> seed_fingerprint() == seed_fingerprint()
    True
    >>> seed_fingerprint() != seed_fingerprint(base="https://example.org/kg/")
    True
    """
    h = hashlib.sha256(base.encode())
    for path in [ONTOLOGY_FILE, *seed_files(seeds_dir)]:
        h.update(b"\0" + path.name.encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def data_graph(path: str | Path, base: str = DEFAULT_BASE_IRI) -> str:
    """The named graph a data file's triples go into.

    Examples
    --------
    >>> data_graph("/tmp/extra mines.ttl")
    'https://w3id.org/rekg/graph/data/extra%20mines.ttl'
    """
    from urllib.parse import quote

    return str(namespaces(base).graph["data/" + quote(Path(path).name)])


_DOCTYPE = re.compile(rb"<!DOCTYPE\b")
_ENTITY = re.compile(rb"<!ENTITY\s+(%\s+)?([^\s]+)\s+(.*?)>", re.DOTALL)


def check_rdfxml(path: str | Path) -> None:
    """Refuse RDF/XML whose entity declarations could expand without bound.

    Parameters
    ----------
    path : str or Path
        An RDF/XML file.

    Raises
    ------
    SeedError
        If the document type declaration has parameter or external entities, an entity
        whose value refers to another entity or is longer than 4 KiB, or is too long to check.

    Examples
    --------
    >>> import tempfile, os
    >>> fd, name = tempfile.mkstemp(suffix=".rdf")
    >>> _ = os.write(fd, b'<!DOCTYPE r [<!ENTITY a "x"><!ENTITY b "&a;&a;">]><r/>'); os.close(fd)
    >>> check_rdfxml(name)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rekg.graph.errors.SeedError: ...: entity 'b' refers to other entities; nested entities are refused ...
    """
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(_PROLOG_BYTES)
    m = _DOCTYPE.search(head)
    if not m:
        return
    # The internal subset ends at the first "]>" after the DOCTYPE (entity values cannot hold it
    # once nested entities and long values are refused, which is checked below).
    end = head.find(b"]>", m.end())
    subset = head[m.end() : end if end >= 0 else len(head)]
    if end < 0 and b"[" in subset:
        raise SeedError(f"{path.name}: document type declaration longer than 1 MiB; refused", file=str(path))
    for ent in _ENTITY.finditer(subset):
        parameter, name, rest = ent.group(1), ent.group(2).decode(errors="replace"), ent.group(3).strip()
        where = f"{path.name}: entity {name!r}"
        if parameter:
            raise SeedError(f"{where} is a parameter entity; refused", file=str(path))
        if rest[:1] not in (b'"', b"'"):
            raise SeedError(f"{where} is external (SYSTEM/PUBLIC); refused", file=str(path))
        value = rest[1:-1] if rest[-1:] == rest[:1] else rest[1:]
        if b"&" in value or b"%" in value:
            raise SeedError(
                f"{where} refers to other entities; nested entities are refused (billion-laughs guard)", file=str(path)
            )
        if len(value) > _MAX_ENTITY:
            raise SeedError(f"{where} is longer than {_MAX_ENTITY} bytes; refused", file=str(path))


def _file_stamp(path: Path) -> dict:
    st = path.stat()
    return {"file": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def load_files(
    store: Store,
    files: Iterable[str | Path],
    *,
    base: str = DEFAULT_BASE_IRI,
    force: bool = False,
    on_progress: FileProgress | None = None,
) -> list[LoadReport]:
    """Load RDF files into ``store``, each into its own graph (see the module documentation).

    A file the store already holds unchanged (same path, size and modification time) is
    skipped unless ``force``; a changed file replaces what it loaded before.

    Parameters
    ----------
    store : Store
    files : iterable of str or Path
        Files ending in .ttl, .nt, .nq, .trig, .jsonld, .rdf or .owl.
    base : str
        The deployment's base IRI (names the files' graphs).
    force : bool
        Reload files even when unchanged.
    on_progress : callable, optional
        ``on_progress(file, bytes_read, size)``, for progress bars.

    Returns
    -------
    list of LoadReport
        One per file loaded (skipped files are left out).

    Raises
    ------
    InvalidParameter
        If a file does not exist, or two files share a name (they would share a graph).
    UnsupportedFormat
        If a file's extension is not an RDF format.
    SeedError
        If a file does not parse, or is RDF/XML with unsafe entity declarations.

    Examples
    --------
    >>> import tempfile, os
    >>> from rekg.graph.store import OxigraphStore
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "extra.nt")
    >>> _ = open(p, "w").write('<https://example.org/a> <https://example.org/p> "1" .\\n')
    >>> [(r.graphs, r.triples) for r in load_files(OxigraphStore(), [p])]
    [(['https://w3id.org/rekg/graph/data/extra.nt'], 1)]
    """
    paths = [Path(f) for f in files]
    seen: dict[str, Path] = {}
    for p in paths:
        if not p.is_file():
            raise InvalidParameter(f"data file {p} does not exist")
        format_for(p)
        if p.name in seen and seen[p.name].resolve() != p.resolve():
            raise InvalidParameter(f"{p} and {seen[p.name]} have the same name and would fill the same graph")
        seen[p.name] = p
    reports = []
    for p in paths:
        graph = data_graph(p, base)
        stamp = _file_stamp(p)
        key = _DATA_KEY + graph
        previous = json.loads(store.get_meta(key) or "null")
        if not force and previous and {k: previous.get(k) for k in stamp} == stamp:
            continue
        if format_for(p) == ox.RdfFormat.RDF_XML:
            check_rdfxml(p)
        if previous:
            for g in previous.get("graphs", []):
                if g != graph:
                    store.remove_graph(g)
        progress = (lambda done, total, _p=p: on_progress(_p, done, total)) if on_progress else None
        report = store.load_file(p, graph=graph, on_progress=progress)
        store.set_meta(key, json.dumps({**stamp, "graphs": report.graphs, "triples": report.triples}))
        reports.append(report)
    return reports


def seed_quads(
    seeds_dir: Path = SEEDS_DIR, *, base: str = DEFAULT_BASE_IRI, validate_shapes: bool = True, refresh: bool = False
) -> bytes:
    """The seed graphs (and the ontology graph) as N-Quads, parsed once per content and kept in the cache.

    Parsing the TriG seeds with rdflib is the slowest step of opening a graph (about 0.12 s of a
    0.6 s ``rekg suppliers``); pyoxigraph reads the same quads as N-Quads in milliseconds. The
    cache file is named by :func:`seed_fingerprint` and the rdflib version, so any change to the
    ontology, a seed file or the base IRI parses the seeds again. With ``validate_shapes`` the
    cache is only used once the same content has passed SHACL (the validation stamp of
    :func:`rekg.graph.io.seeds.load_seeds`). ``refresh`` parses the seeds again whatever the cache holds.

    Raises
    ------
    SeedError
        If a seed file does not parse or validate.

    Examples
    --------
    >>> b"graph/entities>" in seed_quads(validate_shapes=False)
    True
    """
    from importlib.metadata import version

    key = hashlib.sha256(f"{seed_fingerprint(seeds_dir, base)}\0{version('rdflib')}".encode()).hexdigest()[:32]
    cached = cache_dir() / f"seeds-{key}.nq"
    trusted = not validate_shapes or validation_stamp(seeds_dir, base).exists()
    if trusted and not refresh and cached.is_file():
        return cached.read_bytes()
    data = load_seeds(seeds_dir, base=base, validate_shapes=validate_shapes).serialize(
        format="nquads", encoding="utf-8"
    )
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.replace(cached)  # atomic: a concurrent reader sees the old file or the whole new one
    except OSError:
        pass  # an unwritable cache only costs the next start the parse
    return data


def open_graph(
    store: Store | str = "memory",
    path: str | Path | None = None,
    *,
    seeds_dir: Path = SEEDS_DIR,
    base: str = DEFAULT_BASE_IRI,
    validate_shapes: bool = True,
    data: Sequence[str | Path] = (),
    reset: bool = False,
    on_progress: FileProgress | None = None,
    **store_options: Any,
) -> KnowledgeGraph:
    """The knowledge graph: a store with the seeds loaded (once) and ``data`` on top.

    This is the one constructor: the server, the CLI, the Python API and the tests all
    open their graph here, so the seed graphs are marked curated (not replaceable or
    deletable by uploads) however the graph was opened.

    Parameters
    ----------
    store : Store or {"memory", "oxigraph", "remote"}
        An open back end (a persistent one may already hold the seeds), or the name of one
        to open with ``path`` and ``store_options`` (see :func:`rekg.graph.store.open_store`).
    path : str or Path, optional
        The directory of a persistent ``oxigraph`` store.
    seeds_dir, base, validate_shapes
        As for :func:`rekg.graph.io.seeds.load_seeds`; shapes are only run when the seeds are loaded.
    data : sequence of paths
        Extra RDF files (see :func:`load_files`).
    reset : bool
        Empty the store first, then load everything again.
    on_progress : callable, optional
        Progress of the data files, as for :func:`load_files`.
    **store_options
        Passed to :func:`rekg.graph.store.open_store` when ``store`` is a name.

    Returns
    -------
    KnowledgeGraph

    Raises
    ------
    SeedError
        If a seed or data file does not parse or validate.
    InvalidParameter, StoreUnavailable
        If the store cannot be opened.

    Examples
    --------
    >>> kg = open_graph(validate_shapes=False)
    >>> kg.store.get_meta("seeds") == seed_fingerprint()
    True
    >>> kg.ns.source + "wco-2022" in kg.seed_graphs
    True
    """
    if isinstance(store, str):
        store = open_store(store, path, **store_options)
    if reset:
        store.clear()
    fingerprint = seed_fingerprint(seeds_dir, base)
    if store.get_meta(_SEEDS_KEY) != fingerprint:
        try:
            new_graphs = store.load_nquads(seed_quads(seeds_dir, base=base, validate_shapes=validate_shapes))
        except SyntaxError:  # a damaged cache file: parse the seeds again (and rewrite it)
            fresh = seed_quads(seeds_dir, base=base, validate_shapes=validate_shapes, refresh=True)
            new_graphs = store.load_nquads(fresh)
        for old in json.loads(store.get_meta(_SEED_GRAPHS_KEY) or "[]"):
            if old not in new_graphs:
                store.remove_graph(old)
        store.set_meta(_SEED_GRAPHS_KEY, json.dumps(new_graphs))
        store.set_meta(_SEEDS_KEY, fingerprint)
    if data:
        load_files(store, data, base=base, on_progress=on_progress)
    return KnowledgeGraph(store, base, seed_graphs=json.loads(store.get_meta(_SEED_GRAPHS_KEY) or "[]"))
