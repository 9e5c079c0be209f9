"""Centrality: which nodes of the supply view sit on the most supply routes.

:func:`centrality` ranks the nodes of the supply view (:mod:`rekg.graph.network.view`) by
betweenness (on consumer-to-material paths), PageRank, degree or eigenvector centrality, and
answers with a :class:`Centrality` that echoes the question. Scores are computed once per
graph version and metric.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
from rekg.graph.errors import InvalidParameter, NotConverged
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.view import _int_in, supply_view
from rekg.graph.results import Result
from rekg.graph.rules import KINDS

__all__ = ["METRICS", "Centrality", "Ranked", "centrality"]

#: Centrality metrics :func:`centrality` accepts.
METRICS = ("betweenness", "pagerank", "degree", "eigenvector")


@dataclass
class Ranked(Result):
    """A node with its centrality score and rank."""

    rank: int
    """1 for the most central node."""
    id: str
    """The node's IRI."""
    label: str
    """Its English label."""
    kind: str
    """Its kind (country, company, facility, material...)."""
    score: float
    """The score, rounded to six places; from 0 to 1 for every metric."""


@dataclass
class Centrality(Result):
    """The most central nodes of the supply graph by one metric, highest score first."""

    metric: str
    """The centrality measure: ``betweenness``, ``pagerank``, ``degree`` or ``eigenvector``."""
    kind: str | None
    """The kind of node kept, or ``null`` for every kind."""
    top: int
    """How many nodes were asked for."""
    ranked: list[Ranked]
    """The nodes, highest score first, ties by label; at most ``top``."""
    rows_field = "ranked"


def centrality(kg: KnowledgeGraph, metric: str, kind: str | None = None, top: int = 10) -> Centrality:
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
        and meetings are not in the supply view, so asking for them gives an empty ranking.
    top : int
        How many to return (1 to 1000).

    Returns
    -------
    Centrality
        The question and its ``ranked`` nodes, highest score first; ties by label.

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
    >>> c = centrality(kg, "degree", kind="country", top=3)
    >>> len(c.ranked) <= 3 and all(r.kind == "country" for r in c.ranked)
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
    ranked = [
        Ranked(rank=i + 1, id=n, label=V.nodes[n]["label"], kind=V.nodes[n]["kind"], score=round(sc, 6))
        for i, (n, sc) in enumerate(rows[:top])
    ]
    return Centrality(metric=metric, kind=kind, top=top, ranked=ranked)


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
