"""parse_date: the one parser for dates users type, as properties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rekg.graph.dates import parse_date, year_of
from rekg.graph.errors import InvalidParameter

days = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))


@given(day=days, pad_left=st.sampled_from(["", " ", "\t"]), pad_right=st.sampled_from(["", " ", "\n"]))
def test_iso_dates_round_trip(day: date, pad_left: str, pad_right: str) -> None:
    assert parse_date(pad_left + day.isoformat() + pad_right) == day


@given(day=days)
def test_unpadded_months_and_days_are_accepted(day: date) -> None:
    assert parse_date(f"{day.year}-{day.month}-{day.day}") == day


@given(day=days)
def test_partial_dates_bound_their_period(day: date) -> None:
    month = f"{day.year}-{day.month:02d}"
    start = parse_date(month, partial=True)
    end = parse_date(month, partial=True, end=True)
    assert start <= day <= end and start.day == 1
    assert end == date.max or date.fromordinal(end.toordinal() + 1).day == 1  # the last day of its month
    assert parse_date(str(day.year), partial=True) <= day <= parse_date(str(day.year), partial=True, end=True)


@given(text=st.text(max_size=30))
def test_any_text_is_a_date_or_an_invalid_parameter(text: str) -> None:
    try:
        got = parse_date(text, partial=True)
    except InvalidParameter as exc:
        assert exc.code == "invalid_parameter" and "date" in exc.detail
        return
    assert got is None or isinstance(got, date)


@pytest.mark.parametrize(
    "bad", ["2026-02-30", "2026-13-01", "2026-00-10", "15/01/2026", "2026-01", "yesterday", "2026-1-1x"]
)
def test_malformed_or_impossible_days_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidParameter):
        parse_date(bad)


def test_blank_is_no_date_and_dates_pass_through() -> None:
    assert parse_date(None) is None and parse_date("  ") is None
    assert parse_date(date(2026, 1, 15)) == date(2026, 1, 15)
    assert parse_date("2024-02", partial=True, end=True) == date(2024, 2, 29)


def test_year_of() -> None:
    assert year_of("2028") == 2028 and year_of(date(2025, 5, 16)) == 2025 and year_of(None) is None
