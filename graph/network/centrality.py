"""Centrality: which nodes of the supply view sit on the most supply routes, on a day.

:func:`centrality` ranks the nodes of the supply view (:mod:`rekg.graph.network.view`) of a day
by betweenness (on consumer-to-material paths), PageRank, degree or eigenvector centrality, and
answers with a :class:`Centrality` that echoes the question. Betweenness follows supply paths,
so the measures in force that day (:mod:`rekg.graph.network.restrictions`) decide, with
``restricted``, which paths count. Scores are kept per graph version, metric, day and mode.

Ties: scores are compared as reported (rounded to six places); equal scores are tied, marked
``tied`` with the rank of the first of them in ``tie_group``, and ordered by label
(case-insensitive), then IRI, so the order never depends on the order nodes were read in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import networkx as nx
from rekg.graph.answers.evidence import Evidence, evidence
from rekg.graph.dates import parse_date
from rekg.graph.errors import InvalidParameter, NotConverged
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.restrictions import MeasureApplied, Restrictions, restricted_mode, restrictions
from rekg.graph.network.view import _arc_sources, _int_in, _memo, _node_sources, supply_view
from rekg.graph.results import Result
from rekg.graph.rules import KINDS

__all__ = ["METRICS", "Centrality", "Ranked", "centrality"]

#: Centrality metrics :func:`centrality` accepts.
METRICS = ("betweenness", "pagerank", "degree", "eigenvector")

#: Places scores are rounded to; ties are equal scores at this precision.
PRECISION = 6


@dataclass
class Ranked(Result):
    """A node with its centrality score and rank."""

    rank: int
    """Its place in the ranking, 1 for the most central node (tied nodes get consecutive places)."""
    id: str
    """The node's IRI."""
    label: str
    """Its English label."""
    kind: str
    """Its kind (country, company, facility, material...)."""
    score: float
    """The score, rounded to six places; from 0 to 1 for every metric."""
    tied: bool = False
    """True when another node of the ranking (listed or not) has the same score."""
    tie_group: int | None = None
    """For a tied node, the rank of the first node with its score (the same for the whole tie); else ``null``."""


@dataclass
class Centrality(Result):
    """The most central nodes of the supply graph by one metric, highest score first."""

    metric: str
    """The centrality measure: ``betweenness``, ``pagerank``, ``degree`` or ``eigenvector``."""
    kind: str | None
    """The kind of node kept, or ``null`` for every kind."""
    top: int
    """How many nodes were asked for."""
    as_of: date
    """The day: the facilities, outputs and agreements active and the measures in force that day."""
    restricted: str
    """Which supply paths betweenness counts: ``include`` (all), ``exclude`` (open ones), ``only`` (restricted
    ones); always ``include`` for the other metrics, which follow no paths."""
    measures: list[MeasureApplied]
    """For betweenness, the measures in force that day (export controls and ownership rules) and how many
    handovers each restricts; empty for the other metrics, which no measure changes."""
    ranked: list[Ranked]
    """The nodes, highest score first; equal scores are tied and ordered by label, then IRI; at most ``top``."""
    ties_cut: bool
    """True when the last node listed ties with nodes ``top`` leaves out."""
    evidence: Evidence
    """What the scores rest on (the sources of the view's arcs and of the measures), how fresh that is."""
    rows_field = "ranked"


def centrality(
    kg: KnowledgeGraph,
    metric: str,
    kind: str | None = None,
    top: int = 10,
    *,
    as_of: date | str | None = None,
    restricted: str = "include",
) -> Centrality:
    """The most central nodes of the supply view of a day by ``metric``.

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
        and meetings are not in the supply view, so asking for them gives an empty ranking.
    top : int
        How many to return (1 to 1000).
    as_of : date or str, optional
        The day (today by default): the view of that day, and for betweenness the measures
        in force that day.
    restricted : {"include", "exclude", "only"}
        For betweenness, which consumer-to-material paths count: all, those crossing no flow a
        measure in force restricts for that consumer, or only those crossing one. The other
        metrics score arcs whoever obtains through them, so they take ``include`` only.

    Returns
    -------
    Centrality
        The question and its ``ranked`` nodes, highest score first; ties marked and ordered by
        label, then IRI.

    Raises
    ------
    InvalidParameter
        If ``metric``, ``kind`` or ``restricted`` is unknown, ``restricted`` is not ``include``
        for a metric other than betweenness, ``as_of`` is not a date or ``top`` is out of range.
    NotConverged
        If the eigenvector iteration does not converge.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> c = centrality(kg, "degree", kind="country", top=3)
    >>> len(c.ranked) <= 3 and all(r.kind == "country" for r in c.ranked)
    True
    >>> centrality(kg, "closeness")
    Traceback (most recent call last):
    ...
    rekg.graph.errors.InvalidParameter: metric: 'closeness' is not one of betweenness, pagerank, degree, eigenvector

    Without the flows China's controls restrict (back in force on 1 December 2026), China
    carries fewer supply routes:

    >>> def china(mode):
    ...     found = centrality(kg, "betweenness", "country", 50, as_of="2026-12-01", restricted=mode)
    ...     return next(r.score for r in found.ranked if r.label == "China")
    >>> china("exclude") < china("include")
    True
    """
    if metric not in METRICS:
        raise InvalidParameter(f"metric: {metric!r} is not one of {', '.join(METRICS)}", parameter="metric")
    if kind is not None and kind not in KINDS:
        raise InvalidParameter(f"kind: {kind!r} is not one of {', '.join(KINDS)}", parameter="kind")
    top = _int_in(top, "top", 1, 1000)
    mode = restricted_mode(restricted)
    if mode != "include" and metric != "betweenness":
        raise InvalidParameter(
            f"restricted: {mode!r} applies to betweenness, which counts supply paths; {metric} scores arcs "
            "whoever obtains through them, so no measure changes it: use restricted=include",
            parameter="restricted",
        )
    day = parse_date(as_of, name="as_of") or date.today()
    V = supply_view(kg, day)
    r = restrictions(kg, V, day) if metric == "betweenness" else None
    scores = _memo(kg, ("centrality", metric, day, mode), lambda: _scores(V, metric, r, mode))
    rows = [(n, round(sc, PRECISION)) for n, sc in scores.items() if kind is None or V.nodes[n]["kind"] == kind]
    rows.sort(key=lambda x: (-x[1], V.nodes[x[0]]["label"].casefold(), x[0]))
    first: dict[float, int] = {}
    count: dict[float, int] = {}
    for i, (_, sc) in enumerate(rows):
        first.setdefault(sc, i + 1)
        count[sc] = count.get(sc, 0) + 1
    ranked = [
        Ranked(
            rank=i + 1,
            id=n,
            label=V.nodes[n]["label"],
            kind=V.nodes[n]["kind"],
            score=sc,
            tied=count[sc] > 1,
            tie_group=first[sc] if count[sc] > 1 else None,
        )
        for i, (n, sc) in enumerate(rows[:top])
    ]
    measures = r.applied if r is not None else []
    graphs = _arc_sources(V, V.edges()) | _node_sources(V, (x.id for x in ranked))
    graphs |= {g for a in measures for g in r.sources[a.measure.id]} if r is not None else set()
    about = f"the {day} supply view"
    return Centrality(
        metric=metric,
        kind=kind,
        top=top,
        as_of=day,
        restricted=mode,
        measures=measures,
        ranked=ranked,
        ties_cut=len(rows) > top and rows[top - 1][1] == rows[top][1],
        evidence=evidence(kg, day, graphs, projected=any(a.projected for a in measures), about=about),
    )


def _scores(V: nx.DiGraph, metric: str, r: Restrictions | None = None, mode: str = "include") -> dict[str, float]:
    if V.number_of_nodes() < 2:
        return dict.fromkeys(V, 0.0)
    obtains = V.graph["obtains"]
    if metric == "degree":
        n = V.number_of_nodes() - 1
        return {x: (V.degree(x) + len(obtains.get(x, {}))) / n for x in V}
    W, consumers = _two_roles(V)
    if metric == "betweenness":
        materials = [x for x, d in V.nodes(data=True) if d["kind"] == "material"]
        pairs = max(1, len(consumers) * len(materials))
        if r is None or mode == "include":
            raw = nx.betweenness_centrality_subset(W, consumers, materials, normalized=False)
            return {x: raw[x] / pairs for x in V}
        # Which handovers are restricted depends on the consumer: score each group of consumers
        # with the same restricted handovers on its own graph (the sums over sources add up).
        groups: dict[frozenset[tuple[str, str]], list[tuple[str, str]]] = {}
        for c in consumers:
            groups.setdefault(frozenset(r.arcs_for(c[1])), []).append(c)
        total = dict.fromkeys(W, 0.0)
        for blocked, members in groups.items():
            # The consumer copy's own handovers are the consumer's.
            arcs = set(blocked) | {(c, x) for c in members for a, x in blocked if a == c[1]}
            part = nx.betweenness_centrality_subset(r.view(W, arcs, mode), members, materials, normalized=False)
            for x, v in part.items():
                total[x] += v
        return {x: total[x] / pairs for x in V}
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
        # The copies keep the evidence, so a handover from the copy is still seen as one.
        W.add_edges_from((c, b, V.edges[a, b]) for b in V.successors(a))
        W.add_edges_from((c, b, {"evidence": ev}) for b, ev in obtains.get(a, {}).items() if b != a)
    return W, consumers
