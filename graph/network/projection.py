"""The RDF graph as a typed NetworkX ``MultiDiGraph``, and the supply view derived from it.

The projection
--------------
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
    :func:`rekg.graph.answers.measures.derive_status` gives; a month or year stands for its first day, and
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
supplies_to  supplier → actor                 ``rekg:suppliesTo``; bilateral export statistics
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

A region (the world) never supplies: it is the subject of totals. Organizations that take
part in no relation (publishers, say) are left out; every other node is always in. People
are not nodes.

The supply view
---------------
:func:`supply_view` turns the projection into a directed graph for supply-dependency questions.
Every arc keeps the projection edges it comes from (``relation``, ``inverse``, ``sources``) so
each step of a path can be explained. There are two sorts of arc.

*Offers*, ``A → B`` when what B offers is part of what A offers:

* a country offers what the facilities on its soil make (``located_in``, inverse) and what the
  organizations based in it offer (``based_in``, inverse);
* a company offers what its facilities make (``operates``) and what the companies it controls
  (a stake of at least 50 %) offer (``owns``);
* an agreement offers what each of its parties offers (``party_to``, inverse), and a supply deal
  what the facilities it finances or expands make (``backs``);
* a facility offers the materials it produces (``produces``), a supplier those it supplies
  (``supplies``);
* a material form offers the elements it is a form of (``form_of``): dysprosium oxide is
  dysprosium in traded form; a material offers the groups it belongs to (``member_of``):
  terbium is one of the heavy rare earths.

*Obtains*, used only as the first step from the consumer a question is about: an actor obtains
through the agreements it is party to (``party_to``; meetings are talks, not supply
arrangements) and from whoever supplies it (``supplies_to``, inverse). These arcs are kept in
``V.graph["obtains"]`` and added for one consumer at a time by :func:`for_consumer`.

A consumer therefore obtains what it offers itself, what the other parties to its agreements
offer and what its suppliers offer, but not what they in turn obtain: the view assumes no
re-export, so a US deal with Australia does not hand Australia whatever the US buys from China.

So "the US gets dysprosium" means a chain such as *the United States is party to a supply deal
to which Malaysia is party; Malaysia hosts the Lynas plant; the plant produces dysprosium oxide;
dysprosium oxide is a form of dysprosium*. Nothing in it is special-cased: the same rules give
every path. Measures, sectors and meetings do not carry supply, so they are not in the view.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import networkx as nx
from rekg.graph.answers.measures import derive_status, measures_in_force
from rekg.graph.answers.names import name_index, resolve
from rekg.graph.dates import parse_date, year_of
from rekg.graph.errors import InvalidParameter, NodeNotFound
from rekg.graph.kg import KnowledgeGraph
from rekg.ontology import REKG, SKOS

__all__ = [
    "DELIVERING",
    "KINDS",
    "RELATIONS",
    "NodeRef",
    "active_on",
    "controlled_by",
    "for_consumer",
    "node_ref",
    "projection",
    "resolve_node",
    "supply_view",
]

_R = str(REKG)

#: class IRI -> (kind, type); the first class of a node found in this order wins.
_CLASSES: dict[str, tuple[str, str]] = {
    _R + "Country": ("country", "country"),
    _R + "GovernmentBody": ("body", "government body"),
    _R + "Company": ("company", "company"),
    _R + "Organization": ("organization", "organization"),
    _R + "Facility": ("facility", "facility"),
    _R + "Element": ("material", "element"),
    _R + "Oxide": ("material", "oxide"),
    _R + "Metal": ("material", "metal"),
    _R + "Compound": ("material", "compound"),
    _R + "MaterialForm": ("material", "material form"),
    _R + "Technology": ("material", "technology"),
    _R + "Product": ("material", "product"),
    _R + "MaterialGroup": ("material", "material group"),
    _R + "Material": ("material", "material"),
    _R + "Sector": ("sector", "sector"),
    _R + "ExportControl": ("measure", "export control"),
    _R + "Tariff": ("measure", "tariff"),
    _R + "OwnershipRule": ("measure", "ownership rule"),
    _R + "LicensingScheme": ("measure", "licensing scheme"),
    _R + "Measure": ("measure", "measure"),
    _R + "SupplyDeal": ("agreement", "supply deal"),
    _R + "Agreement": ("agreement", "agreement"),
    _R + "Meeting": ("meeting", "meeting"),
    _R + "Suspension": ("measure", "suspension order"),
    _R + "Initiative": ("initiative", "supply initiative"),
    _R + "Region": ("region", "region"),
}

#: Every node kind, in the order exports list them.
KINDS: tuple[str, ...] = (
    "country",
    "region",
    "company",
    "body",
    "organization",
    "facility",
    "material",
    "sector",
    "measure",
    "agreement",
    "meeting",
    "initiative",
)
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
    VALUES ?type {{ {_values(_CLASSES)} }}
    GRAPH ?g {{ ?s a ?type }}
    FILTER(isIRI(?s))
}}
"""

_Q_VALUES = f"""
SELECT ?s ?p ?o ?olabel ?g WHERE {{
    VALUES ?p {{ {_values(_NODE_VALUES)} }}
    GRAPH ?g {{ ?s ?p ?o }}
    FILTER(isIRI(?s))
    OPTIONAL {{ ?o rdfs:label ?olabel FILTER(lang(?olabel) = "en" || lang(?olabel) = "") }}
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
SELECT ?stat ?subject ?indicator ?material ?value ?unit ?period ?counterpart ?estimated ?g WHERE {
    GRAPH ?g {
        ?stat a rekg:Statistic ; rekg:subject ?subject ; rekg:indicator ?indicator ; rekg:value ?value .
        OPTIONAL { ?stat rekg:material ?material }
        OPTIONAL { ?stat rekg:unit ?unit }
        OPTIONAL { ?stat rekg:period ?period }
        OPTIONAL { ?stat rekg:counterpart ?counterpart }
        OPTIONAL { ?stat rekg:estimated ?estimated }
    }
}
"""


@dataclass(frozen=True)
class NodeRef:
    """A node as answers name it: its IRI, label and kind."""

    id: str
    label: str
    kind: str


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
        r["g"]: {"title": r.get("title", kg.local_id(r["g"])), "date": _iso(r.get("date"))}
        for r in kg.select(_Q_SOURCES)
    }
    G.graph["sources"][kg.ns.entities_graph] = {"title": "rekg shared entities (seeds/entities.ttl)", "date": None}

    # Nodes: the first class in _CLASSES order decides kind and type.
    rank = {c: i for i, c in enumerate(_CLASSES)}
    best: dict[str, str] = {}
    node_sources: dict[str, set[str]] = defaultdict(set)
    for r in kg.select(_Q_NODES):
        s, t = r["s"], r["type"]
        node_sources[s].add(r["g"])
        if s not in best or rank[t] < rank[best[s]]:
            best[s] = t
    for s, t in best.items():
        kind, type_ = _CLASSES[t]
        entry = index.entries.get(s)
        G.add_node(s, kind=kind, type=type_, label=entry.label if entry else kg.local_id(s), sources=set())
    for s, gs in node_sources.items():
        G.nodes[s]["sources"] |= gs

    # Node values: collect every (value, graph), then keep the value most graphs state.
    stated: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for r in kg.select(_Q_VALUES):
        s = r["s"]
        if s not in G:
            continue
        attr = _NODE_VALUES[r["p"]]
        value = r["o"]
        if attr in ("status", "stage"):
            value = r.get("olabel") or kg.local_id(value).rsplit("#", 1)[-1]
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
    for r in kg.select(_Q_EDGES):
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

    # Drop organizations with no relation at all (publishers, outlets).
    G.remove_nodes_from([n for n, d in G.nodes(data=True) if d["kind"] not in _ALWAYS_KEPT and G.degree(n) == 0])

    measure_dates = {st.id: st.dates for st in measures_in_force(kg, on=date.max)}
    for n, d in G.nodes(data=True):
        d["sources"] = sorted(d["sources"])
        place = _country_of(G, n)
        if place:
            d["country"], d["country_label"] = place, G.nodes[place]["label"]
        _set_spells(d, measure_dates.get(n) if d["kind"] == "measure" else None)
    _date_open_suspensions(G)
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
    rows = sorted(kg.select(_Q_DETAILS), key=lambda r: (dated.get(r["g"], {}).get("date") or "", r["g"]), reverse=True)
    for r in rows:
        f = r["f"]
        if f not in G:
            continue
        capacity = _capacity(r)
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
            start_date=_iso(r.get("day")),
            capacity=capacity,
        )
        if "stage" in r:
            data.setdefault("stage", [])
            stage = _label(kg, r["stage"])
            if stage not in data["stage"]:
                data["stage"].append(stage)


def _add_ownership(kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    for r in kg.select(_Q_OWNERSHIP):
        if r["owner"] in G and r["company"] in G:
            share = r.get("share")
            _add_edge(G, r["owner"], r["company"], "owns", r["g"], share=float(share) if share is not None else None)


def _add_statistics(kg: KnowledgeGraph, G: nx.MultiDiGraph) -> None:
    stats: dict[str, dict] = {}
    for r in kg.select(_Q_STATISTICS):
        st = stats.setdefault(
            r["stat"],
            {
                "subject": r["subject"],
                "indicator": r["indicator"].rsplit("#", 1)[-1],
                "material": r.get("material"),
                "value": _number(r["value"]),
                "unit": r.get("unit"),
                "period": str(r["period"]) if "period" in r else None,
                "counterpart": r.get("counterpart"),
                "estimated": bool(r.get("estimated", False)),
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
    G.graph["statistics"] = sorted(records, key=lambda s: (s["indicator"], str(s["material"]), s["subject"]))


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


def _country_of(G: nx.MultiDiGraph, n: str) -> str | None:
    for _, v, k in G.out_edges(n, keys=True):
        if k in ("located_in", "based_in") and G.nodes[v]["kind"] == "country":
            return v
    return None


# Spells ----------------------------------------------------------------------------------


def _set_spells(d: dict, measure_dates: dict[str, date] | None = None) -> None:
    """Work out when a node is active, as inclusive ``(start, end)`` ISO pairs.

    ``spells`` is ``None`` for a node that is always active, ``[]`` for one that never is.
    """
    kind = d["kind"]
    if measure_dates is not None:
        # The dates graph.measures settled on (most sources win, suspensions dated).
        d.update({k: v for k, v in measure_dates.items()})
    for key in _DATE_ATTRS:
        if key in d:
            d[key] = _iso(_to_date(d[key]) or d[key])
    spells: list[tuple[str | None, str | None]] | None = None
    if kind == "measure" and d["type"] != "suspension order":
        dates = {k: _to_date(d.get(k)) for k in _MEASURE_DATES}
        if not (dates["announced_on"] or dates["effective_from"]):
            # Only a month or a year is known: count from its first day.
            dates["effective_from"] = _month_start(d.get("imposed_in"))
            dates["announced_on"] = _month_start(d.get("announced_in"))
        spells = _in_force_spells(dates)
    elif kind in ("agreement", "meeting", "initiative", "measure"):
        start = _to_date(d.get("date") or d.get("effective_from") or d.get("announced_on")) or _month_start(
            d.get("held_in") or d.get("announced_in")
        )
        if start:
            # validUntil is the day it runs out, so the last valid day is the one before.
            valid_until = _to_date(d.get("valid_until"))
            end = (
                (valid_until - timedelta(days=1) if valid_until else None)
                or _to_date(d.get("end_date"))
                or _add_duration(start, d.get("duration"))
            )
            ended = _to_date(d.get("ended_on"))
            if ended:
                end = _earlier(end, ended - timedelta(days=1))
            if kind == "meeting" and end is None:
                end = start
            spells = [(_iso(start), _iso(end))]
        else:
            spells = []
    elif kind == "facility":
        start = _start_of(d)
        status = d.get("status")
        if status == "closed" or (status == "planned" and not start):
            spells = []
        elif start:
            spells = [(start, None)]
    d["spells"] = spells
    if spells:
        d["start"] = spells[0][0]
        if spells[-1][1]:
            d["end"] = spells[-1][1]


_MEASURE_DATES = ("announced_on", "effective_from", "suspended_from", "suspended_until", "ended_on", "valid_until")
_DATE_ATTRS = (*_MEASURE_DATES, "date", "end_date", "start_date")


def _in_force_spells(dates: dict[str, date | None]) -> list[tuple[str | None, str | None]]:
    """The periods in which :func:`rekg.graph.answers.measures.derive_status` says "in force".

    The status only changes on the measure's own dates, so it is evaluated once per date.
    """
    days = sorted({d for d in dates.values() if d})
    spells: list[tuple[str | None, str | None]] = []
    for i, day in enumerate(days):
        if derive_status(day, dates)[0] != "in force":
            continue
        last = days[i + 1] - timedelta(days=1) if i + 1 < len(days) else None
        if spells and spells[-1][1] == _iso(day - timedelta(days=1)):
            spells[-1] = (spells[-1][0], _iso(last))
        else:
            spells.append((_iso(day), _iso(last)))
    return spells


def _start_of(d: dict) -> str | None:
    if d.get("start_date"):
        return _iso(d["start_date"])
    if d.get("start_year"):
        return f"{int(d['start_year']):04d}-01-01"
    return None


def _month_start(value: Any) -> date | None:
    """The first day of an ``xsd:gYearMonth`` or ``xsd:gYear`` (``2025-10``, ``2025``)."""
    m = re.match(r"^(\d{4})(?:-(\d{2}))?", str(value or ""))
    return date(int(m.group(1)), int(m.group(2) or 1), 1) if m else None


def _add_duration(start: date, duration: Any) -> date | None:
    """``start`` plus an ``xsd:duration`` in years, months and days (``P1Y``), less a day."""
    m = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?", str(duration or ""))
    if not m or not any(m.groups()):
        return None
    years, months, days = (int(x or 0) for x in m.groups())
    total = start.year * 12 + start.month - 1 + years * 12 + months
    y, mo = divmod(total, 12)
    end = date(y, mo + 1, min(start.day, calendar.monthrange(y, mo + 1)[1]))
    return end + timedelta(days=days - 1)


def _date_open_suspensions(G: nx.MultiDiGraph) -> None:
    """Give an undated suspension the period of the agreement or order that made it.

    A source that says the Busan truce suspends a measure, and gives no dates for the
    suspension, means for as long as the truce runs.
    """
    for m, d in G.nodes(data=True):
        if d["kind"] != "measure" or d.get("suspended_from") or d.get("suspended_until"):
            continue
        periods = sorted(
            G.nodes[u]["spells"][0]
            for u, _, k in G.in_edges(m, keys=True)
            if k == "suspends" and G.nodes[u].get("spells")
        )
        if not periods:
            continue
        # Overlapping suspensions (the truce, then MOFCOM's order) make one longer pause.
        start = periods[0][0]
        end = None if any(e is None for _, e in periods) else max(e for _, e in periods)
        d["suspended_from"] = start
        if end:
            d["suspended_until"] = _iso(date.fromisoformat(end) + timedelta(days=1))
        d.pop("start", None)
        d.pop("end", None)
        _set_spells(d)


def active_on(attrs: dict, day: date | None) -> bool:
    """Whether a node with these attributes is active on ``day``.

    Measures are active while in force, agreements while valid, facilities from their start;
    closed facilities, and planned ones without a start year, never are. Nodes without dates
    (countries, materials) always are. With ``day=None`` only closed facilities are inactive.

    Examples
    --------
    >>> m = {"kind": "measure", "spells": [("2025-04-04", "2025-11-09"), ("2026-11-10", None)]}
    >>> active_on(m, date(2025, 6, 1)), active_on(m, date(2026, 1, 1)), active_on(m, date(2027, 1, 1))
    (True, False, True)
    """
    if day is None:
        return attrs.get("status") != "closed"
    spells = attrs.get("spells")
    if spells is None:
        return True
    iso = day.isoformat()
    return any((s is None or s <= iso) and (e is None or iso <= e) for s, e in spells)


def _edge_active(attrs: dict, day: date | None) -> bool:
    if day is None:
        return attrs.get("status") != "closed"
    status = attrs.get("status")
    if status == "closed":
        return False
    start = attrs.get("start_date") or (f"{attrs['start_year']:04d}-01-01" if attrs.get("start_year") else None)
    if start:
        return start <= day.isoformat()
    return status != "planned"


# The supply view -------------------------------------------------------------------------

#: projection relation -> (offer arc along the edge, offer arc against it, obtain arc along, against)
_VIEW_RULES: dict[str, tuple[bool, bool, bool, bool]] = {
    "party_to": (False, True, True, False),
    "supplies_to": (False, False, False, True),
    "located_in": (False, True, False, False),
    "based_in": (False, True, False, False),
    "operates": (True, False, False, False),
    "owns": (True, False, False, False),
    "backs": (True, False, False, False),
    "produces": (True, False, False, False),
    "supplies": (True, False, False, False),
    "form_of": (True, False, False, False),
    "member_of": (True, False, False, False),
}
_VIEW_KINDS = {"country", "company", "body", "organization", "facility", "material", "agreement"}


def supply_view(kg: KnowledgeGraph, as_of: date | str | None = None) -> nx.DiGraph:
    """The supply-dependency view: the *offers* arcs, plus the *obtains* arcs on the side.

    See the module documentation for the rules. Each arc has ``evidence``, a list of
    ``{"relation", "inverse", "sources", ...}`` dicts naming the projection edges behind it
    (``inverse`` is true when the arc runs against the edge), best first.
    ``V.graph["obtains"]`` maps each actor to its obtains arcs; :func:`for_consumer` adds them.

    Parameters
    ----------
    kg : KnowledgeGraph
    as_of : date or str, optional
        Keep only facilities, outputs and agreements active on that day. Without it, planned
        facilities are in (each step shows their status) and closed ones are out.

    Returns
    -------
    networkx.DiGraph
        Shared when ``as_of`` is ``None``: copy it before changing it.

    Raises
    ------
    InvalidParameter
        If ``as_of`` is not a date.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> V = supply_view(kg)
    >>> V.edges[kg.iri("dysprosium-oxide"), kg.iri("dysprosium")]["evidence"][0]["relation"]
    'form_of'
    """
    day = parse_date(as_of, name="as_of") if isinstance(as_of, str) else as_of
    if day is None:
        return kg.cached(("supply_view",), lambda: _build_view(projection(kg), None))
    # Dated views are cheap and their number unbounded, so they are not cached.
    return _build_view(projection(kg), day)


def for_consumer(V: nx.DiGraph, consumer: str) -> nx.DiGraph:
    """A copy of the supply view ``V`` with the *obtains* arcs of ``consumer`` added.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> V = supply_view(kg)
    >>> us = kg.iri("united-states")
    >>> V.out_degree(us) < for_consumer(V, us).out_degree(us)
    True
    """
    H = V.copy()
    for target, evidence in V.graph["obtains"].get(consumer, {}).items():
        for ev in evidence:
            _add_arc(H, consumer, target, ev)
    return H


def _build_view(G: nx.MultiDiGraph, day: date | None) -> nx.DiGraph:
    V = nx.DiGraph()
    obtains: dict[str, dict[str, list[dict]]] = {}
    V.graph["obtains"] = obtains
    keep = {n for n, d in G.nodes(data=True) if d["kind"] in _VIEW_KINDS and active_on(d, day)}
    for n in keep:
        V.add_node(n, **G.nodes[n])
    for u, v, k, d in G.edges(keys=True, data=True):
        rule = _VIEW_RULES.get(k)
        if rule is None or u not in keep or v not in keep:
            continue
        if k == "party_to" and G.nodes[v]["kind"] != "agreement":
            continue
        if k == "owns" and (d.get("share") is None or d["share"] < 0.5):
            continue
        if not _edge_active(d, day):
            continue
        evidence = {"relation": k, "sources": d["sources"]}
        for extra in ("status", "start_year", "stage", "basis", "share"):
            if extra in d:
                evidence[extra] = d[extra]
        offer_along, offer_against, obtain_along, obtain_against = rule
        if offer_along:
            _add_arc(V, u, v, {**evidence, "inverse": False})
        if offer_against:
            _add_arc(V, v, u, {**evidence, "inverse": True})
        if obtain_along:
            obtains.setdefault(u, {}).setdefault(v, []).append({**evidence, "inverse": False})
        if obtain_against:
            obtains.setdefault(v, {}).setdefault(u, []).append({**evidence, "inverse": True})
    return V


def _add_arc(V: nx.DiGraph, a: str, b: str, evidence: dict) -> None:
    if V.has_edge(a, b):
        V.edges[a, b]["evidence"].append(evidence)
        V.edges[a, b]["evidence"].sort(key=lambda e: _EVIDENCE_ORDER.index(e["relation"]))
    else:
        V.add_edge(a, b, evidence=[evidence])


_EVIDENCE_ORDER = list(_VIEW_RULES)


# Names and jurisdictions -----------------------------------------------------------------


def resolve_node(kg: KnowledgeGraph, name: str, *, kinds: Iterable[str] | None = None, what: str = "entity") -> str:
    """Resolve a name to a node of the projection, optionally of given kinds.

    Raises
    ------
    NodeNotFound
        If the name matches no entity, or one that is not a node of the wanted kinds.
    AmbiguousName
        If the name matches several entities equally well.
    InvalidParameter
        If ``name`` is blank.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> resolve_node(kg, "Dy", kinds={"material"}) == kg.iri("dysprosium")
    True
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidParameter(f"{what}: a name is required", parameter=what)
    G = projection(kg)
    wanted = set(kinds) if kinds else None
    iri = resolve(kg, name, what=what)
    if iri in G and (wanted is None or G.nodes[iri]["kind"] in wanted):
        return iri
    # The best name match is not usable: offer the close matches that are.
    suggestions = [
        s
        for s in name_index(kg).close_matches(name, n=10)
        if s["id"] in G and (wanted is None or G.nodes[s["id"]]["kind"] in wanted) and s["id"] != iri
    ][:5]
    kinds_text = " or ".join(sorted(wanted)) if wanted else "node of the supply graph"
    raise NodeNotFound(name, suggestions, what=f"{what} ({kinds_text})")


def controlled_by(G: nx.MultiDiGraph, nodes: Iterable[str]) -> set[str]:
    """The nodes plus everything located in, based in, operated or controlled by them.

    Control is a stake of at least 50 %; it is followed transitively, as are the facilities of
    every organization in the set.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> kg.iri("lynas-malaysia") in controlled_by(projection(kg), [kg.iri("malaysia")])
    True
    """
    out = set(nodes)
    frontier = list(out)
    while frontier:
        n = frontier.pop()
        found = []
        for u, _, k in G.in_edges(n, keys=True):
            if k in ("located_in", "based_in"):
                found.append(u)
        for _, v, k, d in G.out_edges(n, keys=True, data=True):
            if k == "operates" or (k == "owns" and (d.get("share") or 0) >= 0.5):
                found.append(v)
        for x in found:
            if x not in out:
                out.add(x)
                frontier.append(x)
    return out


# Helpers ---------------------------------------------------------------------------------


def _most_stated(counts: Counter) -> Any:
    return sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[0][0]


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _to_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _earlier(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _label(kg: KnowledgeGraph, iri: str | None) -> str | None:
    if iri is None:
        return None
    entry = name_index(kg).entries.get(iri)
    if entry:
        return entry.label
    return iri.rsplit("#", 1)[-1].lower()


def _capacity(r: dict) -> str | None:
    if r.get("value") is None:
        return None
    value = _number(r["value"])
    return f"{value:g} {r['unit']}" if r.get("unit") else f"{value:g}"


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
