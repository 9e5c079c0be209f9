"""Every export is read back with real parsers: the GEXF XSDs, NetworkX, igraph, graphology."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import igraph
import networkx as nx
import pyoxigraph as ox
import pytest
from lxml import etree
from rekg.graph import KnowledgeGraph
from rekg.graph.errors import UnsupportedFormat
from rekg.graph.io.export import FORMATS, KIND_COLOURS, RDF_FORMATS, export
from rekg.graph.network.projection import projection
from rekg.graph.rules import KINDS

ROOT = Path(__file__).resolve().parents[2]
# The official GEXF schemas (CC BY 4.0, from the GEXF working group), kept with the tests.
SCHEMAS = ROOT / "tests" / "schemas"
JS = ROOT / "tests" / "js"
GEXF = "{http://gexf.net/1.3}"


def _schema(version: str) -> etree.XMLSchema:
    path = SCHEMAS / f"gexf-{version}" / "gexf.xsd"
    assert path.exists(), f"the official GEXF {version} schema is missing at {path}"
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.fixture(scope="module")
def G(kg: KnowledgeGraph) -> nx.MultiDiGraph:
    return projection(kg)


@pytest.fixture(scope="module")
def gexf(kg: KnowledgeGraph) -> bytes:
    return export(kg, "gexf").body


def test_gexf_validates_against_the_official_1_3_schema(gexf: bytes) -> None:
    schema = _schema("1.3")
    doc = etree.fromstring(gexf)
    assert schema.validate(doc), schema.error_log


def test_networkx_own_gexf_does_not_validate_which_is_why_rekg_writes_its_own() -> None:
    buf = io.BytesIO()
    nx.write_gexf(nx.path_graph(3), buf, version="1.2draft")
    assert not _schema("1.2draft").validate(etree.fromstring(buf.getvalue()))


def test_every_gexf_node_is_labelled_typed_and_coloured_by_kind(gexf: bytes, G: nx.MultiDiGraph) -> None:
    doc = etree.fromstring(gexf)
    graph = doc.find(f"{GEXF}graph")
    assert (graph.get("mode"), graph.get("timeformat"), graph.get("defaultedgetype")) == ("dynamic", "date", "directed")
    nodes = doc.findall(f"{GEXF}graph/{GEXF}nodes/{GEXF}node")
    assert len(nodes) == G.number_of_nodes()
    for node in nodes:
        values = {a.get("for"): a.get("value") for a in node.iter(f"{GEXF}attvalue")}
        assert node.get("label") == G.nodes[node.get("id")]["label"]
        assert values["kind"] in KINDS and values["kind"] == G.nodes[node.get("id")]["kind"]
        colour = node.find(f"{GEXF}color")
        hexed = "#{:02x}{:02x}{:02x}".format(*(int(colour.get(c)) for c in "rgb"))
        assert hexed == KIND_COLOURS[values["kind"]]


def test_measure_dates_become_spells_that_replay_2025(gexf: bytes, G: nx.MultiDiGraph) -> None:
    doc = etree.fromstring(gexf)
    spells = {
        n.get("id"): [(s.get("start"), s.get("end")) for s in n.iter(f"{GEXF}spell")] for n in doc.iter(f"{GEXF}node")
    }
    suspended = [
        (m, d)
        for m, d in G.nodes(data=True)
        if d["kind"] == "measure" and d.get("suspended_from") and d.get("suspended_until") and spells[m]
    ]
    assert len(suspended) >= 3, "the seeds have too few suspended measures"
    for m, d in suspended:
        pause, resume = d["suspended_from"], d["suspended_until"]
        assert not any(s <= pause and (e is None or pause <= e) for s, e in spells[m]), m
        if not d.get("ended_on"):
            assert resume in [s for s, _ in spells[m]], m
    assert any(s.startswith("2025") for sp in spells.values() for s, _ in sp if s)


def test_networkx_reads_the_gexf_back(gexf: bytes, G: nx.MultiDiGraph) -> None:
    H = nx.read_gexf(io.BytesIO(gexf))
    assert H.number_of_nodes() == G.number_of_nodes()
    assert H.number_of_edges() == G.number_of_edges()
    for n, d in G.nodes(data=True):
        assert H.nodes[n]["label"] == d["label"] and H.nodes[n]["kind"] == d["kind"]


def test_graphology_the_gephi_lite_parser_reads_the_gexf(tmp_path: Path, gexf: bytes, G: nx.MultiDiGraph) -> None:
    node = shutil.which("node")
    if node is None and not os.environ.get("CI"):
        # A developer machine may have only python3 and make; CI installs node and must run this.
        pytest.skip("node is not installed here; CI (.ci/run) installs it and runs this reader")
    assert node, "node is required for the GEXF reader test in CI (see tests/js and .ci/run)"
    assert (JS / "node_modules" / "graphology-gexf").is_dir(), "run `make test` (npm ci --prefix tests/js) first"
    path = tmp_path / "rekg.gexf"
    path.write_bytes(gexf)
    out = subprocess.run([node, str(JS / "read_gexf.js"), str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    read = json.loads(out.stdout)
    assert (read["type"], read["multi"]) == ("directed", True)
    assert (read["order"], read["size"]) == (G.number_of_nodes(), G.number_of_edges())
    for n, d in G.nodes(data=True):
        assert read["nodes"][n]["label"] == d["label"] and read["nodes"][n]["kind"] == d["kind"]
        assert read["nodes"][n]["sources"] == d["sources"]
    expected = {}
    for _, _, k in G.edges(keys=True):
        expected[k] = expected.get(k, 0) + 1
    assert read["relations"] == expected


def test_graphml_reads_back_in_networkx(kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    H = nx.read_graphml(io.BytesIO(export(kg, "graphml").body))
    assert isinstance(H, nx.MultiDiGraph)
    assert (H.number_of_nodes(), H.number_of_edges()) == (G.number_of_nodes(), G.number_of_edges())
    for n, d in G.nodes(data=True):
        assert H.nodes[n]["label"] == d["label"] and H.nodes[n]["kind"] == d["kind"]
    relations = sorted(d["relation"] for _, _, d in H.edges(data=True))
    assert relations == sorted(k for _, _, k in G.edges(keys=True))


def test_graphml_reads_back_in_igraph(tmp_path: Path, kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    path = tmp_path / "rekg.graphml"
    path.write_bytes(export(kg, "graphml").body)
    g = igraph.Graph.Read_GraphML(str(path))
    assert g.is_directed()
    assert (g.vcount(), g.ecount()) == (G.number_of_nodes(), G.number_of_edges())
    by_id = {v["id"]: v for v in g.vs}
    for n, d in G.nodes(data=True):
        assert by_id[n]["label"] == d["label"] and by_id[n]["kind"] == d["kind"]
    edges = sorted((g.vs[e.source]["id"], g.vs[e.target]["id"], e["relation"]) for e in g.es)
    assert edges == sorted(G.edges(keys=True))


def test_node_link_json_round_trips(kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    H = nx.node_link_graph(json.loads(export(kg, "json").body), edges="edges")
    assert H.is_multigraph() and H.is_directed()
    assert sorted(H.edges(keys=True)) == sorted(G.edges(keys=True))
    for n, d in G.nodes(data=True):
        assert H.nodes[n]["kind"] == d["kind"] and H.nodes[n]["sources"] == d["sources"]


def test_csv_zip_holds_nodes_and_edges(kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    z = zipfile.ZipFile(io.BytesIO(export(kg, "csv").body))
    assert {"nodes.csv", "edges.csv", "README.txt"} <= set(z.namelist())
    nodes = list(csv.DictReader(io.StringIO(z.read("nodes.csv").decode("utf-8-sig"))))
    edges = list(csv.DictReader(io.StringIO(z.read("edges.csv").decode("utf-8-sig"))))
    assert len(nodes) == G.number_of_nodes() and len(edges) == G.number_of_edges()
    ids = {r["id"] for r in nodes}
    assert all(r["label"] and r["kind"] in KINDS for r in nodes)
    assert all(r["source"] in ids and r["target"] in ids and r["relation"] for r in edges)
    row = next(r for r in nodes if r["id"] == kg.iri("lynas-malaysia"))
    assert row["country_label"] == "Malaysia" and row["sources"].split("|") == G.nodes[row["id"]]["sources"]


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_rdf_formats_still_parse(kg: KnowledgeGraph, fmt: str) -> None:
    out = export(kg, fmt)
    oxfmt = RDF_FORMATS[fmt][0]
    parsed = list(ox.parse(out.body, format=oxfmt))
    assert len(parsed) > 100
    assert out.filename.startswith("rekg.")


def test_one_entry_point_for_every_format(kg: KnowledgeGraph) -> None:
    assert set(FORMATS) >= {"gexf", "graphml", "json", "csv", "ttl", "nt", "nq", "jsonld"}
    for fmt in FORMATS:
        out = export(kg, fmt)
        assert out.body and out.media_type and out.filename
    with pytest.raises(UnsupportedFormat):
        export(kg, "xlsx")


# -- hostile data (issue 15): control characters and spreadsheet formulas in labels ---------------

#: Characters XML 1.0 cannot carry, in a label a --data file may bring (uploads refuse them).
CONTROL_LABEL = "Ctrl\x00\x01\x08 Co\ufffe\uffff"
#: Labels a spreadsheet would run as formulas, each with what the CSV cell must read.
FORMULAS = {
    "formula-eq": '=HYPERLINK("http://127.0.0.1:9/x","click")',
    "formula-plus": "+1+cmd|' /C calc'!A0",
    "formula-minus": "-2+3+cmd|' /C calc'!A0",
    "formula-at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "formula-tab": "\t=1+1",
    "formula-cr": "\r=1+1",
}
PLAIN_NUMBER_LABEL = "-0.5"


def _turtle_string(text: str) -> str:
    return '"' + "".join(c if c.isalnum() or c in " =+-@|'/!.:,()*" else f"\\u{ord(c):04X}" for c in text) + '"'


def write_hostile_data(path: Path) -> Path:
    """A --data file whose labels hold control characters and spreadsheet formulas (also used by
    tests/api/test_hostile_uploads.py, through a real server)."""
    lines = [
        "@prefix id: <https://w3id.org/rekg/id/> . @prefix rekg: <https://w3id.org/rekg/ontology#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        f"id:ctrl-co a rekg:Company ; rdfs:label {_turtle_string(CONTROL_LABEL)}@en ; rekg:supplies id:dysprosium .",
        f"id:ctrl-plant a rekg:Facility ; rdfs:label {_turtle_string('Plant' + chr(7))}@en ;",
        "    rekg:operator id:formula-eq ; rekg:locatedIn id:malaysia ; rekg:stage rekg:Mining .",
        f"id:number-co a rekg:Company ; rdfs:label {_turtle_string(PLAIN_NUMBER_LABEL)}@en ;",
        "    rekg:supplies id:dysprosium .",
    ]
    # Suppliers, so each company is a node of the projection (which keeps supply actors only).
    lines += [
        f"id:{local} a rekg:Company ; rdfs:label {_turtle_string(text)}@en ; rekg:supplies id:dysprosium ."
        for local, text in FORMULAS.items()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    """The seeds plus a --data file whose labels hold control characters and formulas."""
    from rekg.graph import open_graph

    path = write_hostile_data(tmp_path_factory.mktemp("hostile") / "hostile.ttl")
    return open_graph(data=[path], validate_shapes=False)


def test_hostile_labels_reach_the_projection_unchanged(hostile_kg: KnowledgeGraph) -> None:
    G = projection(hostile_kg)
    assert G.nodes[hostile_kg.iri("ctrl-co")]["label"] == CONTROL_LABEL
    assert G.nodes[hostile_kg.iri("formula-eq")]["label"] == FORMULAS["formula-eq"]


def test_gexf_with_control_characters_validates_and_reads_back(hostile_kg: KnowledgeGraph) -> None:
    body = export(hostile_kg, "gexf").body
    schema = _schema("1.3")
    assert schema.validate(etree.fromstring(body)), schema.error_log
    H = nx.read_gexf(io.BytesIO(body))
    assert H.nodes[hostile_kg.iri("ctrl-co")]["label"] == "Ctrl\ufffd\ufffd\ufffd Co\ufffd\ufffd"
    assert H.nodes[hostile_kg.iri("ctrl-plant")]["label"] == "Plant\ufffd"
    assert H.number_of_nodes() == projection(hostile_kg).number_of_nodes()


def test_graphml_with_control_characters_reads_in_networkx_and_igraph(
    tmp_path: Path, hostile_kg: KnowledgeGraph
) -> None:
    body = export(hostile_kg, "graphml").body
    H = nx.read_graphml(io.BytesIO(body))
    assert H.nodes[hostile_kg.iri("ctrl-co")]["label"] == "Ctrl\ufffd\ufffd\ufffd Co\ufffd\ufffd"
    path = tmp_path / "hostile.graphml"
    path.write_bytes(body)
    g = igraph.Graph.Read_GraphML(str(path))
    labels = {v["id"]: v["label"] for v in g.vs}
    assert labels[hostile_kg.iri("ctrl-plant")] == "Plant\ufffd"
    assert g.vcount() == H.number_of_nodes()


def test_rdfxml_with_control_characters_is_well_formed(hostile_kg: KnowledgeGraph) -> None:
    body = export(hostile_kg, "rdfxml").body
    etree.fromstring(body)  # raises XMLSyntaxError if not well-formed
    labels = {
        q.object.value
        for q in ox.parse(body, format=ox.RdfFormat.RDF_XML)
        if q.subject == ox.NamedNode(hostile_kg.iri("ctrl-co")) and q.predicate.value.endswith("#label")
    }
    assert labels == {"Ctrl\ufffd\ufffd\ufffd Co\ufffd\ufffd"}


@pytest.mark.parametrize("fmt", sorted(f for f in RDF_FORMATS if f != "rdfxml"))
def test_other_rdf_formats_escape_control_characters_and_keep_them(hostile_kg: KnowledgeGraph, fmt: str) -> None:
    parsed = ox.parse(export(hostile_kg, fmt).body, format=RDF_FORMATS[fmt][0])
    labels = {
        q.object.value
        for q in parsed
        if q.subject == ox.NamedNode(hostile_kg.iri("ctrl-co")) and q.predicate.value.endswith("#label")
    }
    assert labels == {CONTROL_LABEL}


def test_node_link_json_keeps_control_characters(hostile_kg: KnowledgeGraph) -> None:
    H = nx.node_link_graph(json.loads(export(hostile_kg, "json").body), edges="edges")
    assert H.nodes[hostile_kg.iri("ctrl-co")]["label"] == CONTROL_LABEL


def _csv_rows(kg: KnowledgeGraph) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    z = zipfile.ZipFile(io.BytesIO(export(kg, "csv").body))
    read = lambda name: list(csv.DictReader(io.StringIO(z.read(name).decode("utf-8-sig"), newline="")))  # noqa: E731
    return read("nodes.csv"), read("edges.csv")


def test_csv_neutralises_formulas(hostile_kg: KnowledgeGraph) -> None:
    nodes, edges = _csv_rows(hostile_kg)
    by_id = {r["id"]: r for r in nodes}
    for local, text in FORMULAS.items():
        assert by_id[hostile_kg.iri(local)]["label"] == "'" + text, local
    assert by_id[hostile_kg.iri("number-co")]["label"] == PLAIN_NUMBER_LABEL
    operates = next(r for r in edges if r["target"] == hostile_kg.iri("ctrl-plant") and r["relation"] == "operates")
    assert operates["source_label"] == "'" + FORMULAS["formula-eq"]
    # No cell of either file starts a formula, whatever column it is in.
    for row in nodes + edges:
        for cell in row.values():
            if cell and cell[0] in "=+-@\t\r":
                float(cell)  # raises unless the cell is a plain number, the one thing that may start so


def test_csv_of_the_seeds_is_unchanged_by_the_neutralising(kg: KnowledgeGraph) -> None:
    nodes, edges = _csv_rows(kg)
    assert not any(cell.startswith("'") for row in nodes + edges for cell in row.values() if cell)


# -- issue 17: a CSV plain readers read, GraphML laid out, files dated with the data ---------------


def test_csv_reads_with_plain_utf8_and_excel_gets_a_bom(kg: KnowledgeGraph, tmp_path: Path) -> None:
    from rekg.graph.io.export import export_csv

    z = zipfile.ZipFile(io.BytesIO(export(kg, "csv").body))
    z.extractall(tmp_path)
    with open(tmp_path / "nodes.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert next(iter(rows[0])) == "id" and rows[0]["id"].startswith("http")
    excel = zipfile.ZipFile(io.BytesIO(export_csv(kg, bom=True).body))
    for name in ("nodes.csv", "edges.csv"):
        assert excel.read(name).startswith(b"\xef\xbb\xbf")
        assert not z.read(name).startswith(b"\xef\xbb\xbf")


def test_zip_entries_carry_the_date_of_the_newest_source(kg: KnowledgeGraph) -> None:
    from rekg.graph.answers.evidence import graph_data_until

    newest = graph_data_until(kg)
    z = zipfile.ZipFile(io.BytesIO(export(kg, "csv").body))
    assert {i.date_time[:3] for i in z.infolist()} == {(newest.year, newest.month, newest.day)}


def test_graphml_nodes_carry_a_layout(kg: KnowledgeGraph) -> None:
    body = export(kg, "graphml").body
    G = nx.read_graphml(io.BytesIO(body))
    points = {(float(d["x"]), float(d["y"])) for _, d in G.nodes(data=True)}
    assert len(points) == G.number_of_nodes()  # every node has a place of its own
    xs = [x for x, _ in points]
    assert max(xs) - min(xs) > 500  # spread out, not at 0
    # yEd reads the yFiles geometry: not every node at x = y = 0 any more.
    tree = etree.fromstring(body)
    geometry = tree.findall(".//{http://www.yworks.com/xml/graphml}Geometry")
    assert len({(g.get("x"), g.get("y")) for g in geometry}) == len(geometry)
    assert export(kg, "graphml").body == body  # the same graph, the same picture


def test_gexf_is_dated_with_the_newest_source_not_today(kg) -> None:
    from lxml import etree
    from rekg.graph.answers.evidence import graph_data_until
    from rekg.graph.io.export import export

    meta = etree.fromstring(export(kg, "gexf").body).find("{http://gexf.net/1.3}meta")
    assert meta.get("lastmodifieddate") == graph_data_until(kg).isoformat()
