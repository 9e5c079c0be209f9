"""What an answer rests on and how fresh that is: the ``evidence`` block of every answer.

An analyst reading "in force" on 2026-12-01 must be able to tell whether a source said so or
whether rekg worked it out from dates a 2025 source scheduled. So every answer carries:

* ``as_of``: the day the answer is for;
* ``data_until``: the date of the newest source the answer rests on;
* ``graph_data_until``: the date of the newest source in the whole graph;
* ``projected``: whether a status in the answer is derived from dates that older sources
  scheduled for a later day, rather than reported by a source on or after that day;
* ``note``: the same in one plain sentence.

The rule for ``projected`` lives with the statuses (:mod:`rekg.graph.answers.measures`); this
module only words and dates it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rekg.graph.answers.refs import all_sources, source_refs
from rekg.graph.kg import KnowledgeGraph
from rekg.graph.results import Result

__all__ = ["Evidence", "evidence", "graph_data_until"]


@dataclass
class Evidence(Result):
    """What the answer rests on, how fresh that is, and whether a status in it is projected."""

    as_of: date
    """The day the answer is for."""
    data_until: date | None
    """The date of the newest source the answer rests on; ``None`` when it rests on none."""
    graph_data_until: date | None
    """The date of the newest source in the whole graph."""
    projected: bool
    """True when a status is derived from dates older sources scheduled for a later day, not reported."""
    note: str
    """The same, in one sentence for people."""


def graph_data_until(kg: KnowledgeGraph) -> date | None:
    """The date of the newest source in the graph.

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> graph_data_until(kg).year >= 2025
    True
    """
    dates = [s.date for s in all_sources(kg) if s.date]
    return max(dates) if dates else None


def evidence(
    kg: KnowledgeGraph,
    as_of: date,
    graphs: Iterable[str],
    *,
    projected: bool = False,
    about: str = "this answer",
) -> Evidence:
    """The evidence block of an answer for day ``as_of`` resting on the source graphs ``graphs``.

    Parameters
    ----------
    kg : KnowledgeGraph
    as_of : date
        The day the answer is for (today for answers that are not about a day).
    graphs : iterable of str
        The named graphs (sources) whose statements the answer uses.
    projected : bool
        Whether a status in the answer is projected (see the module documentation).
    about : str
        What the answer is about, for the note ("these measures", "dysprosium suppliers").

    Examples
    --------
    >>> from rekg.graph import open_graph
    >>> kg = open_graph(validate_shapes=False)
    >>> e = evidence(kg, date(2026, 12, 1), [str(kg.ns.source["caixin-2025-11"])], about="the truce")
    >>> e.data_until, e.projected
    (datetime.date(2025, 11, 1), False)
    >>> e.note.startswith("The newest source on the truce is from 2025-11-01")
    True
    >>> evidence(kg, date(2026, 12, 1), []).note
    'No source in the graph speaks to this answer: it rests on no data.'
    """
    dates = [s.date for s in source_refs(kg, graphs) if s.date]
    until = max(dates) if dates else None
    newest = graph_data_until(kg)
    return Evidence(
        as_of=as_of,
        data_until=until,
        graph_data_until=newest,
        projected=projected,
        note=_note(as_of, until, newest, projected, about),
    )


def _note(as_of: date, until: date | None, newest: date | None, projected: bool, about: str) -> str:
    if until is None:
        return f"No source in the graph speaks to {about}: it rests on no data."
    if as_of < until:
        return (
            f"Rests on sources up to {until}, later than {as_of}: what held on {as_of} is read from the dates "
            "they give."
        )
    if as_of == until:
        return f"Rests on sources up to {until}; the newest source in the graph is from {newest}."
    lag = (as_of - until).days
    head = f"The newest source on {about} is from {until}, {lag} days before {as_of}"
    if projected:
        return f"{head}; statuses after that are projected from the dates sources gave, not reported by a source."
    return f"{head}; the graph knows nothing newer about it."
