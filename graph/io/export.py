"""Serialise the knowledge graph for other tools.

RDF formats come straight from the store. Graph formats for Gephi, yEd, Cytoscape and
spreadsheets are built from the NetworkX projection (:mod:`rekg.graph.network.projection`):

========= ============================================================================
format    what
========= ============================================================================
gexf      GEXF 1.3 for Gephi: typed attributes, a colour per kind, and the dates as
          spells so the timeline replays 2025 (valid against the official XSD)
graphml   GraphML for yEd and Cytoscape, with yFiles labels and colours for yEd
json      NetworkX node-link JSON (``nodes``, ``edges``, edge ``key`` = relation)
csv       a zip of ``nodes.csv`` and ``edges.csv`` (UTF-8; with a BOM for Excel on request)
========= ============================================================================

Node ids are entity IRIs everywhere. List values (sources, stages) are GEXF ``liststring``
values, lists in JSON, and ``|``-separated in GraphML and CSV. :func:`export` is the one entry
point: :data:`FORMATS` maps each name to a small renderer, its media type and file name.

Whatever the data holds, every export is well-formed. Uploads refuse characters XML 1.0 cannot
carry (:data:`rekg.graph.formats.NOT_XML_CHARS`), but ``--data`` files may bring them: the XML
exports (GEXF, GraphML, RDF/XML) write each as U+FFFD (:func:`rekg.graph.formats.xml_safe`), since XML has no
escape for them. CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or CR, and not a plain number) get a leading ``'`` (:func:`csv_safe`, as OWASP
advises).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import networkx as nx
import pyoxigraph as ox
from lxml import etree
from lxml.builder import ElementMaker
from rekg.graph.dates import period_start
from rekg.graph.errors import UnsupportedFormat
from rekg.graph.formats import DATA_FORMATS, NOT_XML_CHARS, xml_safe, xml_safe_bytes
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.projection import projection
from rekg.graph.network.spells import start_of
from rekg.graph.rules import KINDS

__all__ = [
    "FORMATS",
    "GRAPH_FORMATS",
    "KIND_COLOURS",
    "RDF_FORMATS",
    "Export",
    "csv_safe",
    "export",
    "export_csv",
    "export_rdf",
    "layout",
    "render_csv",
    "render_gexf",
    "render_graphml",
    "render_node_link",
]


#: What makes a spreadsheet read a cell as a formula (OWASP's "CSV injection" list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def csv_safe(value: object) -> object:
    """A CSV cell that no spreadsheet runs as a formula: a leading ``'`` where it could be one.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or CR gets a ``'`` in front (the OWASP
    advice); plain numbers such as ``-0.5`` stay as they are, since no formula hides in them.
    Anything but text is returned unchanged.

    Examples
    --------
    >>> csv_safe("=1+2"), csv_safe("-0.5"), csv_safe("@SUM(A1)"), csv_safe("-x"), csv_safe("Dy"), csv_safe(3)
    ("'=1+2", '-0.5', "'@SUM(A1)", "'-x", 'Dy', 3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


@dataclass(frozen=True)
class Export:
    """A serialised graph with what HTTP needs to send it."""

    body: bytes
    media_type: str
    filename: str


#: name -> (pyoxigraph format, media type, file extension, keeps named graphs): the data-file
#: formats of :mod:`rekg.graph.formats`, each read from the registry.
RDF_FORMATS: dict[str, tuple[ox.RdfFormat, str, str, bool]] = {
    f.key: (f.rdf, f.media_type, f.extension.lstrip("."), f.quads) for f in DATA_FORMATS.values() if f.rdf is not None
}


def export_rdf(kg: KnowledgeGraph, fmt: str) -> Export:
    """Serialise every graph in an RDF format.

    Triple formats (Turtle, N-Triples, RDF/XML) get the union of all graphs, so the
    source of each statement is only kept by the quad formats (N-Quads, TriG, JSON-LD).

    Raises
    ------
    UnsupportedFormat
        If ``fmt`` is not one of :data:`RDF_FORMATS`.

    RDF/XML cannot carry some characters a literal may hold; they are written as U+FFFD
    (:func:`rekg.graph.formats.xml_safe_bytes`). The other formats escape them.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> out = export_rdf(open_graph(validate_shapes=False), "nq")
    >>> out.media_type, out.filename
    ('application/n-quads', 'rekg.nq')
    """
    try:
        oxfmt, media, ext, quads = RDF_FORMATS[fmt]
    except KeyError:
        raise UnsupportedFormat(f"unknown RDF format {fmt!r}; choose one of {', '.join(RDF_FORMATS)}") from None

    def build() -> bytes:
        if quads:
            return kg.store.dump(oxfmt, prefixes=kg.prefixes)
        triples = kg.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        body = ox.serialize(triples, format=oxfmt, prefixes=kg.prefixes)
        # pyoxigraph writes control characters into RDF/XML as they are; no XML parser reads that.
        return xml_safe_bytes(body) if oxfmt == ox.RdfFormat.RDF_XML else body

    return Export(kg.cached(("export", fmt), build, rewarm=False), media, f"rekg.{ext}")


# Graph formats ---------------------------------------------------------------------------

#: Colour of each node kind (hex), shared by GEXF and GraphML.
KIND_COLOURS: dict[str, str] = {
    "country": "#1f77b4",
    "region": "#aec7e8",
    "company": "#ff7f0e",
    "body": "#9467bd",
    "organization": "#c5b0d5",
    "facility": "#2ca02c",
    "material": "#d62728",
    "sector": "#8c564b",
    "measure": "#e377c2",
    "agreement": "#17becf",
    "meeting": "#bcbd22",
    "initiative": "#7f7f7f",
}
assert set(KIND_COLOURS) == set(KINDS)

#: Node attributes written to GEXF, GraphML and CSV: name -> GEXF type.
_NODE_ATTRS: dict[str, str] = {
    "kind": "string",
    "type": "string",
    "country": "anyURI",
    "country_label": "string",
    "status": "string",
    "stage": "liststring",
    "start": "string",
    "end": "string",
    "capacity": "string",
    "instrument": "string",
    "sources": "liststring",
}
_EDGE_ATTRS: dict[str, str] = {
    "relation": "string",
    "status": "string",
    "start_year": "integer",
    "stage": "liststring",
    "basis": "liststring",
    "share": "double",
    "sources": "liststring",
}

GEXF_NS = "http://gexf.net/1.3"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _data_date(G: nx.MultiDiGraph) -> str:
    """The date of the newest source behind ``G`` (today for a graph without dated sources).

    Files carry the data's date, not the day they were written, so the same graph exports the same.
    """
    dates = [d["date"] for d in G.graph.get("sources", {}).values() if d.get("date")]
    # A source known only to its month or year is dated from the first day of that period.
    return (period_start(max(dates)) or date.today()).isoformat() if dates else date.today().isoformat()


def render_gexf(G: nx.MultiDiGraph) -> bytes:
    """The projection as GEXF 1.3, written with lxml so that it validates against the XSD.

    NetworkX's ``write_gexf`` puts a ``name`` attribute on ``<graph>`` and its viz elements
    in a namespace the 1.3 schema does not declare; here colours and sizes are the schema's
    own ``<color>`` and ``<size>`` elements. Node and edge dates become ``<spells>`` in a
    dynamic graph with ``timeformat="date"``; nodes without dates have no spells and are
    always shown.

    Text XML cannot carry is written as U+FFFD (:func:`rekg.graph.formats.xml_safe`), so the file always parses.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("x", kind="country", label="X", sources=["s"], spells=[("2025-01-01", None)])
    >>> b'<spell start="2025-01-01"/>' in render_gexf(G)
    True
    """
    G = _xml_clean(G)
    E = ElementMaker(namespace=GEXF_NS, nsmap={None: GEXF_NS, "xsi": _XSI})
    root = E.gexf(version="1.3")
    root.set(f"{{{_XSI}}}schemaLocation", f"{GEXF_NS} http://gexf.net/1.3/gexf.xsd")
    root.append(
        E.meta(
            E.creator("rekg"),
            E.description("Supply chain of critical minerals and the trade measures around it"),
            lastmodifieddate=_data_date(G),
        )
    )
    days = sorted(
        {x for _, d in G.nodes(data=True) for sp in d.get("spells") or () for x in sp if x}
        | {x for _, _, d in G.edges(data=True) for x in [start_of(d)] if x}
    )
    graph = E.graph(mode="dynamic", defaultedgetype="directed", timeformat="date", timerepresentation="interval")
    if days:
        graph.set("start", days[0])
        graph.set("end", days[-1])
    root.append(graph)
    for cls, attrs in (("node", _NODE_ATTRS), ("edge", _EDGE_ATTRS)):
        block = E.attributes({"class": cls, "mode": "static"})
        for name, typ in attrs.items():
            block.append(E.attribute(id=name, title=name, type=typ))
        graph.append(block)
    nodes = E.nodes(count=str(G.number_of_nodes()))
    for n, d in G.nodes(data=True):
        node = E.node(id=n, label=d.get("label", n))
        node.append(_attvalues(E, d, _NODE_ATTRS))
        spells = d.get("spells")
        if spells:
            node.append(E.spells(*(E.spell(_interval(s, e)) for s, e in spells)))
        r, g, b = _rgb(KIND_COLOURS.get(d.get("kind"), "#7f7f7f"))
        node.append(E.color(r=str(r), g=str(g), b=str(b)))
        node.append(E.size(value=f"{4 + 3 * math.sqrt(G.degree(n)):.1f}"))
        nodes.append(node)
    graph.append(nodes)
    edges = E.edges(count=str(G.number_of_edges()))
    for i, (u, v, k, d) in enumerate(G.edges(keys=True, data=True)):
        edge = E.edge(id=f"e{i}", source=u, target=v, label=k, kind=k)
        edge.append(_attvalues(E, d, _EDGE_ATTRS))
        start = start_of(d)
        if start:
            edge.append(E.spells(E.spell(start=start)))
        edges.append(edge)
    graph.append(edges)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _needs_cleaning(value: object) -> bool:
    if isinstance(value, str):
        return NOT_XML_CHARS.search(value) is not None
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_needs_cleaning(x) for x in value)
    return False


def _cleaned(value: object) -> object:
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return type(value)(_cleaned(x) for x in value)
    return value


def _xml_clean(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``G`` itself when every id, key and attribute is XML-safe (the usual case), else a cleaned copy."""
    dirty = any(_needs_cleaning(n) or any(_needs_cleaning(v) for v in d.values()) for n, d in G.nodes(data=True))
    dirty = dirty or any(
        _needs_cleaning((u, v, k)) or any(_needs_cleaning(x) for x in d.values())
        for u, v, k, d in G.edges(keys=True, data=True)
    )
    if not dirty:
        return G
    H = nx.MultiDiGraph(**G.graph)
    for n, d in G.nodes(data=True):
        H.add_node(_cleaned(n), **{a: _cleaned(v) for a, v in d.items()})
    for u, v, k, d in G.edges(keys=True, data=True):
        H.add_edge(_cleaned(u), _cleaned(v), key=_cleaned(k), **{a: _cleaned(x) for a, x in d.items()})
    return H


def _interval(start: str | None, end: str | None) -> dict[str, str]:
    return {k: v for k, v in (("start", start), ("end", end)) if v}


def _attvalues(E: ElementMaker, d: dict, attrs: dict[str, str]) -> etree._Element:
    values = E.attvalues()
    for name, typ in attrs.items():
        value = d.get(name)
        if value is None or value == [] or value == "":
            continue
        if typ == "liststring":
            text = "[" + ", ".join(str(x) for x in value) + "]"
        elif typ == "double":
            text = repr(float(value))
        else:
            text = str(value)
        values.append(E.attvalue({"for": name, "value": text}))
    return values


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
_YFILES_NS = "http://www.yworks.com/xml/graphml"
_GRAPHML_TYPES = {"string": "string", "anyURI": "string", "liststring": "string", "integer": "int", "double": "double"}


def render_graphml(G: nx.MultiDiGraph) -> bytes:
    """The projection as GraphML, for yEd and Cytoscape.

    Every attribute is a typed ``<key>``; lists are ``|``-separated. Each node and edge also
    carries yFiles graphics (label, colour per kind, arrow), which yEd shows on opening and
    other readers ignore. Spells are written as ``start/end`` pairs separated by ``;``.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("x", kind="country", label="X")
    >>> nx.read_graphml(io.BytesIO(render_graphml(G))).nodes["x"]["kind"]
    'country'
    >>> G.add_node("y", kind="country", label="bell" + chr(7))
    >>> from rekg.graph.formats import REPLACEMENT
    >>> nx.read_graphml(io.BytesIO(render_graphml(G))).nodes["y"]["label"] == "bell" + REPLACEMENT
    True
    """
    G = _xml_clean(G)
    E = ElementMaker(namespace=GRAPHML_NS, nsmap={None: GRAPHML_NS, "y": _YFILES_NS, "xsi": _XSI})
    Y = ElementMaker(namespace=_YFILES_NS, nsmap={"y": _YFILES_NS})
    root = E.graphml()
    root.set(
        f"{{{_XSI}}}schemaLocation",
        f"{GRAPHML_NS} http://www.yworks.com/xml/schema/graphml/1.1/ygraphml.xsd",
    )
    node_attrs = {"label": "string", **_NODE_ATTRS, "spells": "string"}
    for name, typ in node_attrs.items():
        root.append(E.key({"id": f"n_{name}", "for": "node", "attr.name": name, "attr.type": _GRAPHML_TYPES[typ]}))
    for name, typ in _EDGE_ATTRS.items():
        root.append(E.key({"id": f"e_{name}", "for": "edge", "attr.name": name, "attr.type": _GRAPHML_TYPES[typ]}))
    for name in ("x", "y"):
        root.append(E.key({"id": f"n_{name}", "for": "node", "attr.name": name, "attr.type": "double"}))
    root.append(E.key({"id": "n_graphics", "for": "node", "yfiles.type": "nodegraphics"}))
    root.append(E.key({"id": "e_graphics", "for": "edge", "yfiles.type": "edgegraphics"}))
    graph = E.graph(id="rekg", edgedefault="directed")
    root.append(graph)
    positions = layout(G)
    for n, d in G.nodes(data=True):
        node = E.node(id=n)
        row = {**d, "spells": _spells_text(d.get("spells"))}
        for name in node_attrs:
            text = _flat(row.get(name))
            if text is not None:
                node.append(E.data(text, key=f"n_{name}"))
        x, y = positions[n]
        node.append(E.data(f"{x:.1f}", key="n_x"))
        node.append(E.data(f"{y:.1f}", key="n_y"))
        label = d.get("label", n)
        width = max(60, 7 * len(label))
        node.append(
            E.data(
                Y.ShapeNode(
                    # yEd places a node by its top-left corner.
                    Y.Geometry(height="30.0", width=f"{width}.0", x=f"{x - width / 2:.1f}", y=f"{y - 15:.1f}"),
                    Y.Fill(color=KIND_COLOURS.get(d.get("kind"), "#7f7f7f"), transparent="false"),
                    Y.NodeLabel(label),
                    Y.Shape(type="roundrectangle"),
                ),
                key="n_graphics",
            )
        )
        graph.append(node)
    for i, (u, v, k, d) in enumerate(G.edges(keys=True, data=True)):
        edge = E.edge(id=f"e{i}", source=u, target=v)
        for name in _EDGE_ATTRS:
            text = _flat(d.get(name))
            if text is not None:
                edge.append(E.data(text, key=f"e_{name}"))
        edge.append(
            E.data(
                Y.PolyLineEdge(Y.Arrows(source="none", target="standard"), Y.EdgeLabel(k)),
                key="e_graphics",
            )
        )
        graph.append(edge)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def layout(G: nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
    """Node positions (pixels, centred on 0) from a seeded force-directed layout: the same graph, the same picture.

    GraphML carries them twice: as yFiles geometry (yEd opens the file laid out) and as plain ``x`` and ``y``
    node attributes (Cytoscape: Layout > Attribute Layout, or any reader of plain GraphML).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("a", "b", key="r")
    'r'
    >>> G.add_node("c")
    >>> pos = layout(G)
    >>> sorted(pos), len({pos["a"], pos["b"], pos["c"]})
    (['a', 'b', 'c'], 3)
    """
    if not G:
        return {}
    # The space grows with the graph, so that labels of ~100 px rarely overlap.
    scale = 120.0 * math.sqrt(G.number_of_nodes())
    simple = nx.Graph(G.to_undirected(as_view=True))
    raw = nx.spring_layout(simple, seed=17, scale=scale, iterations=100)
    return {n: (float(raw[n][0]), float(raw[n][1])) for n in G}


def _flat(value: object) -> str | None:
    if value is None or value == [] or value == "":
        return None
    if isinstance(value, (list, tuple, set)):
        return "|".join(str(x) for x in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _spells_text(spells: list | None) -> str | None:
    if not spells:
        return None
    return ";".join(f"{s or ''}/{e or ''}" for s, e in spells)


def render_node_link(G: nx.MultiDiGraph) -> bytes:
    """The projection as NetworkX node-link JSON (``nx.node_link_graph`` reads it back).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("a", "b", key="operates", relation="operates")
    'operates'
    >>> data = json.loads(render_node_link(G))
    >>> data["edges"][0]["key"], data["multigraph"]
    ('operates', True)
    """
    data = nx.node_link_data(G, edges="edges")
    return json.dumps(data, ensure_ascii=False, indent=1, default=str).encode("utf-8")


_CSV_NODE_COLUMNS = ["id", "label", *_NODE_ATTRS, "spells"]
_CSV_EDGE_COLUMNS = ["source", "target", "source_label", "target_label", *_EDGE_ATTRS]
_CSV_README = """rekg graph export as CSV

nodes.csv  one row per node: id (the entity IRI), label, kind, type, country (IRI) and
           country_label, status, stage, start and end (ISO dates), capacity, instrument,
           sources (IRIs of the source graphs), spells (start/end pairs separated by ;).
edges.csv  one row per edge, read "source relation target": source and target (IRIs), their
           labels, relation, status, start_year, stage, basis, share, sources.

Lists are separated by |. Files are UTF-8 with a byte-order mark so spreadsheets detect it.
A cell that starts with =, +, -, @, tab or CR and is not a plain number starts with an added '
so that no spreadsheet runs it as a formula (CSV injection); drop that ' to get the raw text.
"""


def render_csv(G: nx.MultiDiGraph, *, bom: bool = False, dated: date | None = None) -> bytes:
    """The projection as a zip of ``nodes.csv`` and ``edges.csv`` (and a short README).

    The CSV files are UTF-8 without a byte-order mark, so ``csv.DictReader(open(path, encoding="utf-8"))``
    reads the first column as ``id``; ``bom=True`` adds one, which Excel needs to read UTF-8 (the
    ``/export/csv?bom=true``). Zip entries are dated ``dated`` (the newest source of
    the graph, when :func:`export` calls it): an identical graph gives an identical archive.

    Every cell goes through :func:`csv_safe`, so a label such as ``=HYPERLINK(...)`` reaches a
    spreadsheet as text, not as a formula.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("a", "b", key="operates", relation="operates")
    'operates'
    >>> sorted(zipfile.ZipFile(io.BytesIO(render_csv(G))).namelist())
    ['README.txt', 'edges.csv', 'nodes.csv']
    """
    nodes = io.StringIO()
    w = csv.DictWriter(nodes, fieldnames=_CSV_NODE_COLUMNS, lineterminator="\r\n")
    w.writeheader()
    for n, d in G.nodes(data=True):
        row = {"id": n, **{c: _flat(d.get(c)) for c in _CSV_NODE_COLUMNS[1:]}}
        row["label"] = d.get("label", n)
        row["spells"] = _spells_text(d.get("spells"))
        w.writerow({c: csv_safe(v) for c, v in row.items()})
    edges = io.StringIO()
    w = csv.DictWriter(edges, fieldnames=_CSV_EDGE_COLUMNS, lineterminator="\r\n")
    w.writeheader()
    for u, v, k, d in G.edges(keys=True, data=True):
        row = {c: _flat(d.get(c)) for c in _EDGE_ATTRS}
        row.update(
            source=u,
            target=v,
            source_label=G.nodes[u].get("label", u),
            target_label=G.nodes[v].get("label", v),
            relation=d.get("relation", k),
        )
        w.writerow({c: csv_safe(v) for c, v in row.items()})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        # The data's date (not today's) keeps the archive identical for an identical graph.
        stamp = (dated or date(1980, 1, 1)).timetuple()[:3]
        for name, text in (
            ("nodes.csv", nodes.getvalue()),
            ("edges.csv", edges.getvalue()),
            ("README.txt", _CSV_README),
        ):
            info = zipfile.ZipInfo(name, date_time=(*stamp, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8-sig" if bom and name.endswith(".csv") else "utf-8"))
    return buf.getvalue()


#: name -> (renderer of the projection, media type, file name)
GRAPH_FORMATS: dict[str, tuple[Callable[[nx.MultiDiGraph], bytes], str, str]] = {
    "gexf": (render_gexf, "application/gexf+xml", "rekg.gexf"),
    "graphml": (render_graphml, "application/graphml+xml", "rekg.graphml"),
    "json": (render_node_link, "application/json", "rekg-graph.json"),
    "csv": (render_csv, "application/zip", "rekg-csv.zip"),
}

#: Every format :func:`export` accepts, graph formats first.
FORMATS: tuple[str, ...] = (*GRAPH_FORMATS, *RDF_FORMATS)


def export(kg: KnowledgeGraph, fmt: str) -> Export:
    """The whole graph in ``fmt``, with its media type and download file name.

    Built once per graph version and format.

    Parameters
    ----------
    kg : KnowledgeGraph
    fmt : str
        One of :data:`FORMATS`: ``gexf``, ``graphml``, ``json``, ``csv`` or an RDF format
        (``ttl``, ``nt``, ``nq``, ``trig``, ``jsonld``, ``rdfxml``).

    Returns
    -------
    Export

    Raises
    ------
    UnsupportedFormat
        If ``fmt`` is not one of :data:`FORMATS`.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> out = export(kg, "gexf")
    >>> out.media_type, out.filename, out.body[:5]
    ('application/gexf+xml', 'rekg.gexf', b'<?xml')
    >>> export(kg, "pdf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    rekg.graph.errors.UnsupportedFormat: unknown format 'pdf'; choose one of gexf, graphml, json, csv, ttl, ...
    """
    if fmt in RDF_FORMATS:
        return export_rdf(kg, fmt)
    if fmt == "csv":
        return export_csv(kg)
    if fmt not in GRAPH_FORMATS:
        raise UnsupportedFormat(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", formats=list(FORMATS))
    render, media, filename = GRAPH_FORMATS[fmt]
    return Export(kg.cached(("export", fmt), lambda: render(projection(kg)), rewarm=False), media, filename)


def export_csv(kg: KnowledgeGraph, *, bom: bool = False) -> Export:
    """The CSV zip, its entries dated with the graph's newest source; ``bom=True`` for Excel (see :func:`render_csv`).

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> z = zipfile.ZipFile(io.BytesIO(export_csv(kg).body))
    >>> z.read("nodes.csv")[:3], z.getinfo("nodes.csv").date_time[0] >= 2025
    (b'id,', True)
    >>> zipfile.ZipFile(io.BytesIO(export_csv(kg, bom=True).body)).read("nodes.csv")[:3] == b"\\xef\\xbb\\xbf"
    True
    """
    from rekg.graph.answers.evidence import graph_data_until

    _, media, filename = GRAPH_FORMATS["csv"]

    def build() -> bytes:
        return render_csv(projection(kg), bom=bom, dated=graph_data_until(kg))

    return Export(kg.cached(("export", "csv", bom), build, rewarm=False), media, filename)
