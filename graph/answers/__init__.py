"""Questions without SPARQL: the analyst answers the API, the CLI, the Python API and the page share.

Each answer lives in its own module and returns one answer type (a :class:`~rekg.graph.results.Result`):

* :func:`suppliers_of` (:mod:`~rekg.graph.answers.suppliers`): who supplies a material, outside a country;
* :func:`measures_in_force` (:mod:`~rekg.graph.answers.measures`), :func:`agreements`
  (:mod:`~rekg.graph.answers.agreements`), :func:`timeline` (:mod:`~rekg.graph.answers.timeline`);
* :func:`describe_entity`, :func:`entity_rdf` (:mod:`~rekg.graph.answers.entities`);
* :func:`search` (:mod:`~rekg.graph.answers.search`).

Every name a user passes is resolved to an IRI first (:func:`rekg.graph.answers.names.resolve`) and bound
into the queries; nothing typed is formatted into SPARQL text.
"""

from __future__ import annotations

from rekg.graph.answers.agreements import AgreementInfo, AgreementsAnswer, agreements
from rekg.graph.answers.entities import ENTITY_RDF_FORMATS, EntityDescription, describe_entity, entity_iri, entity_rdf
from rekg.graph.answers.measures import MeasuresAnswer, MeasureStatus, measures_in_force
from rekg.graph.answers.search import SearchHit, SearchResults, search
from rekg.graph.answers.suppliers import SupplierAnswer, suppliers_of
from rekg.graph.answers.timeline import Timeline, TimelineEvent, timeline
from rekg.graph.dates import parse_date
from rekg.graph.rules import derive_status
from rekg.graph.sparql.examples import ExampleQuery, example_queries

__all__ = [
    "ENTITY_RDF_FORMATS",
    "AgreementInfo",
    "AgreementsAnswer",
    "EntityDescription",
    "ExampleQuery",
    "MeasureStatus",
    "MeasuresAnswer",
    "SearchHit",
    "SearchResults",
    "SupplierAnswer",
    "Timeline",
    "TimelineEvent",
    "agreements",
    "derive_status",
    "describe_entity",
    "entity_iri",
    "entity_rdf",
    "example_queries",
    "measures_in_force",
    "parse_date",
    "search",
    "suppliers_of",
    "timeline",
]
