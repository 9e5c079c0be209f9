"""The SPARQL 1.1 service description of the endpoint (``sd:Service``), built from the graph served."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyoxigraph as ox
from rekg.graph.formats import GRAPH_FORMATS, RESULT_FORMATS, rdf_format
from rekg.graph.kg import KnowledgeGraph
from rekg.ontology import DCTERMS, RDF, RDFS, SD, XSD

__all__ = ["service_description"]

_VOID = "http://rdfs.org/ns/void#"
_SH = "http://www.w3.org/ns/shacl#"
_ENTAILMENT_SIMPLE = "http://www.w3.org/ns/entailment/Simple"


def service_description(kg: KnowledgeGraph, endpoint: str, fmt: str = "ttl", *, notes: Sequence[str] = ()) -> bytes:
    """An ``sd:Service`` description of the endpoint, as RDF in ``fmt``.

    It lists the supported result formats, the entailment regime (simple), the dataset (the
    default graph is the union of all named graphs; every named graph with its title and
    triple count, ``void:triples``) and the predeclared prefixes (``sh:declare``).

    Parameters
    ----------
    kg : KnowledgeGraph
        The graph served.
    endpoint : str
        The endpoint's absolute URL, the subject of the description.
    fmt : str
        A key of :data:`rekg.graph.formats.GRAPH_FORMATS`.
    notes : sequence of str
        Extra ``rdfs:comment`` lines (limits of this deployment).

    Returns
    -------
    bytes

    Raises
    ------
    UnsupportedFormat
        If ``fmt`` is not an RDF format.

    Examples
    --------
    >>> from rekg.graph.store import open_store
    >>> kg = KnowledgeGraph(open_store("memory"))
    >>> b"sd:Service" in service_description(kg, "http://127.0.0.1:8000/sparql")
    True
    """
    rdf = rdf_format(fmt, "the service description")
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError("endpoint must be an absolute http(s) URL")
    counts, titles = kg.cached(("sparql", "named-graphs"), lambda: _named_graphs(kg))
    return _describe(kg, endpoint, rdf, notes, counts, titles)


def _named_graphs(kg: KnowledgeGraph) -> tuple[dict[str, int], dict[str, str]]:
    counts = kg.store.graphs()
    titles: dict[str, str] = {}
    rows = kg.store.query("SELECT ?g ?title WHERE { GRAPH ?g { ?g dcterms:title ?title } }", prefixes=kg.prefixes)
    for row in rows:  # type: ignore[union-attr]
        titles.setdefault(row["g"].value, row["title"].value)
    return counts, titles


def _describe(
    kg: KnowledgeGraph,
    endpoint: str,
    fmt: ox.RdfFormat,
    notes: Sequence[str],
    counts: Mapping[str, int],
    titles: Mapping[str, str],
) -> bytes:
    n = ox.NamedNode
    sd, rdf, rdfs = str(SD), str(RDF), str(RDFS)
    me = n(endpoint)
    triples: list[ox.Triple] = []

    def add(s: Any, p: str, o: Any) -> None:
        triples.append(ox.Triple(s, n(p), o))

    add(me, rdf + "type", n(sd + "Service"))
    add(me, sd + "endpoint", me)
    add(me, sd + "supportedLanguage", n(sd + "SPARQL11Query"))
    add(me, sd + "feature", n(sd + "UnionDefaultGraph"))
    add(me, sd + "defaultEntailmentRegime", n(_ENTAILMENT_SIMPLE))
    add(me, str(DCTERMS) + "title", ox.Literal("rekg SPARQL endpoint"))
    add(
        me,
        rdfs + "comment",
        ox.Literal(
            "Read-only SPARQL 1.1 query endpoint of rekg, the knowledge graph of the critical-minerals supply chain. "
            "The default graph is the union of all named graphs; each source's facts live in its own named graph. "
            "The prefixes below are predeclared. SPARQL Update, SERVICE, and FROM / FROM NAMED / default-graph-uri "
            "/ named-graph-uri naming anything but a graph of this store are refused.",
            language="en",
        ),
    )
    for note in notes:
        add(me, rdfs + "comment", ox.Literal(note, language="en"))
    for written in (*RESULT_FORMATS.values(), *GRAPH_FORMATS.values()):
        if written.iri is not None:
            add(me, sd + "resultFormat", n(written.iri))
    dataset = ox.BlankNode("dataset")
    add(me, sd + "defaultDataset", dataset)
    add(dataset, rdf + "type", n(sd + "Dataset"))
    add(dataset, rdfs + "comment", ox.Literal("The default graph is the union of all named graphs.", language="en"))
    default_graph = ox.BlankNode("defaultGraph")
    add(dataset, sd + "defaultGraph", default_graph)
    add(default_graph, rdf + "type", n(sd + "Graph"))
    add(
        default_graph,
        rdfs + "comment",
        ox.Literal(
            "The union of all named graphs. A triple stated by several sources is in several graphs and "
            "matches once per graph: use SELECT DISTINCT, or GRAPH ?g to see the sources.",
            language="en",
        ),
    )
    for i, (name, count) in enumerate(sorted(counts.items())):
        ng, g = ox.BlankNode(f"ng{i}"), ox.BlankNode(f"g{i}")
        add(dataset, sd + "namedGraph", ng)
        add(ng, rdf + "type", n(sd + "NamedGraph"))
        add(ng, sd + "name", n(name))
        if name in titles:
            add(ng, str(DCTERMS) + "title", ox.Literal(titles[name]))
        add(ng, sd + "graph", g)
        add(g, rdf + "type", n(sd + "Graph"))
        add(g, _VOID + "triples", ox.Literal(str(count), datatype=n(str(XSD) + "integer")))
    for i, (prefix, namespace) in enumerate(sorted(kg.prefixes.items())):
        decl = ox.BlankNode(f"prefix{i}")
        add(me, _SH + "declare", decl)
        add(decl, _SH + "prefix", ox.Literal(prefix))
        add(decl, _SH + "namespace", ox.Literal(namespace, datatype=n(str(XSD) + "anyURI")))
    prefixes = {**kg.prefixes, "sd": sd, "void": _VOID, "sh": _SH}
    return ox.serialize(triples, format=fmt, prefixes=prefixes)
