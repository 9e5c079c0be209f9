"""Supply paths: how a consumer obtains a material, step by step, each step with its sources.

:func:`supply_paths` lists the simple paths of the supply view (:mod:`rekg.graph.network.view`)
from a consumer to what it obtains, shortest first, optionally routing around countries or
firms and everything they control. Each :class:`Step` names the projection edge behind it and
the sources that state it, so a path reads as a chain of cited sentences.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import networkx as nx
from rekg.graph.dates import parse_date
from rekg.graph.errors import InvalidParameter
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.projection import RELATIONS, NodeRef, node_ref, projection
from rekg.graph.network.view import (
    VIEW_KINDS,
    Citation,
    _citations,
    _int_in,
    _names,
    _without,
    controlled_by,
    for_consumer,
    resolve_node,
    supply_view,
)
from rekg.graph.results import Result

__all__ = ["MAX_PATHS", "MAX_PATH_LENGTH", "Step", "SupplyPath", "SupplyPaths", "supply_paths"]

#: The longest path, in steps, a caller may ask for.
MAX_PATH_LENGTH = 12
#: The most paths a caller may ask for.
MAX_PATHS = 200


@dataclass
class Step(Result):
    """One step of a supply path, with the relation and sources behind it."""

    source: NodeRef
    """Where the step starts."""
    target: NodeRef
    """Where it leads: what the source obtains or offers through it."""
    relation: str
    """The projection edge behind the step (``located_in``, ``produces``...)."""
    inverse: bool
    """True when the step runs against the edge (Malaysia → the plant it hosts)."""
    text: str
    """The step in words, as the edge reads (``Lynas Malaysia plant is located in Malaysia``)."""
    sources: list[Citation]
    """The sources that state the edge."""
    status: str | None = None
    """For ``produces``: ``operating`` or ``planned``."""
    start_year: int | None = None
    """For ``produces``: the year the output starts."""


@dataclass
class SupplyPath(Result):
    """A chain of supply steps from a consumer to what it obtains."""

    nodes: list[NodeRef]
    """The nodes of the path, from the consumer to the target."""
    steps: list[Step]
    """One step per pair of consecutive nodes."""
    length: int
    """Number of steps."""
    countries: list[NodeRef]
    """Countries on the path, with those its facilities and firms are in."""
    companies: list[NodeRef]
    """Companies on the path, with the operators of its facilities."""
    rows_field = "steps"


@dataclass
class SupplyPaths(Result):
    """The supply paths from a consumer to a target, shortest first, with the question asked."""

    source: NodeRef
    """Who obtains, as the name given resolved."""
    target: NodeRef
    """What or whom it obtains."""
    avoid: list[NodeRef]
    """The countries or entities routed around (with everything they control), as resolved."""
    max_len: int
    """The longest path considered, in steps."""
    limit: int
    """The most paths returned."""
    as_of: date | None
    """The day whose facilities, outputs and agreements were used; ``null`` for all but closed ones."""
    paths: list[SupplyPath]
    """The paths, shortest first; empty when none exists under the constraints."""
    rows_field = "paths"


def supply_paths(
    kg: KnowledgeGraph,
    source: str,
    target: str,
    avoid: Iterable[str] = (),
    max_len: int = 6,
    *,
    limit: int = 20,
    as_of: date | str | None = None,
) -> SupplyPaths:
    """Simple supply-dependency paths from ``source`` to ``target``, shortest first.

    Parameters
    ----------
    kg : KnowledgeGraph
    source, target : str
        Names, codes or IRIs, e.g. ``"US"`` and ``"dysprosium"``.
    avoid : iterable of str
        Countries or entities to route around: each is removed with everything located in,
        based in, operated or controlled by it (see :func:`rekg.graph.network.view.controlled_by`).
        A single string may name several, separated by commas.
    max_len : int
        Longest path, in steps (1 to 12).
    limit : int
        Most paths to return (1 to 200).
    as_of : date or str, optional
        Use only facilities, outputs and agreements active on that day.

    Returns
    -------
    SupplyPaths
        The resolved question and its ``paths``, empty when no path exists under the constraints.

    Raises
    ------
    NodeNotFound
        If a name is unknown or is not part of the supply graph (lists close matches).
    AmbiguousName
        If a name matches several entities.
    InvalidParameter
        If ``max_len`` or ``limit`` is out of range, ``source`` equals ``target``, ``as_of``
        is not a date, or ``avoid`` would remove the source or the target.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> found = supply_paths(kg, "Malaysia", "dysprosium", max_len=4)
    >>> [n.label for n in found.paths[0].nodes]
    ['Malaysia', 'Lynas Malaysia plant', 'dysprosium oxide', 'dysprosium']
    >>> found.paths[0].steps[0].text
    'Lynas Malaysia plant is located in Malaysia'
    >>> supply_paths(kg, "dysprosium", "Malaysia").paths
    []
    """
    max_len = _int_in(max_len, "max_len", 1, MAX_PATH_LENGTH)
    limit = _int_in(limit, "limit", 1, MAX_PATHS)
    day = parse_date(as_of, name="as_of")
    avoid_names = _names(avoid, "avoid")
    s = resolve_node(kg, source, kinds=VIEW_KINDS, what="source")
    t = resolve_node(kg, target, kinds=VIEW_KINDS, what="target")
    if s == t:
        raise InvalidParameter("source and target are the same node", parameter="target")
    G = projection(kg)
    roots = [resolve_node(kg, a, what="entity to avoid") for a in avoid_names]
    removed = controlled_by(G, roots)
    for name, n in (("source", s), ("target", t)):
        if n in removed:
            raise InvalidParameter(
                f"{name} {G.nodes[n]['label']!r} is among the avoided entities or what they control",
                parameter="avoid",
            )
    found = SupplyPaths(
        source=node_ref(G, s),
        target=node_ref(G, t),
        avoid=[node_ref(G, r) for r in roots],
        max_len=max_len,
        limit=limit,
        as_of=day,
        paths=[],
    )
    V = supply_view(kg, day)
    if s not in V or t not in V:
        return found
    H = for_consumer(V, s)
    found.paths = [_explain(G, H, p) for p in _shortest_paths(_without(H, removed, set()), s, t, max_len, limit)]
    return found


def _shortest_paths(H: nx.DiGraph, s: str, t: str, max_len: int, limit: int) -> list[list[str]]:
    """Up to ``limit`` simple paths from ``s`` to ``t`` of at most ``max_len`` steps, shortest first."""
    try:
        out = []
        for p in nx.shortest_simple_paths(H, s, t):
            if len(p) - 1 > max_len or len(out) >= limit:
                break
            out.append(p)
        return out
    except nx.NetworkXNoPath:
        return []


def _explain(G: nx.MultiDiGraph, V: nx.DiGraph, path: list[str]) -> SupplyPath:
    """The :class:`SupplyPath` of a path of the view ``V``: its steps in words, countries and firms."""
    steps = []
    for a, b in pairwise(path):
        ev = V.edges[a, b]["evidence"][0]
        u, v = (b, a) if ev["inverse"] else (a, b)
        text = f"{G.nodes[u]['label']} {RELATIONS[ev['relation']]} {G.nodes[v]['label']}"
        status = ev.get("status")
        if status and status != "operating":
            text += f" ({status}" + (f", from {ev['start_year']}" if ev.get("start_year") else "") + ")"
        steps.append(
            Step(
                source=node_ref(G, a),
                target=node_ref(G, b),
                relation=ev["relation"],
                inverse=ev["inverse"],
                text=text,
                sources=_citations(G, ev["sources"]),
                status=status,
                start_year=ev.get("start_year"),
            )
        )
    countries: list[str] = []
    companies: list[str] = []
    for n in path:
        d = G.nodes[n]
        for c in [n] if d["kind"] == "country" else [d.get("country")]:
            if c and c not in countries:
                countries.append(c)
        operators = [u for u, _, k in G.in_edges(n, keys=True) if k == "operates"] if d["kind"] == "facility" else []
        for c in ([n] if d["kind"] == "company" else []) + operators:
            if c not in companies:
                companies.append(c)
    return SupplyPath(
        nodes=[node_ref(G, n) for n in path],
        steps=steps,
        length=len(steps),
        countries=[node_ref(G, c) for c in countries],
        companies=[node_ref(G, c) for c in companies],
    )
