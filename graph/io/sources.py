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
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rekg.graph.dates import period_start, precision_of
from rekg.graph.errors import (
    CuratedEntityConflict,
    NodeNotFound,
    SeedError,
    SheetError,
    SourceConflict,
    StoreUnavailable,
    UnsupportedMediaType,
)
from rekg.graph.formats import NOT_XML_CHARS, SHEET_FORMATS, for_media_type
from rekg.graph.io.importers import Imported, import_sheet
from rekg.graph.io.provenance import complete_provenance
from rekg.graph.io.seeds import SOURCE_FORMATS, Problem, check_characters, parse_source, validate
from rekg.graph.io.shacl import UnsupportedShapes, compiled_shapes
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.results import Result
from rekg.graph.sparql.pool import PoolClosed, WorkerGone, WorkerPool, WorkersBusy, WorkerTimeout
from rekg.ontology import REKG, namespaces, ontology_graph

__all__ = [
    "CURATED_ONLY",
    "IsolatedValidation",
    "SourceInfo",
    "SourceWrite",
    "add_source",
    "check_curated",
    "curated_only_predicates",
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
    """Publication date; for a source known only to the month or year, the first day of that period."""
    kind: str | None
    """What sort of document the source is."""
    curated: bool
    """True for seed sources shipped with rekg; these cannot be replaced or deleted over HTTP."""
    date_precision: str | None = None
    """``day``, ``month`` or ``year``: how precisely the source is dated (no day is invented)."""


@dataclass(frozen=True)
class SourceWrite(Result):
    """What a write did."""

    id: str
    """The source's short id."""
    iri: str
    """The source's IRI, the name of its graph."""
    triples: int
    """Triples written (POST) or removed (DELETE); with ``dry_run``, the triples that would be written."""
    kind: str | None = "rdf"
    """What the document was read as: ``rdf``, ``claims`` (a claims sheet) or ``usgs-mcs`` (the USGS data
    release); ``None`` for a removal, which reads no document."""
    rows: int | None = None
    """Data rows read from a CSV source."""
    dry_run: bool = False
    """True when nothing was written because a dry run was asked for."""
    unchanged: bool = False
    """True when the same source was imported before with exactly these statements: nothing changed."""
    merged: int = 0
    """USGS figures left out because another graph of the same release (the hand-made seed) states them already."""
    skipped: list[dict] = field(default_factory=list)
    """Rows a CSV import left out on purpose, each ``{row, column, reason, value}`` (unknown commodity...)."""
    statements: str | None = None
    """With ``dry_run``: what would be written, as N-Triples."""


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
                date=period_start(r.get("date")),
                kind=r.get("kind"),
                curated=g in kg.seed_graphs,
                date_precision=precision_of(r.get("date")),
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


_KNOWN_ABOUT = """
CONSTRUCT {{ ?s ?p ?o . ?o ?p2 ?o2 }} WHERE {{
    VALUES ?s {{ {subjects} }}
    ?s ?p ?o
    OPTIONAL {{ ?o ?p2 ?o2 FILTER(isBlank(?o)) }}
}}
"""


def _validation_context(kg: KnowledgeGraph, g: Graph | list[ox.Quad]) -> bytes:
    """What the store knows that the shapes need to judge the upload's subjects, as N-Triples.

    The shapes run over the union of the graphs, as for the seeds, so an upload is judged with
    what the store already states about its subjects (a claim about a curated facility is checked
    against the whole facility: its label, operator and outputs, blank nodes one level deep) and
    with the store's types of every IRI either mentions (for ``sh:class``). ``g`` is an rdflib
    graph or the upload's quads (an imported sheet).
    """
    if isinstance(g, Graph):
        subjects = {str(s) for s in g.subjects() if isinstance(s, URIRef)}
        iris = {str(t) for triple in g for t in (triple[0], triple[2]) if isinstance(t, URIRef)}
    else:
        subjects = {q.subject.value for q in g if isinstance(q.subject, ox.NamedNode)}
        iris = subjects | {q.object.value for q in g if isinstance(q.object, ox.NamedNode)}
    # Only what the store holds can add context: ask about the upload's IRIs the store names at all
    # (an imported sheet mints thousands of new statistic IRIs the store has never seen).
    iris &= _known_iris(kg, iris)
    subjects &= iris
    known: list[ox.Triple] = []
    if subjects:
        known = kg.construct(_KNOWN_ABOUT.format(subjects=" ".join(str(ox.NamedNode(s)) for s in sorted(subjects))))
    iris |= {t.value for triple in known for t in (triple.subject, triple.object) if isinstance(t, ox.NamedNode)}
    if iris:
        values = " ".join(str(ox.NamedNode(i)) for i in sorted(iris))
        rows = kg.select(f"SELECT ?x ?t WHERE {{ VALUES ?x {{ {values} }} ?x a ?t FILTER(isIRI(?t)) }}")
        rdf_type = ox.NamedNode(str(RDF.type))
        known += [ox.Triple(ox.NamedNode(r["x"]), rdf_type, ox.NamedNode(r["t"])) for r in rows]
    return ox.serialize(known, format=ox.RdfFormat.N_TRIPLES) if known else b""


def _known_iris(kg: KnowledgeGraph, iris: set[str]) -> set[str]:
    """Those of ``iris`` the store states anything about (as subject), asked in chunks."""
    found: set[str] = set()
    ordered = sorted(iris)
    for i in range(0, len(ordered), 5000):
        values = " ".join(str(ox.NamedNode(x)) for x in ordered[i : i + 5000])
        found |= {r["x"] for r in kg.select(f"SELECT DISTINCT ?x WHERE {{ VALUES ?x {{ {values} }} ?x ?p ?o }}")}
    return found


def _check_namespaces(kg: KnowledgeGraph, g: Graph | list[ox.Quad], name: str) -> None:
    """Uploads may describe any entity, but may not redefine the vocabulary or the service graphs."""
    ns = namespaces(kg.ns.base)
    forbidden = (str(REKG), str(ns.graph))
    if isinstance(g, Graph):
        subjects = {str(s) for s in g.subjects() if isinstance(s, URIRef)}
    else:
        subjects = {q.subject.value for q in g if isinstance(q.subject, ox.NamedNode)}
    bad = sorted(s for s in subjects if s.startswith(forbidden))
    if bad:
        raise SeedError(
            f"{name}: statements about the ontology or service graphs are not accepted: {', '.join(bad[:5])}",
            file=name,
        )


#: What only the curated graphs may say about the entities they define: what an entity is called
#: (labels, aliases, symbols, codes and titles, which name resolution and search read), what it is
#: (types and class axioms) and what it is the same as. Claims about it (facts, each in its source's
#: graph) stay open to uploads: that is what sources are for. The ontology's sub-properties of these
#: count too (:func:`curated_only_predicates`).
CURATED_ONLY: frozenset[str] = frozenset(
    str(p)
    for p in (
        RDFS.label,
        SKOS.prefLabel,
        SKOS.altLabel,
        SKOS.hiddenLabel,
        SKOS.notation,
        REKG.isoCode,
        REKG.symbol,
        REKG.hsCode,
        DCTERMS.title,
        DCTERMS.identifier,
        RDF.type,
        RDFS.subClassOf,
        OWL.equivalentClass,
        OWL.sameAs,
    )
)
#: Of those, the ones that also reach the entity they point to: ``x owl:sameAs id:china`` re-names China.
_BOTH_WAYS = frozenset({str(OWL.sameAs), str(OWL.equivalentClass)})
_SHOWN_TRIPLES = 10


@lru_cache(maxsize=1)
def curated_only_predicates() -> frozenset[str]:
    """:data:`CURATED_ONLY` and every property the ontology declares a sub-property of one of them.

    Examples
    --------
    >>> str(REKG.isoCode) in curated_only_predicates(), str(REKG.operator) in curated_only_predicates()
    (True, False)
    """
    onto = ontology_graph()
    found = set(CURATED_ONLY)
    grew = True
    while grew:  # the transitive closure of rdfs:subPropertyOf, to a fixed point
        more = {str(s) for s, _, o in onto.triples((None, RDFS.subPropertyOf, None)) if str(o) in found}
        grew = not more <= found
        found |= more
    return frozenset(found)


def check_curated(kg: KnowledgeGraph, quads: list[ox.Quad], name: str = "<upload>") -> None:
    """Refuse statements that would rename, retype or re-code an entity the curated graphs define.

    An entity is curated when a seed graph (the ontology, the entities graph or a seed source)
    has a statement about it. A statement the curated graphs already make word for word adds
    nothing and is let through, so a source may repeat, say, ``id:china a rekg:Country``.

    Parameters
    ----------
    kg : KnowledgeGraph
        Its ``seed_graphs`` are the curated graphs (set by :func:`rekg.graph.io.load.open_graph`).
    quads : list of pyoxigraph.Quad
        The upload's statements.
    name : str
        A file name or label used in error messages.

    Raises
    ------
    CuratedEntityConflict
        Listing every offending statement, in N-Triples syntax.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> china, alt = ox.NamedNode(kg.iri("china")), ox.NamedNode(str(SKOS.altLabel))
    >>> check_curated(kg, [ox.Quad(china, ox.NamedNode(str(REKG.imposedBy)), ox.NamedNode(kg.iri("x")))])
    >>> check_curated(kg, [ox.Quad(china, alt, ox.Literal("Dy"))])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rekg.graph.errors.CuratedEntityConflict: <upload>: 1 statement(s) would change ... curated ...
    """
    protected = curated_only_predicates()
    candidates = [q for q in quads if q.predicate.value in protected]
    iris = {q.subject.value for q in candidates if isinstance(q.subject, ox.NamedNode)}
    iris |= {
        q.object.value for q in candidates if q.predicate.value in _BOTH_WAYS and isinstance(q.object, ox.NamedNode)
    }
    graphs = sorted(kg.seed_graphs)
    if not candidates or not iris or not graphs:
        return
    curated = iris & _curated_subjects(kg)

    def touches(q: ox.Quad) -> bool:
        subject = isinstance(q.subject, ox.NamedNode) and q.subject.value in curated
        target = q.predicate.value in _BOTH_WAYS and isinstance(q.object, ox.NamedNode) and q.object.value in curated
        return subject or target

    offending = [q for q in candidates if touches(q)]
    if not offending:
        return
    # Drop what the curated graphs already say word for word (blank nodes never match a curated statement).
    comparable = [(i, q) for i, q in enumerate(offending) if not isinstance(q.object, ox.BlankNode)]
    repeated: set[int] = set()
    if comparable:
        rows = " ".join(f"({i} {q.subject} {q.predicate} {q.object})" for i, q in comparable)
        repeated = {
            int(r["i"])
            for r in kg.select(
                f"SELECT DISTINCT ?i WHERE {{ VALUES (?i ?s ?p ?o) {{ {rows} }} "
                f"VALUES ?g {{ {' '.join(str(ox.NamedNode(g)) for g in graphs)} }} GRAPH ?g {{ ?s ?p ?o }} }}"
            )
        }
    offending = [q for i, q in enumerate(offending) if i not in repeated]
    if not offending:
        return
    triples = sorted(
        ({"subject": str(q.subject), "predicate": str(q.predicate), "object": str(q.object)} for q in offending),
        key=lambda t: (t["subject"], t["predicate"], t["object"]),
    )
    shown = "\n".join(f"  - {t['subject']} {t['predicate']} {t['object']} ." for t in triples[:_SHOWN_TRIPLES])
    more = f"\n  ... and {len(triples) - _SHOWN_TRIPLES} more" if len(triples) > _SHOWN_TRIPLES else ""
    raise CuratedEntityConflict(
        f"{name}: {len(triples)} statement(s) would change what a curated entity is called or what it is "
        "(labels, aliases, codes, titles, types and sameAs of entities defined in seeds/ are curated; "
        "a source may state facts about them, each with its source):\n" + shown + more,
        triples=triples,
        file=name,
    )


def _curated_subjects(kg: KnowledgeGraph) -> frozenset[str]:
    """Every IRI a seed graph states something about, once per graph version (an upload may name thousands)."""
    graphs = " ".join(str(ox.NamedNode(g)) for g in sorted(kg.seed_graphs))

    def build() -> frozenset[str]:
        query = f"SELECT DISTINCT ?x WHERE {{ VALUES ?g {{ {graphs} }} GRAPH ?g {{ ?x ?p ?o }} FILTER(isIRI(?x)) }}"
        rows = kg.select(query)
        return frozenset(r["x"] for r in rows)

    return kg.cached(("curated-subjects", graphs), build)


def validate_upload(payload: bytes, *, compiled: bool = False) -> list[Problem]:
    """SHACL problems of an upload given as N-Triples: its graph plus the store's types of the IRIs it names.

    Parameters
    ----------
    payload : bytes
        N-Triples.
    compiled : bool
        Check with the shapes compiled to Python (:mod:`rekg.graph.io.shacl`, tens of times faster;
        imported sheets use it) instead of pySHACL. Shapes the compiler does not support fall back
        to pySHACL.

    Examples
    --------
    >>> rdf_type = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    >>> doc = b"<https://w3id.org/rekg/id/x> " + rdf_type + b" <https://w3id.org/rekg/ontology#Country> ."
    >>> [p.node for p in validate_upload(doc)], [p.node for p in validate_upload(doc, compiled=True)]
    (['https://w3id.org/rekg/id/x'], ['https://w3id.org/rekg/id/x'])
    """
    if compiled:
        try:
            shapes = compiled_shapes()
        except UnsupportedShapes:
            pass
        else:
            return shapes.validate(
                [*_ontology_triples(), *ox.parse(payload, format=ox.RdfFormat.N_TRIPLES)]
                if payload
                else _ontology_triples()
            )
    return validate(Dataset(), extra_graphs=[ontology_graph(), Graph().parse(data=payload, format="nt")])


@lru_cache(maxsize=1)
def _ontology_triples() -> list[ox.Triple]:
    """The ontology as pyoxigraph triples (the compiled shapes read its class hierarchy)."""
    return list(ox.parse(ontology_graph().serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))


def _validation_handler(request: bytes) -> bytes:
    compiled, payload = pickle.loads(request)
    return pickle.dumps(validate_upload(payload, compiled=compiled), pickle.HIGHEST_PROTOCOL)


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

    def __call__(self, payload: bytes, *, compiled: bool = False) -> list[Problem]:
        """Validate ``payload`` (``compiled``: see :func:`validate_upload`); from a server thread, not its event loop.

        Raises
        ------
        SeedError
            If validation runs past the time limit or the validator fails on the document.
        StoreUnavailable
            If the validator stays busy with other uploads, or the server is shutting down.
        """
        try:
            request = pickle.dumps((compiled, payload), pickle.HIGHEST_PROTOCOL)
            reply = asyncio.run(self._pool.call(request, timeout=self.timeout_s))
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
    check: Callable[..., list[Problem]] = validate_upload,
    dry_run: bool = False,
) -> SourceWrite:
    """Validate a source document and add it as its own named graph, all or nothing.

    Parameters
    ----------
    kg : KnowledgeGraph
    data : bytes
        TriG, Turtle, N-Quads, N-Triples, JSON-LD or RDF/XML (DTDs refused); or CSV: a claims sheet or
        the USGS MCS data release (:mod:`rekg.graph.io.importers`, told apart by the header).
    media_type : str
        The document's media type (``text/csv`` for the sheets).
    name : str
        A label for error messages (file name).
    check : callable, optional
        Runs the SHACL shapes (:func:`validate_upload` in this process by default; the server
        passes an :class:`IsolatedValidation`). Imported sheets call it with ``compiled=True``.
    dry_run : bool
        Check everything, write nothing; the result carries the statements that would be written.

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
    SheetError
        If a CSV source has problems; each is listed by row and column. Nothing is written.
    SourceConflict
        If a source with that IRI already exists (seed or upload), unless a CSV import brings exactly
        the statements it holds (then nothing changes and ``unchanged`` is true).
    CuratedEntityConflict
        If the document gives an entity of the curated graphs a label, alias, code, title, type or
        sameAs they do not state (:func:`check_curated`); facts about such entities are accepted.
    """
    imported: Imported | None = None
    g: Graph | None = None
    if for_media_type(media_type, SHEET_FORMATS.values()) is not None:
        # A sheet (claims or data release) is mapped to its source's statements first, as N-Triples
        # lines; from there on it takes the path of every RDF source, with the compiled shapes.
        imported = import_sheet(kg, data, name=name, media_type=media_type)
        text = imported.triples.text()
        if NOT_XML_CHARS.search(text.decode("utf-8", "surrogatepass")):
            check_characters(imported.graph, name)  # names every offending triple
        iri = str(imported.triples.identifier)
    else:
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
    if g is not None:
        _check_namespaces(kg, g, name)
        complete_provenance(g, f"{kg.ns.base}document/{local}")
        text = g.serialize(format="nt", encoding="utf-8")
    try:
        quads = list(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))
    except (SyntaxError, ValueError) as exc:
        raise SeedError(f"{name}: contains a term the store cannot hold: {exc}", file=name) from exc
    if g is None:
        _check_namespaces(kg, quads, name)
    described = _described(imported, dry_run)
    if imported is not None and _same_graph(kg, iri, quads):
        # Importing the same sheet or release again changes nothing, and says so.
        return SourceWrite(id=local, iri=iri, triples=len(quads), unchanged=True, **described)
    if kg.store.has_graph(iri):
        raise SourceConflict(f"source {local!r} already exists; delete it first or choose another id", id=local)
    check_curated(kg, quads, name)

    # The upload is checked with the ontology (for subclasses), what the store states about its
    # subjects and the store's types of the IRIs it mentions (for sh:class); only problems about
    # the upload's own subjects count.
    payload = text + _validation_context(kg, g if g is not None else quads)
    problems = check(payload, compiled=True) if imported is not None else check(payload)
    subjects = {str(s) for s in g.subjects()} if g is not None else {str(q.subject.value) for q in quads}
    problems = [p for p in problems if p.node in subjects]
    if problems:
        rows = imported.node_rows if imported is not None else {}
        raise (SheetError if imported is not None else SeedError)(
            f"{name}: SHACL validation failed with {len(problems)} problem(s):\n"
            + "\n".join(f"  - {p}" for p in problems),
            file=name,
            problems=[
                {
                    **p.as_dict(),
                    "files": [name],
                    **(
                        {"row": rows.get(p.node), "column": _relation(p.path), "reason": p.message, "suggestions": []}
                        if imported
                        else {}
                    ),
                }
                for p in problems
            ],
        )
    if dry_run:
        text = ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES).decode()
        return SourceWrite(id=local, iri=iri, triples=len(quads), statements=text, **described)

    with kg.writing():
        if kg.store.has_graph(iri):
            raise SourceConflict(f"source {local!r} already exists; delete it first or choose another id", id=local)
        n = kg.store.replace_graph(iri, quads)
    return SourceWrite(id=local, iri=iri, triples=n, **described)


def _relation(path: str | None) -> str | None:
    """The relation a SHACL path names, as a sheet writes it (``stage`` for rekg:stage)."""
    return path.rsplit("#", 1)[-1] if path else None


def _described(imported: Imported | None, dry_run: bool) -> dict:
    """The fields of a :class:`SourceWrite` that say what was read."""
    if imported is None:
        return {"dry_run": dry_run}
    return {
        "kind": imported.kind,
        "rows": imported.rows,
        "dry_run": dry_run,
        "merged": imported.merged,
        "skipped": [p.to_dict() for p in imported.skipped],
    }


def _same_graph(kg: KnowledgeGraph, iri: str, quads: list[ox.Quad]) -> bool:
    """Whether the store's graph ``iri`` holds exactly ``quads`` (imports mint no blank nodes, so sets compare)."""
    if not kg.store.has_graph(iri) or kg.store.graphs().get(iri) != len(quads):
        return False
    held = set(kg.store.dump(ox.RdfFormat.N_TRIPLES, graph=iri).decode().splitlines())
    return held == set(ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES).decode().splitlines())


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
    with kg.writing():
        counts = kg.store.graphs()
        kg.store.remove_graph(iri)
    return SourceWrite(id=source_id, iri=iri, triples=counts.get(iri, 0), kind=None)
