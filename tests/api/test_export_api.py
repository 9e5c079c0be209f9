"""GET /export/{format}: every format downloads with its content type and file name, and parses."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import networkx as nx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from lxml import etree
from rekg.graph.io.export import FORMATS, RDF_FORMATS

from tests.graph.test_export_graph import _schema

EXPECTED = {
    "gexf": ("application/gexf+xml", "rekg.gexf"),
    "graphml": ("application/graphml+xml", "rekg.graphml"),
    "json": ("application/json", "rekg-graph.json"),
    "csv": ("application/zip", "rekg-csv.zip"),
    "ttl": ("text/turtle", "rekg.ttl"),
    "nt": ("application/n-triples", "rekg.nt"),
    "nq": ("application/n-quads", "rekg.nq"),
    "trig": ("application/trig", "rekg.trig"),
    "jsonld": ("application/ld+json", "rekg.jsonld"),
    "rdfxml": ("application/rdf+xml", "rekg.rdf"),
}


def test_every_format_is_covered() -> None:
    assert set(EXPECTED) == set(FORMATS)


@pytest.mark.parametrize("fmt", sorted(EXPECTED))
def test_download_has_the_right_type_and_file_name(client: TestClient, fmt: str) -> None:
    r = client.get(f"/export/{fmt}")
    assert r.status_code == 200, r.text
    media, filename = EXPECTED[fmt]
    assert r.headers["content-type"].split(";")[0] == media
    assert r.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert r.content


def test_gexf_download_validates_and_reads_back(client: TestClient) -> None:
    body = client.get("/export/gexf").content
    assert _schema("1.3").validate(etree.fromstring(body))
    G = nx.read_gexf(io.BytesIO(body))
    assert G.number_of_nodes() > 50 and all(d.get("kind") for _, d in G.nodes(data=True))


def test_graphml_json_and_csv_downloads_parse(client: TestClient) -> None:
    graphml = nx.read_graphml(io.BytesIO(client.get("/export/graphml").content))
    linked = nx.node_link_graph(json.loads(client.get("/export/json").content), edges="edges")
    z = zipfile.ZipFile(io.BytesIO(client.get("/export/csv").content))
    nodes = list(csv.DictReader(io.StringIO(z.read("nodes.csv").decode("utf-8-sig"))))
    assert graphml.number_of_nodes() == linked.number_of_nodes() == len(nodes)


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_rdf_downloads_parse(client: TestClient, fmt: str) -> None:
    body = client.get(f"/export/{fmt}").content
    assert len(list(ox.parse(body, format=RDF_FORMATS[fmt][0]))) > 100


def test_unknown_format_is_a_json_error_listing_the_formats(client: TestClient) -> None:
    r = client.get("/export/xlsx")
    assert r.status_code == 406
    body = r.json()
    assert body["error"] == "unsupported_format" and "gexf" in body["formats"]


def test_csv_has_no_bom_unless_asked(client: TestClient) -> None:
    plain = zipfile.ZipFile(io.BytesIO(client.get("/export/csv").content))
    rows = list(csv.DictReader(io.StringIO(plain.read("nodes.csv").decode("utf-8"))))
    assert "id" in rows[0]
    excel = zipfile.ZipFile(io.BytesIO(client.get("/export/csv?bom=true").content))
    assert excel.read("nodes.csv").startswith(b"\xef\xbb\xbf")
    assert excel.read("nodes.csv")[3:] == plain.read("nodes.csv")
