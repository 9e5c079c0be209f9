"""Chokepoints: the nodes a consumer's supply of a material hinges on.

:func:`chokepoints` finds, in the supply view (:mod:`rekg.graph.network.view`), the nodes on
every path from a consumer to a material (its dominators) and a smallest set of nodes whose
loss cuts every path (a minimum node cut), with the suppliers that hand the material over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import networkx as nx
from rekg.graph.dates import parse_date
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.projection import NodeRef, node_ref, projection
from rekg.graph.network.view import _delivers, _offers, _refs, for_consumer, resolve_node, supply_view
from rekg.graph.results import Result

__all__ = ["Chokepoints", "chokepoints"]

#: Kinds of node that can be a consumer.
_CONSUMER_KINDS = {"country", "company", "body", "organization"}


@dataclass
class Chokepoints(Result):
    """What a consumer's supply of a material depends on."""

    consumer: NodeRef
    """The consumer asked about, as the name given resolved."""
    material: NodeRef
    """The material asked about."""
    as_of: date | None
    """The day whose facilities, outputs and agreements were used; ``null`` for all but closed ones."""
    connected: bool
    """Whether any supply path exists; when it does not, the lists are empty."""
    direct: bool
    """True when the consumer obtains the material in one step (so there is no node cut)."""
    articulation_points: list[NodeRef]
    """Nodes on every path, nearest the consumer first: losing any one cuts the supply."""
    minimum_node_cut: list[NodeRef]
    """A smallest set of nodes whose loss cuts every path."""
    suppliers: list[NodeRef]
    """Facilities and actors that hand over the material (or a form of it) on some path."""
    rows_field = "articulation_points"


def chokepoints(kg: KnowledgeGraph, consumer: str, material: str, *, as_of: date | str | None = None) -> Chokepoints:
    """The nodes a consumer's supply of a material depends on.

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
        Use only facilities, outputs and agreements active on that day.

    Returns
    -------
    Chokepoints
        ``connected`` is false (and the lists empty) when no path exists.

    Raises
    ------
    NodeNotFound
        If a name is unknown or of the wrong kind.
    InvalidParameter
        If ``as_of`` is not a date.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> cp = chokepoints(kg, "Malaysia", "dysprosium")
    >>> [n.label for n in cp.articulation_points][:1]
    ['Lynas Malaysia plant']
    >>> chokepoints(kg, "Malaysia", "gallium").connected
    False
    """
    day = parse_date(as_of, name="as_of")
    c = resolve_node(kg, consumer, kinds=_CONSUMER_KINDS, what="consumer")
    m = resolve_node(kg, material, kinds={"material"}, what="material")
    G = projection(kg)
    found = Chokepoints(
        consumer=node_ref(G, c),
        material=node_ref(G, m),
        as_of=day,
        connected=False,
        direct=False,
        articulation_points=[],
        minimum_node_cut=[],
        suppliers=[],
    )
    V0 = supply_view(kg, day)
    if c not in V0 or m not in V0:
        return found
    V = for_consumer(V0, c)
    if not nx.has_path(V, c, m):
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
    return found
