"""Chokepoints: the nodes a consumer's supply of a material hinges on.

:func:`chokepoints` finds, in the supply view (:mod:`rekg.graph.network.view`) of a day, the
nodes on every path from a consumer to a material (its dominators) and a smallest set of nodes
whose loss cuts every path (a minimum node cut), with the suppliers that hand the material over
and the handovers that measures in force that day restrict
(:mod:`rekg.graph.network.restrictions`); ``restricted`` chooses whether the paths through them
count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import networkx as nx
from rekg.graph.answers.evidence import Evidence, evidence
from rekg.graph.dates import parse_date
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.projection import NodeRef, node_ref, projection
from rekg.graph.network.restrictions import MeasureApplied, restricted_mode, restrictions
from rekg.graph.network.view import (
    _arc_sources,
    _delivers,
    _node_sources,
    _offers,
    _refs,
    for_consumer,
    resolve_node,
    supply_view,
)
from rekg.graph.results import Result

__all__ = ["Chokepoints", "RestrictedFlow", "chokepoints"]


@dataclass
class RestrictedFlow(Result):
    """A handover on the consumer's supply paths that measures in force restrict for it."""

    supplier: NodeRef
    """Who hands the material over (a facility, a country, a firm)."""
    material: NodeRef
    """The material (or form) handed over."""
    restricted_by: list[NodeRef]
    """The measures restricting it that day."""


#: Kinds of node that can be a consumer.
_CONSUMER_KINDS = {"country", "company", "body", "organization"}


@dataclass
class Chokepoints(Result):
    """What a consumer's supply of a material depends on."""

    consumer: NodeRef
    """The consumer asked about, as the name given resolved."""
    material: NodeRef
    """The material asked about."""
    as_of: date
    """The day: the facilities, outputs and agreements active and the measures in force that day."""
    restricted: str
    """Which paths count: ``include`` (all), ``exclude`` (open ones only), ``only`` (restricted ones only)."""
    connected: bool
    """Whether any supply path exists; when it does not, the lists are empty."""
    direct: bool
    """True when the consumer obtains the material in one step (so there is no node cut)."""
    articulation_points: list[NodeRef]
    """Nodes on every path, nearest the consumer first: losing any one cuts the supply."""
    minimum_node_cut: list[NodeRef]
    """A smallest set of nodes whose loss cuts every path."""
    suppliers: list[NodeRef]
    """Facilities and actors that hand over the material (or a form of it) on some path counted."""
    restricted_flows: list[RestrictedFlow]
    """Handovers on the consumer's paths to the material that measures in force restrict for it, whether or not
    ``restricted`` counts them."""
    measures: list[MeasureApplied]
    """The measures restricting those handovers, with their status that day."""
    evidence: Evidence
    """What the answer rests on: the sources of the arcs on the paths and of the measures, how fresh they are."""
    rows_field = "articulation_points"


def chokepoints(
    kg: KnowledgeGraph,
    consumer: str,
    material: str,
    *,
    as_of: date | str | None = None,
    restricted: str = "include",
) -> Chokepoints:
    """The nodes a consumer's supply of a material depends on, on a day.

    ``articulation_points`` are the nodes that lie on *every* supply path from the consumer to
    the material, so losing any one of them cuts it off (in a directed graph these are the
    material's dominators from the consumer; each is a single-node cut). ``minimum_node_cut``
    is a smallest set of nodes whose loss cuts every path; it is empty when the consumer
    obtains the material in one step.

    Parameters
    ----------
    kg : KnowledgeGraph
    consumer : str
        A country, company or body.
    material : str
    as_of : date or str, optional
        The day (today by default): use the facilities, outputs and agreements active and the
        measures in force that day.
    restricted : {"include", "exclude", "only"}
        Which paths count: all of them (restricted handovers are listed in
        ``restricted_flows``), only the open ones (what the consumer's supply hinges on if the
        measures hold), or only the restricted ones.

    Returns
    -------
    Chokepoints
        ``connected`` is false (and the node lists empty) when no counted path exists.

    Raises
    ------
    NodeNotFound
        If a name is unknown or of the wrong kind.
    InvalidParameter
        If ``as_of`` is not a date or ``restricted`` not one of the three.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> cp = chokepoints(kg, "Malaysia", "dysprosium", as_of="2026-01-15")
    >>> [n.label for n in cp.articulation_points][:1]
    ['Lynas Malaysia plant']
    >>> chokepoints(kg, "Malaysia", "gallium").connected
    False

    With China's controls in force, the open US supply of dysprosium hangs on the Lynas plant:

    >>> cp = chokepoints(kg, "US", "dysprosium", as_of="2026-12-01", restricted="exclude")
    >>> "Lynas Malaysia plant" in [n.label for n in cp.articulation_points]
    True
    >>> "China" in [f.supplier.label for f in cp.restricted_flows]
    True
    """
    day = parse_date(as_of, name="as_of") or date.today()
    mode = restricted_mode(restricted)
    c = resolve_node(kg, consumer, kinds=_CONSUMER_KINDS, what="consumer")
    m = resolve_node(kg, material, kinds={"material"}, what="material")
    G = projection(kg)
    about = f"the supply of {G.nodes[m]['label']} to {G.nodes[c]['label']}"
    found = Chokepoints(
        consumer=node_ref(G, c),
        material=node_ref(G, m),
        as_of=day,
        restricted=mode,
        connected=False,
        direct=False,
        articulation_points=[],
        minimum_node_cut=[],
        suppliers=[],
        restricted_flows=[],
        measures=[],
        evidence=evidence(kg, day, [], about=about),
    )
    V0 = supply_view(kg, day)
    if c not in V0 or m not in V0:
        return found
    V = for_consumer(V0, c)
    if not nx.has_path(V, c, m):
        return found
    r = restrictions(kg, V0, day)
    everywhere = (nx.descendants(V, c) | {c}) & (nx.ancestors(V, m) | {m})
    blocked = {a: ms for a, ms in r.arcs_for(c).items() if a[0] in everywhere and a[1] in everywhere}
    found.restricted_flows = [
        RestrictedFlow(node_ref(G, u), node_ref(G, x), r.refs(ms))
        for (u, x), ms in sorted(blocked.items(), key=lambda kv: (G.nodes[kv[0][0]]["label"].casefold(), kv[0]))
    ]
    found.measures = r.named(x for ms in blocked.values() for x in ms)
    graphs = {g for a in found.measures for g in r.sources[a.measure.id]}
    projected = any(a.projected for a in found.measures)
    V = r.view(V, blocked, mode)
    if not nx.has_path(V, c, m):
        found.evidence = evidence(kg, day, graphs, projected=projected, about=about)
        return found
    on_paths = (nx.descendants(V, c) | {c}) & (nx.ancestors(V, m) | {m})
    H = V.subgraph(on_paths)
    idom = nx.immediate_dominators(H, c)
    chain = []
    n = idom[m]
    while n != c:
        chain.append(n)
        n = idom[n]
    chain.reverse()
    direct = H.has_edge(c, m)
    cut: set[str] = set() if direct else nx.minimum_node_cut(H, c, m)
    suppliers = {u for x in _offers(V, m) if x in H for u in H.predecessors(x) if _delivers(V, u, x)}
    found.connected = True
    found.direct = direct
    found.articulation_points = [node_ref(G, n) for n in chain]
    found.minimum_node_cut = _refs(G, cut)
    found.suppliers = _refs(G, suppliers)
    graphs |= _arc_sources(H, H.edges()) | _node_sources(G, on_paths)
    found.evidence = evidence(kg, day, graphs, projected=projected, about=about)
    return found
