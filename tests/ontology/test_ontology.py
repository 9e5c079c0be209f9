"""The ontology documents itself and every class has a SHACL shape."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS
from rekg.ontology import ONTOLOGY_FILE, REKG, SH, SHAPES_FILE, namespaces


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY_FILE)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE)


def _terms(onto: Graph) -> list:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return sorted({s for k in kinds for s in onto.subjects(RDF.type, k) if str(s).startswith(str(REKG))})


def test_every_term_has_english_label_and_comment(onto: Graph) -> None:
    terms = _terms(onto)
    assert len(terms) > 60
    missing = [
        str(t)
        for t in terms
        if not any(lbl.language == "en" for lbl in onto.objects(t, RDFS.label))
        or not any(c.language == "en" for c in onto.objects(t, RDFS.comment))
    ]
    assert missing == []


def test_every_class_is_target_of_a_shape(onto: Graph, shapes: Graph) -> None:
    classes = {c for c in onto.subjects(RDF.type, OWL.Class) if str(c).startswith(str(REKG))}
    targeted = set(shapes.objects(None, SH.targetClass))
    assert classes - targeted == set()


def test_vocabulary_reuses_standard_terms(onto: Graph) -> None:
    supers = {str(o) for o in onto.objects(None, RDFS.subClassOf)}
    assert "http://www.w3.org/ns/prov#Entity" in supers
    assert "http://www.w3.org/2004/02/skos/core#Concept" in supers
    assert "http://www.w3.org/ns/org#Organization" in supers


def test_namespaces_follow_the_base() -> None:
    ns = namespaces("https://example.org/kg")
    assert str(ns.id["dysprosium"]) == "https://example.org/kg/id/dysprosium"
    assert ns.entities_graph == "https://example.org/kg/graph/entities"
    assert ns.prefixes()["rekg"] == str(REKG)
