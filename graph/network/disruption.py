"""Disruption scenarios: what breaks when countries or firms drop out and measures come back.

:func:`disruption` compares three states of the supply view (:mod:`rekg.graph.network.view`)
of a day:

* **no measures**: every flow open;
* the **baseline**: the measures in force that day (:func:`rekg.graph.network.restrictions.in_force_on`,
  the status ``/measures`` gives), nothing removed;
* the **scenario**: the removed entities gone with all they control, and the re-imposed
  measures applied on top of the baseline's.

It answers with a :class:`Disruption`: the baseline it applied (the measures, and what they
already cut each country off), the materials left with no supplier, and the countries and
sectors that lose materials against the baseline and against no measures at all, with the
supply paths they lose. A scenario on a day when the measures already cut China's flows finds
little more to lose against the baseline; the comparison with no measures shows what the
country's supply rests on in all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import networkx as nx
from rekg.graph.answers.evidence import Evidence, evidence
from rekg.graph.dates import parse_date
from rekg.graph.errors import InvalidParameter
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.paths import MAX_PATH_LENGTH, MAX_PATHS, SupplyPath, _explain, _listed_paths
from rekg.graph.network.projection import NodeRef, node_ref, projection
from rekg.graph.network.restrictions import BLOCKING_TYPES, MeasureApplied, Restrictions, restrictions
from rekg.graph.network.view import (
    ACTOR_KINDS,
    _arc_sources,
    _delivers,
    _int_in,
    _names,
    _offers,
    _refs,
    controlled_by,
    for_consumer,
    resolve_nodes,
    supply_view,
)
from rekg.graph.results import Result

__all__ = [
    "BLOCKING_TYPES",
    "Baseline",
    "ConsumerImpact",
    "Disruption",
    "Impact",
    "MaterialImpact",
    "MeasureApplied",
    "SectorImpact",
    "disruption",
]


@dataclass
class MaterialImpact(Result):
    """A material left with no supplier, and who supplied it before."""

    material: NodeRef
    """The material."""
    suppliers_before: list[NodeRef]
    """Who supplied it before the scenario (all of them removed by it)."""
    sectors: list[NodeRef]
    """Sectors that use it (or a group it belongs to)."""


@dataclass
class SectorImpact(Result):
    """A sector that depends on materials the scenario cuts off."""

    sector: NodeRef
    """The sector."""
    materials: list[NodeRef]
    """The materials it uses that are cut off, for some country or for all."""
    consumers: list[NodeRef]
    """Countries that lose those materials."""


@dataclass
class ConsumerImpact(Result):
    """A country that can no longer obtain some materials."""

    consumer: NodeRef
    """The country."""
    materials_lost: list[NodeRef]
    """Materials it could obtain before and cannot after."""


@dataclass
class Baseline(Result):
    """What the scenario is compared with: the supply view of the day with the measures in force that day."""

    measures: list[MeasureApplied]
    """The export controls and ownership rules in force that day, as ``/measures`` gives them, each with the
    number of handovers it restricts."""
    consumers_restricted: list[ConsumerImpact]
    """What those measures already cut each country off, against no measures at all."""


@dataclass
class Impact(Result):
    """The scenario against a world with no measures at all."""

    consumers_affected: list[ConsumerImpact]
    """Countries that cannot obtain, in the scenario, materials they could obtain with every flow open."""
    sectors_affected: list[SectorImpact]
    """Sectors that use those materials, with the countries that lose them."""


@dataclass
class Disruption(Result):
    """What a scenario (countries removed, measures re-imposed) breaks on a day."""

    as_of: date
    """The day of the scenario."""
    removed: list[NodeRef]
    """The countries or entities removed, as the names given resolved."""
    removed_with: list[NodeRef]
    """Everything located in, based in, operated or controlled by what was removed (supply actors only)."""
    baseline: Baseline
    """The measures in force that day, which the baseline applies, and what they already cut off."""
    measures: list[MeasureApplied]
    """The measures that stop flows in the scenario: the baseline's, then those re-imposed."""
    materials_without_supplier: list[MaterialImpact]
    """Materials left with no supplier at all (measures stop trade, not production, so this is the same against
    the baseline and against no measures)."""
    sectors_affected: list[SectorImpact]
    """Against the baseline: sectors that use a material cut off, with the countries that lose it."""
    consumers_affected: list[ConsumerImpact]
    """Against the baseline: countries that can no longer obtain materials they obtained that day."""
    without_measures: Impact
    """Against no measures at all: what the countries and sectors lose, the measures' cuts included."""
    paths_lost: list[SupplyPath]
    """For each country and material it loses against no measures, up to three of its shortest routes with every
    flow open: open ones first; those the baseline already restricts name the measures in ``restricted_by``."""
    paths_lost_truncated: bool
    """True when more paths were lost than listed."""
    note: str
    """The outcome in one sentence, against the baseline and against no measures."""
    evidence: Evidence
    """What the answer rests on (the sources of the view and of the measures), how fresh that is."""
    rows_field = "consumers_affected"


def disruption(
    kg: KnowledgeGraph,
    remove: Iterable[str] = (),
    as_of: date | str | None = None,
    reimpose: Iterable[str] = (),
    *,
    max_len: int = 6,
    max_paths: int = 100,
) -> Disruption:
    """What breaks when countries or entities drop out and measures come back, on a day.

    The baseline is the supply view on ``as_of`` with the measures in force that day (as
    ``/measures`` gives them). The scenario removes each entity in ``remove`` with everything
    located in, based in, operated or controlled by it, and re-imposes the measures in
    ``reimpose`` as if in force. A measure stops the handovers of what it restricts (its
    materials, their forms and group members) from the imposing country's suppliers to the
    countries it targets (every other country when it names none): the worst case, every
    licence refused (:mod:`rekg.graph.network.restrictions`). Only export controls and
    ownership rules stop flows. The change is reported against the baseline and against no
    measures at all.

    Parameters
    ----------
    kg : KnowledgeGraph
    remove : iterable of str
        Countries or entities that stop supplying.
    as_of : date or str, optional
        The day (today by default).
    reimpose : iterable of str
        Measures to apply even if suspended, lapsed or not yet in force on that day.
    max_len : int
        Longest supply path considered when listing lost paths (1 to 12).
    max_paths : int
        Most lost paths to list (0 to 200).

    Returns
    -------
    Disruption
        The baseline, materials left with no supplier at all, the sectors and countries that
        lose materials against the baseline and against no measures, and the paths they lose.

    Raises
    ------
    NodeNotFound
        If a name is unknown.
    InvalidParameter
        If neither ``remove`` nor ``reimpose`` is given, a re-imposed entity is not a measure
        that can stop a flow, or a number or date is out of range.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> d = disruption(kg, remove=["China"], as_of="2025-11-15")
    >>> "China" in [r.label for r in d.removed]
    True
    >>> "gallium" in [i.material.label for i in d.materials_without_supplier]
    True

    On 1 December 2026 the measures in force already cut the US off China's gallium, so
    removing China costs it nothing more against that baseline, but gallium against no
    measures:

    >>> d = disruption(kg, remove=["China"], as_of="2026-12-01")
    >>> us = kg.iri("united-states")
    >>> [c for c in d.consumers_affected if c.consumer.id == us and "gallium" in [m.label for m in c.materials_lost]]
    []
    >>> lost = {c.consumer.id: c for c in d.without_measures.consumers_affected}
    >>> "gallium" in [m.label for m in lost[us].materials_lost]
    True
    """
    remove_names = _names(remove, "remove")
    reimpose_names = _names(reimpose, "reimpose")
    if not remove_names and not reimpose_names:
        raise InvalidParameter("give at least one entity to remove or one measure to re-impose", parameter="remove")
    max_len = _int_in(max_len, "max_len", 1, MAX_PATH_LENGTH)
    max_paths = _int_in(max_paths, "max_paths", 0, MAX_PATHS)
    day = parse_date(as_of, name="as_of") or date.today()
    G = projection(kg)
    roots = resolve_nodes(kg, remove_names, kinds=ACTOR_KINDS, what="entity to remove")
    reimposed = resolve_nodes(kg, reimpose_names, kinds={"measure"}, what="measure")
    for m in reimposed:
        if G.nodes[m]["type"] not in BLOCKING_TYPES:
            raise InvalidParameter(
                f"reimpose: {G.nodes[m]['label']!r} is a {G.nodes[m]['type']}; only export controls and "
                "ownership rules stop supply",
                parameter="reimpose",
            )

    V = supply_view(kg, day)
    removed = controlled_by(G, roots)
    r = restrictions(kg, V, day, reimpose=reimposed)
    base_ids = {a.measure.id for a in r.applied if a.status != "re-imposed"}
    all_ids = {a.measure.id for a in r.applied}

    # Materials left with no supplier at all (measures do not stop production).
    materials = [n for n, d in V.nodes(data=True) if d["kind"] == "material"]
    no_supplier: list[MaterialImpact] = []
    lost_materials: set[str] = set()
    for mat in materials:
        before = _suppliers(V, mat, set())
        if before and not _suppliers(V, mat, removed):
            lost_materials.add(mat)
            no_supplier.append(MaterialImpact(node_ref(G, mat), _refs(G, before), []))

    # What each country reaches with no measures, with the baseline's and in the scenario.
    vs_base: dict[str, set[str]] = {}
    vs_none: dict[str, set[str]] = {}
    cut_by_base: dict[str, set[str]] = {}
    for c, d in V.nodes(data=True):
        if d["kind"] != "country":
            continue
        arcs = r.arcs_for(c)
        base = {a for a, ms in arcs.items() if base_ids.intersection(ms)}
        free = _materials(V, _reachable(V, c, set(), set()))
        before = _materials(V, _reachable(V, c, set(), base))
        # The baseline is the day with nothing removed, the same whatever the scenario removes.
        if free - before:
            cut_by_base[c] = free - before
        if c in removed:
            continue
        scen = {a for a, ms in arcs.items() if all_ids.intersection(ms)}
        after = _materials(V, _reachable(V, c, removed, scen))
        for out, lost in ((vs_base, before - after), (vs_none, free - after)):
            if lost:
                out[c] = lost

    uses = _sector_uses(G)
    sectors = _sectors(G, V, uses, lost_materials, vs_base)
    sectors_none = _sectors(G, V, uses, lost_materials, vs_none)
    for impact in no_supplier:
        impact.sectors = [s.sector for s in sectors_none if impact.material in s.materials]

    paths, truncated = _paths_lost(G, V, r, base_ids, vs_none, max_len, max_paths)
    baseline = Baseline(measures=r.named(base_ids), consumers_restricted=_consumers(G, cut_by_base))
    measures = baseline.measures + [a for a in r.applied if a.status == "re-imposed"]
    found = Disruption(
        as_of=day,
        removed=[node_ref(G, x) for x in roots],
        removed_with=_refs(G, removed - set(roots)),
        baseline=baseline,
        measures=measures,
        materials_without_supplier=sorted(no_supplier, key=lambda i: i.material.label.casefold()),
        sectors_affected=sectors,
        consumers_affected=_consumers(G, vs_base),
        without_measures=Impact(_consumers(G, vs_none), sectors_none),
        paths_lost=paths,
        paths_lost_truncated=truncated,
        note="",
        evidence=evidence(kg, day, [], about="this scenario"),
    )
    found.note = _note(found)
    graphs = _arc_sources(V, V.edges()) | {g for a in measures for g in r.sources[a.measure.id]}
    found.evidence = evidence(
        kg, day, graphs, projected=any(a.projected for a in measures), about="this scenario's measures and flows"
    )
    return found


def _note(d: Disruption) -> str:
    """The outcome against the baseline and against no measures, in one sentence."""

    def countries(n: int) -> str:
        return f"{n} country" if n == 1 else f"{n} countries"

    def lose(n: int) -> str:
        return f"{countries(n)} {'loses' if n == 1 else 'lose'} access to materials"

    n = len(d.baseline.measures)
    flowing = sum(1 for a in d.baseline.measures if a.flows)
    cut = len(d.baseline.consumers_restricted)
    head = f"Against the baseline of {d.as_of} ({n} measure{'s' * (n != 1)} in force, {flowing} restricting flows"
    head += f" the graph holds, which already cut {countries(cut)} off some materials)" if cut else ")"
    return (
        f"{head}, {lose(len(d.consumers_affected))}; "
        f"against no measures at all, {lose(len(d.without_measures.consumers_affected))}."
    )


def _consumers(G: nx.MultiDiGraph, lost: dict[str, set[str]]) -> list[ConsumerImpact]:
    return [
        ConsumerImpact(node_ref(G, c), _refs(G, ms))
        for c, ms in sorted(lost.items(), key=lambda x: (G.nodes[x[0]]["label"].casefold(), x[0]))
    ]


def _sectors(
    G: nx.MultiDiGraph, V: nx.DiGraph, uses: dict[str, set[str]], no_supplier: set[str], lost: dict[str, set[str]]
) -> list[SectorImpact]:
    """Sectors that use a material (or a group it belongs to) that is cut off."""
    out: list[SectorImpact] = []
    all_lost = no_supplier | {m for ms in lost.values() for m in ms}
    for sector, used in sorted(uses.items(), key=lambda x: G.nodes[x[0]]["label"].casefold()):
        hit = {m for m in all_lost if _offers_any(V, m, used)}
        if hit:
            who = {c for c, ms in lost.items() if ms & hit}
            out.append(SectorImpact(node_ref(G, sector), _refs(G, hit), _refs(G, who)))
    return out


def _paths_lost(
    G: nx.MultiDiGraph,
    V: nx.DiGraph,
    r: Restrictions,
    base_ids: set[str],
    lost: dict[str, set[str]],
    max_len: int,
    max_paths: int,
) -> tuple[list[SupplyPath], bool]:
    """Up to three routes, with every flow open, per country and material lost; baseline restrictions named."""
    paths: list[SupplyPath] = []
    for c in sorted(lost, key=lambda n: (G.nodes[n]["label"].casefold(), n)):
        Vc = for_consumer(V, c)
        blocked = {a: [m for m in ms if m in base_ids] for a, ms in r.arcs_for(c).items()}
        blocked = {a: ms for a, ms in blocked.items() if ms}
        for mat in sorted(lost[c], key=lambda n: (G.nodes[n]["label"].casefold(), n)):
            for p in _listed_paths(r, Vc, blocked, c, mat, max_len, 3, "include"):
                if len(paths) >= max_paths:
                    return paths, True
                paths.append(_explain(G, Vc, p, blocked, r))
    return paths, False


def _materials(V: nx.DiGraph, nodes: set[str]) -> set[str]:
    return {n for n in nodes if V.nodes[n]["kind"] == "material"}


def _reachable(V: nx.DiGraph, c: str, removed: set[str], blocked: set[tuple[str, str]]) -> set[str]:
    """What consumer ``c`` can reach: its own offers and, through its obtains arcs, its partners'.

    The descendants of ``c`` in :func:`for_consumer` of ``V`` less ``removed`` and ``blocked``,
    by a plain breadth-first search (restricted views are slow on large graphs).
    """
    starts = [c, *(t for t in V.graph["obtains"].get(c, {}) if t in V)]
    seen = {s for s in starts if s not in removed}
    queue = list(seen)
    while queue:
        u = queue.pop()
        for v in V.successors(u):
            if v not in seen and v not in removed and (u, v) not in blocked:
                seen.add(v)
                queue.append(v)
    seen.discard(c)
    return seen


def _suppliers(V: nx.DiGraph, material: str, removed: set[str]) -> set[str]:
    return {
        u
        for x in _offers(V, material)
        if x not in removed
        for u in V.predecessors(x)
        if u not in removed and V.nodes[u]["kind"] != "material" and _delivers(V, u, x)
    }


def _sector_uses(G: nx.MultiDiGraph) -> dict[str, set[str]]:
    uses: dict[str, set[str]] = {}
    for u, v, k in G.edges(keys=True):
        if k == "used_in" and G.nodes[v]["kind"] == "sector":
            uses.setdefault(v, set()).add(u)
    return uses


def _offers_any(V: nx.DiGraph, material: str, used: set[str]) -> bool:
    """Whether ``material`` is one of ``used`` or a form or member of one (through the view)."""
    if material in used:
        return True
    return any(u in V and material in _offers(V, u) for u in used)
