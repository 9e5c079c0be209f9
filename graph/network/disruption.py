"""Disruption scenarios: what breaks when countries or firms drop out and measures come back.

:func:`disruption` compares the supply view (:mod:`rekg.graph.network.view`) on a day, with the
measures in force that day, against the same view without the removed entities (and all they
control) and with the re-imposed measures applied. It answers with a :class:`Disruption`: the
materials left with no supplier, the sectors that use them, the countries that lose access to
materials, and the supply paths they lose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import networkx as nx
from rekg.graph.dates import parse_date
from rekg.graph.errors import InvalidParameter
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.paths import MAX_PATH_LENGTH, MAX_PATHS, SupplyPath, _explain, _shortest_paths
from rekg.graph.network.projection import NodeRef, node_ref, projection
from rekg.graph.network.view import (
    _delivers,
    _int_in,
    _names,
    _offers,
    _refs,
    _without,
    active_on,
    controlled_by,
    for_consumer,
    resolve_node,
    supply_view,
)
from rekg.graph.results import Result

__all__ = [
    "BLOCKING_TYPES",
    "ConsumerImpact",
    "Disruption",
    "MaterialImpact",
    "MeasureApplied",
    "SectorImpact",
    "disruption",
]

#: Measure types that stop a flow while in force; tariffs tax it, licences enable it.
BLOCKING_TYPES = frozenset({"export control", "ownership rule"})


@dataclass
class MeasureApplied(Result):
    """A measure the scenario applies, and why."""

    measure: NodeRef
    """The measure."""
    status: str
    """``in force`` on the day, or ``re-imposed`` by the scenario."""
    imposed_by: list[NodeRef]
    """The countries or bodies that impose it."""


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
    """Materials it could obtain before the scenario and cannot after it."""


@dataclass
class Disruption(Result):
    """What a scenario (countries removed, measures re-imposed) breaks on a day."""

    as_of: date
    """The day of the scenario."""
    removed: list[NodeRef]
    """The countries or entities removed, as the names given resolved."""
    removed_with: list[NodeRef]
    """Everything located in, based in, operated or controlled by what was removed."""
    measures: list[MeasureApplied]
    """The measures that stop flows in the scenario: those in force on the day, then those re-imposed."""
    materials_without_supplier: list[MaterialImpact]
    """Materials left with no supplier at all (measures stop trade, not production)."""
    sectors_affected: list[SectorImpact]
    """Sectors that use a material cut off, with the countries that lose it."""
    consumers_affected: list[ConsumerImpact]
    """Countries that can no longer obtain materials they obtained before."""
    paths_lost: list[SupplyPath] = field(default_factory=list)
    """For each country and material it loses, up to three of its shortest routes before the scenario."""
    paths_lost_truncated: bool = False
    """True when more paths were lost than listed."""
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

    The baseline is the supply view on ``as_of`` with the measures in force that day. The
    scenario removes each entity in ``remove`` with everything located in, based in, operated
    or controlled by it, and re-imposes the measures in ``reimpose`` as if in force. A measure
    in force stops the flow it restricts (its materials, their forms and group members) from
    the imposing country's suppliers to the countries it targets (every other country when it
    names none): the worst case, every licence refused. Only export controls and ownership
    rules stop flows.

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
        Materials left with no supplier at all, the sectors that use them, the countries
        that lose access to materials they could obtain before, and the paths they lose.

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
    """
    remove_names = _names(remove, "remove")
    reimpose_names = _names(reimpose, "reimpose")
    if not remove_names and not reimpose_names:
        raise InvalidParameter("give at least one entity to remove or one measure to re-impose", parameter="remove")
    max_len = _int_in(max_len, "max_len", 1, MAX_PATH_LENGTH)
    max_paths = _int_in(max_paths, "max_paths", 0, MAX_PATHS)
    day = parse_date(as_of, name="as_of") or date.today()
    G = projection(kg)
    roots = [resolve_node(kg, n, what="entity to remove") for n in remove_names]
    reimposed = [resolve_node(kg, n, kinds={"measure"}, what="measure") for n in reimpose_names]
    for m in reimposed:
        if G.nodes[m]["type"] not in BLOCKING_TYPES:
            raise InvalidParameter(
                f"reimpose: {G.nodes[m]['label']!r} is a {G.nodes[m]['type']}; only export controls and "
                "ownership rules stop supply",
                parameter="reimpose",
            )

    V = supply_view(kg, day)
    removed = controlled_by(G, roots)
    in_force = [
        m for m, d in G.nodes(data=True) if d["kind"] == "measure" and d["type"] in BLOCKING_TYPES and active_on(d, day)
    ]
    per_measure = _measure_blocks(G, V, sorted(set(in_force) | set(reimposed)))
    base_blocks = _blocks_by_consumer(per_measure, in_force)
    scen_blocks = _blocks_by_consumer(per_measure, set(in_force) | set(reimposed))

    # Materials left with no supplier at all (measures do not stop production).
    materials = [n for n, d in V.nodes(data=True) if d["kind"] == "material"]
    no_supplier: list[MaterialImpact] = []
    lost_materials: set[str] = set()
    for mat in materials:
        before = _suppliers(V, mat, set())
        if before and not _suppliers(V, mat, removed):
            lost_materials.add(mat)
            no_supplier.append(MaterialImpact(node_ref(G, mat), _refs(G, before), []))

    # Countries that can no longer obtain materials they obtained before.
    consumers: list[ConsumerImpact] = []
    lost_by_consumer: dict[str, set[str]] = {}
    for c, d in sorted(V.nodes(data=True), key=lambda x: x[1]["label"].casefold()):
        if d["kind"] != "country" or c in removed:
            continue
        before = _reachable(V, c, set(), base_blocks.get(c, set()))
        after = _reachable(V, c, removed, scen_blocks.get(c, set()))
        lost = {n for n in before - after if V.nodes[n]["kind"] == "material"}
        if lost:
            lost_by_consumer[c] = lost
            consumers.append(ConsumerImpact(node_ref(G, c), _refs(G, lost)))

    # Sectors that use a material (or a group it belongs to) that is cut off.
    uses = _sector_uses(G)
    sectors: list[SectorImpact] = []
    all_lost = lost_materials | {m for ms in lost_by_consumer.values() for m in ms}
    for sector, used in sorted(uses.items(), key=lambda x: G.nodes[x[0]]["label"].casefold()):
        hit = {m for m in all_lost if _offers_any(V, m, used)}
        if not hit:
            continue
        who = {c for c, ms in lost_by_consumer.items() if ms & hit}
        sectors.append(SectorImpact(node_ref(G, sector), _refs(G, hit), _refs(G, who)))
    for impact in no_supplier:
        impact.sectors = [s.sector for s in sectors if impact.material in s.materials]

    paths: list[SupplyPath] = []
    truncated = False
    for c in sorted(lost_by_consumer, key=lambda n: G.nodes[n]["label"].casefold()):
        Vc = for_consumer(V, c)
        H = _without(Vc, set(), base_blocks.get(c, set()))
        for mat in sorted(lost_by_consumer[c], key=lambda n: G.nodes[n]["label"].casefold()):
            for p in _shortest_paths(H, c, mat, max_len, 3):
                if len(paths) >= max_paths:
                    truncated = True
                    break
                paths.append(_explain(G, Vc, p))

    measures = [MeasureApplied(node_ref(G, m), "in force", _imposers(G, m)) for m in sorted(in_force)]
    measures += [MeasureApplied(node_ref(G, m), "re-imposed", _imposers(G, m)) for m in reimposed if m not in in_force]
    return Disruption(
        as_of=day,
        removed=[node_ref(G, r) for r in roots],
        removed_with=_refs(G, removed - set(roots)),
        measures=measures,
        materials_without_supplier=sorted(no_supplier, key=lambda i: i.material.label.casefold()),
        sectors_affected=sectors,
        consumers_affected=consumers,
        paths_lost=paths,
        paths_lost_truncated=truncated,
    )


def _imposers(G: nx.MultiDiGraph, m: str) -> list[NodeRef]:
    return _refs(G, {u for u, _, k in G.in_edges(m, keys=True) if k == "imposes"})


def _measure_blocks(
    G: nx.MultiDiGraph, V: nx.DiGraph, measures: Iterable[str]
) -> dict[str, tuple[set[tuple[str, str]], set[str]]]:
    """For each measure, the delivering arcs it stops and the consumer countries it stops them for."""
    countries = {n for n, d in V.nodes(data=True) if d["kind"] == "country"}
    jurisdictions: dict[tuple[str, ...], set[str]] = {}
    out: dict[str, tuple[set[tuple[str, str]], set[str]]] = {}
    for m in measures:
        imposers = tuple(sorted(u for u, _, k in G.in_edges(m, keys=True) if k == "imposes"))
        if not imposers:
            continue
        if imposers not in jurisdictions:
            jurisdictions[imposers] = controlled_by(G, imposers)
        jurisdiction = jurisdictions[imposers]
        restricted: set[str] = set()
        for _, mat, k in G.out_edges(m, keys=True):
            if k == "restricts" and mat in V:
                restricted |= _offers(V, mat)
        arcs = {(u, x) for x in restricted for u in V.predecessors(x) if u in jurisdiction and _delivers(V, u, x)}
        if not arcs:
            continue
        targets = {v for _, v, k in G.out_edges(m, keys=True) if k == "targets"}
        if targets:
            # A measure aimed at a firm reaches the country the firm is in.
            hit = {t for t in targets if G.nodes[t]["kind"] == "country"}
            hit |= {G.nodes[t]["country"] for t in targets if G.nodes[t].get("country")}
        else:
            hit = set(countries)
        out[m] = (arcs, hit - jurisdiction)
    return out


def _blocks_by_consumer(
    per_measure: dict[str, tuple[set[tuple[str, str]], set[str]]], measures: Iterable[str]
) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {}
    for m in measures:
        if m in per_measure:
            arcs, hit = per_measure[m]
            for c in hit:
                out.setdefault(c, set()).update(arcs)
    return out


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
