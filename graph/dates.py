"""Dates as users type them and as the graph stores them.

Users pass ``2026-01-15``, or a month (``2025-11``) or a year (``2025``) where a period makes
sense; the graph holds ``xsd:date`` and ``xsd:gYear`` literals. Everything here is pure Python
so the routers and the CLI share one parser and one error.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Any

from rekg.graph.errors import InvalidParameter

__all__ = [
    "add_duration",
    "dated_text",
    "iso",
    "parse_date",
    "period_end",
    "period_start",
    "period_text",
    "precision_of",
    "to_date",
    "year_of",
]

_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_date(
    value: str | date | None, *, name: str = "date", end: bool = False, partial: bool = False
) -> date | None:
    """Parse an ISO date typed by a user.

    Parameters
    ----------
    value : str, date or None
        ``YYYY-MM-DD``; with ``partial``, also ``YYYY-MM`` and ``YYYY``. ``None`` and blank
        strings give ``None``; a :class:`~datetime.date` is returned unchanged.
    name : str
        The parameter's name, for the error message.
    end : bool
        For a partial date, return the last day of the period instead of the first (for the
        upper bound of a range).
    partial : bool
        Accept a year or a year and month.

    Returns
    -------
    date or None

    Raises
    ------
    InvalidParameter
        If ``value`` is not a valid date of the accepted shapes.

    Examples
    --------
    >>> parse_date("2026-01-15")
    datetime.date(2026, 1, 15)
    >>> parse_date("2025-11", partial=True, end=True)
    datetime.date(2025, 11, 30)
    >>> parse_date("2025", partial=True)
    datetime.date(2025, 1, 1)
    >>> parse_date("15/01/2026")
    Traceback (most recent call last):
    ...
    rekg.graph.errors.InvalidParameter: date: '15/01/2026' is not a date; use YYYY-MM-DD
    """
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise InvalidParameter(f"{name}: expected a date string, got {type(value).__name__}", parameter=name)
    text = value.strip()
    if not text:
        return None
    shape = "YYYY-MM-DD, YYYY-MM or YYYY" if partial else "YYYY-MM-DD"
    m = _DATE.match(text)
    if not m or (not partial and m.group(3) is None):
        raise InvalidParameter(f"{name}: {value!r} is not a date; use {shape}", parameter=name)
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        mon = int(month)
        if day is None:
            if not 1 <= mon <= 12:
                raise ValueError("month out of range")
            return date(year, mon, calendar.monthrange(year, mon)[1]) if end else date(year, mon, 1)
        return date(year, mon, int(day))
    except ValueError as exc:
        raise InvalidParameter(f"{name}: {value!r} is not a valid date ({exc})", parameter=name) from None


def year_of(value: Any) -> int | None:
    """The year of an ``xsd:gYear`` (as text, possibly with a time zone), a date or an int.

    Examples
    --------
    >>> year_of("2028"), year_of("2028Z"), year_of(date(2025, 5, 16)), year_of("soon")
    (2028, 2028, 2025, None)
    """
    if value is None:
        return None
    if isinstance(value, date):
        return value.year
    if isinstance(value, int):
        return value
    m = re.match(r"^-?(\d{4})", str(value))
    return int(m.group(1)) if m else None


def period_start(value: Any) -> date | None:
    """The first day of an ``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear`` value; ``None`` if it is none.

    Examples
    --------
    >>> period_start("2025-10"), period_start("2025"), period_start(date(2025, 5, 16)), period_start("soon")
    (datetime.date(2025, 10, 1), datetime.date(2025, 1, 1), datetime.date(2025, 5, 16), None)
    """
    if isinstance(value, date):
        return value
    try:
        # An interval (2020/2023, see period_text) starts when its first part does.
        return parse_date(str(value or "").split("/", 1)[0][:7], partial=True)
    except InvalidParameter:
        return None


def period_end(day: date, precision: str | None) -> date:
    """The last day of the period that ``day`` (its first day) stands for, at ``precision``.

    A source dated only to a month or a year may be from any day of it.

    Examples
    --------
    >>> period_end(date(2025, 2, 1), "month"), period_end(date(2025, 1, 1), "year")
    (datetime.date(2025, 2, 28), datetime.date(2025, 12, 31))
    >>> period_end(date(2025, 5, 16), "day")
    datetime.date(2025, 5, 16)
    """
    if precision == "year":
        return date(day.year, 12, 31)
    if precision == "month":
        return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return day


def add_duration(start: date, duration: Any) -> date | None:
    """The day an ``xsd:duration`` of years, months and days (``P1Y``) from ``start`` runs out; None if it is none.

    The result is the first day after the period (``start`` + one year), as ``rekg:validUntil``
    and ``rekg:suspendedUntil`` name it.

    Examples
    --------
    >>> add_duration(date(2025, 10, 30), "P1Y"), add_duration(date(2024, 1, 31), "P1M")
    (datetime.date(2026, 10, 30), datetime.date(2024, 2, 29))
    >>> add_duration(date(2025, 1, 1), "soon") is None
    True
    """
    m = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?", str(duration or ""))
    if not m or not any(m.groups()):
        return None
    years, months, days = (int(x or 0) for x in m.groups())
    total = start.year * 12 + start.month - 1 + years * 12 + months
    y, mo = divmod(total, 12)
    return date(y, mo + 1, min(start.day, calendar.monthrange(y, mo + 1)[1])) + timedelta(days=days)


def dated_text(day: date | None, precision: str | None) -> str:
    """A date as precisely as it is known: ``2025``, ``2025-11`` or ``2025-11-03`` (no invented day).

    Examples
    --------
    >>> dated_text(date(2025, 1, 1), "year"), dated_text(date(2025, 11, 1), "month"), dated_text(None, None)
    ('2025', '2025-11', '')
    """
    if day is None:
        return ""
    return {"year": day.isoformat()[:4], "month": day.isoformat()[:7]}.get(precision or "day", day.isoformat())


def period_text(period: Any, end: Any = None) -> str | None:
    """How a figure's period reads: its ``rekg:period``, or an ISO 8601 interval with its ``rekg:periodEnd``.

    Examples
    --------
    >>> period_text("2020", "2023"), period_text("2025", "2025-09"), period_text("2024"), period_text(None)
    ('2020/2023', '2025/2025-09', '2024', None)
    """
    if period is None:
        return None
    return f"{period}/{end}" if end is not None else str(period)


def precision_of(value: Any) -> str | None:
    """How precise an ``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear`` value is: ``day``, ``month`` or ``year``.

    Sources known only to the month or year keep that precision rather than an invented day.

    Examples
    --------
    >>> precision_of(date(2025, 11, 3)), precision_of("2025-11"), precision_of("2025"), precision_of(None)
    ('day', 'month', 'year', None)
    """
    if value is None:
        return None
    if isinstance(value, date):
        return "day"
    text = str(value)
    m = _DATE.match(text[:10])
    if not m:
        return None
    return "day" if m.group(3) else "month" if m.group(2) else "year"


def to_date(value: Any) -> date | None:
    """A day from a date or an ISO day (``2025-10-09``, a time part ignored); ``None`` otherwise.

    Examples
    --------
    >>> to_date("2025-10-09T00:00:00"), to_date("2025-10")
    (datetime.date(2025, 10, 9), None)
    """
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def iso(value: Any) -> str | None:
    """A date as ``YYYY-MM-DD``; other values as text; ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
