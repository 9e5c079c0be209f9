"""Supply-dependency analyses on the NetworkX projection: paths, centrality, chokepoints,
concentration and disruption scenarios.

Every function takes the knowledge graph and names as users type them, validates them before
doing any work, and answers with plain dataclasses. Paths, centrality and chokepoints run on
the supply view of :mod:`rekg.graph.network.projection` (an arc ``A → B`` when A can obtain what B offers);
its module documentation says which relations make an arc and why.

Errors follow NetworkX's: an unknown name is :class:`~graph.errors.NodeNotFound` (with close
matches), a parameter out of range is :class:`~graph.errors.InvalidParameter`, and a metric
that does not converge is :class:`~graph.errors.NotConverged`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

import networkx as nx
from rekg.graph.dates import parse_date
from rekg.graph.errors import InvalidParameter, NotConverged
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.projection import (
    DELIVERING,
    KINDS,
    RELATIONS,
    NodeRef,
    active_on,
    controlled_by,
    for_consumer,
    node_ref,
    projection,
    resolve_node,
    supply_view,
)

__all__ = [
    "BLOCKING_TYPES",
    "INDICATORS",
    "METRICS",
    "Chokepoints",
    "Concentration",
    "ConsumerImpact",
    "Disruption",
    "MaterialImpact",
    "MeasureApplied",
    "Ranked",
    "SectorImpact",
    "Share",
    "Source",
    "Step",
    "SupplyPath",
    "centrality",
    "chokepoints",
    "concentration",
    "disruption",
    "supply_paths",
]

#: Centrality metrics :func:`centrality` accepts.
METRICS = ("betweenness", "pagerank", "degree", "eigenvector")

#: Indicator name -> (statistic indicator, what the figures are).
INDICATORS: dict[str, tuple[str, str]] = {
    "mining": ("ShareOfMining", "share"),
    "processing": ("ShareOfProcessing", "share"),
    "magnet_making": ("ShareOfMagnetMaking", "share"),
    "production": ("MineProduction", "amount"),
}

#: Measure types that stop a flow while in force; tariffs tax it, licences enable it.
BLOCKING_TYPES = frozenset({"export control", "ownership rule"})

MAX_PATH_LENGTH = 12
MAX_PATHS = 200


# Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A source graph that states a fact: its IRI, title and date."""

    id: str
    title: str
    date: str | None = None


@dataclass
class Step:
    """One step of a supply path, with the relation and sources behind it."""

    source: NodeRef
    target: NodeRef
    relation: str
    inverse: bool
    text: str
    sources: list[Source]
    status: str | None = None
    start_year: int | None = None


@dataclass
class SupplyPath:
    """A chain of supply steps from a consumer to what it obtains."""

    nodes: list[NodeRef]
    steps: list[Step]
    length: int
    countries: list[NodeRef]
    companies: list[NodeRef]


@dataclass
class Ranked:
    """A node with its centrality score and rank (1 is the most central)."""

    rank: int
    id: str
    label: str
    kind: str
    score: float


@dataclass
class Chokepoints:
    """The nodes every supply path from a consumer to a material must pass."""

    consumer: NodeRef
    material: NodeRef
    connected: bool
    direct: bool
    articulation_points: list[NodeRef]
    minimum_node_cut: list[NodeRef]
    suppliers: list[NodeRef]


@dataclass
class Share:
    """One subject's part of a total."""

    subject: NodeRef
    value: float
    unit: str | None
    share: float
    estimated: bool
    sources: list[Source]


@dataclass
class Concentration:
    """A Herfindahl–Hirschman index of who makes a material."""

    material: NodeRef
    indicator: str
    period: str | None
    hhi: float | None
    hhi_upper: float | None
    coverage: float
    level: str | None
    shares: list[Share]
    total: float | None
    available: list[dict]
    note: str


@dataclass
class MeasureApplied:
    """A measure the scenario applies, and why."""

    measure: NodeRef
    status: str
    imposed_by: list[NodeRef]


@dataclass
class MaterialImpact:
    """A material left with no supplier, and who supplied it before."""

    material: NodeRef
    suppliers_before: list[NodeRef]
    sectors: list[NodeRef]


@dataclass
class SectorImpact:
    """A sector that depends on materials the scenario cuts off."""

    sector: NodeRef
    materials: list[NodeRef]
    consumers: list[NodeRef]


@dataclass
class ConsumerImpact:
    """A country that can no longer obtain some materials."""

    consumer: NodeRef
    materials_lost: list[NodeRef]


@dataclass
class Disruption:
    """What a scenario (countries removed, measures re-imposed) breaks on a day."""

    as_of: date
    removed: list[NodeRef]
    removed_with: list[NodeRef]
    measures: list[MeasureApplied]
    materials_without_supplier: list[MaterialImpact]
    sectors_affected: list[SectorImpact]
    consumers_affected: list[ConsumerImpact]
    paths_lost: list[SupplyPath] = field(default_factory=list)
    paths_lost_truncated: bool = False


# Paths -----------------------------------------------------------------------------------


def supply_paths(
    kg: KnowledgeGraph,
    source: str,
    target: str,
    avoid: Iterable[str] = (),
    max_len: int = 6,
    *,
    limit: int = 20,
    as_of: date | str | None = None,
) -> list[SupplyPath]:
    """Simple supply-dependency paths from ``source`` to ``target``, shortest first.

    Parameters
    ----------
    kg : KnowledgeGraph
    source, target : str
        Names, codes or IRIs, e.g. ``"US"`` and ``"dysprosium"``.
    avoid : iterable of str
        Countries or entities to route around: each is removed with everything located in,
        based in, operated or controlled by it (see :func:`rekg.graph.network.projection.controlled_by`).
    max_len : int
        Longest path, in steps (1 to 12).
    limit : int
        Most paths to return (1 to 200).
    as_of : date or str, optional
        Use only facilities, outputs and agreements active on that day.

    Returns
    -------
    list of SupplyPath
        Empty when no path exists under the constraints.

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
    >>> paths = supply_paths(kg, "Malaysia", "dysprosium", max_len=4)
    >>> [n.label for n in paths[0].nodes]
    ['Malaysia', 'Lynas Malaysia plant', 'dysprosium oxide', 'dysprosium']
    >>> paths[0].steps[0].text
    'Lynas Malaysia plant is located in Malaysia'
    >>> supply_paths(kg, "dysprosium", "Malaysia")
    []
    """
    max_len = _int_in(max_len, "max_len", 1, MAX_PATH_LENGTH)
    limit = _int_in(limit, "limit", 1, MAX_PATHS)
    day = parse_date(as_of, name="as_of") if not isinstance(as_of, date) else as_of
    avoid_names = _names(avoid, "avoid")
    s = resolve_node(kg, source, kinds=_VIEW_KINDS, what="source")
    t = resolve_node(kg, target, kinds=_VIEW_KINDS, what="target")
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
    V = supply_view(kg, day)
    if s not in V or t not in V:
        return []
    H = for_consumer(V, s)
    return [_explain(G, H, p) for p in _shortest_paths(_without(H, removed, set()), s, t, max_len, limit)]


_VIEW_KINDS = {"country", "company", "body", "organization", "facility", "material", "agreement"}


def _shortest_paths(H: nx.DiGraph, s: str, t: str, max_len: int, limit: int) -> list[list[str]]:
    try:
        gen = nx.shortest_simple_paths(H, s, t)
        out = []
        for p in gen:
            if len(p) - 1 > max_len or len(out) >= limit:
                break
            out.append(p)
        return out
    except nx.NetworkXNoPath:
        return []


def _explain(G: nx.MultiDiGraph, V: nx.DiGraph, path: list[str]) -> SupplyPath:
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
                sources=_sources(G, ev["sources"]),
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


def _sources(G: nx.MultiDiGraph, graphs: Iterable[str]) -> list[Source]:
    known = G.graph.get("sources", {})
    out = []
    for g in graphs:
        info = known.get(g)
        if info:
            out.append(Source(g, info["title"], info.get("date")))
        else:
            out.append(Source(g, g.rstrip("/").rsplit("/", 1)[-1]))
    return out


# Centrality ------------------------------------------------------------------------------


def centrality(kg: KnowledgeGraph, metric: str, kind: str | None = None, top: int = 10) -> list[Ranked]:
    """The most central nodes of the supply view by ``metric``.

    ``betweenness`` is the share of shortest supply paths from every consumer (each country,
    and each firm or body party to a deal or with a supplier) to every material that pass
    through a node; ``pagerank`` follows the arcs from consumers
    towards what they obtain, so suppliers and materials gather rank; ``degree`` counts arcs,
    obtains arcs included. The view is directed and not strongly connected, where the directed
    eigenvector is degenerate, so ``eigenvector`` uses its undirected version, on its largest
    connected component (nodes outside it score 0).

    Parameters
    ----------
    kg : KnowledgeGraph
    metric : {"betweenness", "pagerank", "degree", "eigenvector"}
    kind : str, optional
        Keep only nodes of this kind (see :data:`rekg.graph.network.projection.KINDS`). Measures, sectors
        and meetings are not in the supply view, so asking for them gives an empty list.
    top : int
        How many to return (1 to 1000).

    Returns
    -------
    list of Ranked
        Highest score first; ties by label.

    Raises
    ------
    InvalidParameter
        If ``metric`` or ``kind`` is unknown or ``top`` is out of range.
    NotConverged
        If the eigenvector iteration does not converge.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> ranked = centrality(kg, "degree", kind="country", top=3)
    >>> len(ranked) <= 3 and all(r.kind == "country" for r in ranked)
    True
    >>> centrality(kg, "closeness")
    Traceback (most recent call last):
    ...
    rekg.graph.errors.InvalidParameter: metric: 'closeness' is not one of betweenness, pagerank, degree, eigenvector
    """
    if metric not in METRICS:
        raise InvalidParameter(f"metric: {metric!r} is not one of {', '.join(METRICS)}", parameter="metric")
    if kind is not None and kind not in KINDS:
        raise InvalidParameter(f"kind: {kind!r} is not one of {', '.join(KINDS)}", parameter="kind")
    top = _int_in(top, "top", 1, 1000)
    scores = kg.cached(("centrality", metric), lambda: _scores(supply_view(kg), metric))
    V = supply_view(kg)
    rows = [(n, sc) for n, sc in scores.items() if kind is None or V.nodes[n]["kind"] == kind]
    rows.sort(key=lambda r: (-r[1], V.nodes[r[0]]["label"].casefold()))
    return [
        Ranked(rank=i + 1, id=n, label=V.nodes[n]["label"], kind=V.nodes[n]["kind"], score=round(sc, 6))
        for i, (n, sc) in enumerate(rows[:top])
    ]


def _scores(V: nx.DiGraph, metric: str) -> dict[str, float]:
    if V.number_of_nodes() < 2:
        return dict.fromkeys(V, 0.0)
    obtains = V.graph["obtains"]
    if metric == "degree":
        n = V.number_of_nodes() - 1
        return {x: (V.degree(x) + len(obtains.get(x, {}))) / n for x in V}
    W, consumers = _two_roles(V)
    if metric == "betweenness":
        materials = [x for x, d in V.nodes(data=True) if d["kind"] == "material"]
        raw = nx.betweenness_centrality_subset(W, consumers, materials, normalized=False)
        pairs = max(1, len(consumers) * len(materials))
        return {x: raw[x] / pairs for x in V}
    if metric == "pagerank":
        raw = nx.pagerank(W)
    else:
        from scipy.sparse.linalg import ArpackNoConvergence

        U = W.to_undirected(as_view=True)
        # The principal eigenvector lives on one component (the graph is not connected):
        # score the largest, with SciPy's solver; nodes elsewhere score 0.
        largest = max(nx.connected_components(U), key=len)
        try:
            if len(largest) < 3:
                raw = nx.eigenvector_centrality(U, max_iter=1000)
            else:
                raw = dict.fromkeys(U, 0.0) | nx.eigenvector_centrality_numpy(U.subgraph(largest), max_iter=1000)
        except (nx.PowerIterationFailedConvergence, ArpackNoConvergence):
            raise NotConverged(
                "eigenvector centrality did not converge on this graph; use pagerank or degree instead",
                parameter="metric",
            ) from None
        # The eigenvector's sign is arbitrary; report it positive.
        if sum(raw.values()) < 0:
            raw = {k: -v for k, v in raw.items()}
    return {x: raw[x] for x in V}


def _two_roles(V: nx.DiGraph) -> tuple[nx.DiGraph, list[tuple[str, str]]]:
    """The view with a consumer copy of each consumer: its own offers and its obtains arcs.

    Obtains arcs may only start a path, so a consumer gets a separate node for that role;
    scores are reported for the original nodes only. Consumers are the countries and every
    other actor with obtains arcs (a firm party to a deal): a firm without any only obtains
    what it offers itself, which its own node already covers.
    """
    W = nx.DiGraph(V)
    consumers = []
    obtains = V.graph["obtains"]
    for a, d in V.nodes(data=True):
        if d["kind"] != "country" and not obtains.get(a):
            continue
        c = ("consumer", a)
        consumers.append(c)
        W.add_node(c)
        W.add_edges_from((c, b) for b in V.successors(a))
        W.add_edges_from((c, b) for b in V.graph["obtains"].get(a, {}) if b != a)
    return W, consumers


# Chokepoints -----------------------------------------------------------------------------


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
    """
    day = parse_date(as_of, name="as_of") if not isinstance(as_of, date) else as_of
    c = resolve_node(kg, consumer, kinds={"country", "company", "body", "organization"}, what="consumer")
    m = resolve_node(kg, material, kinds={"material"}, what="material")
    G = projection(kg)
    V0 = supply_view(kg, day)
    empty = Chokepoints(node_ref(G, c), node_ref(G, m), False, False, [], [], [])
    if c not in V0 or m not in V0:
        return empty
    V = for_consumer(V0, c)
    if not nx.has_path(V, c, m):
        return empty
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
    offered = _offers(V, m)
    suppliers = sorted(
        {u for x in offered if x in H for u in H.predecessors(x) if _delivers(V, u, x)},
        key=lambda n: G.nodes[n]["label"].casefold(),
    )
    return Chokepoints(
        consumer=node_ref(G, c),
        material=node_ref(G, m),
        connected=True,
        direct=direct,
        articulation_points=[node_ref(G, n) for n in chain],
        minimum_node_cut=sorted((node_ref(G, n) for n in cut), key=lambda r: r.label.casefold()),
        suppliers=[node_ref(G, n) for n in suppliers],
    )


def _offers(V: nx.DiGraph, material: str) -> set[str]:
    """The material and every material that offers it (its forms, the members of a group)."""
    out = {material}
    frontier = [material]
    while frontier:
        x = frontier.pop()
        for p in V.predecessors(x):
            if p not in out and V.nodes[p]["kind"] == "material":
                out.add(p)
                frontier.append(p)
    return out


def _delivers(V: nx.DiGraph, u: str, v: str) -> bool:
    return any(e["relation"] in DELIVERING for e in V.edges[u, v]["evidence"])


# Concentration ---------------------------------------------------------------------------


def concentration(
    kg: KnowledgeGraph, material: str = "rare earths", indicator: str = "mining", period: str | None = None
) -> Concentration:
    """The Herfindahl–Hirschman index (HHI) of a material's mining, processing or production.

    HHI is the sum of squared percentage shares, from near 0 (many small makers) to 10,000 (one
    maker). ``mining``, ``processing`` and ``magnet_making`` use the shares the sources state
    (China's 70, 90 and 93 %); ``production`` computes shares from mine output (the USGS
    table), against the world total when the graph has one. When the known shares cover less
    than the whole, ``hhi`` counts only them (a lower bound: the rest spread thin) and
    ``hhi_upper`` adds the rest as one more maker. ``level`` follows the 2023 US Merger
    Guidelines: above 1,800 highly concentrated, 1,000 to 1,800 moderately.

    Parameters
    ----------
    kg : KnowledgeGraph
    material : str
    indicator : {"mining", "processing", "magnet_making", "production"}
    period : str, optional
        ``2024`` or ``2025-09``; the latest period with figures by default.

    Returns
    -------
    Concentration
        ``hhi`` is ``None`` when the graph has no figures for the material, indicator and
        period; ``available`` lists what it has.

    Raises
    ------
    NodeNotFound
        If the material is unknown.
    InvalidParameter
        If the indicator is unknown.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> c = concentration(kg, "rare earths", "processing")
    >>> c.hhi is None or c.hhi >= 0
    True
    """
    if indicator not in INDICATORS:
        raise InvalidParameter(f"indicator: {indicator!r} is not one of {', '.join(INDICATORS)}", parameter="indicator")
    if period is not None and (not isinstance(period, str) or not period.strip()):
        period = None
    m = resolve_node(kg, material, kinds={"material"}, what="material")
    G = projection(kg)
    stats = G.graph.get("statistics", [])
    names = {v[0]: k for k, v in INDICATORS.items()}
    available = sorted(
        {
            (s["material"], names[s["indicator"]], s["period"])
            for s in stats
            if s["indicator"] in names and s["material"] in G and s["subject"] in G
        },
        key=lambda x: (G.nodes[x[0]]["label"], x[1], str(x[2])),
    )
    available_rows = [{"material": node_ref(G, a), "indicator": b, "period": c} for a, b, c in available if a == m] or [
        {"material": node_ref(G, a), "indicator": b, "period": c} for a, b, c in available
    ]
    wanted, form = INDICATORS[indicator]
    rows = [s for s in stats if s["material"] == m and s["indicator"] == wanted and s["subject"] in G]
    periods = sorted({s["period"] for s in rows}, key=str)
    if period is None and periods:
        period = periods[-1]
    rows = [s for s in rows if s["period"] == period]
    result = Concentration(
        material=node_ref(G, m),
        indicator=indicator,
        period=period,
        hhi=None,
        hhi_upper=None,
        coverage=0.0,
        level=None,
        shares=[],
        total=None,
        available=available_rows,
        note="",
    )
    if not rows:
        result.note = f"no {indicator} figures for {G.nodes[m]['label']}" + (f" in {period}" if period else "")
        return result
    by_subject: dict[str, list[dict]] = {}
    for s in rows:
        by_subject.setdefault(s["subject"], []).append(s)
    picked = {subj: _pick_stat(G, ss) for subj, ss in by_subject.items()}
    totals = {subj: s for subj, s in picked.items() if G.nodes[subj]["kind"] == "region"}
    makers = {subj: s for subj, s in picked.items() if G.nodes[subj]["kind"] != "region"}
    if form == "share":
        fractions = {
            subj: s["value"] / 100 if s["value"] > 1 or s.get("unit") == "percent" else s["value"]
            for subj, s in makers.items()
        }
        total = None
        note = "shares as the sources state them"
    else:
        total = next(iter(totals.values()))["value"] if totals else sum(s["value"] for s in makers.values())
        fractions = {subj: (s["value"] / total if total else 0.0) for subj, s in makers.items()}
        note = "shares of the world total" if totals else "shares of the sum of the listed producers"
    coverage = min(sum(fractions.values()), 1.0)
    hhi = sum((100 * f) ** 2 for f in fractions.values())
    rest = max(0.0, 1.0 - coverage)
    result.hhi = round(hhi, 1)
    result.hhi_upper = round(hhi + (100 * rest) ** 2, 1)
    result.coverage = round(coverage, 4)
    result.level = (
        "highly concentrated"
        if hhi > 1800
        else "moderately concentrated"
        if hhi >= 1000
        else ("unconcentrated" if rest < 1e-9 else None)
    )
    result.total = total
    result.note = note + ("" if rest < 1e-9 else f"; {rest:.0%} of the total is not broken down")
    result.shares = sorted(
        (
            Share(
                subject=node_ref(G, subj),
                value=s["value"],
                unit=s.get("unit"),
                share=round(fractions[subj], 4),
                estimated=bool(s.get("estimated")),
                sources=_sources(G, s["sources"]),
            )
            for subj, s in makers.items()
        ),
        key=lambda sh: (-sh.share, sh.subject.label),
    )
    return result


def _pick_stat(G: nx.MultiDiGraph, stats: list[dict]) -> dict:
    """Where sources give different figures, the one most sources give, then the newest."""
    known = G.graph.get("sources", {})

    def newest(s: dict) -> str:
        return max((known.get(g, {}).get("date") or "" for g in s["sources"]), default="")

    return max(stats, key=lambda s: (len(s["sources"]), newest(s)))


# Disruption ------------------------------------------------------------------------------


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
    """
    remove_names = _names(remove, "remove")
    reimpose_names = _names(reimpose, "reimpose")
    if not remove_names and not reimpose_names:
        raise InvalidParameter("give at least one entity to remove or one measure to re-impose", parameter="remove")
    max_len = _int_in(max_len, "max_len", 1, MAX_PATH_LENGTH)
    max_paths = _int_in(max_paths, "max_paths", 0, MAX_PATHS)
    day = (as_of if isinstance(as_of, date) else parse_date(as_of, name="as_of")) or date.today()
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


def _without(V: nx.DiGraph, nodes: set[str], arcs: set[tuple[str, str]]) -> nx.DiGraph:
    if not nodes and not arcs:
        return V
    return nx.restricted_view(V, nodes, arcs)


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


# Helpers ---------------------------------------------------------------------------------


def _refs(G: nx.MultiDiGraph, nodes: Iterable[str]) -> list[NodeRef]:
    return sorted((node_ref(G, n) for n in nodes), key=lambda r: r.label.casefold())


def _int_in(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameter(f"{name}: expected a whole number, got {value!r}", parameter=name)
    if not low <= value <= high:
        raise InvalidParameter(f"{name}: {value} is not between {low} and {high}", parameter=name)
    return value


def _names(values: Iterable[str] | str | None, name: str) -> list[str]:
    """A list of names from a list, or one comma-separated string; blanks dropped."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out = []
    for v in values:
        if not isinstance(v, str):
            raise InvalidParameter(f"{name}: expected names, got {type(v).__name__}", parameter=name)
        out += [p.strip() for p in v.split(",") if p.strip()]
    for p in out:
        if len(p) > 500:
            raise InvalidParameter(f"{name}: a name is at most 500 characters", parameter=name)
    return list(dict.fromkeys(out))
