"""Supply paths: how a consumer obtains a material, step by step, each step with its sources.

:func:`supply_paths` lists the simple paths of the supply view (:mod:`rekg.graph.network.view`)
from a consumer to what it obtains on a day, optionally routing around countries or firms and
everything they control. Each :class:`Step` names the projection edge behind it and the sources
that state it, so a path reads as a chain of cited sentences. A step that hands over a material
a measure in force that day restricts for the consumer names the measures in ``restricted_by``
(:mod:`rekg.graph.network.restrictions`), and so does its path; ``restricted`` chooses whether
such paths count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

import networkx as nx
from rekg.graph.answers.evidence import Evidence, evidence
from rekg.graph.dates import parse_date
from rekg.graph.errors import InvalidParameter
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.projection import RELATIONS, NodeRef, node_ref, projection
from rekg.graph.network.restrictions import MeasureApplied, Restrictions, restricted_mode, restrictions
from rekg.graph.network.view import (
    ACTOR_KINDS,
    VIEW_KINDS,
    Citation,
    _arc_sources,
    _citations,
    _int_in,
    _names,
    _node_sources,
    _without,
    controlled_by,
    for_consumer,
    resolve_node,
    resolve_nodes,
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
    restricted_by: list[NodeRef] = field(default_factory=list)
    """The measures in force that day that restrict this handover for the consumer; empty when open."""
    via: NodeRef | None = None
    """The government body that acts for the country in this step (its party to the agreement)."""


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
    restricted_by: list[NodeRef] = field(default_factory=list)
    """The measures in force that day that restrict a step of the path; empty for an open path."""
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
    as_of: date
    """The day: the facilities, outputs and agreements active and the measures in force that day."""
    restricted: str
    """Which paths count: ``include`` (all, restricted ones marked), ``exclude`` (open ones), ``only``."""
    measures: list[MeasureApplied]
    """The measures in force that day that restrict a flow between source and target (within ``max_len``
    or not), whether or not ``restricted`` keeps the paths they restrict."""
    paths: list[SupplyPath]
    """Open paths first, then restricted ones; shortest first within each. Empty when none exists under the
    constraints."""
    evidence: Evidence
    """What the answer rests on: the sources of its steps and measures, how fresh they are."""
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
    restricted: str = "include",
) -> SupplyPaths:
    """Simple supply-dependency paths from ``source`` to ``target`` on a day: open ones first, shortest first.

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
        The day (today by default): use the facilities, outputs and agreements active and the
        measures in force that day (:func:`rekg.graph.network.restrictions.in_force_on`).
    restricted : {"include", "exclude", "only"}
        Whether paths that cross a flow a measure restricts that day count: ``include`` lists
        them after the open ones, each step and path naming the measures in ``restricted_by``;
        ``exclude`` leaves them out; ``only`` lists them alone.

    Returns
    -------
    SupplyPaths
        The resolved question, the measures restricting flows between source and target, the
        ``paths`` (empty when no path exists under the constraints) and the ``evidence``.

    Raises
    ------
    NodeNotFound
        If a name is unknown or is not part of the supply graph (lists close matches).
    AmbiguousName
        If a name matches several entities.
    InvalidParameter
        If ``max_len`` or ``limit`` is out of range, ``source`` equals ``target``, ``as_of``
        is not a date, ``restricted`` is not one of the three, or ``avoid`` would remove the
        source or the target.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> found = supply_paths(kg, "Malaysia", "dysprosium", max_len=4, as_of="2026-01-15")
    >>> [n.label for n in found.paths[0].nodes]
    ['Malaysia', 'Lynas Malaysia plant', 'dysprosium oxide', 'dysprosium']
    >>> found.paths[0].steps[0].text
    'Lynas Malaysia plant is located in Malaysia'
    >>> supply_paths(kg, "dysprosium", "Malaysia").paths
    []

    On 1 December 2026 China's controls are back in force (so ``/measures`` says), and the US
    route through China is listed after the open ones, with the measures that restrict it:

    >>> us = supply_paths(kg, "US", "gallium", as_of="2026-12-01")
    >>> via_china = [p for p in us.paths if "China" in [n.label for n in p.nodes]]
    >>> [m.label for m in via_china[0].restricted_by]
    ['MOFCOM Announcement 2024 No. 46, clause 2']
    >>> supply_paths(kg, "US", "gallium", as_of="2026-12-01", restricted="exclude").paths
    []
    """
    max_len = _int_in(max_len, "max_len", 1, MAX_PATH_LENGTH)
    limit = _int_in(limit, "limit", 1, MAX_PATHS)
    mode = restricted_mode(restricted)
    day = parse_date(as_of, name="as_of") or date.today()
    avoid_names = _names(avoid, "avoid")
    s = resolve_node(kg, source, kinds=VIEW_KINDS, what="source")
    t = resolve_node(kg, target, kinds=VIEW_KINDS, what="target")
    if s == t:
        raise InvalidParameter("source and target are the same node", parameter="target")
    G = projection(kg)
    roots = resolve_nodes(kg, avoid_names, kinds=ACTOR_KINDS, what="entity to avoid")
    removed = controlled_by(G, roots)
    for name, n in (("source", s), ("target", t)):
        if n in removed:
            raise InvalidParameter(
                f"{name} {G.nodes[n]['label']!r} is among the avoided entities or what they control",
                parameter="avoid",
            )
    about = f"supply paths from {G.nodes[s]['label']} to {G.nodes[t]['label']}"
    found = SupplyPaths(
        source=node_ref(G, s),
        target=node_ref(G, t),
        avoid=[node_ref(G, r) for r in roots],
        max_len=max_len,
        limit=limit,
        as_of=day,
        restricted=mode,
        measures=[],
        paths=[],
        evidence=evidence(kg, day, [], about=about),
    )
    V = supply_view(kg, day)
    if s not in V or t not in V:
        return found
    Hc = for_consumer(V, s)
    H = _without(Hc, removed, set())
    r = restrictions(kg, V, day)
    blocked = _blocked_between(H, r.arcs_for(s), s, t)
    found.measures = r.named(m for ms in blocked.values() for m in ms)
    listed = _listed_paths(r, H, blocked, s, t, max_len, limit, mode)
    found.paths = [_explain(G, Hc, p, blocked, r) for p in listed]
    graphs = _arc_sources(Hc, (a for p in listed for a in pairwise(p)))
    graphs |= _node_sources(G, (n for p in listed for n in p))
    graphs |= {g for m in found.measures for g in r.sources[m.measure.id]}
    found.evidence = evidence(kg, day, graphs, projected=any(m.projected for m in found.measures), about=about)
    return found


def _blocked_between(
    H: nx.DiGraph, blocked: dict[tuple[str, str], list[str]], s: str, t: str
) -> dict[tuple[str, str], list[str]]:
    """The restricted handovers of ``H`` that lie on some path from ``s`` to ``t``."""
    if s not in H or t not in H:
        return {}
    region = (nx.descendants(H, s) | {s}) & (nx.ancestors(H, t) | {t})
    return {a: ms for a, ms in blocked.items() if a[0] in region and a[1] in region and H.has_edge(*a)}


def _listed_paths(
    r: Restrictions,
    H: nx.DiGraph,
    blocked: dict[tuple[str, str], list[str]],
    s: str,
    t: str,
    max_len: int,
    limit: int,
    mode: str,
) -> list[list[str]]:
    """The paths a :data:`~rekg.graph.network.restrictions.RESTRICTED` mode lists: open ones first."""
    open_ = _shortest_paths(r.view(H, blocked, "exclude"), s, t, max_len, limit) if mode != "only" else []
    shut: list[list[str]] = []
    if mode != "exclude" and blocked:
        candidates = _shortest_paths(r.view(H, blocked, "only"), s, t, max_len, limit)
        shut = [p for p in candidates if any(a in blocked for a in pairwise(p))]
    return (open_ + shut)[:limit]


def _shortest_paths(H: nx.DiGraph, s: str, t: str, max_len: int, limit: int) -> list[list[str]]:
    """Up to ``limit`` simple paths from ``s`` to ``t`` of at most ``max_len`` steps, shortest first.

    Paths of equal length come in the order of their node IRIs: networkx lists ties in an order
    that depends on hashing, and the same question must get the same answer in every process.
    """
    try:
        out: list[list[str]] = []
        for p in nx.shortest_simple_paths(H, s, t):
            # Finish the tier of the last path kept, so ties are cut by the sort, not by chance.
            if len(p) - 1 > max_len or (len(out) >= limit and len(p) > len(out[-1])):
                break
            out.append(p)
        return sorted(out, key=lambda p: (len(p), p))[:limit]
    except nx.NetworkXNoPath:
        return []


def _explain(
    G: nx.MultiDiGraph,
    V: nx.DiGraph,
    path: list[str],
    blocked: dict[tuple[str, str], list[str]] | None = None,
    r: Restrictions | None = None,
) -> SupplyPath:
    """The :class:`SupplyPath` of a path of the view ``V``: its steps in words, countries and firms.

    ``blocked`` maps the handovers restricted for the path's consumer to the measures of ``r``
    restricting them.
    """
    steps = []
    for a, b in pairwise(path):
        ev = V.edges[a, b]["evidence"][0]
        u, v = (b, a) if ev["inverse"] else (a, b)
        via = ev.get("via")
        if via:
            # A body acting for its country: the sentence names the body that signed.
            text = f"{G.nodes[via]['label']} (acting for {G.nodes[a]['label']}) {RELATIONS[ev['relation']]}"
            text += f" {G.nodes[b]['label']}"
        else:
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
                restricted_by=r.refs(blocked.get((a, b), ())) if r is not None and blocked else [],
                via=node_ref(G, via) if via else None,
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
    restricting = {m.id for step in steps for m in step.restricted_by}
    return SupplyPath(
        nodes=[node_ref(G, n) for n in path],
        steps=steps,
        length=len(steps),
        countries=[node_ref(G, c) for c in countries],
        companies=[node_ref(G, c) for c in companies],
        restricted_by=r.refs(restricting) if r is not None else [],
    )
