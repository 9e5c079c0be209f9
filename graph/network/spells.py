"""When each node of the projection is active: its ``spells``, for dated views and GEXF timelines.

A measure is active while :func:`rekg.graph.rules.derive_status` says "in force" (a month or
year stands for its first day; a suspension with no dates of its own lasts as long as the
agreement or order making it); an agreement from its date to the day before ``validUntil``
(or for its ``duration``); a facility from its start.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import networkx as nx
from rekg.graph.dates import add_duration, iso, period_start, to_date
from rekg.graph.rules import derive_status

__all__ = ["date_open_suspensions", "set_spells", "start_of"]


def set_spells(d: dict, measure_dates: dict[str, date] | None = None) -> None:
    """Work out when a node is active, as inclusive ``(start, end)`` ISO pairs.

    ``spells`` is ``None`` for a node that is always active, ``[]`` for one that never is.
    """
    kind = d["kind"]
    if measure_dates is not None:
        # The dates the measures answer settled on (most sources win, suspensions dated).
        d.update({k: v for k, v in measure_dates.items()})
    for key in _DATE_ATTRS:
        if key in d:
            d[key] = iso(to_date(d[key]) or d[key])
    spells: list[tuple[str | None, str | None]] | None = None
    if kind == "measure" and d["type"] != "suspension order":
        dates = {k: to_date(d.get(k)) for k in _MEASURE_DATES}
        if not (dates["announced_on"] or dates["effective_from"]):
            # Only a month or a year is known: count from its first day.
            dates["effective_from"] = period_start(d.get("imposed_in"))
            dates["announced_on"] = period_start(d.get("announced_in"))
        spells = _in_force_spells(dates)
    elif kind in ("agreement", "meeting", "initiative", "measure"):
        start = to_date(d.get("date") or d.get("effective_from") or d.get("announced_on")) or period_start(
            d.get("held_in") or d.get("announced_in")
        )
        if start:
            # validUntil is the day it runs out, so the last valid day is the one before.
            valid_until = to_date(d.get("valid_until"))
            end = (
                (valid_until - timedelta(days=1) if valid_until else None)
                or to_date(d.get("end_date"))
                or _add_duration(start, d.get("duration"))
            )
            ended = to_date(d.get("ended_on"))
            if ended:
                end = _earlier(end, ended - timedelta(days=1))
            if kind == "meeting" and end is None:
                end = start
            spells = [(iso(start), iso(end))]
        else:
            spells = []
    elif kind == "facility":
        start = start_of(d)
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
    """The periods in which :func:`rekg.graph.rules.derive_status` says "in force".

    The status only changes on the measure's own dates, so it is evaluated once per date.
    """
    days = sorted({d for d in dates.values() if d})
    spells: list[tuple[str | None, str | None]] = []
    for i, day in enumerate(days):
        if derive_status(day, dates)[0] != "in force":
            continue
        last = days[i + 1] - timedelta(days=1) if i + 1 < len(days) else None
        if spells and spells[-1][1] == iso(day - timedelta(days=1)):
            spells[-1] = (spells[-1][0], iso(last))
        else:
            spells.append((iso(day), iso(last)))
    return spells


def start_of(d: dict) -> str | None:
    """When a facility or a facility's output starts: its start day, else the first of its start year."""
    if d.get("start_date"):
        return iso(d["start_date"])
    if d.get("start_year"):
        return f"{int(d['start_year']):04d}-01-01"
    return None


def _add_duration(start: date, duration: Any) -> date | None:
    """The last day of a period of ``duration`` (``P1Y``) from ``start``."""
    end = add_duration(start, duration)
    return end - timedelta(days=1) if end else None


def date_open_suspensions(G: nx.MultiDiGraph) -> None:
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
            d["suspended_until"] = iso(date.fromisoformat(end) + timedelta(days=1))
        d.pop("start", None)
        d.pop("end", None)
        set_spells(d)


def _earlier(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)
