"""Agreements, supply deals, meetings and supply initiatives, with their parties and dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from rekg.graph.answers.evidence import Evidence, evidence
from rekg.graph.answers.facts import Subject, first_date, kind, label, refs, resolved, subjects
from rekg.graph.answers.names import Resolution
from rekg.graph.answers.refs import Ref, SourceRef, ref, source_refs
from rekg.graph.dates import period_start
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.results import Result
from rekg.graph.rules import acting_for
from rekg.ontology import REKG

__all__ = ["AgreementInfo", "AgreementsAnswer", "agreements"]


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
    evidence: Evidence
    """What the answer rests on and how fresh that is."""
    resolved_from: list[Resolution] = field(default_factory=list)
    """How a party name that was not exactly a label or alias was read."""

    rows_field = "agreements"


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
    echoes: list[Resolution] = []
    who = resolved(kg, party, echoes, types={str(REKG.Actor)}, what="party")
    # A country's government bodies sign for it (the Department of Defense for the United States).
    parties = acting_for(kg, who) if who else frozenset()
    found: dict[str, Subject] = {}
    for cls in (REKG.Agreement, REKG.Meeting, REKG.Initiative):
        found.update(subjects(kg, str(cls)))
    out = []
    for a in found.values():
        if who and parties.isdisjoint([*a.values(REKG.party), *a.values(REKG.participant)]):
            continue
        day = first_date(a, REKG.date, kg) or first_date(a, REKG.announcedOn, kg)
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
                label=label(kg, a),
                kind=kind(a.types, {"agreement", "meeting", "initiative"}, "agreement"),
                date=day,
                date_precision=precision,
                end_date=first_date(a, REKG.endDate, kg),
                valid_until=first_date(a, REKG.validUntil, kg),
                place=refs(kg, a.values(REKG.place)),
                parties=refs(kg, a.values(REKG.party)),
                participants=refs(kg, a.values(REKG.participant)),
                suspends=refs(kg, a.values(REKG.suspends)),
                creates=refs(kg, a.values(REKG.creates)),
                covers=refs(kg, a.values(REKG.covers)),
                outcome_of=refs(kg, a.values(REKG.outcomeOf)),
                implements=refs(kg, a.values(REKG.implements)),
                sources=source_refs(kg, a.graphs()),
            )
        )
    out.sort(key=lambda a: (a.date or date.max, a.label.casefold()))
    graphs = {s.id for a in out for s in a.sources}
    about = f"{ref(kg, who).label}'s agreements" if who else "these agreements"
    found = evidence(kg, date.today(), graphs, about=about)
    return AgreementsAnswer(party=ref(kg, who), agreements=out, evidence=found, resolved_from=echoes)
