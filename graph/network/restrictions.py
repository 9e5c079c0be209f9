"""Which supply flows the measures in force on a day restrict: the one rule for time in every analysis.

Whether a measure is in force on a day is decided once, by the measures answer
(:func:`rekg.graph.answers.measures.measures_in_force`, which applies
:func:`rekg.graph.rules.derive_status` to the dates the sources give): the status ``/measures``
shows for a day is the status paths, chokepoints, centrality and disruption scenarios apply that
day. :func:`in_force_on` returns those measures, :func:`restrictions` the flows they stop.

A measure in force that stops trade (an export control or an ownership rule,
:data:`BLOCKING_TYPES`; a tariff taxes a flow and a licensing scheme enables one) restricts a
*handover*: an arc of the supply view (:mod:`rekg.graph.network.view`) by which a supplier in the
imposing country's jurisdiction delivers a material the measure restricts, or a form or a member
of one. The jurisdiction is the imposing country, the country of each government body issuing
the measure, and everything located in, based in, operated or controlled by them
(:func:`rekg.graph.network.view.controlled_by`). The handover is restricted for the consumers
the measure aims at: the countries it targets and the countries of the firms it targets, or
every consumer outside the jurisdiction when it names no target. That is the worst case, every
licence refused.

Every supply path from an actor to a material crosses exactly one handover (materials only lead
on to materials), so a path is restricted exactly when its handover is. Analyses treat
restricted paths in one of three ways, :data:`RESTRICTED`:

=========== ==========================================================================
``include`` every path counts; restricted ones are marked with the measures (default)
``exclude`` only open paths count: what the consumer obtains if the measures hold
``only``    only restricted paths count: what the measures cut
=========== ==========================================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import networkx as nx
from rekg.graph.answers.measures import MeasureStatus, measure_status, measures_in_force
from rekg.graph.dates import parse_date
from rekg.graph.errors import InvalidParameter
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.projection import NodeRef, node_ref, projection
from rekg.graph.network.view import _delivers, _memo, _offers, _refs, _without, controlled_by
from rekg.graph.results import Result
from rekg.graph.rules import body_countries

__all__ = [
    "BLOCKING_TYPES",
    "RESTRICTED",
    "MeasureApplied",
    "Restrictions",
    "in_force_on",
    "is_in_force",
    "restricted_mode",
    "restrictions",
]

#: Measure types that stop a flow while in force; tariffs tax it, licences enable it.
BLOCKING_TYPES = frozenset({"export control", "ownership rule"})

#: How an analysis treats paths that cross a restricted flow (see the module documentation).
RESTRICTED = ("include", "exclude", "only")


@dataclass
class MeasureApplied(Result):
    """A measure an analysis applies on its day, with the status that makes it apply."""

    measure: NodeRef
    """The measure."""
    status: str
    """Its status on the day as ``/measures`` gives it (``in force``), or ``re-imposed`` by a scenario."""
    projected: bool
    """True when that status is projected from dates older sources scheduled, not reported by a source."""
    stale: bool
    """True when that status is one a source reported (no dates known) longer ago than the stale limit."""
    imposed_by: list[NodeRef]
    """The countries imposing it and the bodies issuing it."""
    flows: int = 0
    """How many handovers (supplier → material arcs of the supply view) it restricts that day; 0 when the
    graph holds no supplier, in the imposer's jurisdiction, of what it restricts."""


def is_in_force(status: str) -> bool:
    """Whether a status of the measures answer means in force (``in force``, ``in force (projected)``...).

    Examples
    --------
    >>> is_in_force("in force"), is_in_force("suspended")
    (True, False)
    """
    return status == "in force" or status.startswith("in force")


def in_force_on(kg: KnowledgeGraph, day: date | str | None = None) -> list[MeasureStatus]:
    """The measures in force on ``day`` (today by default), exactly as ``/measures`` gives them.

    This is the one place the analyses learn which measures hold on a day.

    Parameters
    ----------
    kg : KnowledgeGraph
    day : date or str, optional

    Returns
    -------
    list of MeasureStatus
        Every kind of measure (tariffs too), by label.

    Raises
    ------
    InvalidParameter
        If ``day`` is not a date.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> suspended = "MOFCOM Announcement 2025 No. 61"
    >>> suspended in [m.label for m in in_force_on(kg, "2026-01-15")]
    False
    >>> suspended in [m.label for m in in_force_on(kg, "2026-12-01")]
    True
    """
    on = parse_date(day, name="as_of") or date.today()
    return [m for m in _statuses(kg, on).values() if is_in_force(m.status)]


def _statuses(kg: KnowledgeGraph, day: date) -> dict[str, MeasureStatus]:
    """Every measure known on ``day`` with its status, by IRI (memoized per graph version and day)."""
    return _memo(kg, ("measures", day), lambda: {m.id: m for m in measures_in_force(kg, on=day).measures})


def restricted_mode(value: object) -> str:
    """``value`` if it is one of :data:`RESTRICTED`, else :class:`InvalidParameter`.

    Examples
    --------
    >>> restricted_mode("exclude")
    'exclude'
    >>> restricted_mode("never")
    Traceback (most recent call last):
    ...
    rekg.graph.errors.InvalidParameter: restricted: 'never' is not one of include, exclude, only
    """
    if value not in RESTRICTED:
        raise InvalidParameter(f"restricted: {value!r} is not one of {', '.join(RESTRICTED)}", parameter="restricted")
    return str(value)


class Restrictions:
    """The handovers of a supply view that measures stop on a day, measure by measure.

    Built by :func:`restrictions`. ``applied`` lists the measures applied, in force first (by
    label), then re-imposed ones; :meth:`arcs_for` gives the handovers restricted for one
    consumer; :meth:`view` the graph an analysis runs on for a :data:`RESTRICTED` mode.
    """

    def __init__(self, G: nx.MultiDiGraph, day: date) -> None:
        self.G = G
        self.day = day
        self.applied: list[MeasureApplied] = []
        self.sources: dict[str, set[str]] = {}
        self._blocks: dict[str, tuple[frozenset[tuple[str, str]], frozenset[str], frozenset[str] | None]] = {}

    def _add(self, st: MeasureStatus, status: str, arcs: set[tuple[str, str]], jurisdiction: set[str], aimed) -> None:
        self._blocks[st.id] = (frozenset(arcs), frozenset(jurisdiction), aimed)
        self.sources[st.id] = {s.id for s in st.sources}
        by = [r.id for r in (*st.imposed_by, *st.issued_by) if r.id in self.G]
        self.applied.append(
            MeasureApplied(
                measure=node_ref(self.G, st.id),
                status=status,
                projected=bool(getattr(st, "projected", False)) and status != "re-imposed",
                stale=bool(getattr(st, "stale", False)) and status != "re-imposed",
                imposed_by=_refs(self.G, set(by)),
                flows=len(arcs),
            )
        )

    def hits(self, measure: str, consumer: str) -> bool:
        """Whether ``measure`` restricts its handovers for ``consumer``."""
        _, jurisdiction, aimed = self._blocks[measure]
        if consumer in jurisdiction:
            return False
        return aimed is None or consumer in aimed or self.G.nodes[consumer].get("country") in aimed

    def arcs_for(self, consumer: str) -> dict[tuple[str, str], list[str]]:
        """The handovers restricted for ``consumer``, each with the IRIs of the measures restricting it."""
        out: dict[tuple[str, str], list[str]] = {}
        for applied in self.applied:
            m = applied.measure.id
            if self._blocks[m][0] and self.hits(m, consumer):
                for arc in self._blocks[m][0]:
                    out.setdefault(arc, []).append(m)
        return out

    def view(self, H: nx.DiGraph, blocked: Iterable[tuple[str, str]], mode: str) -> nx.DiGraph:
        """``H`` (a consumer's view) as a :data:`RESTRICTED` mode sees it, given its ``blocked`` handovers.

        ``exclude`` hides the blocked handovers; ``only`` hides every other handover, so the
        paths to a material left all cross a blocked one.
        """
        blocked = set(blocked)
        if mode == "exclude":
            return _without(H, set(), {a for a in blocked if H.has_edge(*a)})
        if mode == "only":
            return _without(H, set(), {(u, v) for u, v in H.edges() if (u, v) not in blocked and _delivers(H, u, v)})
        return H

    def refs(self, measures: Iterable[str]) -> list[NodeRef]:
        """The :class:`NodeRef` of each measure, in the order of ``applied``."""
        wanted = set(measures)
        return [a.measure for a in self.applied if a.measure.id in wanted]

    def named(self, measures: Iterable[str]) -> list[MeasureApplied]:
        """The :class:`MeasureApplied` of each measure, in the order of ``applied``."""
        wanted = set(measures)
        return [a for a in self.applied if a.measure.id in wanted]


def restrictions(kg: KnowledgeGraph, V: nx.DiGraph, day: date, reimpose: Iterable[str] = ()) -> Restrictions:
    """The handovers of the supply view ``V`` that the measures in force on ``day`` stop.

    Parameters
    ----------
    kg : KnowledgeGraph
    V : networkx.DiGraph
        The supply view of that day (:func:`rekg.graph.network.view.supply_view`).
    day : date
    reimpose : iterable of str
        IRIs of measures to apply as well, whatever their status that day (a scenario's).

    Returns
    -------
    Restrictions
        Every export control and ownership rule in force that day (:func:`in_force_on`), with
        the re-imposed measures after them.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> from rekg.graph.network.view import supply_view
    >>> kg = open_graph(validate_shapes=False)
    >>> day = date(2026, 12, 1)
    >>> r = restrictions(kg, supply_view(kg, day), day)
    >>> blocked = r.arcs_for(kg.iri("united-states"))
    >>> (kg.iri("china"), kg.iri("gallium")) in blocked
    True
    >>> (kg.iri("lynas-malaysia"), kg.iri("dysprosium-oxide")) in blocked
    False
    """
    G = projection(kg)
    statuses = _statuses(kg, day)
    found = Restrictions(G, day)
    chosen = [(st, "in force") for st in statuses.values() if is_in_force(st.status) and st.kind in BLOCKING_TYPES]
    chosen.sort(key=lambda x: (x[0].label.casefold(), x[0].id))
    taken = {st.id for st, _ in chosen}
    for m in reimpose:
        if m in taken:
            continue
        st = statuses.get(m) or measure_status(kg, m, day)
        if st is not None:
            chosen.append((st, "re-imposed"))
            taken.add(m)
    jurisdictions: dict[frozenset[str], set[str]] = {}
    acts_for = body_countries(kg)
    for st, status in chosen:
        # Bodies act for their country: MOFCOM's rules are China's (rules.body_countries).
        imposers = {r.id for r in st.imposed_by if r.id in G}
        imposers |= {acts_for[r.id] for r in st.issued_by if r.id in G and acts_for.get(r.id) in G}
        key = frozenset(imposers)
        if key not in jurisdictions:
            jurisdictions[key] = controlled_by(G, key) if key else set()
        jurisdiction = jurisdictions[key]
        restricted: set[str] = set()
        for r in st.restricts:
            if r.id in V:
                restricted |= _offers(V, r.id)
        arcs = {(u, x) for x in restricted for u in V.predecessors(x) if u in jurisdiction and _delivers(V, u, x)}
        targets = {t.id for t in st.targets if t.id in G}
        aimed = None if not st.targets else frozenset(targets | {G.nodes[t].get("country") for t in targets} - {None})
        found._add(st, status, arcs, jurisdiction, aimed)
    return found
