"""Trade measures and their status on a day, agreements and meetings, and a timeline of events.

Status of a measure on day D (never stored; derived from its dates as the modelling guide says)
-------------------------------------------------------------------------------------------------
* **lifted**: ``endedOn <= D``.
* **lapsed**: the measure's own term ran out: ``validUntil <= D``; a measure that only suspends
  others (MOFCOM 2025 No. 70) lapses once every suspension it made has run out.
* **suspended**: ``suspendedFrom <= D < suspendedUntil``. Dates the measure does not state come
  from what suspended it (``rekg:suspendedBy`` or the inverse ``rekg:suspends``; a suspension
  order or measure before an agreement): its ``effectiveFrom``, ``date`` or ``announcedOn`` for
  the start and its ``validUntil`` for the end; failing that the suspension starts on the date
  of the first source reporting it.
* **in force**: effective (``effectiveFrom <= D``, or announced on or before D with no effective
  date) and none of the above.
* **announced**: announced on or before D, effective later.

Month- or year-precision dates (``rekg:announcedIn``, ``rekg:imposedIn``) stand in for missing
days, counted from the first day of the period. A measure with no dates at all takes the status
its newest source reports (``rekg:reportedStatus``). Measures announced after D are left out.

Where sources give different values for a date (an ``owl:FunctionalProperty``), the value most
sources give wins (ties: the newest source, then the earlier date), the answer lists every value
with its sources, and if another value would change the status the measure is marked
``contested`` with the possible statuses. Values only claimed (a ``rekg:Claim`` with
``rekg:claimedProperty``, on the measure or on what suspended it) never win but can contest.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from rdflib import URIRef
from rekg.graph.answers.names import class_closure, resolve
from rekg.graph.answers.refs import Ref, SourceRef, ref, source_ref, source_refs, vocab_name
from rekg.graph.dates import parse_date, period_start
from rekg.graph.errors import InvalidParameter
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.results import Result
from rekg.graph.rules import derive_status, entity_class, material_ancestors
from rekg.ontology import RDF, RDFS, REKG, ontology_graph

__all__ = [
    "AgreementInfo",
    "AgreementsAnswer",
    "Claim",
    "ClaimedValue",
    "DateValue",
    "MeasureStatus",
    "MeasuresAnswer",
    "ReportedStatus",
    "Timeline",
    "TimelineEvent",
    "agreements",
    "measure_status",
    "measures_in_force",
    "timeline",
]

_DATE_PROPS = {
    "announced_on": str(REKG.announcedOn),
    "effective_from": str(REKG.effectiveFrom),
    "suspended_from": str(REKG.suspendedFrom),
    "suspended_until": str(REKG.suspendedUntil),
    "ended_on": str(REKG.endedOn),
    "valid_until": str(REKG.validUntil),
}

_FACTS = """
SELECT ?cls ?s ?p ?o ?g WHERE {
    ?s a/rdfs:subClassOf* ?cls .
    GRAPH ?g { ?s ?p ?o }
}
"""

# Every suspension and claim; only those about the class's instances are kept, in Python
# (Virtuoso drops rows when the class path is joined here).
_SUSPENDERS = """
SELECT ?s ?by ?g WHERE {
    GRAPH ?g { ?by rekg:suspends ?s }
}
"""

_CLAIMS = """
SELECT ?claim ?about ?claimant ?status ?property ?value ?g WHERE {
    GRAPH ?g { ?claim a rekg:Claim ; rekg:about ?about . }
    OPTIONAL { ?claim rekg:claimant ?claimant }
    OPTIONAL { ?claim rekg:claimedStatus ?status }
    OPTIONAL { ?claim rekg:claimedProperty ?property ; rekg:claimedValue ?value }
}
"""

#: Month- or year-precision counterparts of the day properties (xsd:gYearMonth / xsd:gYear).
_COARSE_PROPS = {"announced_on": str(REKG.announcedIn), "effective_from": str(REKG.imposedIn)}

# Direct links only; the closure is taken in Python (some stores refuse a path with no fixed end).
_MATERIAL_PARENTS = "SELECT ?a ?b WHERE { ?a rekg:formOf|skos:broader ?b }"


@dataclass
class DateValue(Result):
    """One value sources give for a date they disagree on."""

    property: str
    """announced_on, effective_from, suspended_from, ..."""
    value: date
    """The date this value gives."""
    sources: list[SourceRef]
    """The sources giving it."""
    claimed: bool = False
    """Only claimed (a rekg:Claim reported by the source), not stated as fact."""


@dataclass
class ClaimedValue(Result):
    """A value a claim gives for a property of the measure."""

    property: str
    """The property, in words (``effective from``)."""
    value: str
    """The value claimed."""


@dataclass
class Claim(Result):
    """A status or value someone claims for the measure, as a source reports it."""

    id: str
    """The claim's IRI."""
    label: str
    """English label."""
    claimant: Ref | None
    """Who makes the claim."""
    claimed_status: str | None
    """The status claimed, if any."""
    claimed_values: list[ClaimedValue]
    """Values claimed for the measure's properties."""
    sources: list[SourceRef]
    """The sources reporting the claim."""


@dataclass
class ReportedStatus(Result):
    """The status one source gives for the measure at the source's date."""

    status: str | None
    """The status reported."""
    source: SourceRef
    """The source reporting it."""


@dataclass
class MeasureStatus(Result):
    """A trade measure and its status on the day asked about, with the dates that decide it."""

    id: str
    """The measure's IRI."""
    label: str
    """English label."""
    kind: str
    """export control, tariff, ownership rule or licensing scheme."""
    status: str
    """announced, in force, suspended, lapsed, lifted or unknown, on that day."""
    reason: str
    """Why, in words, from the deciding dates."""
    deciding: dict[str, date]
    """The dates that decide the status."""
    imposed_by: list[Ref]
    """Countries or bodies imposing it."""
    issued_by: list[Ref]
    """Bodies issuing it."""
    targets: list[Ref]
    """Countries or firms aimed at; empty means all destinations."""
    restricts: list[Ref]
    """Materials or items restricted."""
    instrument: list[str]
    """Legal citation, e.g. MOFCOM Announcement 2025 No. 18."""
    dates: dict[str, date]
    """announced_on, effective_from, suspended_from, suspended_until..."""
    suspended_by: list[Ref]
    """Suspension orders or agreements suspending it."""
    reported_status: list[ReportedStatus]
    """The status each source reports at its own date."""
    claims: list[Claim]
    """Statuses or values claimed about it."""
    contested: bool
    """True when a date sources disagree on could change the status."""
    possible_statuses: list[str]
    """Every status the disputed dates allow."""
    date_conflicts: list[DateValue]
    """The values sources give for the disputed dates."""
    sources: list[SourceRef]
    """Every source stating something about it."""


@dataclass
class MeasuresAnswer(Result):
    """Every measure known on a day with its status that day."""

    on: date
    """The day asked about."""
    counts: dict[str, int]
    """Number of measures per status."""
    measures: list[MeasureStatus]
    """In force first, then suspended, announced, lapsed and lifted; by label within each."""

    rows_field = "measures"


@dataclass
class AgreementInfo(Result):
    """An agreement, supply deal, meeting or supply initiative."""

    id: str
    """The agreement's IRI."""
    label: str
    """English label."""
    kind: str
    """agreement, supply deal, meeting or supply initiative."""
    date: date | None
    """When it was made or held."""
    date_precision: str | None
    """day, or month/year when the source gives no day."""
    end_date: date | None
    """When it ended."""
    valid_until: date | None
    """When its term runs out."""
    place: list[Ref]
    """Where it was made or held."""
    parties: list[Ref]
    """Its parties."""
    participants: list[Ref]
    """People or bodies taking part."""
    suspends: list[Ref]
    """Measures it suspends."""
    creates: list[Ref]
    """What it creates."""
    covers: list[Ref]
    """Materials or sectors it covers."""
    outcome_of: list[Ref]
    """Meetings it came out of."""
    implements: list[Ref]
    """Agreements it implements."""
    sources: list[SourceRef]
    """Every source stating something about it."""


@dataclass
class AgreementsAnswer(Result):
    """Agreements and meetings, oldest first."""

    party: Ref | None
    """The party asked about, resolved."""
    agreements: list[AgreementInfo]
    """Oldest first."""

    rows_field = "agreements"


@dataclass
class TimelineEvent(Result):
    """Something that happened, or is due, on a day."""

    date: date
    """The day (the first day of the month or year when only those are known)."""
    precision: str
    """day, or month / year when only those are known."""
    kind: str
    """announced, takes effect, suspended, suspension ends, ended, takes place..."""
    entity: Ref
    """What the event is about."""
    entity_type: str
    """What that is: export control, meeting, facility..."""
    summary: str
    """The event in words."""
    contested: bool = False
    """Sources give different dates for this."""
    sources: list[SourceRef] = field(default_factory=list)
    """The sources giving this date."""


@dataclass
class Timeline(Result):
    """Dated events in order."""

    start: date | None
    """From (inclusive)."""
    end: date | None
    """To (inclusive)."""
    events: list[TimelineEvent]
    """By date, then entity label."""

    rows_field = "events"


# ---------------------------------------------------------------------------------------------
# Facts per subject, cached per graph version
# ---------------------------------------------------------------------------------------------


@dataclass
class _Subject:
    iri: str
    types: set[str] = field(default_factory=set)
    #: property -> value -> graphs stating it
    facts: dict[str, dict[object, set[str]]] = field(default_factory=dict)
    claims: dict[str, dict] = field(default_factory=dict)

    def values(self, prop: str) -> list:
        return sorted(self.facts.get(str(prop), {}), key=str)

    def graphs(self) -> set[str]:
        return {g for vals in self.facts.values() for gs in vals.values() for g in gs}

    def add(self, prop: str, value: object, graph: str) -> None:
        self.facts.setdefault(prop, {}).setdefault(value, set()).add(graph)


def _subjects(kg: KnowledgeGraph, cls: str) -> dict[str, _Subject]:
    """Every instance of ``cls`` with every statement about it and the graphs stating it."""
    from rekg.graph.kg import iri

    def build() -> dict[str, _Subject]:
        event = str(REKG.Event)
        if cls != event and _is_event_class(cls):
            # Read the events once and pick the instances of each kind from them: after a
            # write this halves the work of /measures, /agreements and /timeline.
            classes = class_closure(kg)
            return {s: v for s, v in _subjects(kg, event).items() if cls in classes.get(s, ())}
        out: dict[str, _Subject] = {}
        for r in kg.select(_FACTS, cls=iri(cls)):
            s = out.setdefault(r["s"], _Subject(r["s"]))
            if r["p"] == str(RDF.type):
                s.types.add(r["o"])
            s.add(r["p"], r["o"], r["g"])
        for r in kg.select(_SUSPENDERS):
            if r["s"] in out:
                out[r["s"]].add(str(REKG.suspendedBy), r["by"], r["g"])
        for r in kg.select(_CLAIMS):
            if r["about"] in out:
                c = out[r["about"]].claims.setdefault(
                    r["claim"],
                    {"claimant": r.get("claimant"), "status": r.get("status"), "graphs": set(), "values": set()},
                )
                c["graphs"].add(r["g"])
                if "property" in r and "value" in r:
                    c["values"].add((r["property"], r["value"]))
        return out

    return kg.cached(("analyst.subjects", cls), build)


@functools.cache
def _is_event_class(cls: str) -> bool:
    # From the ontology, not the store: Virtuoso 7 answers a bound path ASK wrongly.
    return REKG.Event in ontology_graph().transitive_objects(URIRef(cls), RDFS.subClassOf)


def _kind(types: set[str], kinds: set[str], default: str) -> str:
    found = entity_class(types, among=kinds)
    return found.phrase if found else default


def _refs(kg: KnowledgeGraph, iris: Iterable[object]) -> list[Ref]:
    return sorted((ref(kg, str(i)) for i in iris if isinstance(i, str)), key=lambda r: r.label.casefold())


def _label(kg: KnowledgeGraph, s: _Subject) -> str:
    return ref(kg, s.iri).label


def _graph_date(kg: KnowledgeGraph, graphs: Iterable[str]) -> date:
    dates = [sr.date for g in graphs if (sr := source_ref(kg, g)) and sr.date]
    return max(dates) if dates else date.min


# ---------------------------------------------------------------------------------------------
# Status derivation
# ---------------------------------------------------------------------------------------------


def _pick(kg: KnowledgeGraph, values: dict[object, set[str]]) -> date:
    """The value most sources give; ties go to the newest source, then the earlier date."""
    return min(values, key=lambda v: (-len(values[v]), -_graph_date(kg, values[v]).toordinal(), v))


def _day_values(s: _Subject, prop: str) -> dict[object, set[str]]:
    return {v: gs for v, gs in s.facts.get(prop, {}).items() if isinstance(v, date)}


def _key_of(prop: str) -> str | None:
    for key, p in _DATE_PROPS.items():
        if p == prop:
            return key
    for key, p in _COARSE_PROPS.items():
        if p == prop:
            return key
    return None


def _measure_status(
    kg: KnowledgeGraph, m: _Subject, day: date, measures: dict[str, _Subject], events: dict[str, _Subject]
) -> MeasureStatus:
    candidates: dict[str, dict[object, set[str]]] = {}
    coarse: dict[str, str] = {}
    for key, prop in _DATE_PROPS.items():
        if vals := _day_values(m, prop):
            candidates[key] = vals
    # Month-precision dates stand in for missing days, counted from the first of the month.
    for key, prop in _COARSE_PROPS.items():
        if key in candidates:
            continue
        periods = m.facts.get(prop, {})
        starts: dict[object, set[str]] = {}
        for v, gs in periods.items():
            if (d := period_start(v)) is not None:
                starts.setdefault(d, set()).update(gs)
        if starts:
            candidates[key] = starts
            coarse[key] = ", ".join(sorted(str(v) for v in periods))
    suspended_by = m.values(REKG.suspendedBy)

    # Suspension dates not stated on the measure come from what suspended it: its start
    # (effectiveFrom, date or announcedOn) and end (validUntil). A legal act (a suspension
    # order or measure) speaks for the dates before an agreement that promised it.
    suspenders = [x for by in suspended_by if (x := measures.get(by) or events.get(by)) is not None]
    suspenders.sort(key=lambda x: (str(REKG.Agreement) in x.types or str(REKG.Meeting) in x.types, x.iri))
    if suspenders and "suspended_from" not in candidates:
        for x in suspenders:
            for prop in (REKG.effectiveFrom, REKG.date, REKG.announcedOn):
                if vals := _day_values(x, str(prop)):
                    candidates["suspended_from"] = vals
                    break
            if "suspended_from" in candidates:
                if "suspended_until" not in candidates and (until := _day_values(x, str(REKG.validUntil))):
                    candidates["suspended_until"] = until
                break
    if "suspended_until" in candidates and "suspended_from" not in candidates:
        # Nothing dates the start: take the first source that reports the suspension.
        graphs = candidates["suspended_until"][_pick(kg, candidates["suspended_until"])]
        first = min((sr.date for g in graphs if (sr := source_ref(kg, g)) and sr.date), default=None)
        if first:
            candidates["suspended_from"] = {first: set(graphs)}

    # Values only claimed (rekg:Claim with rekg:claimedProperty) never win, but can contest.
    alternatives: dict[str, dict[object, set[str]]] = {}
    for c in m.claims.values():
        for prop, value in c["values"]:
            key = _key_of(prop)
            d = period_start(value)
            if key and d:
                alternatives.setdefault(key, {}).setdefault(d, set()).update(c["graphs"])
    for by in suspended_by:
        other = measures.get(by) or events.get(by)
        for c in other.claims.values() if other else ():
            for prop, value in c["values"]:
                if prop == str(REKG.effectiveFrom) and (d := period_start(value)):
                    alternatives.setdefault("suspended_from", {}).setdefault(d, set()).update(c["graphs"])

    primary = {k: _pick(kg, vals) for k, vals in candidates.items()}
    status, reason, deciding = derive_status(day, primary)
    for key, text in coarse.items():
        if key in deciding:
            reason += f" ({key.replace('_', ' ')} given only as {text})"

    # Without dates, the newest source's own view of the status is the best there is.
    reported_values = m.facts.get(str(REKG.reportedStatus), {})
    if status == "unknown" and reported_values:
        newest = max(reported_values, key=lambda v: _graph_date(kg, reported_values[v]))
        status = vocab_name(str(newest)) or "unknown"
        sources = ", ".join(sr.publisher or sr.title or sr.id for sr in source_refs(kg, reported_values[newest]))
        reason = f"no dates in the graph; reported as {status} by {sources}"
        others = {vocab_name(str(v)) for v in reported_values} - {None}
        if len(others) > 1:
            reason += "; other sources report " + ", ".join(sorted(others - {status}))

    options = {
        k: set(candidates.get(k, {})) | set(alternatives.get(k, {})) for k in set(candidates) | set(alternatives)
    }
    keys = sorted(k for k, vals in options.items() if len(vals) > 1 or (k not in primary and vals))
    possible = {status}
    if reason.startswith("no dates in the graph"):
        possible |= {vocab_name(str(v)) or "unknown" for v in reported_values}
    for combo in itertools.product(*(sorted(options[k]) for k in keys)):
        possible.add(derive_status(day, {**primary, **dict(zip(keys, combo, strict=True))})[0])
    if status not in ("unknown",) and "unknown" in possible:
        possible.discard("unknown")
    conflicts = [
        DateValue(property=k, value=v, sources=source_refs(kg, gs), claimed=False)
        for k in keys
        for v, gs in sorted(candidates.get(k, {}).items(), key=lambda x: x[0])
    ] + [
        DateValue(property=k, value=v, sources=source_refs(kg, gs), claimed=True)
        for k in keys
        for v, gs in sorted(alternatives.get(k, {}).items(), key=lambda x: x[0])
        if v not in candidates.get(k, {})
    ]
    reported = []
    for st, gs in reported_values.items():
        for sr in source_refs(kg, gs):
            reported.append(ReportedStatus(status=vocab_name(str(st)), source=sr))
    claims = [
        Claim(
            id=c_iri,
            label=ref(kg, c_iri).label,
            claimant=ref(kg, c["claimant"]),
            claimed_status=vocab_name(c["status"]),
            claimed_values=[
                ClaimedValue(property=ref(kg, p).label, value=str(v))
                for p, v in sorted(c["values"], key=lambda x: str(x))
            ],
            sources=source_refs(kg, c["graphs"]),
        )
        for c_iri, c in sorted(m.claims.items())
    ]
    return MeasureStatus(
        id=m.iri,
        label=_label(kg, m),
        kind=_kind(m.types, {"measure"}, "measure"),
        status=status,
        reason=reason,
        deciding=deciding,
        imposed_by=_refs(kg, m.values(REKG.imposedBy)),
        issued_by=_refs(kg, m.values(REKG.issuedBy)),
        targets=_refs(kg, m.values(REKG.targets)),
        restricts=_refs(kg, m.values(REKG.restricts)),
        instrument=[str(v) for v in m.values(REKG.instrument)],
        dates={k: v for k, v in primary.items() if k in _DATE_PROPS},
        suspended_by=_refs(kg, suspended_by),
        reported_status=reported,
        claims=claims,
        contested=len(possible) > 1,
        possible_statuses=sorted(possible),
        date_conflicts=conflicts,
        sources=source_refs(kg, m.graphs()),
    )


def measures_in_force(
    kg: KnowledgeGraph,
    on: date | str | None = None,
    imposed_by: str | None = None,
    targets: str | None = None,
    material: str | None = None,
) -> MeasuresAnswer:
    """Every measure known on day ``on`` with its status that day and the dates that decide it.

    Parameters
    ----------
    kg : KnowledgeGraph
    on : date or str, optional
        The day (``YYYY-MM-DD``); today when omitted.
    imposed_by : str, optional
        A country or body (name, code or IRI): measures it imposes or issues.
    targets : str, optional
        A country or firm: measures aimed at it, and those with no target (all destinations).
    material : str, optional
        Measures restricting the material, a form of it, the element it is a form of, or a
        group it belongs to.

    Returns
    -------
    MeasuresAnswer
        The day, the count per status and the measures: in force first, then suspended,
        announced, lapsed and lifted; by label within each.

    Raises
    ------
    NodeNotFound
        If a name is unknown (lists close matches).
    InvalidParameter
        If ``on`` is not a date.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> statuses = {m.status for m in measures_in_force(kg, on="2026-01-15").measures}
    >>> statuses <= {"in force", "suspended", "announced", "lapsed", "lifted", "unknown"}
    True
    """
    day = parse_date(on, name="in_force_on") or date.today()
    actor_types = {str(REKG.Actor)}
    imposer = resolve(kg, imposed_by, types=actor_types, what="country or body") if _given(imposed_by) else None
    target = resolve(kg, targets, types=actor_types, what="country or firm") if _given(targets) else None
    mat = (
        resolve(kg, material, types={str(REKG.Material), str(REKG.MaterialGroup)}, what="material")
        if _given(material)
        else None
    )
    measures = _subjects(kg, str(REKG.Measure))
    agreements_ = _subjects(kg, str(REKG.Event))
    ancestors = material_ancestors(kg)
    out = []
    for m in measures.values():
        if imposer and imposer not in m.values(REKG.imposedBy) and imposer not in m.values(REKG.issuedBy):
            continue
        if target and m.values(REKG.targets) and target not in m.values(REKG.targets):
            continue
        if mat and not any(
            x == mat or x in ancestors.get(mat, ()) or mat in ancestors.get(str(x), ())
            for x in m.values(REKG.restricts)
        ):
            continue
        st = _measure_status(kg, m, day, measures, agreements_)
        if st.status == "not yet announced":
            continue
        out.append(st)
    order = {"in force": 0, "suspended": 1, "announced": 2, "lapsed": 3, "lifted": 4}
    out.sort(key=lambda m: (order.get(m.status, 5), m.label.casefold()))
    counts: dict[str, int] = {}
    for m in out:
        counts[m.status] = counts.get(m.status, 0) + 1
    return MeasuresAnswer(on=day, counts=counts, measures=out)


def measure_status(kg: KnowledgeGraph, iri: str, on: date | str | None = None) -> MeasureStatus | None:
    """The status on day ``on`` (today by default) of the measure ``iri``; ``None`` if it is no measure.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> measure_status(kg, kg.iri("lynas")) is None
    True
    """
    day = parse_date(on, name="on") or date.today()
    measures = _subjects(kg, str(REKG.Measure))
    m = measures.get(iri)
    if m is None:
        return None
    return _measure_status(kg, m, day, measures, _subjects(kg, str(REKG.Event)))


def _given(value: str | None) -> bool:
    if value is not None and not isinstance(value, str):
        raise InvalidParameter(f"expected a name, got {type(value).__name__}")
    return bool(value and value.strip())


# ---------------------------------------------------------------------------------------------
# Agreements and meetings
# ---------------------------------------------------------------------------------------------


def _first_date(s: _Subject, prop: object, kg: KnowledgeGraph) -> date | None:
    vals = {v: gs for v, gs in s.facts.get(str(prop), {}).items() if isinstance(v, date)}
    return _pick(kg, vals) if vals else None


def agreements(kg: KnowledgeGraph, party: str | None = None) -> AgreementsAnswer:
    """Agreements, supply deals, meetings and supply initiatives, oldest first; optionally ``party``'s.

    Parameters
    ----------
    kg : KnowledgeGraph
    party : str, optional
        A country, organization or person (name, code or IRI): a party or a participant.

    Returns
    -------
    AgreementsAnswer
        The party, resolved, and the agreements, oldest first.

    Raises
    ------
    NodeNotFound
        If ``party`` is unknown.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> kinds = {"agreement", "supply deal", "meeting", "supply initiative"}
    >>> all(a.kind in kinds for a in agreements(kg).agreements)
    True
    """
    who = resolve(kg, party, types={str(REKG.Actor)}, what="party") if _given(party) else None
    found: dict[str, _Subject] = {}
    for cls in (REKG.Agreement, REKG.Meeting, REKG.Initiative):
        found.update(_subjects(kg, str(cls)))
    out = []
    for a in found.values():
        if who and who not in a.values(REKG.party) and who not in a.values(REKG.participant):
            continue
        day = _first_date(a, REKG.date, kg) or _first_date(a, REKG.announcedOn, kg)
        precision = "day" if day else None
        if day is None:
            # Month- or year-precision: the first day of the earliest period a source gives.
            for prop in (REKG.heldIn, REKG.announcedIn):
                periods = sorted(str(v) for v in a.values(prop))
                if periods and (day := period_start(periods[0])):
                    precision = "month" if len(periods[0]) >= 7 else "year"
                    break
        out.append(
            AgreementInfo(
                id=a.iri,
                label=_label(kg, a),
                kind=_kind(a.types, {"agreement", "meeting", "initiative"}, "agreement"),
                date=day,
                date_precision=precision,
                end_date=_first_date(a, REKG.endDate, kg),
                valid_until=_first_date(a, REKG.validUntil, kg),
                place=_refs(kg, a.values(REKG.place)),
                parties=_refs(kg, a.values(REKG.party)),
                participants=_refs(kg, a.values(REKG.participant)),
                suspends=_refs(kg, a.values(REKG.suspends)),
                creates=_refs(kg, a.values(REKG.creates)),
                covers=_refs(kg, a.values(REKG.covers)),
                outcome_of=_refs(kg, a.values(REKG.outcomeOf)),
                implements=_refs(kg, a.values(REKG.implements)),
                sources=source_refs(kg, a.graphs()),
            )
        )
    out.sort(key=lambda a: (a.date or date.max, a.label.casefold()))
    return AgreementsAnswer(party=ref(kg, who), agreements=out)


# ---------------------------------------------------------------------------------------------
# Timeline
# ---------------------------------------------------------------------------------------------

_EVENT_WORDS = {
    str(REKG.announcedOn): "announced",
    str(REKG.effectiveFrom): "takes effect",
    str(REKG.suspendedFrom): "suspended",
    str(REKG.suspendedUntil): "suspension ends",
    str(REKG.endedOn): "ended",
    str(REKG.validUntil): "runs out",
    str(REKG.date): "takes place",
    str(REKG.endDate): "ends",
    str(REKG.startDate): "starts",
    str(REKG.startYear): "starts",
    str(REKG.announcedIn): "announced",
    str(REKG.imposedIn): "imposed",
    str(REKG.heldIn): "takes place",
}


def timeline(kg: KnowledgeGraph, start: date | str | None = None, end: date | str | None = None) -> Timeline:
    """Dated events in order: measures' dates, suspensions, agreements, meetings, facilities starting.

    Parameters
    ----------
    kg : KnowledgeGraph
    start, end : date or str, optional
        Inclusive bounds: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (a month or year counts from its
        first day for ``start`` and to its last day for ``end``).

    Returns
    -------
    Timeline
        The bounds and the events by date, then entity label. A date that sources disagree on appears once per value,
        marked ``contested``. Month- or year-only dates (``rekg:announcedIn``, a start year)
        sit on the first day of the period with precision ``month`` or ``year``.

    Raises
    ------
    InvalidParameter
        If a bound is not a date, or ``start`` is after ``end``.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> events = timeline(kg, "2025", "2026").events
    >>> [e.date for e in events] == sorted(e.date for e in events)
    True
    """
    lo = parse_date(start, name="from", partial=True)
    hi = parse_date(end, name="to", partial=True, end=True)
    if lo and hi and lo > hi:
        raise InvalidParameter(f"from ({lo}) is after to ({hi})", parameter="from")
    events: list[TimelineEvent] = []
    groups = [
        (_subjects(kg, str(REKG.Event)), "event"),
        (_subjects(kg, str(REKG.Facility)), "facility"),
    ]
    seen: set[str] = set()
    for subjects, default in groups:
        for s in subjects.values():
            if s.iri in seen:
                continue
            seen.add(s.iri)
            found = entity_class(s.types)
            kind = found.phrase if found else default
            label = _label(kg, s)
            for prop, word in _EVENT_WORDS.items():
                values = s.facts.get(prop, {})
                dated = []
                for v, gs in values.items():
                    if isinstance(v, date):
                        dated.append((v, "day", gs))
                    elif (d := period_start(v)) is not None:
                        dated.append((d, "month" if len(str(v)) >= 7 else "year", gs))
                for d, precision, gs in dated:
                    if (lo and d < lo) or (hi and d > hi):
                        continue
                    events.append(
                        TimelineEvent(
                            date=d,
                            precision=precision,
                            kind=word,
                            entity=Ref(s.iri, label),
                            entity_type=kind,
                            summary=f"{label} {word}",
                            contested=len(dated) > 1,
                            sources=source_refs(kg, gs),
                        )
                    )
    # Coarser dates sort before the days of their period, which they may precede.
    finer = {"year": 0, "month": 1, "day": 2}
    events.sort(key=lambda e: (e.date, finer[e.precision], e.entity.label.casefold(), e.kind))
    return Timeline(start=lo, end=hi, events=events)
