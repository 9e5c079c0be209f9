"""The Python API, for notebooks and scripts: ``import rekg; kg = rekg.open()``.

Every question the HTTP API and the CLI answer is a method here, and returns the same answer
type (a dataclass with :meth:`~rekg.graph.results.Result.to_dict`, which is exactly the JSON the
API sends, and :meth:`~rekg.graph.results.Result.to_frame` where pandas is installed).

Examples
--------
>>> import rekg
>>> kg = rekg.open()
>>> answer = kg.suppliers("Dy", outside="CN")
>>> [s.label for s in answer.suppliers][:1]
['Lynas Rare Earths']
>>> answer.to_dict()["outside"]["label"]
'China'
>>> kg.measures(on="2026-01-15").counts["suspended"] > 0
True
>>> rows = kg.query("SELECT ?label WHERE { id:lynas rdfs:label ?label FILTER(lang(?label) = 'en') }")
>>> rows.rows
[{'label': 'Lynas Rare Earths'}]
>>> found = kg.paths("United States", "dysprosium", max_len=4)
>>> found.target.label, len(found.paths) > 0
('dysprosium', True)
>>> G = kg.network()
>>> G.nodes[kg.iri("dysprosium")]["kind"]
'material'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rekg.graph import answers, network, open_graph
from rekg.graph.errors import InvalidQuery
from rekg.graph.kg import KnowledgeGraph, to_python
from rekg.graph.results import Result

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["MAX_ROWS", "Graph", "QueryRows", "open"]

#: The most rows (or triples) :meth:`Graph.query` returns unless told otherwise; the endpoint's cap
#: (``REKG_MAX_ROWS``) protects a shared server, a local query only needs a guard against a runaway.
MAX_ROWS = 1_000_000


@dataclass
class QueryRows(Result):
    """The rows of a SPARQL SELECT, as Python values (IRIs as ``str``, typed literals converted)."""

    variables: list[str]
    """The projected variables, in order."""
    rows: list[dict[str, Any]]
    """One mapping per solution; unbound variables are left out."""

    rows_field = "rows"


class Graph:
    """The knowledge graph with every question rekg answers as a method.

    Get one with :func:`open`. ``kg.kg`` is the core :class:`~rekg.graph.kg.KnowledgeGraph`
    (store, namespaces, caches) for what the methods do not cover.
    """

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg

    def __repr__(self) -> str:
        return f"<rekg.Graph on a {self.kg.store.kind} store, {len(self.kg.store.graph_names())} named graphs>"

    def iri(self, local: str) -> str:
        """The entity IRI of a local id (``"dysprosium"``)."""
        return self.kg.iri(local)

    # -- questions --------------------------------------------------------------------------

    def suppliers(
        self,
        material: str,
        outside: str | None = None,
        stage: str | None = None,
        as_of: date | str | None = None,
        importer: str | None = None,
    ) -> answers.SupplierAnswer:
        """Who supplies ``material``, and import shares; see :func:`rekg.graph.answers.suppliers.suppliers_of`."""
        return answers.suppliers_of(self.kg, material, outside=outside, stage=stage, as_of=as_of, importer=importer)

    def measures(
        self,
        on: date | str | None = None,
        imposed_by: str | None = None,
        targets: str | None = None,
        material: str | None = None,
    ) -> answers.MeasuresAnswer:
        """Every measure's status on a day; see :func:`rekg.graph.answers.measures.measures_in_force`."""
        return answers.measures_in_force(self.kg, on=on, imposed_by=imposed_by, targets=targets, material=material)

    def agreements(self, party: str | None = None) -> answers.AgreementsAnswer:
        """Agreements, supply deals and meetings; see :func:`rekg.graph.answers.agreements.agreements`."""
        return answers.agreements(self.kg, party=party)

    def timeline(self, start: date | str | None = None, end: date | str | None = None) -> answers.Timeline:
        """Dated events in order; see :func:`rekg.graph.answers.timeline.timeline`."""
        return answers.timeline(self.kg, start, end)

    def search(self, q: str, limit: int = 10) -> answers.SearchResults:
        """Entities whose names match ``q``; see :func:`rekg.graph.answers.search.search`."""
        return answers.search(self.kg, q, limit=limit)

    def entity(self, name: str) -> answers.EntityDescription:
        """Everything the graph says about one entity; see :func:`rekg.graph.answers.entities.describe_entity`."""
        return answers.describe_entity(self.kg, name)

    # -- supply-dependency analysis ----------------------------------------------------------

    def paths(
        self,
        source: str,
        target: str,
        avoid: Iterable[str] = (),
        max_len: int = 6,
        *,
        limit: int = 20,
        as_of: date | str | None = None,
        restricted: str = "include",
    ) -> network.SupplyPaths:
        """How ``source`` obtains ``target``; see :func:`rekg.graph.network.paths.supply_paths`."""
        return network.supply_paths(
            self.kg, source, target, avoid, max_len, limit=limit, as_of=as_of, restricted=restricted
        )

    def centrality(
        self,
        metric: str = "betweenness",
        kind: str | None = None,
        top: int = 10,
        *,
        as_of: date | str | None = None,
        restricted: str = "include",
    ) -> network.Centrality:
        """Who sits on the most supply routes; see :func:`rekg.graph.network.centrality.centrality`."""
        return network.centrality(self.kg, metric, kind=kind, top=top, as_of=as_of, restricted=restricted)

    def chokepoints(
        self, consumer: str, material: str, *, as_of: date | str | None = None, restricted: str = "include"
    ) -> network.Chokepoints:
        """What a consumer's supply of a material hinges on; see :func:`rekg.graph.network.chokepoints.chokepoints`."""
        return network.chokepoints(self.kg, consumer, material, as_of=as_of, restricted=restricted)

    def concentration(
        self,
        material: str = "rare earths",
        indicator: str = "mining",
        period: str | None = None,
        *,
        as_of: date | str | None = None,
        importer: str | None = None,
    ) -> network.Concentration:
        """Country shares and the HHI; see :func:`rekg.graph.network.concentration.concentration`."""
        return network.concentration(self.kg, material, indicator, period, as_of=as_of, importer=importer)

    def disruption(
        self, remove: Iterable[str] = (), as_of: date | str | None = None, reimpose: Iterable[str] = ()
    ) -> network.Disruption:
        """What breaks without ``remove``; see :func:`rekg.graph.network.disruption.disruption`."""
        return network.disruption(self.kg, remove, as_of, reimpose)

    # -- SPARQL and the network -------------------------------------------------------------

    def query(self, sparql: str, *, max_rows: int = MAX_ROWS) -> QueryRows | bool | list[Any]:
        """Run a SPARQL query with rekg's prefixes predeclared (``rekg:``, ``id:``, ``src:``...).

        The query is checked as the endpoint checks it (:func:`rekg.graph.sparql.executor.prepare_query`):
        ``FROM`` and ``FROM NAMED`` choose among the graphs of the store, and updates and
        ``SERVICE`` are refused, so a query gives the answer ``/sparql`` gives and never reaches
        the network. It runs in this process, without the endpoint's time limit.

        Returns
        -------
        QueryRows, bool or list
            The rows of a SELECT, the answer of an ASK, the triples of a CONSTRUCT or DESCRIBE
            (pyoxigraph ``Triple`` objects).

        Raises
        ------
        InvalidQuery
            If the query does not parse, or fails during evaluation.
        ForbiddenQuery
            For updates, ``SERVICE``, and a ``FROM`` naming no graph of the store.
        ResultTooLarge
            If the result has more than ``max_rows`` rows or triples.
        """
        import pyoxigraph as ox
        from rekg.graph.sparql.executor import run_query

        if not isinstance(sparql, str) or not sparql.strip():
            raise InvalidQuery("give a SPARQL query")
        outcome = run_query(self.kg, sparql, "json", max_rows=max_rows)
        if outcome.fmt != "json":  # a CONSTRUCT or DESCRIBE, as Turtle
            return list(ox.parse(outcome.body, format=ox.RdfFormat.TURTLE))
        result = ox.parse_query_results(outcome.body, format=ox.QueryResultsFormat.JSON)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        variables = [v.value for v in result.variables]
        rows = [{v: to_python(s[v]) for v in variables if s[v] is not None} for s in result]
        return QueryRows(variables=variables, rows=rows)

    def network(self) -> nx.MultiDiGraph:
        """The typed NetworkX projection of the graph (a copy: change it freely).

        See :func:`rekg.graph.network.projection.projection` for its nodes and edges.
        """
        return network.projection(self.kg).copy()

    def export(self, fmt: str) -> bytes:
        """The graph as ``gexf``, ``graphml``, ``json``, ``csv`` or an RDF format; see :mod:`rekg.graph.io.export`."""
        from rekg.graph.io.export import export

        return export(self.kg, fmt).body


def open(
    store: str = "memory",
    path: str | Path | None = None,
    *,
    data: tuple[str | Path, ...] | list[str | Path] = (),
    validate_shapes: bool = False,
    **options: Any,
) -> Graph:
    """Open the knowledge graph: the seeds in memory by default.

    Parameters
    ----------
    store : {"memory", "oxigraph", "remote"}
        The back end; ``oxigraph`` keeps the graph on disk in ``path``.
    path : str or Path, optional
        The directory of a persistent ``oxigraph`` store.
    data : sequence of paths
        Extra RDF files loaded on top of the seeds.
    validate_shapes : bool
        Run the SHACL shapes over the seeds (the server does; the shipped seeds pass them).
    **options
        Other arguments of :func:`rekg.graph.io.load.open_graph` (``base``, ``seeds_dir``,
        ``query_url`` of a remote store...).

    Returns
    -------
    Graph

    Raises
    ------
    SeedError
        If a seed or data file does not parse or validate.
    """
    return Graph(open_graph(store, path, data=list(data), validate_shapes=validate_shapes, **options))
