"""Search labels and aliases, in English and Chinese, by prefix and fuzzily, for autocomplete.

The index is built once per graph version (:meth:`KnowledgeGraph.cached`): every entity and
source (IRIs under the base's ``id/`` and ``source/``) with its labels (``rdfs:label``, ``skos:prefLabel``),
aliases (``skos:altLabel``), symbols, ISO codes, source titles and legal instruments. A query is
folded like names are (:func:`rekg.graph.answers.names.normalise`: case, accents, spacing) and scored
against every name of every entity; an entity scores its best name.

Ranking, best first:

====  =========================================================================
100   the whole name equals the query ("dy", "镝")
 90   the name starts with the query ("lyn" -> "Lynas Rare Earths")
 80   every word of the query starts a word of the name ("earth lyn")
 70   the query occurs inside the name (Chinese names have no word breaks)
<60   fuzzy: character-trigram similarity (Dice) of at least 0.4 ("dysprosim")
====  =========================================================================

Within a band a label beats an alias (-2), and a shorter name beats a longer one.
Fuzzy candidates come from a trigram inverted index, so a query touches only names sharing
trigrams with it.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field

from rekg.graph.answers.names import normalise
from rekg.graph.answers.refs import type_of
from rekg.graph.errors import InvalidParameter
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.results import Result

__all__ = ["SearchHit", "SearchIndex", "SearchResults", "search", "search_index"]

# Read one graph at a time (?g is bound): after an upload only the new graph is read.
_NAMES_IN_GRAPH = """
SELECT DISTINCT ?g ?ids ?sources ?s ?name ?rank WHERE {
    VALUES (?prop ?rank) {
        (rdfs:label 0) (skos:prefLabel 0) (rekg:symbol 1) (rekg:isoCode 1) (skos:altLabel 2)
        (skos:notation 2) (dcterms:title 3) (rekg:instrument 3)
    }
    GRAPH ?g { ?s ?prop ?name }
    FILTER(isIRI(?s) && isLiteral(?name) && (STRSTARTS(STR(?s), STR(?ids)) || STRSTARTS(STR(?s), STR(?sources))))
}
"""

MAX_LIMIT = 100


@dataclass
class _Name:
    text: str
    folded: str
    words: list[str]
    rank: int
    lang: str | None
    trigrams: frozenset[str]


@dataclass
class _Entry:
    iri: str
    label: str
    label_zh: str | None
    type: str | None
    names: list[_Name] = field(default_factory=list)


@dataclass
class SearchHit(Result):
    """An entity whose name matches, with the name that matched."""

    id: str
    """The entity's IRI."""
    label: str
    """English label."""
    label_zh: str | None
    """Chinese label, where known."""
    type: str | None
    """What it is: company, element, export control..."""
    matched: str
    """The label or alias that matched."""
    match: str
    """exact, prefix, words, contains or fuzzy."""
    score: float
    """Higher is better (100 = exact label)."""


@dataclass
class SearchResults(Result):
    """Entities matching what was typed, best first."""

    q: str
    """What was typed."""
    hits: list[SearchHit]
    """Matches, best first."""

    rows_field = "hits"


@dataclass
class SearchIndex:
    """The names of every entity, with a trigram index for fuzzy matches."""

    entries: list[_Entry]
    #: trigram -> [(entry index, name index)]
    trigrams: dict[str, list[tuple[int, int]]]


@functools.lru_cache(maxsize=1 << 16)  # names repeat across graph versions
def _trigrams(folded: str) -> frozenset[str]:
    padded = f"  {folded} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def search_index(kg: KnowledgeGraph) -> SearchIndex:
    """The search index of ``kg``, built once per graph version."""

    from rekg.graph.kg import iri

    def names_in(graph: str) -> list[tuple[int, str, str, str | None]]:
        bound = {"g": iri(graph), "ids": iri(str(kg.ns.id)), "sources": iri(str(kg.ns.source))}
        rows = kg.store.query(_NAMES_IN_GRAPH, prefixes=kg.prefixes, substitutions=bound)
        return [(int(sol["rank"].value), sol["s"].value, sol["name"].value, sol["name"].language) for sol in rows]

    def build() -> SearchIndex:
        by_iri: dict[str, _Entry] = {}
        seen: set[tuple[str, str]] = set()
        raw = list({row for rows in kg.per_graph("search.names", names_in).values() for row in rows})
        # Labels first so the English label becomes the display label.
        raw.sort(key=lambda r: (r[0], r[3] not in (None, "en"), r[1], r[2], r[3] or ""))
        for rank, s, text, lang in raw:
            e = by_iri.get(s)
            if e is None:
                e = by_iri[s] = _Entry(iri=s, label=text if rank == 0 else kg.local_id(s), label_zh=None, type=None)
            if rank == 0 and lang and lang.startswith("zh") and e.label_zh is None:
                e.label_zh = text
            folded = normalise(text)
            if not folded or (s, folded) in seen:
                continue
            seen.add((s, folded))
            e.names.append(_Name(text, folded, folded.split(), rank, lang, _trigrams(folded)))
        entries = list(by_iri.values())
        trigrams: dict[str, list[tuple[int, int]]] = {}
        for i, e in enumerate(entries):
            e.type = type_of(kg, e.iri)
            for j, n in enumerate(e.names):
                for t in n.trigrams:
                    trigrams.setdefault(t, []).append((i, j))
        return SearchIndex(entries, trigrams)

    return kg.cached("analyst.search_index", build)


def _score(q: str, q_words: list[str], n: _Name) -> tuple[float, str] | None:
    penalty = 2 * (n.rank > 0) + min(len(n.folded) - len(q), 40) / 100
    if n.folded == q:
        return 100 - 2 * (n.rank > 0), "exact"
    if n.folded.startswith(q):
        return 90 - penalty, "prefix"
    if q_words and all(any(w.startswith(qw) for w in n.words) for qw in q_words):
        return 80 - penalty, "words"
    if q in n.folded:
        return 70 - penalty, "contains"
    return None


def search(kg: KnowledgeGraph, q: str, limit: int = 10) -> SearchResults:
    """Entities whose labels or aliases match ``q``, best first.

    Parameters
    ----------
    kg : KnowledgeGraph
    q : str
        What the user typed so far, in English or Chinese.
    limit : int
        At most this many hits (1 to 100).

    Returns
    -------
    SearchResults
        ``q`` and the hits, best first; see the module docstring for the ranking.

    Raises
    ------
    InvalidParameter
        If ``q`` is blank or ``limit`` is out of range.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> search(kg, "lyn").hits[0].label
    'Lynas Rare Earths'
    >>> search(kg, "镝").hits[0].label
    'dysprosium'
    >>> search(kg, "dysprosim").hits[0].match
    'fuzzy'
    """
    if not isinstance(q, str) or not q.strip():
        raise InvalidParameter("q: type at least one character", parameter="q")
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidParameter(f"limit: must be between 1 and {MAX_LIMIT}", parameter="limit")
    index = search_index(kg)
    folded = normalise(q)[:200]
    words = folded.split()
    best: dict[int, tuple[float, str, str]] = {}
    for i, e in enumerate(index.entries):
        for n in e.names:
            hit = _score(folded, words, n)
            if hit and (i not in best or hit[0] > best[i][0]):
                best[i] = (hit[0], hit[1], n.text)

    # Fuzzy matching for what is left, only on names sharing trigrams with the query.
    if len(folded) >= 3 and len(best) < limit:
        qt = _trigrams(folded)
        shared: Counter[tuple[int, int]] = Counter()
        for t in qt:
            for pair in index.trigrams.get(t, ()):
                shared[pair] += 1
        for (i, j), common in shared.items():
            if i in best:
                continue
            n = index.entries[i].names[j]
            dice = 2 * common / (len(qt) + len(n.trigrams))
            # Fuzzy hits of long names against short queries are mostly noise; compare the
            # query with the name's start too, so "dysprosim oxid" finds "dysprosium oxide".
            if dice < 0.4:
                head = _trigrams(n.folded[: len(folded) + 1])
                dice = max(dice, 2 * len(qt & head) / (len(qt) + len(head)) - 0.1)
            if dice >= 0.4:
                score = 60 * dice - 2 * (n.rank > 0)
                if i not in best or score > best[i][0]:
                    best[i] = (score, "fuzzy", n.text)

    ranked = sorted(
        best.items(), key=lambda kv: (-kv[1][0], len(index.entries[kv[0]].label), index.entries[kv[0]].label)
    )
    hits = [
        SearchHit(
            id=index.entries[i].iri,
            label=index.entries[i].label,
            label_zh=index.entries[i].label_zh,
            type=index.entries[i].type,
            matched=text,
            match=match,
            score=round(score, 2),
        )
        for i, (score, match, text) in ranked[:limit]
    ]
    return SearchResults(q=q, hits=hits)
