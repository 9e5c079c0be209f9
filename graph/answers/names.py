"""Resolve the names users type (labels, aliases, symbols, ISO codes, IRIs) to entity IRIs.

The index is built from the graph once per graph version. Matching is case- and
accent-insensitive; an unknown name raises :class:`~graph.errors.NodeNotFound` listing close
matches.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from rekg.graph.errors import AmbiguousName, InvalidParameter, NodeNotFound
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.kg import iri as iri_term

__all__ = ["Entry", "NameIndex", "class_closure", "loose", "name_index", "normalise", "resolve"]

_DROP = re.compile(r"[.'’‘\"“”()\[\]]")
_SPACE = re.compile(r"[\s,;:_/-]+")

# Properties whose values name an entity, best first (a label beats an alias).
_NAME_PROPS = """
    VALUES (?prop ?rank) {
        (rdfs:label 0) (skos:prefLabel 0) (rekg:isoCode 1) (rekg:symbol 1) (skos:altLabel 2) (skos:notation 2)
    }
"""

# Both read one graph at a time (?g is bound): after an upload only the new graph is read.
_NAMES_IN_GRAPH = f"""
SELECT DISTINCT ?g ?s ?name ?rank ?lang WHERE {{
    {_NAME_PROPS}
    GRAPH ?g {{ ?s ?prop ?name }}
    FILTER(isIRI(?s) && isLiteral(?name))
    BIND(LANG(?name) AS ?lang)
}}
"""
_CLASS_FACTS_IN_GRAPH = "SELECT ?g ?s ?p ?o WHERE { VALUES ?p { rdf:type rdfs:subClassOf } GRAPH ?g { ?s ?p ?o } }"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


# Names repeat across graph versions: caching the folding makes rebuilding the indexes after a
# write several times cheaper.
@functools.lru_cache(maxsize=1 << 16)
def normalise(text: str) -> str:
    """Fold case, accents and punctuation spacing so ``"MP Materials Corp."`` ~ ``"mp materials corp"``.

    Examples
    --------
    >>> normalise("  Dysprosium ")
    'dysprosium'
    >>> normalise("U.S.")
    'u.s.'
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(folded.split())


@functools.lru_cache(maxsize=1 << 16)
def loose(text: str) -> str:
    """:func:`normalise`, then punctuation dropped, so ``"U.S."`` ~ ``"US"`` and ``"No 61"`` ~ ``"No. 61"``.

    Used only when the exact (normalised) name is unknown.

    Examples
    --------
    >>> loose("U.S."), loose("praseodymium-neodymium oxide"), loose("No. 61")
    ('us', 'praseodymium neodymium oxide', 'no 61')
    """
    return " ".join(_SPACE.sub(" ", _DROP.sub("", normalise(text))).split())


@dataclass
class Entry:
    """One entity with everything it is called."""

    iri: str
    label: str
    names: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)


@dataclass
class NameIndex:
    """Names to entities, built once per graph version."""

    entries: dict[str, Entry]
    #: normalised name -> {iri: best rank}
    by_name: dict[str, dict[str, int]]
    #: name without punctuation -> {iri: best rank}, the fallback of :meth:`lookup`
    by_loose: dict[str, dict[str, int]] = field(default_factory=dict)

    def ranks(self, name: str) -> dict[str, int]:
        """``{iri: rank}`` of the entities called ``name``: exactly after folding, else loosely."""
        hits = self.by_name.get(normalise(name))
        if not hits:
            hits = self.by_loose.get(loose(name), {})
        return hits

    def lookup(self, name: str) -> list[str]:
        """IRIs whose names match ``name`` (after folding; punctuation ignored as a fallback), best rank first."""
        hits = self.ranks(name)
        return sorted(hits, key=lambda iri: (hits[iri], iri))

    def close_matches(self, name: str, n: int = 5, types: set[str] | None = None) -> list[dict]:
        """Entities whose names are close to ``name``, for "did you mean" lists."""
        key = normalise(name)
        candidates = [k for k in self.by_name if len(k) > 1]
        scored: dict[str, float] = {}
        for k in difflib.get_close_matches(key, candidates, n=n * 3, cutoff=0.6):
            ratio = difflib.SequenceMatcher(None, key, k).ratio()
            for iri in self.by_name[k]:
                scored[iri] = max(scored.get(iri, 0.0), ratio)
        for k in candidates:
            if key and (k.startswith(key) or key in k):
                for iri in self.by_name[k]:
                    scored[iri] = max(scored.get(iri, 0.0), 0.59 + 0.4 * len(key) / len(k))
        ranked = sorted(scored, key=lambda iri: (-scored[iri], self.entries[iri].label))
        if types:
            ranked = [iri for iri in ranked if self.entries[iri].types & types]
        return [{"id": iri, "label": self.entries[iri].label} for iri in ranked[:n]]


def name_index(kg: KnowledgeGraph) -> NameIndex:
    """The name index of ``kg``, cached per graph version."""

    def build() -> NameIndex:
        entries: dict[str, Entry] = {}
        by_name: dict[str, dict[str, int]] = {}
        labelled: dict[str, bool] = {}
        parts = kg.per_graph("name_index.names", lambda g: kg.select(_NAMES_IN_GRAPH, g=iri_term(g)))
        distinct = {(r["s"], r["name"], r["rank"], r.get("lang", "")) for rows in parts.values() for r in rows}
        rows = [{"s": s, "name": name, "rank": rank, "lang": lang} for s, name, rank, lang in distinct]
        types = class_closure(kg)
        # English labels win as display labels, then untagged ones; ties go to the plainer text.
        rows.sort(key=lambda r: (r["rank"], _lang_rank(r.get("lang", "")), not _is_ascii(r["name"]), r["name"]))
        for r in rows:
            iri, name, rank = r["s"], r["name"], r["rank"]
            e = entries.get(iri)
            if e is None:
                e = entries[iri] = Entry(
                    iri=iri, label=name if rank == 0 else kg.local_id(iri), types=set(types.get(iri, ()))
                )
                labelled[iri] = rank == 0
            elif rank == 0 and not labelled[iri]:
                e.label, labelled[iri] = name, True
            e.names.add(name)
            slot = by_name.setdefault(normalise(name), {})
            slot[iri] = min(rank, slot.get(iri, rank))
        for iri, e in entries.items():
            local = normalise(kg.local_id(iri))
            slot = by_name.setdefault(local, {})
            slot[iri] = min(0, slot.get(iri, 0))
            e.names.add(local)
        by_loose: dict[str, dict[str, int]] = {}
        for key, hits in by_name.items():
            slot = by_loose.setdefault(loose(key), {})
            for iri, rank in hits.items():
                slot[iri] = min(rank, slot.get(iri, rank))
        return NameIndex(entries, by_name, by_loose)

    return kg.cached("name_index", build)


def class_closure(kg: KnowledgeGraph) -> dict[str, frozenset[str]]:
    """Every entity's classes, superclasses included, cached per graph version.

    Examples
    --------
    >>> from rekg.ontology import REKG
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> str(REKG.Actor) in class_closure(kg)[kg.iri("lynas")]
    True
    """

    def build() -> dict[str, frozenset[str]]:
        # rdf:type then rdfs:subClassOf*, over the union of the graphs, taken in Python.
        parts = kg.per_graph("class_closure.facts", lambda g: kg.select(_CLASS_FACTS_IN_GRAPH, g=iri_term(g)))
        typed: dict[str, set[str]] = {}
        parents: dict[str, set[str]] = {}
        for rows in parts.values():
            for r in rows:
                if r["p"] == _RDF_TYPE:
                    if not r["s"].startswith("_:"):
                        typed.setdefault(r["s"], set()).add(r["o"])
                else:
                    parents.setdefault(r["s"], set()).add(r["o"])
        ancestors: dict[str, frozenset[str]] = {}

        def up(cls: str) -> frozenset[str]:
            if cls not in ancestors:
                seen, todo = {cls}, [cls]
                while todo:
                    for parent in parents.get(todo.pop(), ()):
                        if parent not in seen:
                            seen.add(parent)
                            todo.append(parent)
                ancestors[cls] = frozenset(seen)
            return ancestors[cls]

        return {s: frozenset().union(*(up(t) for t in ts)) for s, ts in typed.items()}

    return kg.cached("class_closure", build)


def _lang_rank(lang: str) -> int:
    lang = (lang or "").lower()
    return 0 if lang == "en" or lang.startswith("en-") else 1 if not lang else 2


def _is_ascii(s: str) -> bool:
    return all(ord(c) < 128 for c in s)


def resolve(kg: KnowledgeGraph, name: str, *, types: set[str] | None = None, what: str = "entity") -> str:
    """Return the IRI of the entity called ``name``.

    Parameters
    ----------
    kg : KnowledgeGraph
    name : str
        A label, alias, symbol, ISO code, local id (``dysprosium``), CURIE (``id:dysprosium``) or
        full IRI; any case and spacing. Punctuation is ignored when the exact name is unknown
        (``"US"`` finds ``"U.S."``).
    types : set of str, optional
        Class IRIs the entity must have one of (e.g. ``{REKG.Country}``).
    what : str
        What to call the thing in error messages ("material", "country"...).

    Raises
    ------
    NodeNotFound
        If nothing of the wanted types is called ``name``; lists close matches.
    AmbiguousName
        If several entities share the name at the same rank.
    InvalidParameter
        If ``name`` is blank or not a string.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> resolve(kg, "DY") == kg.iri("dysprosium")
    True
    >>> resolve(kg, "CN") == kg.iri("china")
    True
    >>> resolve(kg, "  id:Lynas ") == resolve(kg, "lynas rare earths") == kg.iri("lynas")
    True
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidParameter(f"give a {what} name, code or IRI", parameter=what)
    index = name_index(kg)
    name = name.strip()
    if name.startswith(("id:", "src:")) and "://" not in name:
        ns = kg.ns.id if name.startswith("id:") else kg.ns.source
        local = name.split(":", 1)[1].strip()
        curie = str(ns[local])
        # Local ids are indexed as names too, so an id in another case still resolves.
        name = curie if curie in index.entries or name.startswith("src:") else local
    if name in index.entries and (not types or index.entries[name].types & types):
        return name
    hits = index.lookup(name)
    if types:
        hits = [h for h in hits if index.entries[h].types & types]
    if not hits:
        raise NodeNotFound(name, index.close_matches(name, types=types), what=what)
    if len(hits) > 1:
        ranks = index.ranks(name)
        best = [h for h in hits if ranks[h] == ranks[hits[0]]]
        if len(best) > 1:
            labels = ", ".join(f"{index.entries[h].label} <{h}>" for h in best)
            raise AmbiguousName(
                f"{name!r} names several entities: {labels}; pass the IRI instead",
                name=name,
                candidates=[{"id": h, "label": index.entries[h].label} for h in best],
            )
    return hits[0]
