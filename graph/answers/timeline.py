"""Dated events in order: measures' dates, suspensions, agreements, meetings, facilities starting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from rekg.graph.answers.evidence import Evidence, evidence
from rekg.graph.answers.facts import label, subjects
from rekg.graph.answers.refs import Ref, SourceRef, source_refs
from rekg.graph.dates import parse_date, period_start
from rekg.graph.errors import InvalidParameter
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.results import Result
from rekg.graph.rules import entity_class
from rekg.ontology import REKG

__all__ = ["Timeline", "TimelineEvent", "timeline"]


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
    evidence: Evidence
    """What the answer rests on and how fresh that is (as of the end of the range, or today)."""

    rows_field = "events"


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
        (subjects(kg, str(REKG.Event)), "event"),
        (subjects(kg, str(REKG.Facility)), "facility"),
    ]
    seen: set[str] = set()
    for instances, default in groups:
        for s in instances.values():
            if s.iri in seen:
                continue
            seen.add(s.iri)
            found = entity_class(s.types)
            kind = found.phrase if found else default
            name = label(kg, s)
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
                            entity=Ref(s.iri, name),
                            entity_type=kind,
                            summary=f"{name} {word}",
                            contested=len(dated) > 1,
                            sources=source_refs(kg, gs),
                        )
                    )
    # Coarser dates sort before the days of their period, which they may precede.
    finer = {"year": 0, "month": 1, "day": 2}
    events.sort(key=lambda e: (e.date, finer[e.precision], e.entity.label.casefold(), e.kind))
    graphs = {s.id for e in events for s in e.sources}
    found = evidence(kg, hi or date.today(), graphs, about="these events")
    return Timeline(start=lo, end=hi, events=events, evidence=found)
