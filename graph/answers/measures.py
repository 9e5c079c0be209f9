"""Trade measures and their status on a day.

Status of a measure on day D (never stored; derived from its dates as the modelling guide says)
-------------------------------------------------------------------------------------------------
* **lifted**: ``endedOn <= D`` and an agreement ``rekg:lifts`` the measure.
* **lapsed**: ``endedOn <= D`` with nothing lifting it, or the measure's own term ran out:
  ``validUntil <= D``; a measure that only suspends others (MOFCOM 2025 No. 70) lapses once
  every suspension it made has run out.
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
the newest source up to D reports (``rekg:reportedStatus``); before the first report it is
``unknown``. Measures announced after D are left out.

Where sources give different values for a date (an ``owl:FunctionalProperty``), the value most
sources give wins (ties: the newest source, then the earlier date), the answer lists every value
with its sources, and if another value would change the status the measure is marked
``contested`` with the possible statuses. Values only claimed (a ``rekg:Claim`` with
``rekg:claimedProperty``, on the measure or on what suspended it) never win but can contest.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from rekg.graph.answers.evidence import Evidence, evidence
from rekg.graph.answers.facts import Subject, covered_until, graph_date, kind, label, pick, refs, resolved, subjects
from rekg.graph.answers.names import Resolution
from rekg.graph.answers.refs import Ref, SourceRef, ref, source_ref, source_refs, vocab_name
from rekg.graph.dates import add_duration, parse_date, period_start, precision_of
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.results import Result
from rekg.graph.rules import acting_for, derive_status, material_ancestors
from rekg.ontology import REKG

__all__ = [
    "STALE_AFTER_DAYS",
    "Claim",
    "ClaimedValue",
    "DateValue",
    "MeasureStatus",
    "MeasuresAnswer",
    "ReportedStatus",
    "measure_status",
    "measures_in_force",
]

_DATE_PROPS = {
    "announced_on": str(REKG.announcedOn),
    "effective_from": str(REKG.effectiveFrom),
    "suspended_from": str(REKG.suspendedFrom),
    "suspended_until": str(REKG.suspendedUntil),
    "ended_on": str(REKG.endedOn),
    "valid_until": str(REKG.validUntil),
}

#: Month- or year-precision counterparts of the day properties (xsd:gYearMonth / xsd:gYear).
#: A status a source reported (no dates known) is marked stale once it is older than this on the day asked.
STALE_AFTER_DAYS = 180

_COARSE_PROPS = {"announced_on": str(REKG.announcedIn), "effective_from": str(REKG.imposedIn)}


@dataclass
class DateValue(Result):
    """One value sources give for a date they disagree on."""

    property: str
    """announced_on, effective_from, suspended_from, ..."""
    value: date
    """The date this value gives; for a month or a year, its first day (see ``precision``)."""
    sources: list[SourceRef]
    """The sources giving it."""
    claimed: bool = False
    """Only claimed (a rekg:Claim reported by the source), not stated as fact."""
    precision: str = "day"
    """``day``, ``month`` or ``year``: how precisely the sources give it ("late 2026" is ``year``)."""


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
    projected: bool
    """True when the status is derived from dates that sources older than the change scheduled
    (a suspension that ran out after the newest source about it), not reported by a source."""
    reported_on: date | None
    """For a status taken from what a source reported (no dates known): the date of that source."""
    stale: bool
    """A reported status older than the stale limit (180 days by default) on the day asked about."""
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
    evidence: Evidence
    """What the answer rests on and how fresh that is."""
    resolved_from: list[Resolution] = field(default_factory=list)
    """How names that were not exactly a label or alias were read (a typo, another script...)."""

    rows_field = "measures"


# ---------------------------------------------------------------------------------------------
# Status derivation
# ---------------------------------------------------------------------------------------------


def _day_values(s: Subject, prop: str) -> dict[object, set[str]]:
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
    kg: KnowledgeGraph,
    m: Subject,
    day: date,
    measures: dict[str, Subject],
    events: dict[str, Subject],
    stale_after_days: int = STALE_AFTER_DAYS,
) -> MeasureStatus:
    candidates: dict[str, dict[object, set[str]]] = {}
    coarse: dict[str, str] = {}
    #: (date key, first day) -> how precisely a month or year value was given; days are left out.
    precision: dict[tuple[str, date], str] = {}
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
                precision[(key, d)] = precision_of(v) or "day"
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
                elif "suspended_until" not in candidates:
                    # A truce "for one year" (rekg:duration) ends a year after it starts.
                    start = pick(kg, candidates["suspended_from"])
                    ends: dict[object, set[str]] = {}
                    for dur, gs in x.facts.get(str(REKG.duration), {}).items():
                        if (end := add_duration(start, dur)) is not None:
                            ends.setdefault(end, set()).update(gs)
                    if ends:
                        candidates["suspended_until"] = ends
                break
    if "suspended_until" in candidates and "suspended_from" not in candidates:
        # Nothing dates the start: take the first source that reports the suspension.
        graphs = candidates["suspended_until"][pick(kg, candidates["suspended_until"])]
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
                precision.setdefault((key, d), precision_of(value) or "day")
    for by in suspended_by:
        other = measures.get(by) or events.get(by)
        for c in other.claims.values() if other else ():
            for prop, value in c["values"]:
                if prop == str(REKG.effectiveFrom) and (d := period_start(value)):
                    alternatives.setdefault("suspended_from", {}).setdefault(d, set()).update(c["graphs"])
                    precision.setdefault(("suspended_from", d), precision_of(value) or "day")

    primary = {k: pick(kg, vals) for k, vals in candidates.items()}
    lifted = any(m.iri in x.values(REKG.lifts) for x in events.values())
    status, reason, deciding = derive_status(day, primary, lifted=lifted)
    for key, text in coarse.items():
        if key in deciding:
            reason += f" ({key.replace('_', ' ')} given only as {text})"

    # Without dates, the newest source's own view of the status is the best there is.
    reported_values = m.facts.get(str(REKG.reportedStatus), {})
    reported_on: date | None = None
    stale = projected = False
    newest_source = date.min
    # A report speaks for its own day and after, not for the years before it.
    earlier = {v: gs for v, gs in reported_values.items() if graph_date(kg, gs) <= day}
    if status == "unknown" and reported_values and not earlier:
        first = min(graph_date(kg, gs) for gs in reported_values.values())
        reason = f"no dates in the graph, and the first source reporting its status is from {first}, after {day}"
        reported_values = {}
    elif status == "unknown" and reported_values:
        reported_values = earlier
        newest = max(reported_values, key=lambda v: graph_date(kg, reported_values[v]))
        status = vocab_name(str(newest)) or "unknown"
        sources = ", ".join(sr.publisher or sr.title or sr.id for sr in source_refs(kg, reported_values[newest]))
        reason = f"no dates in the graph; reported as {status} by {sources}"
        others = {vocab_name(str(v)) for v in reported_values} - {None}
        if len(others) > 1:
            reason += "; other sources report " + ", ".join(sorted(others - {status}))
        reported_on = graph_date(kg, reported_values[newest])
        if reported_on == date.min:
            reported_on = None
        elif (day - reported_on).days > stale_after_days:
            stale = True
            reason += f"; that report is from {reported_on}, {(day - reported_on).days} days before {day}"
    else:
        # Projected: the change that gives today's status happened after the newest source about
        # the measure (or what suspended it), so no source reported it; rekg worked it out.
        about = m.graphs().union(*(x.graphs() for x in suspenders))
        newest_source = graph_date(kg, about)
        change = max((d for d in deciding.values() if d <= day), default=None)
        if change is not None and newest_source != date.min and change > covered_until(kg, about):
            projected = True
            reason += (
                f"; projected: the newest source on it{' or on what suspended it' if suspenders else ''} is from"
                f" {newest_source}"
            )

    if projected:
        # Claims are not facts, so they do not stop a projection; but a later one must not be passed over.
        claimed = set().union(*(gs for vals in alternatives.values() for gs in vals.values()))
        later = [sr for sr in source_refs(kg, claimed) if sr.date and sr.date > newest_source]
        if later:
            who = ", ".join(f"{sr.publisher or sr.title or sr.id} ({sr.date})" for sr in later)
            reason += f"; a later source claims other dates, not stated as fact: {who} (see date_conflicts)"
        else:
            reason += " and no later source reports an extension, a re-imposition or a change"

    options = {
        k: set(candidates.get(k, {})) | set(alternatives.get(k, {})) for k in set(candidates) | set(alternatives)
    }
    keys = sorted(k for k, vals in options.items() if len(vals) > 1 or (k not in primary and vals))
    possible = {status}
    if reason.startswith("no dates in the graph"):
        possible |= {vocab_name(str(v)) or "unknown" for v in reported_values}
    for combo in itertools.product(*(sorted(options[k]) for k in keys)):
        possible.add(derive_status(day, {**primary, **dict(zip(keys, combo, strict=True))}, lifted=lifted)[0])
    if status not in ("unknown",) and "unknown" in possible:
        possible.discard("unknown")
    conflicts = [
        DateValue(
            property=k, value=v, sources=source_refs(kg, gs), claimed=False, precision=precision.get((k, v), "day")
        )
        for k in keys
        for v, gs in sorted(candidates.get(k, {}).items(), key=lambda x: x[0])
    ] + [
        DateValue(
            property=k, value=v, sources=source_refs(kg, gs), claimed=True, precision=precision.get((k, v), "day")
        )
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
        label=label(kg, m),
        kind=kind(m.types, {"measure"}, "measure"),
        status=status,
        reason=reason,
        deciding=deciding,
        imposed_by=refs(kg, m.values(REKG.imposedBy)),
        issued_by=refs(kg, m.values(REKG.issuedBy)),
        targets=refs(kg, m.values(REKG.targets)),
        restricts=refs(kg, m.values(REKG.restricts)),
        instrument=[str(v) for v in m.values(REKG.instrument)],
        dates={k: v for k, v in primary.items() if k in _DATE_PROPS},
        suspended_by=refs(kg, suspended_by),
        reported_status=reported,
        claims=claims,
        projected=projected,
        reported_on=reported_on,
        stale=stale,
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
    *,
    stale_after_days: int = STALE_AFTER_DAYS,
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
        A country or firm: measures aimed at it, and those with no target (all destinations but
        the country that imposes them).
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
    # Kept per graph version (and per today: staleness is measured from it).
    key = ("measures_in_force", day, imposed_by, targets, material, stale_after_days, date.today())
    return kg.cached(key, lambda: _measures_in_force(kg, day, imposed_by, targets, material, stale_after_days))


def _measures_in_force(
    kg: KnowledgeGraph,
    day: date,
    imposed_by: str | None,
    targets: str | None,
    material: str | None,
    stale_after_days: int,
) -> MeasuresAnswer:
    actor_types = {str(REKG.Actor)}
    echoes: list[Resolution] = []
    imposer = resolved(kg, imposed_by, echoes, types=actor_types, what="country or body")
    target = resolved(kg, targets, echoes, types=actor_types, what="country or firm")
    mat = resolved(kg, material, echoes, types={str(REKG.Material), str(REKG.MaterialGroup)}, what="material")
    measures = subjects(kg, str(REKG.Measure))
    agreements_ = subjects(kg, str(REKG.Event))
    ancestors = material_ancestors(kg)
    out = []
    imposers = acting_for(kg, imposer) if imposer else frozenset()
    for m in measures.values():
        if imposer and imposers.isdisjoint([*m.values(REKG.imposedBy), *m.values(REKG.issuedBy)]):
            continue
        if target and m.values(REKG.targets) and target not in m.values(REKG.targets):
            continue
        if target and not m.values(REKG.targets) and target in m.values(REKG.imposedBy):
            # "No target given" means every destination but the imposer's own: a country's export
            # rule does not aim at the country itself.
            continue
        if mat and not any(
            x == mat or x in ancestors.get(mat, ()) or mat in ancestors.get(str(x), ())
            for x in m.values(REKG.restricts)
        ):
            continue
        st = _measure_status(kg, m, day, measures, agreements_, stale_after_days)
        if st.status == "not yet announced":
            continue
        out.append(st)
    order = {"in force": 0, "suspended": 1, "announced": 2, "lapsed": 3, "lifted": 4}
    out.sort(key=lambda m: (order.get(m.status, 5), m.label.casefold()))
    counts: dict[str, int] = {}
    for m in out:
        counts[m.status] = counts.get(m.status, 0) + 1
    graphs = {s.id for m in out for s in m.sources}
    found = evidence(kg, day, graphs, projected=any(m.projected for m in out), about="these measures")
    if stale := sum(m.stale for m in out):
        found.note += (
            f" {stale} status{'es' * (stale != 1)} rest{'s' * (stale == 1)} on a source's report more than"
            f" {stale_after_days} days old (marked stale)."
        )
    return MeasuresAnswer(on=day, counts=counts, measures=out, evidence=found, resolved_from=echoes)


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
    measures = subjects(kg, str(REKG.Measure))
    m = measures.get(iri)
    if m is None:
        return None
    return _measure_status(kg, m, day, measures, subjects(kg, str(REKG.Event)))
