"""The supply view: the projection as a directed graph of who can obtain what, and what the analyses share.

:func:`supply_view` turns the projection (:mod:`rekg.graph.network.projection`) into a directed
graph for supply-dependency questions. Every arc keeps the projection edges it comes from
(``relation``, ``inverse``, ``sources``) so each step of a path can be explained. There are two
sorts of arc.

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

Government bodies act for their country (the rule of :func:`rekg.graph.rules.acting_for`: a
government body based in a country): a country also obtains through the agreements its bodies
are party to, so the Department of Defense's deal with MP Materials is a US deal. Such an arc's
evidence names the body in ``via``.

So "the US gets dysprosium" means a chain such as *the United States is party to a supply deal
to which Malaysia is party; Malaysia hosts the Lynas plant; the plant produces dysprosium oxide;
dysprosium oxide is a form of dysprosium*. Nothing in it is special-cased: the same rules give
every path. Measures, sectors and meetings do not carry supply, so they are not in the view.

Besides the view, this module holds what the analysis families share: name resolution to
nodes (:func:`resolve_node`), jurisdictions (:func:`controlled_by`), whether a node is active
on a day (:func:`active_on`), the :class:`Citation` of a source, and private helpers for
parameters and material closures.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import networkx as nx
from rekg.graph.answers.names import name_index, resolve
from rekg.graph.dates import parse_date
from rekg.graph.errors import AmbiguousName, InvalidParameter, NodeNotFound
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.network.projection import DELIVERING, NodeRef, node_ref, projection
from rekg.graph.results import Result
from rekg.graph.rules import body_countries, within

__all__ = [
    "ACTOR_KINDS",
    "VIEW_KINDS",
    "Citation",
    "active_on",
    "controlled_by",
    "for_consumer",
    "resolve_node",
    "resolve_nodes",
    "supply_view",
]

T = TypeVar("T")

#: Node kinds of the supply view: the actors, facilities, materials and agreements that carry supply.
VIEW_KINDS = frozenset({"country", "company", "body", "organization", "facility", "material", "agreement"})


@dataclass(frozen=True)
class Citation(Result):
    """A source graph that states a fact."""

    id: str
    """IRI of the source and of its named graph."""
    title: str
    """Title of the document."""
    date: str | None = None
    """Publication date (ISO)."""


# Activity on a day -----------------------------------------------------------------------


def active_on(attrs: dict, day: date | None) -> bool:
    """Whether a node with these attributes is active on ``day``.

    Measures are active while in force, agreements while valid, operating facilities from their
    start; closed and planned facilities never are on a day (a plan is not supply, whatever year it
    is due: the rule ``/suppliers`` applies with ``as_of``). Nodes without dates (countries,
    materials) always are. With ``day=None`` only closed facilities are inactive.

    Parameters
    ----------
    attrs : dict
        The attributes of a node of the projection (``spells`` and ``status`` are read).
    day : date or None

    Returns
    -------
    bool

    Examples
    --------
    >>> m = {"kind": "measure", "spells": [("2025-04-04", "2025-11-09"), ("2026-11-10", None)]}
    >>> active_on(m, date(2025, 6, 1)), active_on(m, date(2026, 1, 1)), active_on(m, date(2027, 1, 1))
    (True, False, True)
    """
    if day is None:
        return attrs.get("status") != "closed"
    if attrs.get("kind") == "facility" and attrs.get("status") == "planned":
        return False
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
    day = parse_date(as_of, name="as_of")
    if day is None:
        return kg.cached(("supply_view",), lambda: _build_view(projection(kg), None, body_countries(kg)))
    # Dated views are cheap and their number unbounded, so they are not cached.
    return _build_view(projection(kg), day, body_countries(kg))


def for_consumer(V: nx.DiGraph, consumer: str) -> nx.DiGraph:
    """A copy of the supply view ``V`` with the *obtains* arcs of ``consumer`` added.

    Parameters
    ----------
    V : networkx.DiGraph
        A supply view (:func:`supply_view`); it is not changed.
    consumer : str
        The IRI of the actor whose obtains arcs to add.

    Returns
    -------
    networkx.DiGraph
        A new graph: paths from ``consumer`` in it are what it can obtain.

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


def _build_view(G: nx.MultiDiGraph, day: date | None, acts_for: dict[str, str]) -> nx.DiGraph:
    V = nx.DiGraph()
    obtains: dict[str, dict[str, list[dict]]] = {}
    V.graph["obtains"] = obtains
    keep = {n for n, d in G.nodes(data=True) if d["kind"] in VIEW_KINDS and active_on(d, day)}
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
    # A body's obtains arcs are its country's too (after the country's own, which explain first).
    for body in list(V):
        country = acts_for.get(body)
        if country not in V or body not in obtains:
            continue
        for target, evidence in obtains[body].items():
            if target != country:
                own = obtains.setdefault(country, {}).setdefault(target, [])
                own += [{**ev, "via": body} for ev in evidence]
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

    Parameters
    ----------
    kg : KnowledgeGraph
    name : str
        A name, alias, code or IRI as a user types it.
    kinds : iterable of str, optional
        Accept only nodes of these kinds (see :data:`rekg.graph.network.projection.KINDS`).
    what : str
        What the name stands for, for error messages (``"source"``, ``"material"``...).

    Returns
    -------
    str
        The IRI of the node.

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
    try:
        iri = resolve(kg, name, what=what)
    except AmbiguousName as exc:
        # A measure and the source document that enacts it may share a name: only one of them is
        # of the wanted kind, and then the name is not ambiguous here.
        fitting = {
            c["id"]
            for c in exc.extra.get("candidates", [])
            if c["id"] in G and (wanted is None or G.nodes[c["id"]]["kind"] in wanted)
        }
        if len(fitting) == 1:
            return fitting.pop()
        raise
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

    The control rule of :func:`rekg.graph.rules.within`: a stake of at least 50 % passes control
    on, transitively, as do the facilities of every organization in the set.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The projection (:func:`rekg.graph.network.projection.projection`).
    nodes : iterable of str
        IRIs of countries, organizations or facilities.

    Returns
    -------
    set of str

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> kg.iri("lynas-malaysia") in controlled_by(projection(kg), [kg.iri("malaysia")])
    True
    """
    # The projection's edges carry the links the rule follows; the rule itself is in rules.py.
    parts: dict[str, list[str]] = {}
    stakes: list[tuple[str, str, float]] = []
    for u, v, k, d in G.edges(keys=True, data=True):
        if k in ("located_in", "based_in"):
            parts.setdefault(v, []).append(u)
        elif k == "operates":
            parts.setdefault(u, []).append(v)
        elif k == "owns" and d.get("share") is not None:
            stakes.append((u, v, d["share"]))
    return within(nodes, parts, stakes)


# Helpers the analysis families share -----------------------------------------------------

#: How many dated results (a day's measures, a day's centrality scores) are kept per graph version.
_MEMO_SIZE = 64


def _memo(kg: KnowledgeGraph, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept per graph version among the last :data:`_MEMO_SIZE` keys.

    Dated results cannot all go to ``kg.cached``: callers choose the day, so there is no bound
    on how many there are.
    """
    lock, store = kg.cached(("network.memo",), lambda: (threading.Lock(), OrderedDict()))
    with lock:
        if key in store:
            store.move_to_end(key)
            return store[key]
    value = compute()
    with lock:
        store[key] = value
        while len(store) > _MEMO_SIZE:
            store.popitem(last=False)
    return value


def _arc_sources(V: nx.DiGraph, arcs: Iterable[tuple[str, str]]) -> set[str]:
    """The source graphs behind arcs of a view."""
    return {g for a, b in arcs if V.has_edge(a, b) for ev in V.edges[a, b]["evidence"] for g in ev["sources"]}


def _node_sources(G: nx.MultiDiGraph | nx.DiGraph, nodes: Iterable[str]) -> set[str]:
    """The source graphs that state nodes."""
    return {g for n in nodes if n in G for g in G.nodes[n].get("sources", ())}


def _citations(G: nx.MultiDiGraph, graphs: Iterable[str]) -> list[Citation]:
    """A :class:`Citation` for each source graph, titled as the projection knows it."""
    known = G.graph.get("sources", {})
    out = []
    for g in graphs:
        info = known.get(g)
        if info:
            out.append(Citation(g, info["title"], info.get("date")))
        else:
            out.append(Citation(g, g.rstrip("/").rsplit("/", 1)[-1]))
    return out


def _refs(G: nx.MultiDiGraph, nodes: Iterable[str]) -> list[NodeRef]:
    """The :class:`NodeRef` of each node, by label."""
    return sorted((node_ref(G, n) for n in nodes), key=lambda r: r.label.casefold())


def _offers(V: nx.DiGraph, material: str) -> set[str]:
    """The material and every material that offers it (its forms, the members of a group)."""
    out = {material}
    frontier = [material]
    while frontier:
        x = frontier.pop()
        for p in V.predecessors(x):
            if p not in out and V.nodes[p]["kind"] == "material":
                out.add(p)
                frontier.append(p)
    return out


def _delivers(V: nx.DiGraph, u: str, v: str) -> bool:
    """Whether the arc ``u → v`` hands over a material (rather than passing on an offer)."""
    return any(e["relation"] in DELIVERING for e in V.edges[u, v]["evidence"])


def _without(V: nx.DiGraph, nodes: set[str], arcs: set[tuple[str, str]]) -> nx.DiGraph:
    """``V`` less some nodes and arcs, as a view (``V`` itself when there is nothing to hide)."""
    if not nodes and not arcs:
        return V
    return nx.restricted_view(V, nodes, arcs)


def _int_in(value: object, name: str, low: int, high: int) -> int:
    """``value`` if it is a whole number from ``low`` to ``high``; else :class:`InvalidParameter`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameter(f"{name}: expected a whole number, got {value!r}", parameter=name)
    if not low <= value <= high:
        raise InvalidParameter(f"{name}: {value} is not between {low} and {high}", parameter=name)
    return value


def _names(values: Iterable[str] | str | None, name: str) -> list[str]:
    """Names as given: a list, or one string; blanks dropped. Commas are left to :func:`resolve_nodes`."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out = []
    for v in values:
        if not isinstance(v, str):
            raise InvalidParameter(f"{name}: expected names, got {type(v).__name__}", parameter=name)
        if v.strip():
            out.append(v.strip())
    for p in out:
        if len(p) > 500:
            raise InvalidParameter(f"{name}: a name is at most 500 characters", parameter=name)
    return list(dict.fromkeys(out))


#: What can be removed from the supply network or avoided: actors and their plants (a country takes
#: what is located or based in it; a firm, what it operates or controls).
ACTOR_KINDS = frozenset({"country", "company", "body", "organization", "facility"})


def resolve_nodes(
    kg: KnowledgeGraph, names: Iterable[str], *, kinds: Iterable[str] | None = None, what: str = "entity"
) -> list[str]:
    """Resolve each name, whole first: ``"MOFCOM Announcement 2024 No. 46, clause 2"`` is one name.

    A name that resolves to nothing but holds commas is read as a list (``"China, Russia"``, as
    people type several names into one field); each part must then resolve.

    Raises
    ------
    NodeNotFound, AmbiguousName, InvalidParameter
        As :func:`resolve_node`, for the whole name or for a part of it.
    """
    out: list[str] = []
    for name in names:
        try:
            out.append(resolve_node(kg, name, kinds=kinds, what=what))
        except NodeNotFound:
            parts = [p.strip() for p in name.split(",") if p.strip()]
            if len(parts) < 2:
                raise
            out += [resolve_node(kg, p, kinds=kinds, what=what) for p in parts]
    return list(dict.fromkeys(out))
