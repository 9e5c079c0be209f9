"""Resolve the names users type (labels, aliases, symbols, ISO codes, IRIs) to entity IRIs.

The index is built from the graph once per graph version. A name is looked up at ever looser
levels; the first level at which it names something of the wanted types wins, and every level
but the first is echoed to the user (:class:`Resolution`, ``resolved_from`` in answers):

===========  ==================================================================================
how          what is ignored (each level ignores what the ones above it ignore too)
===========  ==================================================================================
exact        case, spacing, letter width: ``"DY"``, ``"lynas rare earths"`` (not echoed)
diacritics   accents: ``"Reunion"`` ~ ``"Réunion"``
punctuation  punctuation and hyphens: ``"US"`` ~ ``"U.S."``, ``"rare earth metals"`` ~ ``"rare-earth metals"``
spacing      spaces: ``"rareearth metals"``
script       traditional Chinese read as simplified: ``"鏑"`` ~ ``"镝"``, ``"中國"`` ~ ``"中国"``
plural       English plural endings: ``"rare earth"`` ~ ``"rare earths"``, ``"lithium-ion battery"``
suffix       trailing corporate suffixes (:data:`CORPORATE_SUFFIXES`): ``"Lynas Corp"`` ~ ``"Lynas"``
fuzzy        one typo (two in names longer than 8 characters), when only one entity is that close:
             ``"dysprosum"``, ``"Untied States"``; never for names under 4 characters or in Chinese
===========  ==================================================================================

An unknown name raises :class:`~rekg.graph.errors.NodeNotFound` listing close matches; a name
that several entities share at the same level and rank raises
:class:`~rekg.graph.errors.AmbiguousName`. Both carry ``suggestions``: ``{"id", "label"}`` dicts
the page turns into links.

Fuzzy scoring is rapidfuzz's (C++, wheels for every common platform, maintained); traditional to
simplified Chinese is OpenCC's ``t2s`` conversion (see :func:`simplified`).
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from rekg.graph.errors import AmbiguousName, InvalidParameter, NodeNotFound
from rekg.graph.kg import KnowledgeGraph, Row
from rekg.graph.results import Result

__all__ = [
    "CORPORATE_SUFFIXES",
    "LEVELS",
    "Entry",
    "NameIndex",
    "Resolution",
    "class_closure",
    "loose",
    "name_index",
    "normalise",
    "resolve",
    "resolve_name",
    "simplified",
    "singular",
]

_DROP = re.compile(r"[.'’‘\"“”()\[\]]")
# Hyphens and dashes of every kind separate words like spaces do ("US–China" ~ "US-China"), and so
# does the middle dot of transliterated names ("唐纳德·特朗普").
_SPACE = re.compile(r"[\s,;:_/\-‐‑‒–—―·・]+")

#: Matching levels of :meth:`NameIndex.matches`, strictest first; ``fuzzy`` comes after them.
LEVELS: tuple[str, ...] = ("exact", "punctuation", "spacing", "script", "plural", "suffix")

# fmt: off
#: Words that end company names without telling companies apart: "Lynas Corp" is Lynas. Only a
#: trailing run of them is dropped, and never the whole name ("AG" alone stays "AG").
CORPORATE_SUFFIXES: frozenset[str] = frozenset({
    "corp", "corporation", "inc", "incorporated", "ltd", "limited", "co", "company", "plc", "ag", "sa", "gmbh",
    "llc", "lp", "nv", "bv", "pty", "se", "spa", "srl", "kk", "oyj", "asa", "ab", "bhd", "sdn", "berhad", "tbk",
    "holding", "holdings",
})
# fmt: on

# A fuzzy match may differ by this many edits (optimal string alignment: a swap of two neighbours is
# one edit) from a name, by the length of what was typed. Short names are too close to each other
# for a typo to be told from another name ("Chin" is one edit from "China" and from "chip").
_MIN_FUZZY_LEN = 4
_LONG_NAME = 8
# The least similarity (0-100) of a "did you mean" suggestion.
_SUGGEST = 60

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
    >>> normalise("Réunion")
    'reunion'
    """
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(folded.split())


@functools.lru_cache(maxsize=1 << 16)
def loose(text: str) -> str:
    """:func:`normalise`, then punctuation dropped and hyphens read as spaces, so ``"U.S."`` ~ ``"US"``.

    Used only when the exact (normalised) name is unknown.

    Examples
    --------
    >>> loose("U.S."), loose("praseodymium-neodymium oxide"), loose("No. 61")
    ('us', 'praseodymium neodymium oxide', 'no 61')
    >>> loose("US–China talks")
    'us china talks'
    """
    return " ".join(_SPACE.sub(" ", _DROP.sub("", normalise(text))).split())


@functools.cache
def _t2s() -> tuple[Any, threading.Lock]:
    # OpenCC, the reference converter (BYVoid/OpenCC, maintained, Apache-2.0), from its own PyPI
    # package: binary wheels for CPython 3.11+ on Linux x86-64/aarch64, macOS arm64 and Windows, so
    # no compiler is needed there. Its phrase dictionaries convert by context, which the pure-Python
    # ports (opencc-python-reimplemented, last released 2023; hanziconv, 2016, character by
    # character) either lag behind or lack. Imported on first use: most commands never need it.
    import opencc

    # One converter is shared by the server's worker threads; the binding documents no thread
    # safety, and a conversion takes microseconds, so a lock costs nothing.
    return opencc.OpenCC("t2s"), threading.Lock()


@functools.lru_cache(maxsize=1 << 16)
def simplified(text: str) -> str:
    """``text`` with traditional Chinese characters and phrases written in simplified ones (OpenCC ``t2s``).

    Text without CJK characters is returned as it is, without calling the converter.

    Examples
    --------
    >>> simplified("鏑"), simplified("中國"), simplified("萊納斯稀土"), simplified("Lynas")
    ('镝', '中国', '莱纳斯稀土', 'Lynas')
    """
    if not _has_cjk(text):
        return text
    converter, lock = _t2s()
    with lock:
        return converter.convert(text)


def _has_cjk(text: str) -> bool:
    # U+2E80 onwards: CJK radicals, punctuation, kana, ideographs, compatibility forms.
    return any(ord(c) >= 0x2E80 for c in text)


@functools.lru_cache(maxsize=1 << 16)
def singular(word: str) -> str:
    """The singular of an English plural word, by the regular rules; other words unchanged.

    Applied to the names in the index and to what is typed alike, so the irregular cases only
    have to agree with themselves ("lynas" becomes "lyna" on both sides).

    Examples
    --------
    >>> [singular(w) for w in ["earths", "batteries", "boxes", "rees", "status", "analysis", "镝", "10x"]]
    ['earth', 'battery', 'box', 'ree', 'status', 'analysis', '镝', '10x']
    """
    if len(word) <= 3 or not (word.isascii() and word.isalpha()):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@functools.lru_cache(maxsize=1 << 16)
def _keys(text: str) -> tuple[str, ...]:
    """The key of ``text`` at each of :data:`LEVELS`, each one looser than the one before."""
    words = loose(text).split()
    compact = "".join(words)
    stems = [singular(w) for w in words]
    core = list(words)
    while len(core) > 1 and core[-1] in CORPORATE_SUFFIXES:
        core.pop()
    suffix = simplified("".join(singular(w) for w in core))
    return normalise(text), " ".join(words), compact, simplified(compact), simplified("".join(stems)), suffix


@functools.lru_cache(maxsize=1 << 16)
def _fuzzy_key(text: str) -> str:
    return simplified(loose(text))


def _plain(text: str) -> str:
    # Case, spacing and letter width folded, accents kept: what "exact" means in the echo.
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass
class Entry:
    """One entity with everything it is called."""

    iri: str
    label: str
    names: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)


@dataclass
class Resolution(Result):
    """How a name that is not exactly a label or alias of its entity was read; answers echo it as ``resolved_from``."""

    what: str
    """What the name was given as ("material", "country"...)."""
    typed: str
    """The name as the user typed it."""
    id: str
    """The IRI it resolved to."""
    label: str
    """That entity's label."""
    matched: str
    """The label or alias of the entity that the name was matched with."""
    how: str
    """diacritics, punctuation, spacing, script, plural, suffix or fuzzy (see :mod:`rekg.graph.answers.names`)."""
    score: float | None = None
    """For fuzzy matches, the similarity of the typed name to the matched one (rapidfuzz ratio, 0-100)."""


#: An update looks each changed entity up in every graph's part up to this many lookups in all;
#: past it (a first build, a store of many sources) it gathers their names in one pass instead.
_PASS_OVER_PARTS = 100_000
#: One name of an entity in one graph: (the name as written, its rank: 0 for labels, its language tag).
_Name = tuple[str, int, str]
#: An entity's hit under one key: (best rank of its names with that key, whether the name shown is only the
#: local id, the name shown as written).
_Hit = tuple[int, bool, str]


@dataclass
class NameIndex:
    """Names to entities, built once per graph version.

    After a write only the entities the changed graphs name (or whose classes changed) are filed
    again (:meth:`updated`); every other entity keeps its entry and slots, shared with the index
    of the version before.
    """

    entries: dict[str, Entry]
    #: one dict per level of :data:`LEVELS`: key -> {iri: best hit}
    levels: list[dict[str, dict[str, _Hit]]]
    #: fuzzy key (a name without punctuation, in simplified script) -> {iri: best hit}
    fuzzy: dict[str, dict[str, _Hit]] = field(default_factory=dict)
    #: iri -> where it is filed: ((level index, key) ..., fuzzy keys ...), so an update can take it out
    filed: dict[str, tuple[tuple[tuple[int, str], ...], tuple[str, ...]]] = field(default_factory=dict)
    #: what the index was built from: graph -> its part of the names (by identity), and the classes
    parts: dict[str, dict[str, frozenset[_Name]]] = field(default_factory=dict)
    types: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @functools.cached_property
    def fuzzy_keys(self) -> list[str]:
        """The distinct fuzzy keys, for rapidfuzz (in the order of :attr:`fuzzy_hits`)."""
        return list(self.fuzzy)

    @functools.cached_property
    def fuzzy_hits(self) -> list[dict[str, _Hit]]:
        """``{iri: best hit}`` of each fuzzy key, in the order of :attr:`fuzzy_keys`."""
        return [self.fuzzy[k] for k in self.fuzzy_keys]

    def updated(
        self, kg: KnowledgeGraph, parts: dict[str, dict[str, frozenset[_Name]]], types: Mapping[str, frozenset[str]]
    ) -> NameIndex:
        """The index for ``parts`` and ``types``, refiling only the entities whose names or classes changed.

        The result is equal to a fresh build over the same parts (``tests/graph/answers/test_names.py``
        checks it against one after adds and removals); this index is left as it was.
        """
        changed = {g for g in parts.keys() | self.parts.keys() if parts.get(g) is not self.parts.get(g)}
        touched: set[str] = set()
        for g in changed:
            touched.update(self.parts.get(g, ()))
            touched.update(parts.get(g, ()))
        if self.types is not types:
            touched.update(iri for iri in self.entries if types.get(iri) != self.types.get(iri))
        new = NameIndex(
            dict(self.entries),
            [dict(table) for table in self.levels],
            dict(self.fuzzy),
            dict(self.filed),
            parts,
            types,
        )
        if len(touched) * len(parts) > _PASS_OVER_PARTS:  # many entities: one pass over every part
            gathered: dict[str, set[_Name]] = {}
            for part in parts.values():
                for iri, names in part.items():
                    if iri in touched:
                        gathered.setdefault(iri, set()).update(names)
            names_of = lambda iri: frozenset(gathered.get(iri, ()))  # noqa: E731
        else:  # a few: look each up in every part
            names_of = lambda iri: frozenset().union(*(part.get(iri, ()) for part in parts.values()))  # noqa: E731
        mine: set[int] = set()  # slots this update copied, so it may change them in place
        for iri in sorted(touched):  # a fresh build files every entity in IRI order
            new._unfile(iri, mine)
            names = names_of(iri)
            if names:
                new._file(kg, iri, names, mine)
        return new

    def _slot(self, table: dict[str, dict[str, _Hit]], key: str, mine: set[int]) -> dict[str, _Hit]:
        slot = table.get(key)
        if slot is None or id(slot) not in mine:
            slot = table[key] = dict(slot or {})
            mine.add(id(slot))
        return slot

    def _unfile(self, iri: str, mine: set[int]) -> None:
        self.entries.pop(iri, None)
        where = self.filed.pop(iri, None)
        if where is None:
            return
        slots, fuzzy = where
        for level, key in slots:
            slot = self._slot(self.levels[level], key, mine)
            slot.pop(iri, None)
            if not slot:
                del self.levels[level][key]
        for key in fuzzy:
            slot = self._slot(self.fuzzy, key, mine)
            slot.pop(iri, None)
            if not slot:
                del self.fuzzy[key]

    def _file(self, kg: KnowledgeGraph, iri: str, names: frozenset[_Name], mine: set[int]) -> None:
        # English labels win as display labels, then untagged ones; ties go to the plainer text.
        rows = sorted(names, key=lambda r: (r[1], _lang_rank(r[2]), not _is_ascii(r[0]), r[0]))
        labels = [name for name, rank, _ in rows if rank == 0]
        local = kg.local_id(iri)
        entry = Entry(iri=iri, label=labels[0] if labels else local, types=set(self.types.get(iri, ())))
        entry.names.update(name for name, _, _ in rows)
        # Local ids (``mp-materials``) are names too, as good as a label but never the one echoed.
        entry.names.add(normalise(local))
        self.entries[iri] = entry
        slots: set[tuple[int, str]] = set()
        fuzzy: set[str] = set()
        for hit in [(rank, False, name) for name, rank, _ in rows] + [(0, True, local)]:
            for level, key in enumerate(_keys(hit[2])):
                if key:
                    slot = self._slot(self.levels[level], key, mine)
                    slot[iri] = _merge(hit, slot.get(iri))
                    slots.add((level, key))
            key = _fuzzy_key(hit[2])
            if key and "://" not in key:  # nobody mistypes an IRI into one
                slot = self._slot(self.fuzzy, key, mine)
                slot[iri] = _merge(hit, slot.get(iri))
                fuzzy.add(key)
        self.filed[iri] = (tuple(slots), tuple(fuzzy))

    def matches(self, name: str) -> Iterator[tuple[str, dict[str, _Hit]]]:
        """``(level, {iri: (rank, is_local_id, name)})`` for each level of :data:`LEVELS` that knows ``name``.

        Examples
        --------
        >>> from rekg.graph import open_graph
        >>> kg = open_graph(validate_shapes=False)
        >>> level, hits = next(name_index(kg).matches("rare earth"))
        >>> level, [h[2] for h in hits.values()]
        ('plural', ['rare earths'])
        """
        for level, key, table in zip(LEVELS, _keys(name), self.levels, strict=True):
            hits = table.get(key)
            if hits:
                yield level, hits

    def lookup(self, name: str) -> list[str]:
        """IRIs of the entities called ``name`` at the strictest level that knows it, best rank first."""
        for _, hits in self.matches(name):
            return sorted(hits, key=lambda iri: (hits[iri][:2], iri))
        return []

    def near(self, name: str, types: set[str] | None = None) -> list[tuple[str, int, float, str]]:
        """Entities within the typo allowance of ``name``: ``(iri, edits, similarity, matched name)``, closest first.

        Empty for names under 4 characters and for names in Chinese, where one character more or
        less makes another word.
        """
        from rapidfuzz import fuzz, process
        from rapidfuzz.distance import OSA

        key = _fuzzy_key(name)
        if len(key) < _MIN_FUZZY_LEN or _has_cjk(key) or "://" in key:
            return []
        allowed = 1 if len(key) <= _LONG_NAME else 2
        best: dict[str, tuple[int, _Hit, str]] = {}
        for choice, edits, i in process.extract(
            key, self.fuzzy_keys, scorer=OSA.distance, score_cutoff=allowed, limit=None
        ):
            for iri, hit in self.fuzzy_hits[i].items():
                if types and not self.entries[iri].types & types:
                    continue
                if iri not in best or (edits, hit[:2]) < (best[iri][0], best[iri][1][:2]):
                    best[iri] = (edits, hit, choice)
        out = [(iri, edits, round(fuzz.ratio(key, choice), 1), hit[2]) for iri, (edits, hit, choice) in best.items()]
        return sorted(out, key=lambda t: (t[1], -t[2], self.entries[t[0]].label, t[0]))

    def close_matches(self, name: str, n: int = 5, types: set[str] | None = None) -> list[dict]:
        """Entities whose names are close to ``name``, for "did you mean" lists: ``[{"id", "label"}]``, best first.

        A name scores its rapidfuzz ``QRatio`` with ``name``, or, if better, the ratio of ``name`` with
        as much of the name's start, less 5 (``"dysprosim ox"`` is the start of ``"dysprosium oxide"``);
        at least 60. Among equal scores the shorter label comes first. (``WRatio`` is not used: its
        partial matching ranks one- and two-letter symbols, "in" or "y", first for any long query.)

        Examples
        --------
        >>> from rekg.graph import open_graph
        >>> kg = open_graph(validate_shapes=False)
        >>> [s["label"] for s in name_index(kg).close_matches("dysprosum oxid", n=2)]
        ['dysprosium oxide', 'dysprosium']
        >>> name_index(kg).close_matches("unobtainium")
        []
        """
        from rapidfuzz import fuzz, process

        key = _fuzzy_key(name)
        if not key:
            return []
        scored: dict[str, float] = {}

        def add(found: list[tuple[str, float, int]], less: float) -> None:
            for _, score, i in found:
                for iri in self.fuzzy_hits[i]:
                    if not types or self.entries[iri].types & types:
                        scored[iri] = max(scored.get(iri, 0.0), score - less)

        add(process.extract(key, self.fuzzy_keys, scorer=fuzz.QRatio, score_cutoff=_SUGGEST, limit=None), 0)
        if len(key) >= 3:
            heads = [k[: len(key)] if len(k) > len(key) else "" for k in self.fuzzy_keys]
            add(process.extract(key, heads, scorer=fuzz.ratio, score_cutoff=_SUGGEST + 5, limit=None), 5)
        ranked = sorted(scored, key=lambda iri: (-scored[iri], len(self.entries[iri].label), self.entries[iri].label))
        return [self.suggestion(iri) for iri in ranked[:n]]

    def suggestion(self, iri: str) -> dict:
        """``{"id", "label"}`` of an entity, as error bodies list them (the page links each)."""
        return {"id": iri, "label": self.entries[iri].label}


def _merge(hit: _Hit, old: _Hit | None) -> _Hit:
    # The best rank of the entity's names under this key decides ambiguity; the name shown is the
    # best real one (a label before an alias), the local id only when no real name has the key.
    if old is None:
        return hit
    shown = min(old, hit, key=lambda h: (h[1], h[0]))
    return (min(old[0], hit[0]), shown[1], shown[2])


def name_index(kg: KnowledgeGraph) -> NameIndex:
    """The name index of ``kg``, cached per graph version and updated by the graphs a write changed."""

    def by_subject(rows: list[Row]) -> dict[str, frozenset[_Name]]:
        names: dict[str, set[_Name]] = {}
        for r in rows:
            names.setdefault(r["s"], set()).add((r["name"], int(r["rank"]), r.get("lang", "")))
        return {s: frozenset(n) for s, n in names.items()}

    def build() -> NameIndex:
        # An unchanged graph's part stays the same object, which is how updated() tells it apart.
        parts = kg.converted_parts("name_index.names", kg.rows_by_graph(_NAMES_IN_GRAPH), by_subject)
        before = kg.latest("name_index")
        return (before or NameIndex({}, [{} for _ in LEVELS])).updated(kg, parts, class_closure(kg))

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
        typed: dict[str, set[str]] = {}
        parents: dict[str, set[str]] = {}
        for r in kg.select_by_graph(_CLASS_FACTS_IN_GRAPH):
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


def resolve_name(
    kg: KnowledgeGraph, name: str, *, types: set[str] | None = None, what: str = "entity"
) -> tuple[str, Resolution | None]:
    """The IRI of the entity called ``name``, and how the name was read when it was not exactly a name of it.

    The name is looked up at the levels of :data:`LEVELS`, then fuzzily (see the module docstring);
    the first level at which something of the wanted types has that name decides.

    Parameters
    ----------
    kg : KnowledgeGraph
    name : str
        A label, alias, symbol, ISO code, local id (``dysprosium``), CURIE (``id:dysprosium``) or
        full IRI, as the user typed it.
    types : set of str, optional
        Class IRIs the entity must have one of (e.g. ``{REKG.Country}``).
    what : str
        What to call the thing in error messages and in the echo ("material", "country"...).

    Returns
    -------
    tuple of (str, Resolution or None)
        The IRI, and ``None`` when ``name`` is the entity's IRI, CURIE, local id, label or alias up
        to case and spacing; otherwise the :class:`Resolution` that answers echo as ``resolved_from``.

    Raises
    ------
    NodeNotFound
        If nothing of the wanted types is called ``name`` or is one typo away from it alone; lists
        close matches (``suggestions``).
    AmbiguousName
        If several entities share the name at the same level and rank; lists them (``suggestions``,
        also as ``candidates``).
    InvalidParameter
        If ``name`` is blank or not a string.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> resolve_name(kg, "Dysprosium") == (kg.iri("dysprosium"), None)
    True
    >>> iri, how = resolve_name(kg, "中國", what="country")
    >>> iri == kg.iri("china"), how.how, how.matched
    (True, 'script', '中国')
    >>> _, how = resolve_name(kg, "Lynas Corp")
    >>> how.label, how.how, how.matched
    ('Lynas Rare Earths', 'suffix', 'Lynas')
    >>> resolve_name(kg, "dysprosum", what="material")[1].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'what': 'material', 'typed': 'dysprosum', 'id': 'https://w3id.org/rekg/id/dysprosium',
     'label': 'dysprosium', 'matched': 'dysprosium', 'how': 'fuzzy', 'score': 94.7}
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidParameter(f"give a {what} name, code or IRI", parameter=what)
    index = name_index(kg)
    typed = name = name.strip()
    if name.startswith(("id:", "src:")) and "://" not in name:
        ns = kg.ns.id if name.startswith("id:") else kg.ns.source
        local = name.split(":", 1)[1].strip()
        curie = str(ns[local])
        # Local ids are indexed as names too, so an id in another case still resolves.
        name = curie if curie in index.entries or name.startswith("src:") else local
    if name in index.entries and (not types or index.entries[name].types & types):
        return name, None

    def wanted(iri: str) -> bool:
        return not types or bool(index.entries[iri].types & types)

    for level, found in index.matches(name):
        hits = {iri: hit for iri, hit in found.items() if wanted(iri)}
        if not hits:
            continue
        top = min(hit[0] for hit in hits.values())
        best = sorted(iri for iri, hit in hits.items() if hit[0] == top)
        if len(best) > 1:
            labels = ", ".join(f"{index.entries[h].label} <{h}>" for h in best)
            listed = [index.suggestion(h) for h in best]
            raise AmbiguousName(
                f"{typed!r} names several entities: {labels}; pass the IRI instead",
                name=typed,
                candidates=listed,
                suggestions=listed,
            )
        iri = best[0]
        how = level
        if level == "exact":
            # Folding accents is a reading of the name the user may not have meant: say so.
            if any(_plain(n) == _plain(name) for n in index.entries[iri].names):
                return iri, None
            how = "diacritics"
        return iri, Resolution(what, typed, iri, index.entries[iri].label, hits[iri][2], how)

    near = index.near(name, types)
    if near and (len(near) == 1 or near[1][1] > near[0][1]):
        iri, _, score, matched = near[0]
        return iri, Resolution(what, typed, iri, index.entries[iri].label, matched, "fuzzy", score)
    # Several entities equally close: none is chosen, and they head the suggestions.
    tied = [t[0] for t in near if t[1] == near[0][1]] if near else []
    suggestions = [index.suggestion(iri) for iri in tied]
    suggestions += [s for s in index.close_matches(name, types=types) if s["id"] not in tied]
    raise NodeNotFound(typed, suggestions[: max(5, len(tied))], what=what)


def resolve(kg: KnowledgeGraph, name: str, *, types: set[str] | None = None, what: str = "entity") -> str:
    """Return the IRI of the entity called ``name`` (:func:`resolve_name` without the echo).

    Parameters
    ----------
    kg : KnowledgeGraph
    name : str
        A label, alias, symbol, ISO code, local id (``dysprosium``), CURIE (``id:dysprosium``) or
        full IRI; any case, spacing, hyphenation, accents, Chinese script, plural or corporate
        suffix, and one typo (see the module docstring).
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
    >>> resolve(kg, "鏑") == resolve(kg, "dysprosum") == kg.iri("dysprosium")
    True
    """
    return resolve_name(kg, name, types=types, what=what)[0]
