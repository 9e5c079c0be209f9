"""The format registry: one table, consistent with pyoxigraph, and the views read from it."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Dataset
from rekg.graph.errors import UnsupportedFormat
from rekg.graph.formats import (
    DATA_FORMATS,
    FILE_FORMATS,
    FORMATS,
    GRAPH_FORMATS,
    RESULT_FORMATS,
    accept_header,
    for_media_type,
    format_for,
    formats_of,
    pick,
)
from rekg.graph.io.export import RDF_FORMATS
from rekg.graph.io.seeds import SOURCE_FORMATS

WRITTEN = [f for f in FORMATS if f.rdf is not None or f.results is not None]


@pytest.mark.parametrize("fmt", WRITTEN, ids=lambda f: f"{f.kind}:{f.key}")
def test_media_types_are_pyoxigraphs(fmt) -> None:
    native = fmt.rdf or fmt.results
    assert fmt.media_type == native.media_type.split(";")[0]
    assert fmt.iri and fmt.iri.startswith("http://www.w3.org/ns/formats/")


@pytest.mark.parametrize("kind", ["results", "graph", "page"])
def test_names_and_media_types_select_one_format_per_kind(kind) -> None:
    formats = formats_of(kind)
    names = [n for f in formats for n in f.names]
    assert len(names) == len(set(names))
    own = [f.media_type for f in formats]
    assert len(own) == len(set(own))
    # An alias media type may be shared (application/json), but never another format's own type.
    for f in formats:
        assert not set(f.also_accepts) & (set(own) - {f.media_type}), f.key
        assert not set(f.legacy_media_types) & {m for g in formats for m in g.accepts}, f.key


def test_the_kinds_keep_their_kind() -> None:
    assert all(f.results is not None and f.rdf is None for f in RESULT_FORMATS.values())
    assert all(f.rdf is not None and f.results is None for f in GRAPH_FORMATS.values())
    assert [f.key for f in formats_of("page")] == ["json", "html"]
    with pytest.raises(ValueError):
        formats_of("table")  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        pick("graph", "ttl", "csv")


def test_data_files_by_extension() -> None:
    assert list(FILE_FORMATS) == [".ttl", ".nt", ".nq", ".trig", ".jsonld", ".rdf", ".owl"]
    for ext, fmt in FILE_FORMATS.items():
        assert format_for(f"dir/x{ext.upper()}") == fmt.rdf
    assert [f.key for f in DATA_FORMATS.values() if f.quads] == ["nq", "trig", "jsonld"]
    for name in ("x.n3", "x.csv", "x"):
        with pytest.raises(UnsupportedFormat, match="unknown RDF file extension"):
            format_for(name)


@pytest.mark.parametrize("fmt", list(DATA_FORMATS.values()), ids=lambda f: f.key)
def test_every_data_format_is_exported_and_uploaded_and_both_read_it(fmt) -> None:
    quad = ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("dysprosium"), ox.NamedNode("urn:g"))
    body = ox.serialize([quad if fmt.quads else quad.triple], format=fmt.rdf)
    assert RDF_FORMATS[fmt.key] == (fmt.rdf, fmt.media_type, fmt.extension[1:], fmt.quads)
    parsed = Dataset().parse(data=body, format=SOURCE_FORMATS[fmt.media_type])
    assert any(str(o) == "dysprosium" for _, _, o, _ in parsed.quads())


def test_what_a_server_answers_with_is_found_by_any_of_its_media_types() -> None:
    reads = [*RESULT_FORMATS.values(), *GRAPH_FORMATS.values()]
    assert for_media_type("application/sparql-results+json; charset=UTF-8", reads).key == "json"
    assert for_media_type("application/json", reads).kind == "results"  # results first
    assert for_media_type("Text/Plain", reads).key == "nt"  # N-Triples' legacy media type
    assert for_media_type("text/html", reads) is None


def test_accept_header_orders_by_preference() -> None:
    assert accept_header(list(pick("results", "json", "xml").values())) == (
        "application/sparql-results+json, application/sparql-results+xml;q=0.9"
    )
    with pytest.raises(ValueError):
        accept_header([])
