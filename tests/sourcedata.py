"""A source document for upload tests: one TriG graph that describes itself as the shapes require."""

from __future__ import annotations

PREFIXES = """@prefix id: <id/> . @prefix src: <source/> .
@prefix rekg: <https://w3id.org/rekg/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def trig(source_id: str, body: str = "", *, title: str = "A test note") -> bytes:
    """The source ``src:{source_id}`` (label, title, publisher, date, kind) with ``body`` in its graph."""
    return (
        PREFIXES
        + f"""src:{source_id} {{
  src:{source_id} a rekg:Source ; rdfs:label "{title}"@en ; dcterms:title "{title}" ;
      dcterms:publisher id:lynas ; dcterms:date "2026-01-05"^^xsd:date ; rekg:sourceKind rekg:NewsArticle .
  {body}
}}
"""
    ).encode()
