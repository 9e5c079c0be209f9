"""PROV-O on every source graph: what the write path adds when an upload says it only in Dublin Core.

Every source graph says ``prov:wasAttributedTo`` its publisher and ``prov:wasDerivedFrom`` its
document, and every claim ``prov:wasAttributedTo`` its claimant, so a generic PROV tool can follow
them (the shapes check it). The curated seeds write these triples out. An uploaded source that
names its publisher (``dcterms:publisher``) and claimants (``rekg:claimant``) but not the PROV terms
gets them here, before validation: the same values, never new facts. Its document is the URL it
gives (``dcterms:source``), else a document IRI minted from the source's id.
"""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF
from rekg.ontology import REKG

__all__ = ["complete_provenance"]


def complete_provenance(g: Graph, document: str) -> int:
    """Add the PROV-O triples ``g`` implies but does not state; return how many were added.

    Parameters
    ----------
    g : rdflib.Graph
        One source's named graph; its identifier is the source.
    document : str
        The IRI of the source's document, used when ``g`` names none (``dcterms:source``).

    Examples
    --------
    >>> g = Graph(identifier=URIRef("https://w3id.org/rekg/source/note"))
    >>> src, pub = URIRef(g.identifier), URIRef("https://w3id.org/rekg/id/lynas")
    >>> _ = g.add((src, RDF.type, REKG.Source)).add((src, DCTERMS.publisher, pub))
    >>> complete_provenance(g, "https://w3id.org/rekg/document/note")
    2
    >>> (src, PROV.wasAttributedTo, pub) in g
    True
    """
    added = 0
    source = URIRef(str(g.identifier))
    if (source, RDF.type, REKG.Source) in g:
        if (source, PROV.wasAttributedTo, None) not in g:
            for publisher in list(g.objects(source, DCTERMS.publisher)):
                g.add((source, PROV.wasAttributedTo, publisher))
                added += 1
        if (source, PROV.wasDerivedFrom, None) not in g:
            docs = [o for o in g.objects(source, DCTERMS.source) if isinstance(o, URIRef)] or [URIRef(document)]
            for doc in docs:
                g.add((source, PROV.wasDerivedFrom, doc))
                added += 1
    for claim in list(g.subjects(RDF.type, REKG.Claim)):
        if (claim, PROV.wasAttributedTo, None) not in g:
            for claimant in list(g.objects(claim, REKG.claimant)):
                g.add((claim, PROV.wasAttributedTo, claimant))
                added += 1
    return added
