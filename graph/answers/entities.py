"""Everything the graph says about one entity, with sources and conflicts; and its RDF.

The description is built from one query that returns the entity's statements (outgoing, and
the blank nodes they lead to such as facility outputs and capacities) and the statements that
point at it (incoming, with the blank nodes they come from such as ownership stakes), each
with the named graph, i.e. the source, that states it.

A conflict is either a functional property (``owl:FunctionalProperty``: dates, status,
operator...) with more than one value across sources, or a ``rekg:Claim`` about the entity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox
from rekg.graph.answers.evidence import Evidence, evidence
from rekg.graph.answers.measures import ClaimedValue, measure_status
from rekg.graph.answers.names import name_index, resolve
from rekg.graph.answers.refs import Ref, SourceRef, label_of, ref, source_refs, type_of, vocab_name
from rekg.graph.errors import InvalidParameter, NodeNotFound, UnsupportedFormat
from rekg.graph.formats import Format, pick
from rekg.graph.kg import KnowledgeGraph, to_python
from rekg.graph.results import Result
from rekg.graph.rules import current_reports
from rekg.ontology import DCTERMS, OWL, RDF, RDFS, REKG, SKOS

__all__ = [
    "ENTITY_RDF_FORMATS",
    "ClaimInfo",
    "Conflict",
    "EntityDescription",
    "Label",
    "Neighbour",
    "Part",
    "RelationGroup",
    "Statement",
    "StatusToday",
    "Value",
    "describe_entity",
    "entity_iri",
    "entity_rdf",
]

# One query per direction: simple patterns every SPARQL server evaluates (Virtuoso rejects
# the same as one UNION). ?s is the subject of each returned statement.
_QUADS = {
    "out": "SELECT ?e ?s ?p ?o ?g WHERE { GRAPH ?g { ?e ?p ?o } BIND(?e AS ?s) }",
    # The blank nodes the entity points at (outputs, capacities), and the ones they point at.
    "out-node": "SELECT ?e ?s ?p ?o ?g WHERE { ?e ?p1 ?s . FILTER(isBlank(?s)) GRAPH ?g { ?s ?p ?o } }",
    "out-node-2": """SELECT ?e ?s ?p ?o ?g WHERE {
        ?e ?p1 ?b1 . ?b1 ?p2 ?s . FILTER(isBlank(?b1) && isBlank(?s)) GRAPH ?g { ?s ?p ?o } }""",
    "in": "SELECT ?e ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?e } BIND(?e AS ?o) }",
    # Blank nodes pointing at the entity (ownership stakes, outputs), with what they say...
    "in-node": "SELECT ?e ?s ?p ?o ?g WHERE { ?s ?p1 ?e . FILTER(isBlank(?s)) GRAPH ?g { ?s ?p ?o } }",
    # ...and who points at them (the facility of an output).
    "in-parent": "SELECT ?e ?s ?p ?o ?g WHERE { ?o ?p1 ?e . FILTER(isBlank(?o)) GRAPH ?g { ?s ?p ?o } }",
}

_FUNCTIONAL = "SELECT ?p WHERE { ?p a owl:FunctionalProperty }"
_STATES = "SELECT ?p WHERE { ?p a rekg:StateProperty }"
_FORM_ROOTS = "SELECT ?m ?root WHERE { ?m rekg:formOf ?root }"

_CLAIMS = """
SELECT ?e ?claim ?claimant ?status ?disputedBy ?property ?value ?g WHERE {
    GRAPH ?g { ?claim a rekg:Claim ; rekg:about ?e }
    OPTIONAL { ?claim rekg:claimant ?claimant }
    OPTIONAL { ?claim rekg:claimedStatus ?status }
    OPTIONAL { ?claim rekg:disputedBy ?disputedBy }
    OPTIONAL { ?claim rekg:claimedProperty ?property ; rekg:claimedValue ?value }
}
"""

#: Labels for properties outside the rekg vocabulary (rekg's own come from the ontology).
_PROPERTY_LABELS = {
    str(RDF.type): "type",
    str(RDFS.label): "name",
    str(RDFS.comment): "description",
    str(SKOS.altLabel): "also called",
    str(SKOS.prefLabel): "preferred name",
    str(SKOS.exactMatch): "same as",
    str(SKOS.broader): "belongs to group",
    str(SKOS.inScheme): "in scheme",
    str(SKOS.notation): "notation",
    str(DCTERMS.title): "title",
    str(DCTERMS.publisher): "publisher",
    str(DCTERMS.date): "date",
    str(DCTERMS.creator): "author",
    str(OWL.sameAs): "same as",
}
#: How an incoming relation reads from the entity's side ("Lynas Malaysia plant" -> "produced by").
_INVERSE_LABELS = {
    str(REKG.produces): "produced by",
    str(REKG.operator): "operator of",
    str(REKG.locatedIn): "location of",
    str(REKG.restricts): "restricted by",
    str(REKG.imposedBy): "imposes",
    str(REKG.issuedBy): "issues",
    str(REKG.targets): "targeted by",
    str(REKG.party): "party to",
    str(REKG.participant): "took part in",
    str(REKG.suspends): "suspended by",
    str(REKG.suspendedBy): "suspends",
    str(REKG.creates): "created by",
    str(REKG.formOf): "forms",
    str(REKG.madeFrom): "goes into",
    str(REKG.usedIn): "uses",
    str(REKG.material): "material of",
    str(REKG.country): "country of",
    str(REKG.place): "place of",
    str(REKG.owner): "stakes held",
    str(REKG.ownedCompany): "owned through",
    str(REKG.about): "subject of",
    str(REKG.claimant): "claims made",
    str(REKG.subject): "figures about it",
    str(REKG.outcomeOf): "outcome",
    str(REKG.covers): "covered by",
    str(REKG.implements): "implemented by",
    str(REKG.output): "output of",
    str(REKG.includes): "part of package",
    str(REKG.lifts): "lifted by",
    str(REKG.facility): "backed by",
    str(REKG.respondsTo): "answered by",
    str(REKG.supplies): "supplied by",
    str(SKOS.broader): "members",
    str(DCTERMS.publisher): "published",
}
_NAME_PROPS = {str(RDFS.label), str(SKOS.altLabel), str(SKOS.prefLabel)}
_FIRST = [str(RDF.type), str(RDFS.comment)]

#: The RDF formats an entity is offered in, by key; the quad formats keep the source of each statement.
ENTITY_RDF_FORMATS: dict[str, Format] = pick("graph", "ttl", "jsonld", "trig", "nt", "nq")


@dataclass
class Value(Result):
    """The object of a statement: an entity (``iri``), a ``literal``, or a blank ``node`` with its parts."""

    kind: str
    """iri, literal or node."""
    label: str
    """How to show it: a label, a literal's text, or a node's summary."""
    id: str | None = None
    """The IRI, for kind iri."""
    type: str | None = None
    """What the entity or node is."""
    datatype: str | None = None
    """A literal's datatype IRI."""
    lang: str | None = None
    """A literal's language tag."""
    parts: list[Part] = field(default_factory=list)
    """A node's own statements."""


@dataclass
class Part(Result):
    """One statement about a blank node (an output's material, a stake's share...)."""

    property: str
    """The property IRI."""
    label: str
    """The property in words."""
    value: Value
    """Its value."""


@dataclass
class Statement(Result):
    """One value of a relation with the sources that state it."""

    value: Value
    """The value."""
    sources: list[SourceRef]
    """The sources stating it."""
    reference: bool = False
    """Stated in the shared entities file (identity data), not by a source."""
    conflict: bool = False
    """Sources disagree about this value."""
    superseded: bool = False
    """An earlier report of a state (a status) that a later source updates: not a conflict."""


@dataclass
class RelationGroup(Result):
    """All values of one property: ``out`` (the entity's own) or ``in`` (pointing at it)."""

    property: str
    """The property IRI."""
    label: str
    """How the relation reads from the entity's side."""
    direction: str
    """out or in."""
    statements: list[Statement]
    """Its values, each with its sources."""
    functional: bool = False
    """owl:FunctionalProperty: one value expected."""


@dataclass
class Conflict(Result):
    """Sources that disagree: a functional property with several values, or a claim."""

    kind: str
    """functional or claim."""
    property: str | None
    """The property disagreed on, if one."""
    label: str
    """The property or claim in words."""
    values: list[Statement]
    """The values given."""
    detail: str
    """Who says what, in words."""


@dataclass
class ClaimInfo(Result):
    """A ``rekg:Claim`` about the entity."""

    id: str
    """The claim's IRI."""
    label: str
    """English label."""
    claimant: Ref | None
    """Who makes the claim."""
    claimed_status: str | None
    """The status claimed, if any."""
    claimed_values: list[ClaimedValue]
    """Values claimed for the entity's properties."""
    disputed_by: list[SourceRef]
    """Sources disputing it."""
    sources: list[SourceRef]
    """Sources reporting it."""


@dataclass
class Neighbour(Result):
    """An entity one step away, for the graph view."""

    id: str
    """Its IRI."""
    label: str
    """English label."""
    type: str | None
    """What it is."""
    relation: str
    """The relation joining it to the entity, in words."""
    direction: str
    """out or in."""


@dataclass
class Label(Result):
    """One ``rdfs:label`` of the entity."""

    value: str
    """The label."""
    lang: str | None
    """Its language tag."""


@dataclass
class StatusToday(Result):
    """For a measure: its status today, derived from its dates (see ``GET /measures``)."""

    on: date
    """Today."""
    status: str
    """The status that day."""
    reason: str
    """Why, in words."""
    projected: bool
    """Derived from dates older sources scheduled, not reported by a source (see ``GET /measures``)."""
    stale: bool
    """A reported status older than the stale limit."""
    contested: bool
    """A date sources disagree on could change it."""
    possible_statuses: list[str]
    """Every status the disputed dates allow."""


@dataclass
class EntityDescription(Result):
    """Everything about one entity, grouped by relation, each statement with its sources."""

    id: str
    """The entity's IRI."""
    label: str
    """English label."""
    type: str | None
    """What it is, in words."""
    types: list[Ref]
    """Its classes."""
    labels: list[Label]
    """Every rdfs:label with its language."""
    aliases: list[str]
    """Other names and symbols (skos:altLabel)."""
    facts: list[RelationGroup]
    """Its own statements, by property."""
    incoming: list[RelationGroup]
    """Statements pointing at it, by property."""
    conflicts: list[Conflict]
    """Where sources disagree about it."""
    claims: list[ClaimInfo]
    """Claims about it."""
    sources: list[SourceRef]
    """Every source saying something about it."""
    neighbours: list[Neighbour]
    """Entities one step away."""
    status_today: StatusToday | None = None
    """For a measure: its status today."""
    evidence: Evidence | None = None
    """What the description rests on and how fresh that is."""
    formats: dict[str, str] = field(default_factory=dict)
    """Links to this entity in the other formats (set by the HTTP API, which knows its paths)."""


def entity_iri(kg: KnowledgeGraph, name: str) -> str:
    """The IRI an entity id, CURIE, IRI or name stands for.

    ``lynas``, ``id:lynas``, the full IRI, ``source/caixin-2025-11`` and any name
    :func:`rekg.graph.answers.names.resolve` knows all work; an IRI must occur in the graph.

    Raises
    ------
    NodeNotFound
        If nothing in the graph has that IRI or name (lists close matches).
    InvalidParameter
        If ``name`` is blank.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> entity_iri(kg, "lynas") == entity_iri(kg, "id:lynas") == entity_iri(kg, "Lynas Rare Earths") == kg.iri("lynas")
    True
    >>> entity_iri(kg, "source/caixin-2025-11") == str(kg.ns.source["caixin-2025-11"])
    True
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidParameter("give an entity id, IRI or name", parameter="id")
    name = name.strip()
    candidates = []
    if "://" in name:
        candidates.append(name)
    elif name.startswith(("id:", "src:")):
        ns = kg.ns.id if name.startswith("id:") else kg.ns.source
        candidates.append(str(ns[name.split(":", 1)[1]]))
    elif name.startswith(("id/", "source/")):
        candidates.append(kg.ns.base + name)
    elif "/" not in name and " " not in name:
        candidates.append(kg.iri(name))
    for c in candidates:
        if _exists(kg, c):
            return c
    if "://" in name and not name.startswith(kg.ns.base):
        raise NodeNotFound(name, [], what="entity")
    return resolve(kg, name.rsplit("/", 1)[-1] if "://" in name else name, what="entity")


def _exists(kg: KnowledgeGraph, iri: str) -> bool:
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return False
    return kg.ask("ASK { { ?e ?p ?o } UNION { ?s ?p ?e } }", e=node)


def _functional(kg: KnowledgeGraph) -> frozenset[str]:
    return kg.cached("analyst.functional", lambda: frozenset(r["p"] for r in kg.select(_FUNCTIONAL)))


def _property_label(kg: KnowledgeGraph, prop: str) -> str:
    if prop in _PROPERTY_LABELS:
        return _PROPERTY_LABELS[prop]
    entry = name_index(kg).entries.get(prop)
    return entry.label if entry else label_of(kg, prop)


def _term_key(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    return str(term)


def _quads(kg: KnowledgeGraph, iri: str) -> list[tuple[str, ox.Quad]]:
    node = ox.NamedNode(iri)
    out = []
    for direction, sparql in _QUADS.items():
        for sol in kg.store.query(sparql, prefixes=kg.prefixes, substitutions={"e": node}):
            # Some stores leave the entity's own end of "out" and "in" rows unbound.
            s, o = sol["s"] or node, sol["o"] or node
            out.append(("out-node" if direction == "out-node-2" else direction, ox.Quad(s, sol["p"], o, sol["g"])))
    return out


def describe_entity(kg: KnowledgeGraph, iri: str) -> EntityDescription:
    """Everything about one entity, grouped by relation, each statement with its sources.

    Parameters
    ----------
    kg : KnowledgeGraph
    iri : str
        The entity's IRI, id (``lynas``), CURIE or name.

    Returns
    -------
    EntityDescription
        Facts (outgoing) and incoming relations grouped by property, conflicts (functional
        properties with several values, claims), sources, and neighbours for a graph view.

    Raises
    ------
    NodeNotFound
        If nothing in the graph is called that.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> d = describe_entity(kg, "lynas-malaysia")
    >>> d.label, d.type
    ('Lynas Malaysia plant', 'facility')
    >>> [g.label for g in d.facts if g.property.endswith("#operator")]
    ['operator']
    """
    iri = entity_iri(kg, iri)
    quads = _quads(kg, iri)
    if not quads:
        raise NodeNotFound(iri, [], what="entity")
    functional = _functional(kg)
    entities_graph = kg.ns.entities_graph

    # Blank nodes met along the way, with their own statements, to show them as one value.
    node_facts: dict[str, dict[tuple[str, str], tuple[ox.Quad, set[str]]]] = {}
    out: dict[str, dict[str, tuple[ox.Quad, set[str]]]] = {}
    incoming: dict[str, dict[str, tuple[ox.Quad, set[str]]]] = {}
    labels: dict[tuple[str, str | None], None] = {}
    aliases: dict[str, None] = {}
    all_graphs: set[str] = set()
    for direction, q in quads:
        g = q.graph_name.value
        all_graphs.add(g)
        if direction in ("out-node", "in-node"):
            slot = node_facts.setdefault(_term_key(q.subject), {})
            key = (q.predicate.value, _term_key(q.object))
            slot.setdefault(key, (q, set()))[1].add(g)
            continue
        if direction == "out":
            if q.predicate.value == str(RDFS.label) and isinstance(q.object, ox.Literal):
                labels[(q.object.value, q.object.language)] = None
            elif q.predicate.value in (str(SKOS.altLabel), str(SKOS.prefLabel)) and isinstance(q.object, ox.Literal):
                aliases[q.object.value] = None
            table = out
            key = _term_key(q.object)
        else:
            table = incoming
            # "in-parent" rows point at a blank node that points at the entity: group them under
            # the blank node's relation to the entity, shown from the parent's side.
            key = _term_key(q.subject)
        table.setdefault(q.predicate.value, {}).setdefault(key, (q, set()))[1].add(g)

    def value_of(term: ox.NamedNode | ox.BlankNode | ox.Literal, depth: int = 0) -> Value:
        if isinstance(term, ox.NamedNode):
            return Value(kind="iri", id=term.value, label=label_of(kg, term.value), type=type_of(kg, term.value))
        if isinstance(term, ox.Literal):
            py = to_python(term)
            text = py.isoformat() if isinstance(py, date) else term.value
            dt = term.datatype.value if term.datatype else None
            return Value(kind="literal", label=text, datatype=dt, lang=term.language)
        parts: list[Part] = []
        node_type = None
        for (p, _), (q, _) in sorted(node_facts.get(_term_key(term), {}).items()):
            if p == str(RDF.type) and isinstance(q.object, ox.NamedNode):
                node_type = vocab_name(q.object.value)
                continue
            if depth < 3:
                parts.append(Part(p, _property_label(kg, p), value_of(q.object, depth + 1)))
        summary = ", ".join(f"{x.label} {x.value.label}" for x in parts) or "(no details)"
        return Value(kind="node", label=f"{node_type or 'node'}: {summary}", type=node_type, parts=parts)

    def statement(q: ox.Quad, graphs: set[str], side: str) -> Statement:
        term = q.object if side == "out" else q.subject
        return Statement(
            value=value_of(term),
            sources=source_refs(kg, graphs),
            reference=entities_graph in graphs,
        )

    def groups(table: dict, direction: str) -> list[RelationGroup]:
        result = []
        for prop, values in table.items():
            if direction == "out" and prop in _NAME_PROPS:
                continue
            stmts = [statement(q, gs, direction) for q, gs in values.values()]
            stmts.sort(key=lambda s: s.value.label.casefold())
            label = _property_label(kg, prop)
            result.append(
                RelationGroup(
                    property=prop,
                    label=label if direction == "out" else _INVERSE_LABELS.get(prop, f"{label} of"),
                    direction=direction,
                    statements=stmts,
                    functional=prop in functional,
                )
            )
        order = {p: i for i, p in enumerate(_FIRST)}
        return sorted(result, key=lambda g: (order.get(g.property, len(order)), g.label))

    facts = groups(out, "out")
    inc = groups(incoming, "in")

    conflicts: list[Conflict] = []
    states = _state_properties(kg)
    for grp in facts:
        if grp.functional and len(grp.statements) > 1:
            contested = _contested(grp.statements) if grp.property in states else grp.statements
            for s in contested:
                s.conflict = True
            if contested:
                detail = "; ".join(f"{s.value.label} ({_cited(s.sources) or 'entities file'})" for s in contested)
                conflicts.append(Conflict("functional", grp.property, grp.label, contested, detail))

    conflicts += _node_conflicts(kg, facts, functional, states)

    claims = _claims(kg, iri)
    for c in claims:
        who = c.claimant.label if c.claimant else "someone"
        said = [f"it is {c.claimed_status}"] if c.claimed_status else []
        said += [f"its {v.property} is {v.value}" for v in c.claimed_values]
        detail = f"{who} claims {' and '.join(said) or 'otherwise'}"
        if c.disputed_by:
            detail += "; disputed by " + _cited(c.disputed_by)
        conflicts.append(
            Conflict(
                "claim",
                str(REKG.claimedStatus),
                c.label,
                [Statement(Value(kind="iri", id=c.id, label=c.label, type="claim"), c.sources)],
                detail,
            )
        )

    type_refs = sorted(
        (ref(kg, v.value.id) for g in facts if g.property == str(RDF.type) for v in g.statements if v.value.id),
        key=lambda r: r.label,
    )
    return EntityDescription(
        id=iri,
        label=label_of(kg, iri),
        type=type_of(kg, iri),
        types=type_refs,
        labels=[Label(value=v, lang=lang) for v, lang in labels],
        aliases=sorted(aliases, key=str.casefold),
        facts=facts,
        incoming=inc,
        conflicts=conflicts,
        claims=claims,
        sources=source_refs(kg, all_graphs),
        neighbours=_neighbours(kg, iri, facts, inc),
        status_today=(today := _status_today(kg, iri)),
        evidence=evidence(
            kg, date.today(), all_graphs, projected=bool(today and today.projected), about=ref(kg, iri).label
        ),
    )


def _status_today(kg: KnowledgeGraph, iri: str) -> StatusToday | None:
    st = measure_status(kg, iri)
    if st is None:
        return None
    return StatusToday(
        on=date.today(),
        status=st.status,
        reason=st.reason,
        projected=st.projected,
        stale=st.stale,
        contested=st.contested,
        possible_statuses=st.possible_statuses,
    )


def _state_properties(kg: KnowledgeGraph) -> frozenset[str]:
    """Properties whose value is a state that changes (``rekg:StateProperty``), from the ontology."""
    return kg.cached("analyst.state_properties", lambda: frozenset(r["p"] for r in kg.select(_STATES)))


def _contested(stmts: list[Statement]) -> list[Statement]:
    """Of several values of a state, those reported at the moment of the newest report (they
    contest each other if they differ); the older ones are marked superseded (rules.current_reports)."""
    current = current_reports(
        {i: [(s.date, s.date_precision) for s in st.sources if s.date] for i, st in enumerate(stmts)}
    )
    for i, st in enumerate(stmts):
        st.superseded = i not in current
    kept = [st for i, st in enumerate(stmts) if i in current]
    return kept if len({st.value.label for st in kept}) > 1 else []


def _node_conflicts(
    kg: KnowledgeGraph, facts: list[RelationGroup], functional: frozenset[str], states: frozenset[str]
) -> list[Conflict]:
    """Qualified nodes (outputs...) that sources write separately for the same material (or forms
    of one element) but with different values of a functional property. A status is a state: a
    later source's value supersedes an earlier one's (Lynas, May 2025: terbium planned; Caixin,
    November 2025: operating) and only values reported at the same moment conflict."""
    found = []
    material = str(REKG.material)
    roots = kg.cached("analyst.form_roots", lambda: {r["m"]: r["root"] for r in kg.select(_FORM_ROOTS)})
    for grp in facts:
        by_material: dict[str, list[Statement]] = {}
        for st in grp.statements:
            if st.value.kind != "node":
                continue
            key = next((p.value.id for p in st.value.parts if p.property == material and p.value.id), None)
            if key:
                by_material.setdefault(roots.get(key, key), []).append(st)
        for stmts in by_material.values():
            if len(stmts) < 2:
                continue
            values: dict[str, dict[str, list[Statement]]] = {}
            state_labels = set()
            for st in stmts:
                for p in st.value.parts:
                    if p.property in functional:
                        values.setdefault(p.label, {}).setdefault(p.value.label, []).append(st)
                        if p.property in states:
                            state_labels.add(p.label)
            for prop_label, by_value in values.items():
                if prop_label in state_labels:
                    involved = [st for group in by_value.values() for st in group]
                    current = set(map(id, _contested(involved))) if len(by_value) > 1 else {id(st) for st in involved}
                    by_value = {v: [st for st in g if id(st) in current] for v, g in by_value.items()}
                    by_value = {v: g for v, g in by_value.items() if g}
                if len(by_value) < 2:
                    continue
                involved = [st for group in by_value.values() for st in group]
                for st in involved:
                    st.conflict = True
                what = next(p.value.label for p in stmts[0].value.parts if p.property == material)
                detail = "; ".join(
                    f"{value} ({_cited([s for st in group for s in st.sources]) or 'entities file'})"
                    for value, group in sorted(by_value.items())
                )
                found.append(
                    Conflict("functional", grp.property, f"{grp.label} {what}: {prop_label}", involved, detail)
                )
    return found


def _cited(sources: list[SourceRef]) -> str:
    return ", ".join(s.publisher or s.title or s.id for s in sources)


def _claims(kg: KnowledgeGraph, iri: str) -> list[ClaimInfo]:
    found: dict[str, dict] = {}
    for r in kg.select(_CLAIMS, e=ox.NamedNode(iri)):
        c = found.setdefault(
            r["claim"],
            {
                "claimant": r.get("claimant"),
                "status": r.get("status"),
                "disputed": set(),
                "graphs": set(),
                "values": set(),
            },
        )
        c["graphs"].add(r["g"])
        if "disputedBy" in r:
            c["disputed"].add(r["disputedBy"])
        if "property" in r and "value" in r:
            value = r["value"].isoformat() if isinstance(r["value"], date) else str(r["value"])
            c["values"].add((_property_label(kg, r["property"]), label_of(kg, value) if "://" in value else value))
    return [
        ClaimInfo(
            id=c_iri,
            label=label_of(kg, c_iri),
            claimant=ref(kg, c["claimant"]),
            claimed_status=vocab_name(c["status"]),
            claimed_values=[ClaimedValue(property=p, value=v) for p, v in sorted(c["values"])],
            disputed_by=source_refs(kg, c["disputed"]),
            sources=source_refs(kg, c["graphs"]),
        )
        for c_iri, c in sorted(found.items())
    ]


def _neighbours(
    kg: KnowledgeGraph, iri: str, facts: list[RelationGroup], incoming: list[RelationGroup], limit: int = 48
) -> list[Neighbour]:
    """Entities one step away (through blank nodes too), skipping vocabulary terms."""
    vocab = (str(REKG), str(RDF), str(RDFS), str(OWL), str(SKOS))
    found: dict[str, Neighbour] = {}

    def visit(v: Value, relation: str, direction: str) -> None:
        if (
            v.kind == "iri"
            and v.id
            and v.id != iri
            and v.id.startswith(kg.ns.base)
            and not v.id.startswith(vocab)
            and v.id not in found
        ):
            found[v.id] = Neighbour(v.id, v.label, v.type, relation, direction)
        for part in v.parts:
            visit(part.value, f"{relation} / {part.label}" if direction == "out" else relation, direction)

    for grp in facts:
        if grp.property in (str(RDF.type), str(SKOS.inScheme)):
            continue
        for s in grp.statements:
            visit(s.value, grp.label, "out")
    for grp in incoming:
        for s in grp.statements:
            visit(s.value, grp.label, "in")
    return list(found.values())[:limit]


def entity_rdf(kg: KnowledgeGraph, iri: str, fmt: str) -> tuple[bytes, str]:
    """The statements about one entity (as :func:`describe_entity` reads them) in an RDF format.

    Parameters
    ----------
    kg : KnowledgeGraph
    iri : str
        The entity's IRI, id or name.
    fmt : str
        ``ttl`` or ``nt`` (the union of sources) or ``jsonld``, ``trig``, ``nq`` (each statement
        in the named graph of its source).

    Returns
    -------
    (bytes, media type)

    Raises
    ------
    UnsupportedFormat
        If ``fmt`` is not one of :data:`ENTITY_RDF_FORMATS`.
    NodeNotFound
        If the entity is unknown.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> body, media = entity_rdf(kg, "lynas", "ttl")
    >>> media, b"Lynas" in body
    ('text/turtle', True)
    """
    if fmt not in ENTITY_RDF_FORMATS:
        raise UnsupportedFormat(f"unknown RDF format {fmt!r}; choose one of {', '.join(ENTITY_RDF_FORMATS)}")
    iri = entity_iri(kg, iri)
    quads = [q for _, q in _quads(kg, iri)]
    if not quads:
        raise NodeNotFound(iri, [], what="entity")
    written = ENTITY_RDF_FORMATS[fmt]
    if written.quads:
        return ox.serialize(list(dict.fromkeys(quads)), format=written.rdf, prefixes=kg.prefixes), written.media_type
    triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
    return ox.serialize(triples, format=written.rdf, prefixes=kg.prefixes), written.media_type
