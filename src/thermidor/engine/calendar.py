"""Steps and calendar dates: the one place that turns a step number into a date and back.

A scenario says when step 0 is (``start``, ``YYYY-MM`` or ``YYYY-MM-DD``) and how long a
step lasts (``time_step``). Readers think in dates ("the Lenin enrolment, 1924"), the
engine in steps; every figure axis, CLI line, JSON field and export column takes its date
from here, so they can never disagree by a month.

Dates are written at the precision the unit has: ``YYYY-MM`` for months, quarters and
years, ``YYYY-MM-DD`` for weeks. :func:`axis_date` always gives a full ISO day, which a
plotting library reads as a point in time.
"""

from __future__ import annotations

import re
from datetime import date

START_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$"
_START = re.compile(START_PATTERN)
MONTHS_PER_STEP: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}
STEPS_PER_YEAR: dict[str, int] = {"week": 52, "month": 12, "quarter": 4, "year": 1}
TIME_STEPS = ("week", "month", "quarter", "year")


class CalendarError(ValueError):
    """A start date or a unit the calendar cannot read (one line naming it)."""


def first_day(start: str) -> date:
    """The day step 0 begins: ``start`` read as ``YYYY-MM`` (its first day) or a full date."""
    if not _START.match(start):
        raise CalendarError(f"start {start!r}: a date YYYY-MM or YYYY-MM-DD")
    parts = [int(p) for p in start.split("-")]
    try:
        return date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1)
    except ValueError as exc:
        raise CalendarError(f"start {start!r}: {exc}") from None


def _unit(time_step: str) -> str:
    if time_step not in STEPS_PER_YEAR:
        raise CalendarError(f"time_step {time_step!r}: one of {', '.join(TIME_STEPS)}")
    return time_step


def step_day(start: str, time_step: str, step: int) -> date:
    """The first day of ``step``."""
    first, unit = first_day(start), _unit(time_step)
    if unit == "week":
        return date.fromordinal(first.toordinal() + 7 * int(step))
    months = first.month - 1 + int(step) * MONTHS_PER_STEP[unit]
    return date(first.year + months // 12, months % 12 + 1, 1)


def step_date(start: str, time_step: str, step: int) -> str:
    """The date of ``step`` at the unit's precision (``1924-01``; ``1924-01-07`` for weeks)."""
    day = step_day(start, time_step, step)
    return day.isoformat() if _unit(time_step) == "week" else day.isoformat()[:7]


def step_dates(start: str, time_step: str, steps: int) -> list[str]:
    """The dates of steps ``0 .. steps - 1``."""
    return [step_date(start, time_step, step) for step in range(steps)]


def axis_date(start: str, time_step: str, step: int) -> str:
    """The first day of ``step`` as a full ISO date, for a time axis."""
    return step_day(start, time_step, step).isoformat()


def axis_dates(start: str, time_step: str, steps: int) -> list[str]:
    """Full ISO dates of steps ``0 .. steps - 1``, for a time axis."""
    return [axis_date(start, time_step, step) for step in range(steps)]


def step_of(start: str, time_step: str, when: str) -> int:
    """The step a date ``when`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) falls in: whole
    steps since ``start``, negative before it."""
    text = f"{when}-01" if re.match(r"^\d{4}$", when) else when
    day, first, unit = first_day(text), first_day(start), _unit(time_step)
    if unit == "week":
        return (day.toordinal() - first.toordinal()) // 7
    months = 12 * (day.year - first.year) + (day.month - first.month)
    return months // MONTHS_PER_STEP[unit]


def decimal_year(start: str, time_step: str, step: float) -> float:
    """The date of ``step`` as a decimal year (``1917-11`` -> 1917.833...), fractional steps
    allowed: the unit the dashboard's intervention form is written in."""
    first = first_day(start)
    return first.year + (first.month - 1) / 12 + float(step) / STEPS_PER_YEAR[_unit(time_step)]
