"""The shapes compiled to Python (rekg.graph.io.shacl) report what pySHACL reports, on the seeds and on broken data."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rekg.graph.io.seeds import load_seeds, validate
from rekg.graph.io.shacl import UnsupportedShapes, compile_shapes, compiled_shapes
from rekg.ontology import REKG, ontology_graph

ID = "https://w3id.org/rekg/id/"


def _broken() -> list[tuple[URIRef, URIRef, URIRef | Literal]]:
    """Statements that break one rule each: classes, datatypes, counts, patterns, languages, sh:in, SPARQL."""
    x = lambda local: URIRef(ID + local)  # noqa: E731
    return [
        (x("bad-plant"), RDF.type, REKG.Facility),  # no label, operator, country or stage
        (x("bad-plant"), REKG.output, x("bad-output")),
        (x("bad-output"), RDF.type, REKG.Output),
        (x("bad-output"), REKG.material, x("dysprosium")),  # an output not also stated with produces (SPARQL)
        (x("bad-stat"), RDF.type, REKG.Statistic),
        (x("bad-stat"), REKG.value, Literal("abc", datatype=XSD.integer)),  # ill-typed
        (x("bad-stat"), REKG.period, Literal("2025-02-30", datatype=XSD.date)),  # no such day
        (x("bad-stat"), RDFS.label, Literal("Statistik", lang="de")),
        (x("bad-stat"), REKG.supplies, x("china")),  # only an actor supplies, and only materials
        (x("china"), REKG.isoCode, Literal("cn")),  # pattern
        (x("bad-share"), RDF.type, REKG.Statistic),  # a share over 100 % (SPARQL, the indicator's range)
        (x("bad-share"), RDFS.label, Literal("share", lang="en")),
        (x("bad-share"), REKG.subject, x("china")),
        (x("bad-share"), REKG.indicator, REKG.ShareOfMining),
        (x("bad-share"), REKG.value, Literal("250", datatype=XSD.decimal)),
        (x("bad-share"), REKG.unit, URIRef("http://qudt.org/vocab/unit/PERCENT")),
        (x("bad-claim"), REKG.claimedValue, Literal("1")),  # not a claim, and no claimedProperty
        (x("bad-company"), RDF.type, REKG.Company),
        (x("bad-company"), RDFS.label, Literal("Co", lang="fr")),  # languageIn
    ]


def _union(extra: list) -> Graph:
    union = Graph()
    for g in load_seeds(validate_shapes=False).graphs():
        for t in g:
            union.add(t)
    for t in ontology_graph():
        union.add(t)
    for t in extra:
        union.add(t)
    return union


def _both(union: Graph) -> tuple[set, set]:
    ds = Dataset()
    target = ds.graph(URIRef("urn:x-test:union"))
    for t in union:
        target.add(t)
    by_pyshacl = {(p.node, p.path, p.value, p.message) for p in validate(ds)}
    triples = ox.parse(union.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    compiled = {(p.node, p.path, p.value, p.message) for p in compiled_shapes().validate(triples)}
    return by_pyshacl, compiled


def test_compiled_shapes_report_what_pyshacl_reports() -> None:
    by_pyshacl, compiled = _both(_union(_broken()))
    broken = {t[0] for t in by_pyshacl if t[0].startswith(ID + "bad-")}
    # Every kind of break above is found (the test data do break what they claim to break) ...
    assert {ID + n for n in ("bad-plant", "bad-stat", "bad-claim", "bad-company")} <= broken
    assert any(t[0] == ID + "bad-plant" and "rekg:produces" in t[3] for t in compiled)  # the SPARQL rule
    assert [t[3] for t in compiled if t[0] == ID + "bad-share"] == [
        f"{REKG.ShareOfMining} figures are at most 100 (rekg:maxValue); this one is 250"
    ]
    # ... and the two validators agree problem for problem, message included.
    assert compiled == by_pyshacl


def test_ill_typed_literals_and_counts() -> None:
    x = URIRef(ID + "q")
    g = Graph()
    g.add((x, RDF.type, REKG.Quantity))
    g.add((x, REKG.value, Literal("1,000", datatype=XSD.decimal)))
    g.add((x, REKG.value, Literal("5", datatype=XSD.integer)))
    triples = ox.parse(g.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    found = [(p.path.rsplit("#")[-1], p.value) for p in compiled_shapes().validate(triples, focus={ID + "q"})]
    assert ("value", "1,000") in found  # ill-typed decimal
    assert ("value", None) in found  # two values where one is allowed
    assert ("unit", None) in found  # missing


def test_unknown_constructs_are_refused_not_skipped() -> None:
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:D ] ; sh:qualifiedMinCount 1 ] .
        """,
        format="turtle",
    )
    with pytest.raises(UnsupportedShapes, match="qualified"):
        compile_shapes(shapes)
