"""Small references to entities and sources, shared by the analyst answers.

An answer names an entity by its IRI and English label (:class:`Ref`) and cites a source by
its IRI, title, publisher and date (:class:`SourceRef`). Labels come from the name index and
source descriptions from one query, both cached per graph version, so building references
costs no queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rekg.graph.answers.names import name_index
from rekg.graph.dates import period_start, precision_of
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.results import Result
from rekg.graph.rules import entity_class
from rekg.ontology import REKG

__all__ = ["Ref", "SourceRef", "all_sources", "label_of", "ref", "source_ref", "source_refs", "type_of", "vocab_name"]


@dataclass(frozen=True)
class Ref(Result):
    """An entity: its IRI and English label. Open it with `GET /entities/{id}`."""

    id: str
    """The entity's IRI."""
    label: str
    """English label."""


@dataclass(frozen=True)
class SourceRef(Result):
    """A source document; its IRI also names the graph holding what it states."""

    id: str
    """IRI of the source and of its named graph."""
    title: str | None
    """Title of the document."""
    publisher: str | None
    """Who published it."""
    date: date | None
    """Publication date; for a source known only to the month or year, the first day of that period."""
    date_precision: str | None = None
    """``day``, ``month`` or ``year``: how precisely the source is dated (no day is invented)."""


def label_of(kg: KnowledgeGraph, iri: str) -> str:
    """The English label of ``iri``, or a readable fallback (its local name).

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> label_of(kg, kg.iri("dysprosium"))
    'dysprosium'
    >>> label_of(kg, "https://example.org/no-label")
    'no-label'
    """
    entry = name_index(kg).entries.get(iri)
    if entry is not None:
        return entry.label
    local = kg.local_id(iri)
    return local.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1] if local == iri else local


def ref(kg: KnowledgeGraph, iri: str | None) -> Ref | None:
    """A :class:`Ref` for ``iri`` (``None`` passes through).

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> ref(kg, kg.iri("china")).label
    'China'
    """
    if iri is None:
        return None
    return Ref(id=iri, label=label_of(kg, iri))


def vocab_name(iri: str | None) -> str | None:
    """A controlled value of the vocabulary as a lower-case phrase (``rekg:InForce`` -> ``in force``).

    Examples
    --------
    >>> vocab_name(str(REKG.InForce)), vocab_name(str(REKG.MagnetMaking)), vocab_name(None)
    ('in force', 'magnet making', None)
    """
    if iri is None:
        return None
    local = iri[len(str(REKG)) :] if iri.startswith(str(REKG)) else iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    words: list[str] = []
    for ch in local:
        if ch.isupper() and words:
            words.append(" ")
        words.append(ch.lower())
    return "".join(words)


_SOURCES = """
SELECT ?g ?title ?publisher ?date WHERE {
    GRAPH ?g {
        ?g a rekg:Source .
        OPTIONAL { ?g dcterms:title ?title }
        OPTIONAL { ?g dcterms:publisher ?publisher }
        OPTIONAL { ?g dcterms:date ?date }
    }
}
"""


def _source_table(kg: KnowledgeGraph) -> dict[str, SourceRef]:
    def build() -> dict[str, SourceRef]:
        table: dict[str, SourceRef] = {}
        for r in kg.select(_SOURCES):
            if r["g"] in table:
                continue
            # The publisher is an entity whose label lives in the entities graph.
            publisher = r.get("publisher")
            table[r["g"]] = SourceRef(
                id=r["g"],
                title=r.get("title"),
                publisher=label_of(kg, publisher) if publisher else None,
                date=period_start(r.get("date")),
                date_precision=precision_of(r.get("date")),
            )
        return table

    return kg.cached("analyst.source_table", build)


def source_ref(kg: KnowledgeGraph, graph_iri: str) -> SourceRef | None:
    """The source behind the named graph ``graph_iri``; ``None`` for graphs that are not sources.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> source_ref(kg, str(kg.ns.source["caixin-2025-11"])).publisher
    'Caixin'
    >>> source_ref(kg, kg.ns.entities_graph) is None
    True
    """
    return _source_table(kg).get(graph_iri)


def all_sources(kg: KnowledgeGraph) -> list[SourceRef]:
    """Every source of the graph, oldest first."""
    return source_refs(kg, _source_table(kg))


def source_refs(kg: KnowledgeGraph, graph_iris: Iterable[str]) -> list[SourceRef]:
    """The sources among ``graph_iris``, each once, oldest first."""
    table = _source_table(kg)
    found = {table[g].id: table[g] for g in graph_iris if g in table}
    return sorted(found.values(), key=lambda s: (s.date or date.max, s.id))


def _type_table(kg: KnowledgeGraph) -> dict[str, str]:
    def build() -> dict[str, str]:
        types: dict[str, set[str]] = {}
        for r in kg.select("SELECT ?s ?t WHERE { ?s a ?t FILTER(isIRI(?s)) }"):
            types.setdefault(r["s"], set()).add(r["t"])
        best: dict[str, str] = {}
        for s, ts in types.items():
            found = entity_class(ts)
            # A class outside the table (another vocabulary's) is named after its IRI.
            best[s] = found.phrase if found else vocab_name(min(ts)) or min(ts)
        return best

    return kg.cached("analyst.type_table", build)


def type_of(kg: KnowledgeGraph, iri: str) -> str | None:
    """The most specific class of ``iri`` as a phrase (``"company"``, ``"export control"``), or ``None``.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> type_of(kg, kg.iri("lynas")), type_of(kg, kg.iri("dysprosium-oxide"))
    ('company', 'oxide')
    """
    return _type_table(kg).get(iri)
