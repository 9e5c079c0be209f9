"""Serialise the knowledge graph for other tools.

RDF formats come straight from the store. Graph formats for Gephi, yEd and spreadsheets
(GEXF, GraphML, node-link JSON, CSV) are built from the NetworkX projection.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .errors import UnsupportedFormat
from .kg import KnowledgeGraph

__all__ = ["RDF_FORMATS", "Export", "export_rdf"]


@dataclass(frozen=True)
class Export:
    """A serialised graph with what HTTP needs to send it."""

    body: bytes
    media_type: str
    filename: str


#: name -> (pyoxigraph format, media type, file extension, keeps named graphs)
RDF_FORMATS: dict[str, tuple[ox.RdfFormat, str, str, bool]] = {
    "ttl": (ox.RdfFormat.TURTLE, "text/turtle", "ttl", False),
    "nt": (ox.RdfFormat.N_TRIPLES, "application/n-triples", "nt", False),
    "nq": (ox.RdfFormat.N_QUADS, "application/n-quads", "nq", True),
    "trig": (ox.RdfFormat.TRIG, "application/trig", "trig", True),
    "jsonld": (ox.RdfFormat.JSON_LD, "application/ld+json", "jsonld", True),
    "rdfxml": (ox.RdfFormat.RDF_XML, "application/rdf+xml", "rdf", False),
}


def export_rdf(kg: KnowledgeGraph, fmt: str) -> Export:
    """Serialise every graph in an RDF format.

    Triple formats (Turtle, N-Triples, RDF/XML) get the union of all graphs, so the
    source of each statement is only kept by the quad formats (N-Quads, TriG, JSON-LD).

    Raises
    ------
    UnsupportedFormat
        If ``fmt`` is not one of :data:`RDF_FORMATS`.

    Examples
    --------
    >>> from graph import KnowledgeGraph
    >>> out = export_rdf(KnowledgeGraph.from_seeds(validate_shapes=False), "nq")
    >>> out.media_type, out.filename
    ('application/n-quads', 'rekg.nq')
    """
    try:
        oxfmt, media, ext, quads = RDF_FORMATS[fmt]
    except KeyError:
        raise UnsupportedFormat(f"unknown RDF format {fmt!r}; choose one of {', '.join(RDF_FORMATS)}") from None

    def build() -> bytes:
        if quads:
            return kg.store.dump(oxfmt, prefixes=kg.prefixes)
        triples = kg.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        return ox.serialize(triples, format=oxfmt, prefixes=kg.prefixes)

    return Export(kg.cached(("export", fmt), build), media, f"rekg.{ext}")
