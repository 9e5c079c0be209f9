"""The rekg vocabulary: namespace constants and the paths of the ontology files.

The vocabulary namespace is fixed. Entity, source and graph IRIs hang under a base IRI
that deployments may change (``REKG_BASE_IRI``); :func:`namespaces` derives them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

__all__ = [
    "DCTERMS",
    "DEFAULT_BASE_IRI",
    "FOAF",
    "ONTOLOGY_FILE",
    "ORG",
    "OWL",
    "PROV",
    "RDF",
    "RDFS",
    "REKG",
    "SD",
    "SH",
    "SHAPES_FILE",
    "SKOS",
    "XSD",
    "Namespaces",
    "namespaces",
    "ontology_graph",
]

#: The one place the default base IRI is set.
DEFAULT_BASE_IRI = "https://w3id.org/rekg/"

REKG = Namespace("https://w3id.org/rekg/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
WD = Namespace("http://www.wikidata.org/entity/")

ONTOLOGY_DIR = Path(str(resources.files("rekg.ontology")))
ONTOLOGY_FILE = ONTOLOGY_DIR / "rekg.ttl"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"


@dataclass(frozen=True)
class Namespaces:
    """The base-dependent namespaces of one deployment."""

    base: str
    id: Namespace
    source: Namespace
    graph: Namespace

    @property
    def ontology_graph(self) -> str:
        return str(self.graph["ontology"])

    @property
    def entities_graph(self) -> str:
        return str(self.graph["entities"])

    def prefixes(self) -> dict[str, str]:
        """Prefixes predeclared for SPARQL queries and used when serialising."""
        return {
            "rekg": str(REKG),
            "id": str(self.id),
            "src": str(self.source),
            "rdf": str(RDF),
            "rdfs": str(RDFS),
            "owl": str(OWL),
            "xsd": str(XSD),
            "skos": str(SKOS),
            "dcterms": str(DCTERMS),
            "prov": str(PROV),
            "org": str(ORG),
            "foaf": str(FOAF),
            "wd": str(WD),
            "sh": str(SH),
            "qudt": "http://qudt.org/schema/qudt/",
            "unit": "http://qudt.org/vocab/unit/",
        }


def namespaces(base: str = DEFAULT_BASE_IRI) -> Namespaces:
    """Return the namespaces for ``base``.

    Examples
    --------
    >>> ns = namespaces("https://example.org/kg/")
    >>> str(ns.id["dysprosium"])
    'https://example.org/kg/id/dysprosium'
    """
    if not base.endswith(("/", "#")):
        base += "/"
    return Namespaces(
        base=base,
        id=Namespace(base + "id/"),
        source=Namespace(base + "source/"),
        graph=Namespace(base + "graph/"),
    )


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """The ontology as an rdflib graph, parsed once (treat it as read-only)."""
    return Graph().parse(ONTOLOGY_FILE)
