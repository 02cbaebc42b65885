"""Steps and dates: one calendar for figures, CLI lines, JSON and exports."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thermidor.engine import calendar


def test_months_quarters_years_and_weeks() -> None:
    assert calendar.step_date("1917-11", "month", 0) == "1917-11"
    assert calendar.step_date("1917-11", "month", 2) == "1918-01"
    assert calendar.step_date("1789-07", "quarter", 2) == "1790-01"
    assert calendar.step_date("1900-01", "year", 3) == "1903-01"
    assert calendar.step_date("1917-11-07", "week", 1) == "1917-11-14"
    assert calendar.axis_date("1917-11", "month", 14) == "1919-01-01"
    assert calendar.step_dates("1917-11", "month", 3) == ["1917-11", "1917-12", "1918-01"]


def test_step_of_reads_years_months_and_days() -> None:
    assert calendar.step_of("1917-11", "month", "1924-01") == 74
    assert calendar.step_of("1917-11", "month", "1924") == 74
    assert calendar.step_of("1789-07", "quarter", "1790-02") == 2
    assert calendar.step_of("1917-11-07", "week", "1917-11-20") == 1
    assert calendar.step_of("1917-11", "month", "1917-01") == -10


@given(
    st.sampled_from(["1789-07", "1917-11", "2024-02", "1917-11-07"]),
    st.sampled_from(calendar.TIME_STEPS),
    st.integers(0, 5_000),
)
def test_a_step_and_its_date_round_trip(start: str, unit: str, step: int) -> None:
    assert calendar.step_of(start, unit, calendar.axis_date(start, unit, step)) == step


def test_decimal_year() -> None:
    assert calendar.decimal_year("1917-11", "month", 0) == pytest.approx(1917 + 10 / 12)
    assert calendar.decimal_year("1917-11", "month", 12) == pytest.approx(1918 + 10 / 12)


@pytest.mark.parametrize(
    ("start", "unit", "words"),
    [
        ("1917-13", "month", "YYYY-MM"),
        ("1917-02-30", "month", "day is out of range"),
        ("1917-11", "fortnight", "one of week"),
    ],
)
def test_unreadable_calendars_are_one_line(start: str, unit: str, words: str) -> None:
    with pytest.raises(calendar.CalendarError, match=words):
        calendar.step_date(start, unit, 1)
