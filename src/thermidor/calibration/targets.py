"""The published figures a calibration compares with, and how a target compares.

The data files (``thermidor/data/*.csv``, documented in docs/data.md) hold one
published figure per row: its central value and the range the literature gives
(``low``, ``high``), with its source. A target applies one *observable form* to
a data series and, identically, to the model's measure of the same quantity:

- ``level``: the value at ``at``;
- ``ratio``: the value at ``at`` over the value at ``base`` (scale-free: the model's
  members are a sample, not the country);
- ``growth``: the yearly growth rate from ``base`` to ``at``, ``(v_at / v_base)^(1/years) - 1``.

A target's range propagates the rows' ranges (the extreme combinations), and its
distance is zero inside the range and grows with the distance to it in half-widths:
a published range says which values the literature cannot tell apart, not that its
midpoint is the truth.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

COLUMNS = ("id", "series", "date", "value", "low", "high", "unit", "source", "note")
FORMS = ("level", "ratio", "growth")


class TargetError(ValueError):
    """A data file or a target that cannot be used, with a one-line reason."""


@dataclass(frozen=True)
class Row:
    """One published figure."""

    id: str
    series: str
    date: str
    value: float
    low: float
    high: float
    unit: str
    source: str
    note: str


@dataclass(frozen=True)
class Observed:
    """A target's observed value and range, derived from the data rows."""

    value: float
    low: float
    high: float
    sources: tuple[str, ...]


def data_folder() -> Path:
    """The shipped data files' folder."""
    return Path(str(resources.files("thermidor"))) / "data"


def _number(text: str, field: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise TargetError(f"{where}: {field} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise TargetError(f"{where}: {field} {text!r} must be finite")
    return value


def read_rows(path: Path) -> list[Row]:
    """The rows of one data file, checked: the columns, numbers, low <= value <= high."""
    where = path.name
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line]
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetError(f"{where}: cannot be read ({exc.__class__.__name__})") from None
    body = [line for line in lines if not line.startswith("#")]
    reader = csv.DictReader(body)
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise TargetError(f"{where}: columns {reader.fieldnames}: allowed: {list(COLUMNS)}")
    rows = []
    for number, raw in enumerate(reader, start=2):
        at = f"{where} row {number}"
        value, low, high = (_number(raw[k] or "", k, at) for k in ("value", "low", "high"))
        if not low <= value <= high:
            raise TargetError(f"{at}: value {value} must lie in [low {low}, high {high}]")
        rows.append(Row(**{**raw, "value": value, "low": low, "high": high}))  # type: ignore[arg-type]
    return rows


def load_data(folder: Path | None = None) -> dict[tuple[str, str, str], Row]:
    """Every row of every data file, keyed by (file stem, series, date)."""
    folder = folder or data_folder()
    table: dict[tuple[str, str, str], Row] = {}
    for path in sorted(folder.glob("*.csv")):
        for row in read_rows(path):
            table[(path.stem, row.series, row.date)] = row
    return table


def row(table: dict[tuple[str, str, str], Row], data: str, date: str) -> Row:
    """The row of ``data`` (``file.series``) at ``date``, or a one-line error."""
    stem, _, series = data.partition(".")
    found = table.get((stem, series, date))
    if found is None:
        dates = sorted(d for (s, n, d) in table if (s, n) == (stem, series))
        allowed = ", ".join(dates) if dates else "none: no such file.series"
        raise TargetError(f"data {data!r} has no row at {date!r}: dates: {allowed}")
    return found


def years_between(base: str, at: str) -> float:
    """Years from month ``base`` to month ``at`` (``YYYY-MM``)."""
    (y0, m0), (y1, m1) = (map(int, d.split("-")) for d in (base, at))
    return (12 * (y1 - y0) + (m1 - m0)) / 12.0


def apply_form(form: str, at_value: float, base_value: float | None, years: float) -> float:
    """The observable form of a value at ``at`` (and ``base``): the same for data and model."""
    if form == "level":
        return at_value
    if base_value is None or base_value <= 0.0 or at_value < 0.0:
        return math.nan
    if form == "ratio":
        return at_value / base_value
    return (at_value / base_value) ** (1.0 / years) - 1.0


def observed(form: str, at: Row, base: Row | None, years: float) -> Observed:
    """The target's observed value and range: the central rows, and the extreme ones."""
    sources = (at.source,) if base is None else (at.source, base.source)
    if form == "level":
        return Observed(at.value, at.low, at.high, sources)
    assert base is not None
    value = apply_form(form, at.value, base.value, years)
    low = apply_form(form, at.low, base.high, years)
    high = apply_form(form, at.high, base.low, years)
    return Observed(value, low, high, sources)


def discrepancy(simulated: float, target: Observed) -> float:
    """How far a simulated value lies outside the target's range, in half-widths of it
    (0 inside); a run that cannot be measured (NaN) is infinitely far."""
    if not math.isfinite(simulated):
        return math.inf
    half = (target.high - target.low) / 2.0
    if half <= 0.0:
        half = max(abs(target.value), 1e-12) * 0.05
    outside = max(target.low - simulated, simulated - target.high, 0.0)
    return outside / half
