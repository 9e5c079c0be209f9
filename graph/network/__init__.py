"""Supply-dependency analysis on NetworkX: the projection of the graph, then one module per family.

==================  ====================================================================
module              holds
==================  ====================================================================
``projection``      the knowledge graph as a typed ``MultiDiGraph`` (:func:`projection`)
``view``            the supply view derived from it (:func:`supply_view`), and what the
                    families share: name resolution, jurisdictions, activity on a day
``restrictions``    the one rule for time: the measures in force on a day
                    (:func:`in_force_on`, as ``/measures`` gives them) and the flows
                    they restrict (:func:`restrictions`)
``paths``           :func:`supply_paths`
``centrality``      :func:`centrality`
``chokepoints``     :func:`chokepoints`
``concentration``   :func:`concentration`
``disruption``      :func:`disruption`
==================  ====================================================================

Every analysis takes the knowledge graph and names as users type them, validates them before
doing any work, and returns one result dataclass (a :class:`rekg.graph.results.Result`) that
echoes the question: the HTTP API sends its :meth:`~rekg.graph.results.Result.to_dict`, the CLI
prints it. Every analysis answers for a day, ``as_of`` (today by default), applies the
measures in force that day the same way (:mod:`rekg.graph.network.restrictions`), and carries
an ``evidence`` block (:class:`rekg.graph.answers.evidence.Evidence`): the sources it rests on,
how fresh they are, and whether a status it applied is projected.

Errors follow NetworkX's: an unknown name is :class:`~rekg.graph.errors.NodeNotFound` (with
close matches), a parameter out of range :class:`~rekg.graph.errors.InvalidParameter`, and a
metric that does not converge :class:`~rekg.graph.errors.NotConverged`.

As with ``networkx.bridges``, the functions re-exported here shadow the modules of the same
name on this package (``network.centrality`` is the function); import a module's other names
from it directly (``from rekg.graph.network.centrality import METRICS``).

Examples
--------
>>> from rekg.graph import network, open_graph
>>> kg = open_graph(validate_shapes=False)
>>> found = network.supply_paths(kg, "Malaysia", "dysprosium", max_len=4, as_of="2026-01-15")
>>> found.source.label, found.target.label, len(found.paths) > 0
('Malaysia', 'dysprosium', True)
"""

from rekg.graph.network.centrality import METRICS, Centrality, Ranked, centrality
from rekg.graph.network.chokepoints import Chokepoints, RestrictedFlow, chokepoints
from rekg.graph.network.concentration import INDICATORS, Available, Concentration, Share, concentration
from rekg.graph.network.disruption import (
    Baseline,
    ConsumerImpact,
    Disruption,
    Impact,
    MaterialImpact,
    SectorImpact,
    disruption,
)
from rekg.graph.network.paths import Step, SupplyPath, SupplyPaths, supply_paths
from rekg.graph.network.projection import RELATIONS, NodeRef, projection
from rekg.graph.network.restrictions import BLOCKING_TYPES, RESTRICTED, MeasureApplied, in_force_on, restrictions
from rekg.graph.network.view import Citation, supply_view
from rekg.graph.rules import KINDS

__all__ = [
    "BLOCKING_TYPES",
    "INDICATORS",
    "KINDS",
    "METRICS",
    "RELATIONS",
    "RESTRICTED",
    "Available",
    "Baseline",
    "Centrality",
    "Chokepoints",
    "Citation",
    "Concentration",
    "ConsumerImpact",
    "Disruption",
    "Impact",
    "MaterialImpact",
    "MeasureApplied",
    "NodeRef",
    "Ranked",
    "RestrictedFlow",
    "SectorImpact",
    "Share",
    "Step",
    "SupplyPath",
    "SupplyPaths",
    "centrality",
    "chokepoints",
    "concentration",
    "disruption",
    "in_force_on",
    "projection",
    "restrictions",
    "supply_paths",
    "supply_view",
]
