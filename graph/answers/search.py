"""Search labels and aliases, in English and Chinese, by prefix and fuzzily, for autocomplete.

The index is built once per graph version (:meth:`KnowledgeGraph.cached`): every entity and
source (IRIs under the base's ``id/`` and ``source/``) with its labels (``rdfs:label``, ``skos:prefLabel``),
aliases (``skos:altLabel``), symbols, ISO codes, source titles and legal instruments. A query is
folded like names are (:func:`rekg.graph.answers.names.loose`: case, accents, punctuation, hyphens
and spacing; then traditional Chinese as simplified, :func:`~rekg.graph.answers.names.simplified`)
and scored against every name of every entity; an entity scores its best name.

Ranking, best first:

====  =========================================================================
100   the whole name equals the query ("dy", "镝", "鏑", "No 61"), spaces aside ("rareearths")
 97   the same, singular for plural ("rare earth magnet")
 96   the same, trailing corporate suffixes aside ("Lynas Corp" -> "Lynas"; see
      :data:`~rekg.graph.answers.names.CORPORATE_SUFFIXES`)
 90   the name starts with the query ("lyn" -> "Lynas Rare Earths")
 80   every word of the query (or its singular) starts a word of the name ("earth lyn")
 70   the query occurs inside the name (Chinese names have no word breaks)
<60   fuzzy: rapidfuzz similarity (0-100) of the query with the whole name, or less 10 with
      the name's start, of at least 60, times 0.6 ("dysprosim", "dysprosim oxid")
====  =========================================================================

The first three are reported as ``exact`` matches. Within a band a label beats an alias (-2), and
a shorter name beats a longer one. Fuzzy matching runs only when the bands above leave room
under ``limit``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from rekg.graph.answers.names import CORPORATE_SUFFIXES, loose, normalise, simplified, singular
from rekg.graph.answers.refs import type_of
from rekg.graph.errors import InvalidParameter
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.results import Result

__all__ = ["SearchHit", "SearchIndex", "SearchResults", "search", "search_index"]

# Read one graph at a time (?g is bound): after an upload only the new graph is read.
_NAMES_IN_GRAPH = """
SELECT DISTINCT ?g ?ids ?sources ?s ?name ?rank ?lang WHERE {
    VALUES (?prop ?rank) {
        (rdfs:label 0) (skos:prefLabel 0) (rekg:symbol 1) (rekg:isoCode 1) (skos:altLabel 2)
        (skos:notation 2) (dcterms:title 3) (rekg:instrument 3)
    }
    GRAPH ?g { ?s ?prop ?name }
    FILTER(isIRI(?s) && isLiteral(?name) && (STRSTARTS(STR(?s), STR(?ids)) || STRSTARTS(STR(?s), STR(?sources))))
    BIND(LANG(?name) AS ?lang)
}
"""

MAX_LIMIT = 100
# The least rapidfuzz similarity (0-100) of a fuzzy hit.
_FUZZY = 60


@dataclass(frozen=True)
class _Folded:
    """A name or query, folded for comparison."""

    folded: str
    """Case, accents, punctuation and spacing folded, in simplified script."""
    compact: str
    """``folded`` without spaces."""
    words: tuple[str, ...]
    stems: tuple[str, ...]
    """The singular of each word."""
    singular: str
    """The stems, without spaces."""
    core: str
    """``singular`` less a trailing run of corporate suffixes."""


@functools.lru_cache(maxsize=1 << 16)  # names repeat across graph versions, queries across keystrokes
def _fold(text: str) -> _Folded:
    folded = simplified(loose(text)) or simplified(normalise(text))
    words = tuple(folded.split())
    stems = tuple(singular(w) for w in words)
    core = list(words)
    while len(core) > 1 and core[-1] in CORPORATE_SUFFIXES:
        core.pop()
    return _Folded(folded, "".join(words), words, stems, "".join(stems), "".join(singular(w) for w in core))


@dataclass
class _Name:
    text: str
    rank: int
    lang: str | None
    f: _Folded


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
    """exact (up to case, punctuation, spacing, script, plural, corporate suffix), prefix, words, contains or fuzzy."""
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
    """The names of every entity, with their folded forms listed for rapidfuzz."""

    entries: list[_Entry]
    #: the folded form of every name, in the order of :attr:`owners`
    choices: list[str] = field(default_factory=list)
    #: (entry index, name index) of each of :attr:`choices`
    owners: list[tuple[int, int]] = field(default_factory=list)


def search_index(kg: KnowledgeGraph) -> SearchIndex:
    """The search index of ``kg``, built once per graph version."""

    from rekg.graph.kg import iri

    def names_in(rows: list[dict]) -> list[tuple[int, str, str, str | None]]:
        return [(int(r["rank"]), r["s"], str(r["name"]), r.get("lang") or None) for r in rows]

    def build() -> SearchIndex:
        by_iri: dict[str, _Entry] = {}
        seen: set[tuple[str, str]] = set()
        rows = kg.rows_by_graph(_NAMES_IN_GRAPH, ids=iri(str(kg.ns.id)), sources=iri(str(kg.ns.source)))
        parts = kg.converted_parts("search.names", rows, names_in)
        raw = list({row for part in parts.values() for row in part})
        # Labels first so the English label becomes the display label.
        raw.sort(key=lambda r: (r[0], r[3] not in (None, "en"), r[1], r[2], r[3] or ""))
        for rank, s, text, lang in raw:
            e = by_iri.get(s)
            if e is None:
                e = by_iri[s] = _Entry(iri=s, label=text if rank == 0 else kg.local_id(s), label_zh=None, type=None)
            if rank == 0 and lang and lang.startswith("zh") and e.label_zh is None:
                e.label_zh = text
            f = _fold(text)
            if not f.folded or (s, f.folded) in seen:
                continue
            seen.add((s, f.folded))
            e.names.append(_Name(text, rank, lang, f))
        entries = list(by_iri.values())
        index = SearchIndex(entries)
        for i, e in enumerate(entries):
            e.type = type_of(kg, e.iri)
            for j, n in enumerate(e.names):
                index.choices.append(n.f.folded)
                index.owners.append((i, j))
        return index

    return kg.cached("analyst.search_index", build)


def _score(q: _Folded, n: _Name) -> tuple[float, str] | None:
    alias = 2 * (n.rank > 0)
    penalty = alias + min(len(n.f.folded) - len(q.folded), 40) / 100
    name = n.f
    if name.folded == q.folded or name.compact == q.compact:
        return 100 - alias, "exact"
    if name.singular == q.singular:
        return 97 - alias, "exact"
    if name.core == q.core:
        return 96 - alias, "exact"
    if name.folded.startswith(q.folded) or (len(q.compact) >= 3 and name.compact.startswith(q.compact)):
        return 90 - penalty, "prefix"
    if q.words and all(
        any(w.startswith(qw) or s.startswith(qs) for w, s in zip(name.words, name.stems, strict=True))
        for qw, qs in zip(q.words, q.stems, strict=True)
    ):
        return 80 - penalty, "words"
    if q.folded in name.folded:
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
    >>> [(h.label, h.matched, h.match) for h in search(kg, "Lynas Corp").hits]
    [('Lynas Rare Earths', 'Lynas', 'exact')]
    >>> search(kg, "鏑").hits[0].matched  # traditional script, read as simplified
    '镝'
    """
    if not isinstance(q, str) or not q.strip():
        raise InvalidParameter("q: type at least one character", parameter="q")
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidParameter(f"limit: must be between 1 and {MAX_LIMIT}", parameter="limit")
    index = search_index(kg)
    query = _fold(q[:200])
    best: dict[int, tuple[float, str, str]] = {}
    for i, e in enumerate(index.entries):
        for n in e.names:
            hit = _score(query, n)
            if hit and (i not in best or hit[0] > best[i][0]):
                best[i] = (hit[0], hit[1], n.text)

    # Fuzzy matching for what is left: the whole name, or its start (so "dysprosim oxid" finds
    # "dysprosium oxide" although the whole names differ more), scored by rapidfuzz.
    if len(query.folded) >= 3 and len(best) < limit:
        from rapidfuzz import fuzz, process

        key = query.folded
        similar: dict[tuple[int, int], float] = {}
        for _, sim, k in process.extract(key, index.choices, scorer=fuzz.ratio, score_cutoff=_FUZZY, limit=None):
            similar[index.owners[k]] = sim
        heads = [c[: len(key) + 1] if len(c) > len(key) + 1 else "" for c in index.choices]
        for _, sim, k in process.extract(key, heads, scorer=fuzz.ratio, score_cutoff=_FUZZY + 10, limit=None):
            similar[index.owners[k]] = max(similar.get(index.owners[k], 0.0), sim - 10)
        for (i, j), sim in similar.items():
            if i in best and best[i][1] != "fuzzy":
                continue
            n = index.entries[i].names[j]
            score = 0.6 * sim - 2 * (n.rank > 0)
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
