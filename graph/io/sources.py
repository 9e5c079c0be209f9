"""Sources: list them, add a new one atomically after validation, remove an uploaded one.

A source is a named graph ``{base}source/<id>`` that describes itself (title, publisher,
date, kind) and holds every fact the document states. The curated seed sources are
read-only here; they change by editing ``seeds/``.
"""

from __future__ import annotations

import asyncio
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF
from rekg.graph.errors import NodeNotFound, SeedError, SourceConflict, StoreUnavailable, UnsupportedMediaType
from rekg.graph.io.seeds import SOURCE_FORMATS, Problem, parse_source, validate
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.results import Result
from rekg.graph.sparql.pool import PoolClosed, WorkerGone, WorkerPool, WorkersBusy, WorkerTimeout
from rekg.ontology import REKG, namespaces, ontology_graph

__all__ = [
    "IsolatedValidation",
    "SourceInfo",
    "SourceWrite",
    "add_source",
    "list_sources",
    "remove_source",
    "source_format",
    "validate_upload",
]

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class SourceInfo(Result):
    """One source graph as listed by ``GET /sources``."""

    id: str
    """Short id; the graph IRI is the base's source namespace plus this id."""
    iri: str
    """IRI of the source, which is also the name of the graph holding its facts."""
    triples: int
    """Number of triples in the source's graph."""
    title: str | None
    """Title of the document."""
    publisher: str | None
    """Who published it."""
    date: date | None
    """Publication date."""
    kind: str | None
    """What sort of document the source is."""
    curated: bool
    """True for seed sources shipped with rekg; these cannot be replaced or deleted over HTTP."""


@dataclass(frozen=True)
class SourceWrite(Result):
    """What a write did."""

    id: str
    """The source's short id."""
    iri: str
    """The source's IRI, the name of its graph."""
    triples: int
    """Triples written (POST) or removed (DELETE)."""


_LIST = """
SELECT ?g ?title ?publisher ?date ?kind WHERE {
    GRAPH ?g { ?g a rekg:Source .
        OPTIONAL { ?g dcterms:title ?title }
        OPTIONAL { ?g dcterms:publisher ?pub }
        OPTIONAL { ?g dcterms:date ?date }
        OPTIONAL { ?g rekg:sourceKind ?k } }
    # Labels of publishers and kinds live in the entities graph and the ontology: read them over the union.
    OPTIONAL { ?pub rdfs:label ?publisher FILTER(langMatches(lang(?publisher), "en")) }
    OPTIONAL { ?k rdfs:label ?kind }
}
"""


def list_sources(kg: KnowledgeGraph) -> list[SourceInfo]:
    """Every source graph with its triple count, newest first.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> any(s.id == "caixin-2025-11" and s.curated for s in list_sources(kg))
    True
    """

    def build() -> list[SourceInfo]:
        counts = kg.store.graphs()
        prefix = str(kg.ns.source)
        seen: dict[str, SourceInfo] = {}
        for r in kg.select(_LIST):
            g = r["g"]
            if g in seen or not g.startswith(prefix):
                continue
            seen[g] = SourceInfo(
                id=g[len(prefix) :],
                iri=g,
                triples=counts.get(g, 0),
                title=r.get("title"),
                publisher=r.get("publisher"),
                date=r.get("date") if isinstance(r.get("date"), date) else None,
                kind=r.get("kind"),
                curated=g in kg.seed_graphs,
            )
        return sorted(seen.values(), key=lambda s: (s.date or date.min, s.id), reverse=True)

    return kg.cached("sources", build)


def source_format(media_type: str) -> str:
    """The rdflib parser for a request's media type.

    Raises
    ------
    UnsupportedMediaType
        If the media type is not one of :data:`rekg.graph.io.seeds.SOURCE_FORMATS`.
    """
    mt = media_type.split(";", 1)[0].strip().lower()
    try:
        return SOURCE_FORMATS[mt]
    except KeyError:
        raise UnsupportedMediaType(
            f"cannot read a source as {mt or 'no content type'}; send one of {', '.join(SOURCE_FORMATS)}",
            media_type=mt,
        ) from None


def _referenced_types(kg: KnowledgeGraph, g: Graph) -> Graph:
    """The types (and their labels) the store knows for IRIs the upload mentions, for sh:class checks."""
    iris = {t for triple in g for t in (triple[0], triple[2]) if isinstance(t, URIRef)}
    out = Graph()
    if not iris:
        return out
    values = " ".join(str(ox.NamedNode(str(i))) for i in sorted(iris))
    rows = kg.select(f"SELECT ?x ?t WHERE {{ VALUES ?x {{ {values} }} ?x a ?t }}")
    for r in rows:
        out.add((URIRef(r["x"]), RDF.type, URIRef(r["t"])))
    return out


def _check_namespaces(kg: KnowledgeGraph, g: Graph, name: str) -> None:
    """Uploads may describe any entity, but may not redefine the vocabulary or the service graphs."""
    ns = namespaces(kg.ns.base)
    forbidden = (str(REKG), str(ns.graph))
    bad = sorted({str(s) for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(forbidden)})
    if bad:
        raise SeedError(
            f"{name}: statements about the ontology or service graphs are not accepted: {', '.join(bad[:5])}",
            file=name,
        )


def validate_upload(payload: bytes) -> list[Problem]:
    """SHACL problems of an upload given as N-Triples: its graph plus the store's types of the IRIs it names.

    Examples
    --------
    >>> rdf_type = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    >>> doc = b"<https://w3id.org/rekg/id/x> " + rdf_type + b" <https://w3id.org/rekg/ontology#Country> ."
    >>> [p.node for p in validate_upload(doc)]
    ['https://w3id.org/rekg/id/x']
    """
    return validate(Dataset(), extra_graphs=[ontology_graph(), Graph().parse(data=payload, format="nt")])


def _validation_handler(payload: bytes) -> bytes:
    return pickle.dumps(validate_upload(payload), pickle.HIGHEST_PROTOCOL)


class IsolatedValidation:
    """:func:`validate_upload` in a worker process that is killed past a time limit.

    SHACL over an upload is pure Python: in the serving process it would hold the interpreter
    lock every other request needs for the whole run (about a fifth of the serving process's
    time under a write a second), and nothing could stop a pathological document. The worker
    is forked like the SPARQL workers, without network access where the kernel allows.

    Parameters
    ----------
    timeout_s : float
        Time limit of one validation, waiting for the worker included.

    Examples
    --------
    >>> check = IsolatedValidation(timeout_s=30)
    >>> rdf_type = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    >>> doc = b"<https://w3id.org/rekg/id/x> " + rdf_type + b" <https://w3id.org/rekg/ontology#Country> ."
    >>> [p.node for p in check(doc)]
    ['https://w3id.org/rekg/id/x']
    >>> check.close()
    """

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._pool = WorkerPool(lambda: _validation_handler, size=1)

    def start(self) -> None:
        """Fork the worker now (from the main thread, so it dies with the server)."""
        self._pool.start()

    def close(self) -> None:
        self._pool.close()

    @property
    def closed(self) -> bool:
        return self._pool.closed

    @property
    def worker_pids(self) -> list[int]:
        """Process id of the live worker (for tests and diagnostics)."""
        return self._pool.pids

    def __call__(self, payload: bytes) -> list[Problem]:
        """Validate ``payload``; called from a server thread, never from its event loop.

        Raises
        ------
        SeedError
            If validation runs past the time limit or the validator fails on the document.
        StoreUnavailable
            If the validator stays busy with other uploads, or the server is shutting down.
        """
        try:
            reply = asyncio.run(self._pool.call(payload, timeout=self.timeout_s))
        except WorkerTimeout:
            raise SeedError(
                f"validating this source ran past its {self.timeout_s:g} s limit (REKG_UPLOAD_TIMEOUT_S); "
                "split it into smaller sources"
            ) from None
        except WorkerGone as exc:
            raise SeedError(f"the SHACL validator failed on this source: {exc}") from None
        except WorkersBusy:
            raise StoreUnavailable(
                f"the validator stayed busy with other uploads for {self.timeout_s:g} s; try again"
            ) from None
        except PoolClosed:
            raise StoreUnavailable("the server is shutting down") from None
        return pickle.loads(reply)


def add_source(
    kg: KnowledgeGraph,
    data: bytes,
    media_type: str,
    *,
    name: str = "<upload>",
    check: Callable[[bytes], list[Problem]] = validate_upload,
) -> SourceWrite:
    """Validate a source document and add it as its own named graph, all or nothing.

    Parameters
    ----------
    kg : KnowledgeGraph
    data : bytes
        TriG, Turtle, N-Quads, N-Triples, JSON-LD or RDF/XML (DTDs refused).
    media_type : str
        The document's media type.
    name : str
        A label for error messages (file name).
    check : callable, optional
        Runs the SHACL shapes (:func:`validate_upload` in this process by default; the server
        passes an :class:`IsolatedValidation`).

    Returns
    -------
    SourceWrite

    Raises
    ------
    UnsupportedMediaType
        If the media type is not supported.
    SeedError
        If the document does not parse, is not one described source, touches the ontology
        or service graphs, or violates the SHACL shapes. Nothing is written.
    SourceConflict
        If a source with that IRI already exists (seed or upload).
    """
    fmt = source_format(media_type)
    ds: Dataset = parse_source(data, fmt=fmt, base=kg.ns.base, name=name, allow_default_graph=True)
    g = next(g for g in ds.graphs() if len(g) and g.identifier != ds.default_graph.identifier)
    iri = str(g.identifier)
    prefix = str(kg.ns.source)
    local = iri[len(prefix) :] if iri.startswith(prefix) else ""
    if not _ID.match(local):
        raise SeedError(
            f"{name}: a source graph must be named {prefix}<id> with a lower-case id of letters, digits, '.', '_' "
            f"or '-'; got <{iri}>",
            file=name,
        )
    _check_namespaces(kg, g, name)
    try:
        quads = list(ox.parse(g.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))
    except (SyntaxError, ValueError) as exc:
        raise SeedError(f"{name}: contains a term the store cannot hold: {exc}", file=name) from exc
    if kg.store.has_graph(iri):
        raise SourceConflict(f"source {local!r} already exists; delete it first or choose another id", id=local)

    # The upload is checked with the ontology (for subclasses) and the store's types of the IRIs it
    # mentions (for sh:class); only problems about the upload's own subjects count.
    payload = g.serialize(format="nt", encoding="utf-8") + _referenced_types(kg, g).serialize(
        format="nt", encoding="utf-8"
    )
    problems = check(payload)
    subjects = {str(s) for s in g.subjects()}
    problems = [p for p in problems if p.node in subjects]
    if problems:
        raise SeedError(
            f"{name}: SHACL validation failed with {len(problems)} problem(s):\n"
            + "\n".join(f"  - {p}" for p in problems),
            file=name,
            problems=[{**p.as_dict(), "files": [name]} for p in problems],
        )

    with kg.write_lock:
        if kg.store.has_graph(iri):
            raise SourceConflict(f"source {local!r} already exists; delete it first or choose another id", id=local)
        n = kg.store.replace_graph(iri, quads)
    return SourceWrite(id=local, iri=iri, triples=n)


def remove_source(kg: KnowledgeGraph, source_id: str) -> SourceWrite:
    """Remove an uploaded source graph.

    Raises
    ------
    NodeNotFound
        If no source has that id.
    SourceConflict
        If the source is a curated seed (edit ``seeds/`` instead).
    """
    iri = str(kg.ns.source[source_id]) if _ID.match(source_id) else ""
    if not iri or not kg.store.has_graph(iri):
        raise NodeNotFound(source_id, [], what="source")
    if iri in kg.seed_graphs:
        raise SourceConflict(f"source {source_id!r} is a curated seed; change it in seeds/ instead", id=source_id)
    with kg.write_lock:
        counts = kg.store.graphs()
        kg.store.remove_graph(iri)
    return SourceWrite(id=source_id, iri=iri, triples=counts.get(iri, 0))
