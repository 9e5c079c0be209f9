"""The RDF graph as a typed NetworkX ``MultiDiGraph``: the projection every analysis starts from.

:func:`projection` maps the knowledge graph to a :class:`networkx.MultiDiGraph` built from a
handful of SPARQL queries (each with ``GRAPH ?g`` so every node and edge knows its sources).
It is computed once per graph version (``kg.cached``) and shared; treat it as read-only.

Nodes are keyed by IRI. Every node has these attributes:

``kind``
    One of :data:`KINDS`: ``country``, ``region`` (the world, as the subject of totals),
    ``company``, ``body`` (a government body), ``organization``, ``facility``, ``material``
    (elements, forms, products, groups), ``sector``, ``measure`` (suspension orders too),
    ``agreement`` (supply deals too), ``meeting``, ``initiative``.
``type``
    The most specific class in words (``"oxide"``, ``"export control"``, ``"supply deal"``).
``label``
    The English label (the local id when there is none).
``country``, ``country_label``
    For facilities the country they stand in, for organizations the country they are based in.
``status``
    Facilities: ``operating``, ``planned`` or ``closed``; measures: the reported status.
``start``, ``end``, ``spells``
    ISO dates. ``spells`` is a list of ``(start, end)`` pairs, inclusive, ``None`` for open,
    when the node is active: a measure while in force (the status
    :func:`rekg.graph.rules.derive_status` gives; a month or year stands for its first day, and
    a suspension with no dates of its own lasts as long as the agreement or order making it),
    an agreement from its date to the day before ``validUntil`` (or for its ``duration``), a
    facility from its start. ``spells`` is ``None`` for nodes without dates (countries,
    materials: always active) and ``[]`` for what never is (a planned plant with no start).
``sources``
    Sorted IRIs of the named graphs that state the node.

Measures also carry their dates (``announced_on``, ``effective_from``, ``suspended_from``,
``suspended_until``, ``ended_on``) and ``instrument``; agreements and meetings ``date``,
``end_date``, ``valid_until``; facilities ``start_year``, ``start_date``, ``capacity`` and
``stage``. Where sources disagree on a date, the value most sources state wins (ties: the
earliest); where they disagree on an output's status, the newest source wins (plants go from
planned to operating). Every value is still in the RDF.

Edges are keyed by their ``relation`` and read as sentences, subject → object. Each carries
``relation`` and ``sources`` (the graphs that state it):

============ ================================ ======================================================
relation     direction                        from
============ ================================ ======================================================
operates     company → facility               ``rekg:operator``
located_in   facility → country               ``rekg:locatedIn``
based_in     organization → country           ``rekg:country``
produces     facility → material              ``rekg:produces`` (+ ``stage``, ``status``,
                                              ``start_year`` and ``capacity`` of its output)
supplies     actor → material                 ``rekg:supplies``, and derived (+ ``basis``)
supplies_to  supplier → actor                 ``rekg:suppliesTo``; bilateral export statistics;
                                              import shares (+ ``share``, ``weight``, ``shares``)
owns         owner → company                  ``rekg:Ownership`` (+ ``share``)
form_of      material form → element          ``rekg:formOf``
made_from    product → material               ``rekg:madeFrom``
member_of    material → material group        ``skos:broader``
used_in      material → sector                ``rekg:usedIn``
imposes      country → measure                ``rekg:imposedBy``
issues       body → measure                   ``rekg:issuedBy``
restricts    measure → material               ``rekg:restricts``
targets      measure → actor                  ``rekg:targets``
party_to     actor → agreement or meeting     ``rekg:party``
suspends     agreement or measure → measure   ``rekg:suspends``, ``rekg:suspendedBy``
creates      agreement → measure              ``rekg:creates``
covers       agreement → material             ``rekg:covers``
outcome_of   agreement → meeting              ``rekg:outcomeOf``
implements   agreement → agreement            ``rekg:implements``
responds_to  event → event                    ``rekg:respondsTo``
backs        agreement → facility             ``rekg:facility``
includes     measure → measure                ``rekg:includes`` (a package of measures)
lifts        agreement → measure              ``rekg:lifts``
============ ================================ ======================================================

``supplies`` comes from three kinds of statement, named in its ``basis``: ``rekg:supplies``
itself (``"stated"``); a statistic of
mining, processing, magnet making or mine production above zero, or of exports, makes its
subject a supplier of its material (``"statistic"``); an export control or licensing scheme on
a material makes the imposing country a supplier of it, since only what a country exports can
be controlled on the way out (``"export control"``). A bilateral export statistic (China's
exports to the US) also gives ``supplies_to`` from the exporter to the counterpart.

An import share (``rekg:ImportShare``: the part of the subject's imports of a material that came
from the counterpart, as USGS gives it for US imports of rare-earth compounds and metals) is a
weighted supply edge: ``supplies_to`` from the exporting country to the importer, and
``supplies`` (basis ``"statistic"``) from the exporter to the material. The ``supplies_to``
edge lists each figure in ``shares`` (``material``, ``share`` as a fraction of 1, ``value``,
``unit``, ``period``, ``statistic``, ``sources``), and ``share`` and ``weight`` hold the largest
of them: ``G.edges[china, united_states, "supplies_to"]["weight"]`` is 0.7. A figure whose unit
is not a share unit (:func:`rekg.graph.units.as_fraction`) gives no edge. The part of the imports
the figures leave unattributed is not an edge: the answers report it.

A region (the world) never supplies: it is the subject of totals. Only supply actors are
nodes: a company, body or organization whose only relations say where it is based or located
(publishers and news outlets such as Caixin, a government body that issues no measure and is
party to nothing) is left out, of the analyses and of the exports alike (a source's publisher
stays in the RDF and in each source's description). Every other node is always in. People
are not nodes.

The supply view that paths, centrality, chokepoints and disruption run on is derived from this
graph by :mod:`rekg.graph.network.view`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import networkx as nx
from rekg.graph.answers.measures import measures_in_force
from rekg.graph.answers.names import name_index
from rekg.graph.dates import iso, period_text, year_of
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.spells import date_open_suspensions, set_spells
from rekg.graph.results import Result
from rekg.graph.rules import ENTITY_CLASSES, KINDS, entity_class
from rekg.graph.units import as_fraction, symbol
from rekg.ontology import REKG, SKOS

__all__ = [
    "DELIVERING",
    "RELATIONS",
    "NodeRef",
    "node_ref",
    "projection",
]

_R = str(REKG)

#: Kinds that can supply: a region (the world) is the subject of totals, not a supplier.
_ACTORS = {"country", "company", "body", "organization"}
_ALWAYS_KEPT = {"country", "region", "facility", "material", "sector", "measure", "agreement", "meeting", "initiative"}

#: Every edge relation, with the phrase that explains it ("{source} {phrase} {target}").
RELATIONS: dict[str, str] = {
    "operates": "operates",
    "located_in": "is located in",
    "based_in": "is based in",
    "produces": "produces",
    "supplies": "supplies",
    "supplies_to": "supplies",
    "owns": "owns a stake in",
    "form_of": "is a form of",
    "made_from": "is made from",
    "member_of": "belongs to",
    "used_in": "is used in",
    "imposes": "imposes",
    "issues": "issues",
    "restricts": "restricts",
    "targets": "targets",
    "party_to": "is party to",
    "suspends": "suspends",
    "creates": "creates",
    "covers": "covers",
    "outcome_of": "is an outcome of",
    "implements": "implements",
    "responds_to": "responds to",
    "backs": "backs",
    "includes": "includes",
    "lifts": "lifts",
}

#: Relations by which a supplier hands over a material: the arcs a measure can cut.
DELIVERING = frozenset({"produces", "supplies"})

#: RDF property -> (relation, reversed): reversed edges point from the object to the subject.
_PROPERTIES: dict[str, tuple[str, bool]] = {
    _R + "operator": ("operates", True),
    _R + "locatedIn": ("located_in", False),
    _R + "country": ("based_in", False),
    _R + "produces": ("produces", False),
    _R + "formOf": ("form_of", False),
    _R + "madeFrom": ("made_from", False),
    str(SKOS.broader): ("member_of", False),
    _R + "usedIn": ("used_in", False),
    _R + "imposedBy": ("imposes", True),
    _R + "issuedBy": ("issues", True),
    _R + "restricts": ("restricts", False),
    _R + "targets": ("targets", False),
    _R + "party": ("party_to", True),
    _R + "suspends": ("suspends", False),
    _R + "suspendedBy": ("suspends", True),
    _R + "creates": ("creates", False),
    _R + "covers": ("covers", False),
    _R + "outcomeOf": ("outcome_of", False),
    _R + "implements": ("implements", False),
    _R + "respondsTo": ("responds_to", False),
    _R + "suppliesTo": ("supplies_to", False),
    _R + "supplies": ("supplies", False),
    _R + "facility": ("backs", False),
    _R + "includes": ("includes", False),
    _R + "lifts": ("lifts", False),
}

#: Literal and status properties copied onto nodes: RDF property -> attribute.
_NODE_VALUES: dict[str, str] = {
    _R + "announcedOn": "announced_on",
    _R + "effectiveFrom": "effective_from",
    _R + "suspendedFrom": "suspended_from",
    _R + "suspendedUntil": "suspended_until",
    _R + "endedOn": "ended_on",
    _R + "date": "date",
    _R + "endDate": "end_date",
    _R + "validUntil": "valid_until",
    _R + "startYear": "start_year",
    _R + "startDate": "start_date",
    _R + "instrument": "instrument",
    _R + "status": "status",
    _R + "reportedStatus": "status",
    _R + "stage": "stage",
    _R + "announcedIn": "announced_in",
    _R + "imposedIn": "imposed_in",
    _R + "heldIn": "held_in",
    _R + "duration": "duration",
}

_SUPPLY_INDICATORS = {
    _R + "ShareOfMining",
    _R + "ShareOfProcessing",
    _R + "ShareOfMagnetMaking",
    _R + "MineProduction",
}
_EXPORT_INDICATOR = _R + "ExportChange"
_IMPORT_SHARE_INDICATOR = _R + "ImportShare"
_EXPORTING_MEASURES = {"export control", "licensing scheme"}


def _values(names: Iterable[str]) -> str:
    return " ".join(f"<{n}>" for n in names)


_Q_SOURCES = """
SELECT ?g ?title ?date WHERE {
    GRAPH ?g { ?g a rekg:Source . OPTIONAL { ?g dcterms:title ?title } OPTIONAL { ?g dcterms:date ?date } }
}
"""

_Q_NODES = f"""
SELECT ?s ?type ?g WHERE {{
    VALUES ?type {{ {_values(c.iri for c in ENTITY_CLASSES if c.kind)} }}
    GRAPH ?g {{ ?s a ?type }}
    FILTER(isIRI(?s))
}}
"""

_Q_VALUES = f"""
SELECT ?s ?p ?o ?g WHERE {{
    VALUES ?p {{ {_values(_NODE_VALUES)} }}
    GRAPH ?g {{ ?s ?p ?o }}
    FILTER(isIRI(?s))
}}
"""

_Q_EDGES = f"""
SELECT ?s ?p ?o ?g WHERE {{
    VALUES ?p {{ {_values(_PROPERTIES)} }}
    GRAPH ?g {{ ?s ?p ?o }}
    FILTER(isIRI(?s) && isIRI(?o))
}}
"""

# Qualified outputs and capacities, kept in the graph that states them.
_Q_DETAILS = """
SELECT ?f ?kind ?m ?status ?year ?day ?stage ?value ?unit ?g WHERE {
    GRAPH ?g {
        {
            ?f rekg:output ?out . ?out rekg:material ?m .
            BIND("output" AS ?kind)
            OPTIONAL { ?out rekg:status ?status }
            OPTIONAL { ?out rekg:startYear ?year }
            OPTIONAL { ?out rekg:startDate ?day }
            OPTIONAL { ?out rekg:stage ?stage }
            OPTIONAL { ?out rekg:capacity ?q . ?q rekg:value ?value . OPTIONAL { ?q rekg:unit ?unit } }
        } UNION {
            ?f a rekg:Facility ; rekg:capacity ?q . ?q rekg:value ?value .
            BIND("capacity" AS ?kind)
            OPTIONAL { ?q rekg:unit ?unit }
        }
    }
    FILTER(isIRI(?f))
}
"""

_Q_OWNERSHIP = """
SELECT ?stake ?owner ?company ?share ?g WHERE {
    GRAPH ?g { ?stake a rekg:Ownership ; rekg:owner ?owner ; rekg:ownedCompany ?company .
               OPTIONAL { ?stake rekg:share ?share } }
}
"""

_Q_STATISTICS = """
SELECT ?stat ?subject ?indicator ?material ?value ?unit ?period ?periodEnd ?counterpart ?estimated ?g WHERE {
    GRAPH ?g {
        ?stat a rekg:Statistic ; rekg:subject ?subject ; rekg:indicator ?indicator ; rekg:value ?value .
        OPTIONAL { ?stat rekg:material ?material }
        OPTIONAL { ?stat rekg:unit ?unit }
        OPTIONAL { ?stat rekg:period ?period }
        OPTIONAL { ?stat rekg:periodEnd ?periodEnd }
        OPTIONAL { ?stat rekg:counterpart ?counterpart }
        OPTIONAL { ?stat rekg:estimated ?estimated }
    }
}
"""


@dataclass(frozen=True)
class NodeRef(Result):
    """A node of the supply graph as answers name it. Open it with ``GET /entities/{id}``."""

    id: str
    """The entity's IRI."""
    label: str
    """Its English label."""
    kind: str
    """What it is: country, company, body, facility, material, sector, measure, agreement..."""


def node_ref(G: nx.MultiDiGraph | nx.DiGraph, node: str) -> NodeRef:
    """The :class:`NodeRef` of ``node`` in ``G`` (a projection or a view of one).

    Raises
    ------
    KeyError
        If ``node`` is not in ``G``.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("https://w3id.org/rekg/id/china", kind="country", label="China")
    >>> node_ref(G, "https://w3id.org/rekg/id/china").label
    'China'
    """
    data = G.nodes[node]
    return NodeRef(node, data.get("label", node), data.get("kind", ""))


def projection(kg: KnowledgeGraph) -> nx.MultiDiGraph:
    """The knowledge graph as a typed ``MultiDiGraph``, built once per graph version.

    See the module documentation for the node kinds, attributes and edge relations.
    The graph is shared between callers: copy it before changing it.

    Parameters
    ----------
    kg : KnowledgeGraph

    Returns
    -------
    networkx.MultiDiGraph
        Nodes keyed by IRI, edges keyed by relation. ``G.graph["sources"]`` maps each source
        graph to its title and date; ``G.graph["statistics"]`` lists the statistics.

    Raises
    ------
    QueryTimeout, StoreUnavailable
        If the store cannot answer the queries that build it.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> G = projection(kg)
    >>> G.nodes[kg.iri("dysprosium")]["kind"]
    'material'
    >>> G.has_edge(kg.iri("dysprosium-oxide"), kg.iri("dysprosium"), key="form_of")
    True
    >>> projection(kg) is G
    True
    """
    return kg.cached(("projection",), lambda: _build(kg))


def _build(kg: KnowledgeGraph) -> nx.MultiDiGraph:
    index = name_index(kg)
    G = nx.MultiDiGraph(name="rekg")
    G.graph["sources"] = {
        r["g"]: {"title": r.get("title", kg.local_id(r["g"])), "date": iso(r.get("date"))}
        for r in kg.select_by_graph(_Q_SOURCES)
    }
    G.graph["sources"][kg.ns.entities_graph] = {"title": "rekg shared entities (seeds/entities.ttl)", "date": None}

    # Nodes: the entity's class (rules.ENTITY_CLASSES, most specific first) decides kind and type.
    types: dict[str, set[str]] = defaultdict(set)
    node_sources: dict[str, set[str]] = defaultdict(set)
    for r in kg.select_by_graph(_Q_NODES):
        types[r["s"]].add(r["type"])
        node_sources[r["s"]].add(r["g"])
    for s, ts in types.items():
        cls = entity_class(ts)
        entry = index.entries.get(s)
        G.add_node(s, kind=cls.kind, type=cls.phrase, label=entry.label if entry else kg.local_id(s), sources=set())
    for s, gs in node_sources.items():
        G.nodes[s]["sources"] |= gs

    # Node values: collect every (value, graph), then keep the value most graphs state.
    stated: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for r in kg.select_by_graph(_Q_VALUES):
        s = r["s"]
        if s not in G:
            continue
        attr = _NODE_VALUES[r["p"]]
        value = r["o"]
        if attr in ("status", "stage"):
            entry = index.entries.get(value)
            value = entry.label if entry else kg.local_id(value).rsplit("#", 1)[-1]
        elif attr == "start_year":
            value = year_of(value)
        stated[(s, attr)][value] += 1
        G.nodes[s]["sources"].add(r["g"])
    for (s, attr), counts in stated.items():
        if attr == "stage":
            G.nodes[s][attr] = sorted(counts)
        else:
            G.nodes[s][attr] = _most_stated(counts)

    # Plain edges.
    for r in kg.select_by_graph(_Q_EDGES):
        relation, backwards = _PROPERTIES[r["p"]]
        u, v = (r["o"], r["s"]) if backwards else (r["s"], r["o"])
        if u in G and v in G:
            data = _add_edge(G, u, v, relation, r["g"])
            if relation == "supplies":
                _add_basis(data, "stated")

    _add_output_details(kg, G)
    _add_ownership(kg, G)
    _add_statistics(kg, G)
    _add_export_controls(G)

    # Only supply actors stay: an organization whose only relations say where it is based (a
    # publisher such as Caixin, a news outlet, a body with no part in any measure or deal) is
    # not part of the supply network, so a scenario removing China must not remove it.
    G.remove_nodes_from([n for n, d in G.nodes(data=True) if d["kind"] not in _ALWAYS_KEPT and _no_supply_role(G, n)])

    measure_dates = {st.id: st.dates for st in measures_in_force(kg, on=date.max).measures}
    for n, d in G.nodes(data=True):
        d["sources"] = sorted(d["sources"])
        place = _country_of(G, n)
        if place:
            d["country"], d["country_label"] = place, G.nodes[place]["label"]
        set_spells(d, measure_dates.get(n) if d["kind"] == "measure" else None)
    date_open_suspensions(G)
    for _, _, d in G.edges(data=True):
        for k in ("sources", "basis", "materials", "stage"):
            if isinstance(d.get(k), (set, list)):
                d[k] = sorted(d[k])
    return _sorted_copy(G)


def _sorted_copy(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The same graph with nodes and edges in a fixed order, so exports are reproducible."""
    order = {k: i for i, k in enumerate(KINDS)}
    H = nx.MultiDiGraph(**G.graph)
    H.add_nodes_from(
        sorted(G.nodes(data=True), key=lambda nd: (order[nd[1]["kind"]], nd[1]["label"].casefold(), nd[0]))
    )
    H.add_edges_from(sorted(G.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])))
    return H


def _add_edge(G: nx.MultiDiGraph, u: str, v: str, relation: str, source: str | None, **attrs: Any) -> dict:
    if G.has_edge(u, v, key=relation):
        data = G.edges[u, v, relation]
    else:
        G.add_edge(u, v, key=relation, relation=relation, sources=set())
        data = G.edges[u, v, relation]
    if source:
        data["sources"].add(source)
    for k, val in attrs.items():
        if val is not None:
            data.setdefault(k, val)
    return data


def _add_output_details(kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    # An output's status changes over time (planned, then operating): the newest source wins.
    dated = G.graph["sources"]
    rows = sorted(
        kg.select_by_graph(_Q_DETAILS), key=lambda r: (dated.get(r["g"], {}).get("date") or "", r["g"]), reverse=True
    )
    for r in rows:
        f = r["f"]
        if f not in G:
            continue
        capacity = _capacity(kg, r)
        if r["kind"] == "capacity":
            G.nodes[f].setdefault("capacity", capacity)
            continue
        m = r["m"]
        if m not in G:
            continue
        data = _add_edge(
            G,
            f,
            m,
            "produces",
            r["g"],
            status=_label(kg, r.get("status")),
            start_year=year_of(r.get("year")),
            start_date=iso(r.get("day")),
            capacity=capacity,
        )
        if "stage" in r:
            data.setdefault("stage", [])
            stage = _label(kg, r["stage"])
            if stage not in data["stage"]:
                data["stage"].append(stage)


def _add_ownership(kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    for r in kg.select_by_graph(_Q_OWNERSHIP):
        if r["owner"] in G and r["company"] in G:
            share = r.get("share")
            _add_edge(G, r["owner"], r["company"], "owns", r["g"], share=float(share) if share is not None else None)


def _add_statistics(kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    stats: dict[str, dict] = {}
    for r in kg.select_by_graph(_Q_STATISTICS):
        st = stats.setdefault(
            r["stat"],
            {
                "subject": r["subject"],
                "indicator": r["indicator"].rsplit("#", 1)[-1],
                "material": r.get("material"),
                "value": _number(r["value"]),
                "unit": r.get("unit"),
                "unit_symbol": symbol(kg, r.get("unit")),
                "period": period_text(r.get("period"), r.get("periodEnd")),
                "counterpart": r.get("counterpart"),
                "estimated": bool(r.get("estimated", False)),
                "statistic": r["stat"],
                "sources": set(),
            },
        )
        st["sources"].add(r["g"])
    records = []
    for st in stats.values():
        st["sources"] = sorted(st["sources"])
        records.append(st)
        subject, material, value = st["subject"], st["material"], st["value"]
        if subject not in G or G.nodes[subject]["kind"] not in _ACTORS or value is None:
            continue
        indicator = _R + st["indicator"]
        supplies = (indicator in _SUPPLY_INDICATORS and value > 0) or indicator == _EXPORT_INDICATOR
        if supplies and material in G:
            for g in st["sources"]:
                _add_basis(_add_edge(G, subject, material, "supplies", g), "statistic")
        if indicator == _EXPORT_INDICATOR and st["counterpart"] in G:
            for g in st["sources"]:
                data = _add_edge(G, subject, st["counterpart"], "supplies_to", g)
                if material in G:
                    data.setdefault("materials", set()).add(material)
        if indicator == _IMPORT_SHARE_INDICATOR:
            _add_import_share(G, st)
    G.graph["statistics"] = sorted(records, key=lambda s: (s["indicator"], str(s["material"]), s["subject"]))


def _add_import_share(G: nx.MultiDiGraph, st: dict) -> None:
    """An import share as a weighted edge exporter → importer (see the module documentation)."""
    importer, exporter, material = st["subject"], st["counterpart"], st["material"]
    fraction = as_fraction(st["value"], st["unit"])
    if fraction is None or exporter not in G or G.nodes[exporter]["kind"] not in _ACTORS:
        return
    for g in st["sources"]:
        data = _add_edge(G, exporter, importer, "supplies_to", g)
        if material in G:
            data.setdefault("materials", set()).add(material)
            _add_basis(_add_edge(G, exporter, material, "supplies", g), "statistic")
    data = G.edges[exporter, importer, "supplies_to"]
    data.setdefault("shares", []).append(
        {
            "material": material,
            "share": round(fraction, 6),
            "value": st["value"],
            "unit": st["unit_symbol"],
            "period": st["period"],
            "estimated": st["estimated"],
            "statistic": st["statistic"],
            "sources": st["sources"],
        }
    )
    data["shares"].sort(key=lambda s: (-s["share"], str(s["material"]), str(s["period"]), s["statistic"]))
    data["share"] = data["weight"] = data["shares"][0]["share"]


def _add_export_controls(G: nx.MultiDiGraph) -> None:
    for m, d in list(G.nodes(data=True)):
        if d["kind"] != "measure" or d["type"] not in _EXPORTING_MEASURES:
            continue
        imposers = [u for u, _, k in G.in_edges(m, keys=True) if k == "imposes" and G.nodes[u]["kind"] in _ACTORS]
        for _, material, k, ed in G.out_edges(m, keys=True, data=True):
            if k != "restricts":
                continue
            for country in imposers:
                for g in ed["sources"]:
                    _add_basis(_add_edge(G, country, material, "supplies", g), "export control")


def _add_basis(data: dict, basis: str) -> None:
    data.setdefault("basis", set()).add(basis)


#: Relations that only place an actor; an actor with no other relation takes no part in supply.
_PLACING = frozenset({"based_in", "located_in"})


def _no_supply_role(G: nx.MultiDiGraph, n: str) -> bool:
    return G.in_degree(n) == 0 and all(k in _PLACING for _, _, k in G.out_edges(n, keys=True))


def _country_of(G: nx.MultiDiGraph, n: str) -> str | None:
    for _, v, k in G.out_edges(n, keys=True):
        if k in ("located_in", "based_in") and G.nodes[v]["kind"] == "country":
            return v
    return None


# Helpers ---------------------------------------------------------------------------------


def _most_stated(counts: Counter) -> Any:
    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[0][0]


def _label(kg: KnowledgeGraph, iri: str | None) -> str | None:
    if iri is None:
        return None
    entry = name_index(kg).entries.get(iri)
    if entry:
        return entry.label
    return iri.rsplit("#", 1)[-1].lower()


def _capacity(kg: KnowledgeGraph, r: dict) -> str | None:
    if r.get("value") is None:
        return None
    value = _number(r["value"])
    return f"{value:g} {symbol(kg, r['unit'])}" if r.get("unit") else f"{value:g}"


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
