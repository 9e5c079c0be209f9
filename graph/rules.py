"""The domain rules every answer and analysis applies, each written once.

* **What an entity is**: :data:`ENTITY_CLASSES`, one ordered table of the ontology's classes
  (most specific first) with the kind of supply-network node each becomes and the phrase an
  answer calls it by. :func:`entity_class` picks an entity's class from its types.
* **Control**: :data:`CONTROL_SHARE` and :func:`belonging_to`. Something belongs to a country
  (or any actor) when it is that actor, or is based or located in something that belongs to it,
  is operated by something that belongs to it, or is held at least 50 % by something that belongs
  to it. The rule is transitive: a company held 60 % by a Chinese company is Chinese for every
  "outside China" question, whichever answer or analysis asks.
* **Material closure**: :data:`MATERIAL_PARENTS` and :func:`material_ancestors`. A material
  counts as every material it is a form (``rekg:formOf``) or a member (``skos:broader``) of,
  transitively; :data:`MATERIAL_PATH` is the same rule as a SPARQL property path.
* **In force on a day**: :func:`derive_status`, the status of a measure on a day from its dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from rekg.graph.kg import KnowledgeGraph
from rekg.ontology import REKG, SKOS

K = TypeVar("K")

__all__ = [
    "CONTROL_SHARE",
    "ENTITY_CLASSES",
    "KINDS",
    "MATERIAL_PARENTS",
    "MATERIAL_PATH",
    "EntityClass",
    "acting_for",
    "belonging_to",
    "body_countries",
    "current_reports",
    "derive_status",
    "entity_class",
    "material_ancestors",
    "same_time",
    "within",
]

# ---------------------------------------------------------------------------------------------
# What an entity is
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntityClass:
    """A class of the ontology as answers and the supply network see it."""

    #: The class IRI.
    iri: str
    #: The phrase an answer calls an instance by (``"export control"``).
    phrase: str
    #: The kind of supply-network node an instance becomes; ``None``: not a node of it.
    kind: str | None = None


def _c(local: str, phrase: str, kind: str | None = None) -> EntityClass:
    return EntityClass(str(REKG) + local, phrase, kind)


#: The classes answers name, most specific first: an entity is shown as the first one it has.
ENTITY_CLASSES: tuple[EntityClass, ...] = (
    _c("Country", "country", "country"),
    _c("GovernmentBody", "government body", "body"),
    _c("Company", "company", "company"),
    _c("Person", "person"),
    _c("Organization", "organization", "organization"),
    _c("Region", "region", "region"),
    _c("Place", "place"),
    _c("Facility", "facility", "facility"),
    _c("Output", "output"),
    _c("Element", "element", "material"),
    _c("Oxide", "oxide", "material"),
    _c("Metal", "metal", "material"),
    _c("Compound", "compound", "material"),
    _c("Technology", "technology", "material"),
    _c("Product", "product", "material"),
    _c("MaterialForm", "material form", "material"),
    _c("MaterialGroup", "material group", "material"),
    _c("Material", "material", "material"),
    _c("Sector", "sector", "sector"),
    _c("ExportControl", "export control", "measure"),
    _c("Tariff", "tariff", "measure"),
    _c("OwnershipRule", "ownership rule", "measure"),
    _c("LicensingScheme", "licensing scheme", "measure"),
    _c("Suspension", "suspension order", "measure"),
    _c("SupplyDeal", "supply deal", "agreement"),
    _c("Agreement", "agreement", "agreement"),
    _c("Meeting", "meeting", "meeting"),
    _c("Initiative", "supply initiative", "initiative"),
    _c("Measure", "measure", "measure"),
    _c("Event", "event"),
    _c("Statistic", "statistic"),
    _c("Claim", "claim"),
    _c("Ownership", "ownership"),
    _c("Source", "source"),
    _c("Quantity", "quantity"),
    _c("Stage", "stage"),
    _c("FacilityStatus", "facility status"),
    _c("MeasureStatus", "measure status"),
    _c("Indicator", "indicator"),
    _c("SourceKind", "source kind"),
    _c("Actor", "actor"),
)

_RANK = {c.iri: i for i, c in enumerate(ENTITY_CLASSES)}
_BY_IRI = {c.iri: c for c in ENTITY_CLASSES}

#: Every supply-network node kind, in the order exports list them.
KINDS: tuple[str, ...] = (
    "country",
    "region",
    "company",
    "body",
    "organization",
    "facility",
    "material",
    "sector",
    "measure",
    "agreement",
    "meeting",
    "initiative",
)
assert {c.kind for c in ENTITY_CLASSES if c.kind} == set(KINDS), "every kind has a class and every class kind is listed"


def entity_class(types: Iterable[str], among: Iterable[str] | None = None) -> EntityClass | None:
    """The class an entity with rdf:types ``types`` is shown as: the first of :data:`ENTITY_CLASSES` it has.

    Parameters
    ----------
    types : iterable of str
        The entity's class IRIs.
    among : iterable of str, optional
        Only consider these kinds (``{"measure"}``).

    Examples
    --------
    >>> entity_class([str(REKG.Company), str(REKG.Actor)]).phrase
    'company'
    >>> entity_class([str(REKG.ExportControl)]).kind
    'measure'
    >>> entity_class(["https://example.org/Unknown"]) is None
    True
    """
    wanted = set(among) if among is not None else None
    known = [_BY_IRI[t] for t in types if t in _BY_IRI]
    known = [c for c in known if wanted is None or c.kind in wanted]
    return min(known, key=lambda c: _RANK[c.iri]) if known else None


# ---------------------------------------------------------------------------------------------
# Control
# ---------------------------------------------------------------------------------------------

#: The share of a company an owner must hold to control it.
CONTROL_SHARE = 0.5

# Links along which belonging passes, read from the graph in one query:
# ?part belongs to ?whole when it is based or located in it or operated by it.
_PARTS = """
SELECT DISTINCT ?part ?whole WHERE {
    { ?part rekg:country ?whole } UNION { ?part rekg:locatedIn ?whole } UNION { ?part rekg:operator ?whole }
}
"""
_STAKES = """
SELECT ?owner ?company (MAX(?share) AS ?held) WHERE {
    ?stake rekg:ownedCompany ?company ; rekg:owner ?owner ; rekg:share ?share .
} GROUP BY ?owner ?company
"""


def within(
    roots: Iterable[str], parts: Mapping[str, Iterable[str]], stakes: Iterable[tuple[str, str, float]]
) -> set[str]:
    """The roots and everything that belongs to them (the control rule, on plain data).

    Parameters
    ----------
    roots : iterable of str
        The actors asked about (a country, say).
    parts : mapping
        ``whole -> parts``: what is based in, located in or operated by each whole.
    stakes : iterable of (owner, company, share)
        Ownership stakes; a share of at least :data:`CONTROL_SHARE` passes control on.

    Examples
    --------
    >>> parts = {"CN": ["china-co"], "china-co": ["mine"]}
    >>> stakes = [("china-co", "my-co", 0.6), ("my-co", "au-co", 0.3)]
    >>> sorted(within(["CN"], parts, stakes))
    ['CN', 'china-co', 'mine', 'my-co']
    """
    controls: dict[str, list[str]] = {}
    for owner, company, share in stakes:
        if share is not None and share >= CONTROL_SHARE:
            controls.setdefault(owner, []).append(company)
    out = set(roots)
    todo = list(out)
    while todo:
        n = todo.pop()
        for x in (*parts.get(n, ()), *controls.get(n, ())):
            if x not in out:
                out.add(x)
                todo.append(x)
    return out


def belonging_to(kg: KnowledgeGraph, actor: str) -> frozenset[str]:
    """``actor`` and every entity of the graph that belongs to it under the control rule.

    Computed once per graph version and actor.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> kg.iri("lynas-malaysia") in belonging_to(kg, kg.iri("malaysia"))
    True
    """

    def build() -> frozenset[str]:
        parts: dict[str, list[str]] = {}
        for r in kg.select(_PARTS):
            parts.setdefault(r["whole"], []).append(r["part"])
        stakes = [(r["owner"], r["company"], float(r["held"])) for r in kg.select(_STAKES) if "held" in r]
        return frozenset(within([actor], parts, stakes))

    return kg.cached(("rules.belonging_to", actor), build)


_BODIES = "SELECT ?body ?actor WHERE { ?body a rekg:GovernmentBody ; rekg:country ?actor }"


def body_countries(kg: KnowledgeGraph) -> dict[str, str]:
    """``government body -> the country it acts for``, once per graph version (see :func:`acting_for`).

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> body_countries(kg)[kg.iri("mofcom")] == kg.iri("china")
    True
    """
    return kg.cached("rules.body_countries", lambda: {r["body"]: r["actor"] for r in kg.select(_BODIES)})


def acting_for(kg: KnowledgeGraph, actor: str) -> frozenset[str]:
    """``actor`` and the government bodies that act for it (a ``rekg:GovernmentBody`` based there).

    A deal the Department of Defense signs is a deal of the United States, a rule MOFCOM issues
    a rule of China: questions about a country's measures or agreements count its bodies. Firms
    do not act for their country (a US company's supply deal is not a US government deal).

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> kg.iri("mofcom") in acting_for(kg, kg.iri("china"))
    True
    """

    return frozenset({actor} | {body for body, country in body_countries(kg).items() if country == actor})


# ---------------------------------------------------------------------------------------------
# Material closure
# ---------------------------------------------------------------------------------------------

#: A material counts as what it is a form of and what it is a member of.
MATERIAL_PARENTS: tuple[str, ...] = (str(REKG.formOf), str(SKOS.broader))
#: The same rule as a SPARQL property path (zero or more steps): ``?x MATERIAL_PATH ?material``.
MATERIAL_PATH = "(" + "|".join(f"<{p}>" for p in MATERIAL_PARENTS) + ")*"

# Direct links only; the closure is taken in Python (some stores refuse a path with no fixed end).
_MATERIAL_LINKS = "SELECT ?a ?b WHERE { VALUES ?p { " + " ".join(f"<{p}>" for p in MATERIAL_PARENTS) + " } ?a ?p ?b }"


def material_ancestors(kg: KnowledgeGraph) -> dict[str, frozenset[str]]:
    """``material -> every material it counts as`` (itself excluded), once per graph version.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> kg.iri("dysprosium") in material_ancestors(kg)[kg.iri("dysprosium-oxide")]
    True
    """

    def build() -> dict[str, frozenset[str]]:
        parents: dict[str, set[str]] = {}
        for r in kg.select(_MATERIAL_LINKS):
            parents.setdefault(r["a"], set()).add(r["b"])
        out: dict[str, frozenset[str]] = {}
        for start in parents:
            seen: set[str] = set()
            todo = list(parents[start])
            while todo:
                x = todo.pop()
                if x not in seen:
                    seen.add(x)
                    todo.extend(parents.get(x, ()))
            out[start] = frozenset(seen)
        return out

    return kg.cached("rules.material_ancestors", build)


# ---------------------------------------------------------------------------------------------
# In force on a day
# ---------------------------------------------------------------------------------------------


def derive_status(
    day: date, dates: dict[str, date | None], *, lifted: bool = False
) -> tuple[str, str, dict[str, date]]:
    """The status of a measure on ``day`` from its dates, the reason, and the dates that decide it.

    Parameters
    ----------
    day : date
    dates : dict
        Any of ``announced_on``, ``effective_from``, ``suspended_from``, ``suspended_until``,
        ``ended_on``, ``valid_until`` (missing or ``None`` when unknown).
    lifted : bool
        Whether something removed the measure (an agreement that ``rekg:lifts`` it). A measure
        past its ``ended_on`` is then ``lifted``; otherwise it ran its course and ``lapsed``, as
        the ``measures-in-force`` query says too.

    Returns
    -------
    (status, reason, deciding dates)
        ``status`` is one of ``not yet announced``, ``announced``, ``in force``, ``suspended``,
        ``lifted``, ``lapsed`` or ``unknown``.

    Examples
    --------
    >>> d = {"effective_from": date(2025, 10, 9), "suspended_from": date(2025, 11, 10),
    ...      "suspended_until": date(2026, 11, 10)}
    >>> derive_status(date(2026, 1, 15), d)[0]
    'suspended'
    >>> derive_status(date(2026, 11, 10), d)[0]
    'in force'
    >>> derive_status(date(2025, 11, 1), {"announced_on": date(2025, 10, 9), "effective_from": date(2025, 11, 8)})[0]
    'announced'
    >>> ended = {"ended_on": date(2024, 12, 31), "effective_from": date(2024, 1, 1)}
    >>> derive_status(date(2025, 1, 1), ended)[0], derive_status(date(2025, 1, 1), ended, lifted=True)[0]
    ('lapsed', 'lifted')
    """
    announced = dates.get("announced_on")
    effective = dates.get("effective_from")
    s_from, s_until = dates.get("suspended_from"), dates.get("suspended_until")
    ended, valid_until = dates.get("ended_on"), dates.get("valid_until")
    first = min((d for d in (announced, effective) if d), default=None)
    if first is None:
        return "unknown", "the graph gives neither an announcement nor an effective date", {}
    if first > day:
        return "not yet announced", f"first made public on {first}", {"announced_on": first}
    if ended and ended <= day:
        return ("lifted" if lifted else "lapsed"), f"ended on {ended}", {"ended_on": ended}
    if valid_until and valid_until <= day:
        return "lapsed", f"its term ran out on {valid_until}", {"valid_until": valid_until}
    if effective and effective > day:
        return (
            "announced",
            f"announced on {announced or first}, takes effect on {effective}",
            {k: v for k, v in (("announced_on", announced), ("effective_from", effective)) if v},
        )
    if s_from and s_from <= day and (s_until is None or day < s_until):
        until = f" until {s_until}" if s_until else " with no end date given"
        return (
            "suspended",
            f"suspended from {s_from}{until}",
            {k: v for k, v in (("suspended_from", s_from), ("suspended_until", s_until)) if v},
        )
    start = effective or announced
    deciding = {"effective_from" if effective else "announced_on": start}
    reason = f"effective since {start}" if effective else f"announced on {start} with no later effective date"
    if s_until and s_until <= day:
        deciding["suspended_until"] = s_until
        reason += f"; its suspension ended on {s_until}"
    return "in force", reason, deciding


# ---------------------------------------------------------------------------------------------
# Updates and contests
# ---------------------------------------------------------------------------------------------


def same_time(a: date | None, a_precision: str | None, b: date | None, b_precision: str | None) -> bool:
    """Whether two sources describe the same moment: dated in the same month, or the same year
    when either is dated only to its year. Undated sources count as the same moment.

    Two sources giving different values of a state (``rekg:StateProperty``: a status) at the
    same moment contest each other; otherwise the later one reports an update that supersedes
    the earlier (ontology/README.md). ``graph/sparql/queries/conflicts.rq`` applies the same
    test to the dates' text, in SPARQL.

    Examples
    --------
    >>> same_time(date(2025, 11, 1), "day", date(2025, 11, 3), "day")
    True
    >>> same_time(date(2025, 5, 1), "month", date(2025, 11, 1), "month")
    False
    >>> same_time(date(2025, 1, 1), "year", date(2025, 11, 7), "day")
    True
    """
    if a is None or b is None:
        return True
    if "year" in (a_precision, b_precision):
        return a.year == b.year
    return (a.year, a.month) == (b.year, b.month)


def current_reports(reports: Mapping[K, Iterable[tuple[date, str | None]]]) -> set[K]:
    """Of several reported values of a state, each with the dates (and precisions) of the sources
    reporting it, those reported at the moment of the newest report (:func:`same_time`); a value
    no dated source reports counts as current. The others are superseded by a later report.

    Examples
    --------
    >>> current_reports({"planned": [(date(2025, 5, 1), "month")], "operating": [(date(2025, 11, 1), "month")]})
    {'operating'}
    >>> sorted(current_reports({"in force": [(date(2025, 11, 1), "month")], "lifted": [(date(2025, 11, 1), "day")]}))
    ['in force', 'lifted']
    """
    dates = {k: list(ds) for k, ds in reports.items()}
    newest = max((d for ds in dates.values() for d in ds), key=lambda d: d[0], default=None)
    if newest is None:
        return set(dates)
    return {k for k, ds in dates.items() if not ds or any(same_time(*d, *newest) for d in ds)}
