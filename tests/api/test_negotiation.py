"""The negotiation table and the Accept parser, as pure functions."""

from __future__ import annotations

import pytest
from rekg.api.errors import ApiError
from rekg.api.negotiation import GRAPH_OFFERS, RESULT_OFFERS, choose_format, negotiate, offers_for, parse_accept
from rekg.graph.sparql.executor import GRAPH_FORMATS, RESULT_FORMATS


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, [("*", "*", 1.0)]),
        ("", [("*", "*", 1.0)]),
        ("   ", [("*", "*", 1.0)]),
        ("*", [("*", "*", 1.0)]),
        ("text/csv", [("text", "csv", 1.0)]),
        ("Text/CSV; Q=0.5", [("text", "csv", 0.5)]),
        ("text/csv;q=0.5;charset=utf-8, text/*;q=0.1", [("text", "csv", 0.5), ("text", "*", 0.1)]),
        ("application/json;q=1.5", []),
        ("application/json;q=-1", []),
        ("application/json;q=abc", []),
        ("application/json;q", []),
        ("application/json;q=nan", []),
        ("garbage, text/turtle", [("text", "turtle", 1.0)]),
        ("*/json", []),
        ("text/, /x, text", []),
        ("text/turtle;q=0", [("text", "turtle", 0.0)]),
    ],
)
def test_parse_accept(header: str | None, expected: list[tuple[str, str, float]]) -> None:
    assert [(r.type, r.subtype, r.q) for r in parse_accept(header)] == expected


def test_parse_accept_caps_the_number_of_ranges() -> None:
    assert len(parse_accept(", ".join(["text/csv"] * 10_000))) == 64


@pytest.mark.parametrize(
    ("accept", "key"),
    [
        (None, "json"),
        ("*/*", "json"),
        ("application/sparql-results+json", "json"),
        ("application/json", "json"),
        ("application/sparql-results+xml", "xml"),
        ("application/xml", "xml"),
        ("text/xml", "xml"),
        ("text/csv", "csv"),
        ("text/tab-separated-values", "tsv"),
        ("text/*", "csv"),
        ("application/*", "json"),
        ("text/csv;q=0.9, application/sparql-results+xml", "xml"),
        ("text/csv, application/sparql-results+json", "csv"),  # equal q: the client's order
        ("text/csv, */*", "csv"),  # equal q: the more specific range
        ("*/*;q=0.1, text/tab-separated-values;q=0.2", "tsv"),
        ("application/sparql-results+json;q=0, */*", "xml"),  # json refused outright
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "xml"),  # a browser
        ("application/json;q=0.5, */*;q=0.1", "json"),
        ("application/sparql-results+json, application/sparql-results+xml;q=0.9, */*;q=0.1", "json"),  # YASGUI
    ],
)
def test_results_negotiation(accept: str | None, key: str) -> None:
    offer = negotiate(accept, RESULT_OFFERS)
    assert offer is not None and offer.key == key


@pytest.mark.parametrize(
    ("accept", "key"),
    [
        (None, "ttl"),
        ("*/*", "ttl"),
        ("text/turtle", "ttl"),
        ("application/x-turtle", "ttl"),
        ("application/n-triples", "nt"),
        ("application/n-quads", "nq"),
        ("application/trig", "trig"),
        ("application/ld+json", "jsonld"),
        ("application/json", "jsonld"),
        ("application/rdf+xml", "rdfxml"),
        ("application/xml", "rdfxml"),
        ("text/n3", "n3"),
        ("text/turtle;q=0.5, application/rdf+xml", "rdfxml"),
        # SPARQLWrapper's N3 header
        ("application/turtle,text/turtle,text/rdf+n3,application/n-triples,application/n3,text/n3", "ttl"),
    ],
)
def test_graph_negotiation(accept: str | None, key: str) -> None:
    offer = negotiate(accept, GRAPH_OFFERS)
    assert offer is not None and offer.key == key


@pytest.mark.parametrize(
    ("kind", "accept"),
    [
        ("results", "text/html"),
        ("results", "text/turtle"),
        ("results", "application/sparql-results+json;q=0"),
        ("graph", "application/sparql-results+json"),
        ("graph", "text/csv"),
        ("graph", "*/*;q=0"),
    ],
)
def test_nothing_acceptable_is_none_and_a_406(kind: str, accept: str) -> None:
    assert negotiate(accept, offers_for(kind)) is None  # type: ignore[arg-type]
    with pytest.raises(ApiError) as info:
        choose_format(kind, accept)  # type: ignore[arg-type]
    assert info.value.status == 406 and info.value.code == "unsupported_format"
    assert info.value.extra["available"]


@pytest.mark.parametrize(
    ("kind", "values", "key"),
    [
        ("results", ["json"], "json"),
        ("results", ["XML"], "xml"),
        ("results", ["csv"], "csv"),
        ("results", ["tsv", "text/tab-separated-values"], "tsv"),  # SPARQLWrapper sends both
        ("results", ["", "csv"], "csv"),
        ("results", ["application/sparql-results+json"], "json"),
        ("graph", ["ttl"], "ttl"),
        ("graph", ["turtle"], "ttl"),
        ("graph", ["nt"], "nt"),
        ("graph", ["nq"], "nq"),
        ("graph", ["trig"], "trig"),
        ("graph", ["jsonld"], "jsonld"),
        ("graph", ["json-ld", ""], "jsonld"),
        ("graph", ["json"], "jsonld"),
        ("graph", ["xml"], "rdfxml"),
        ("graph", ["rdfxml"], "rdfxml"),
        ("graph", ["rdf+xml", "application/rdf+xml"], "rdfxml"),
        ("graph", ["n3"], "n3"),
        ("graph", ["text/turtle; charset=utf-8"], "ttl"),
    ],
)
def test_format_parameter_overrides_accept(kind: str, values: list[str], key: str) -> None:
    assert choose_format(kind, "text/html;q=0", values).key == key  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "value"), [("results", "ttl"), ("results", "docx"), ("graph", "csv")])
def test_unknown_or_misfit_format_parameter_is_a_406(kind: str, value: str) -> None:
    with pytest.raises(ApiError) as info:
        choose_format(kind, None, [value])  # type: ignore[arg-type]
    assert info.value.status == 406 and value in info.value.detail


def test_only_blank_format_values_fall_back_to_accept() -> None:
    assert choose_format("results", "text/csv", ["", "  "]).key == "csv"


def test_the_table_matches_what_the_core_can_write() -> None:
    assert [o.key for o in RESULT_OFFERS] == list(RESULT_FORMATS)
    assert [o.key for o in GRAPH_OFFERS] == list(GRAPH_FORMATS)
    for offer in (*RESULT_OFFERS, *GRAPH_OFFERS):
        assert offer.media_type.split(";")[0] == offer.accepts[0]
        assert offer.key == offer.names[0]


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        offers_for("table")  # type: ignore[arg-type]
