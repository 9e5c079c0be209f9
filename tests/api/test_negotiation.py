"""The Accept parser and the choice among the registry's formats, as pure functions."""

from __future__ import annotations

import pytest
from rekg.api.errors import ApiError
from rekg.api.negotiation import choose_format, negotiate, offers_for, parse_accept

RESULT_OFFERS = offers_for("results")
GRAPH_OFFERS = offers_for("graph")
ENTITY_OFFERS = offers_for("entity")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


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


def test_every_offer_is_chosen_by_its_own_media_type_and_key() -> None:
    for kind in ("results", "graph", "entity"):
        for offer in offers_for(kind):
            assert negotiate(offer.media_type, offers_for(kind)) == offer
            assert choose_format(kind, None, [offer.key]) == offer


@pytest.mark.parametrize(
    ("accept", "key"),
    [
        (None, "json"),
        ("", "json"),
        ("*/*", "json"),
        ("application/*", "json"),
        (BROWSER, "html"),
        ("text/*", "html"),  # HTML before Turtle in the server's order
        ("application/json", "json"),  # the description, not JSON-LD through its alias
        ("application/json;q=0.5, text/turtle", "ttl"),
        ("text/turtle;q=0.2, application/ld+json;q=0.9", "jsonld"),
        ("application/n-quads, */*;q=0.1", "nq"),
        ("text/turtle;q=0, application/json", "json"),
        ("application/x-turtle", "ttl"),
        ("application/xhtml+xml", "html"),
        # q=0 refuses JSON: the old entity parser answered JSON here.
        ("application/json;q=0, */*", "html"),
        ("application/json;q=0, text/html;q=0, */*", "ttl"),
        ("application/json;q=0, application/*", "jsonld"),
    ],
)
def test_entity_negotiation(accept: str | None, key: str) -> None:
    offer = negotiate(accept, ENTITY_OFFERS)
    assert offer is not None and offer.key == key
    assert choose_format("entity", accept).key == key


@pytest.mark.parametrize(
    "accept",
    ["image/png", "image/png, text/turtle;q=0", "application/json;q=0", "*/*;q=0", "application/sparql-results+json"],
)
def test_an_entity_nothing_acceptable_is_a_406(accept: str) -> None:
    assert negotiate(accept, ENTITY_OFFERS) is None
    with pytest.raises(ApiError) as info:
        choose_format("entity", accept)
    assert info.value.status == 406 and info.value.code == "unsupported_format"
    assert "application/json" in info.value.extra["available"]


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        offers_for("table")  # type: ignore[arg-type]
