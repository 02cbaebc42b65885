"""The numbers of the letter's comparison: bands over seeds, one sentence per metric, and
when each arm reaches Thermidor.

Pure functions of arrays, so that the sentences can be tested on constructed series.

A sentence reads three things. The **change under the remedies**: from the arms' common
median the step before the split to the remedies' median at the end of the window; it
"rises" or "falls" when the two differ by more than ``STEADY`` of the larger, else it
"stays near" its value. The **purge's return**: the purge *leaves* the status quo when its
median falls outside the status quo's 50% band at some step after the split; it *returns*
at the first later step from which its median stays inside that band for
``RETURN_STEPS`` consecutive steps (six months); the months are counted from the split.
A purge that never leaves the band "stays within the status quo's band throughout"; one
that has not returned by the window's last step "does not return by" that date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermidor.engine import calendar

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)  # the 90% band, the 50% band and the median
STEADY = 0.05  # a change below 5% of the larger value is read as no change
RETURN_STEPS = 6  # consecutive steps inside the status quo's 50% band that make a return
WINDOW = ("1926-01", "1938-12")  # the years the comparison is read over

# what each metric is called in a sentence (the metric's own name when absent)
SPOKEN = {
    "control_index": "control",
    "participation": "participation",
    "capacity": "capacity",
    "apparatus_share": "the apparatus' share",
    "nominated_share": "the nominated share of offices",
    "privilege_ratio": "the privilege ratio",
    "gini": "the Gini of incomes",
    "abuse_rate": "the abuse rate",
    "report_inflation": "report inflation",
    "identification": "identification with the class",
    "legitimacy": "legitimacy",
    "mobilization_potential": "mobilisation potential",
}


@dataclass(frozen=True)
class Bands:
    """An arm's metric over seeds: ``q[k, t]`` is quantile ``QUANTILES[k]`` at step t."""

    q: np.ndarray

    @property
    def median(self) -> np.ndarray:
        return self.q[2]

    @property
    def low50(self) -> np.ndarray:
        return self.q[1]

    @property
    def high50(self) -> np.ndarray:
        return self.q[3]


def bands(series: np.ndarray) -> Bands:
    """Quantiles over seeds of a (seeds, steps) array; a NaN step (no value that step in
    one seed) is left out of that step's quantiles."""
    values = np.asarray(series, dtype=np.float64)
    if np.isnan(values).all(axis=0).any():
        q = np.full((len(QUANTILES), values.shape[1]), np.nan)
        kept = ~np.isnan(values).all(axis=0)
        q[:, kept] = np.nanquantile(values[:, kept], QUANTILES, axis=0)
        return Bands(q)
    return Bands(np.nanquantile(values, QUANTILES, axis=0))


def number(value: float) -> str:
    """Two significant figures (0.21, 0.012, 3.4), NaN as a dash."""
    return f"{value:.2g}" if np.isfinite(value) else "—"


def _pair(a: float, b: float) -> tuple[str, str]:
    """Both numbers at two significant figures, or three when two would print them alike."""
    if number(a) != number(b):
        return number(a), number(b)
    return f"{a:.3g}", f"{b:.3g}"


def change(before: float, after: float) -> str:
    """ "rises from A to B", "falls from A to B" or "stays near A"."""
    scale = max(abs(before), abs(after))
    if not np.isfinite(scale) or abs(after - before) <= STEADY * scale:
        return f"stays near {number(before)}"
    a, b = _pair(before, after)
    return f"{'rises' if after > before else 'falls'} from {a} to {b}"


def return_step(purge: np.ndarray, low: np.ndarray, high: np.ndarray, split: int) -> int | None:
    """The step the purge's median returns into the status quo's 50% band (``low..high``)
    and stays there ``RETURN_STEPS`` steps; ``split`` when it never leaves the band; None when
    it has not returned by the last step."""
    inside = (purge >= low) & (purge <= high)
    after = inside[split:]
    if after.all():
        return split
    left = int(np.argmin(after))  # the first step outside
    run = 0
    for t in range(left, len(after)):
        run = run + 1 if after[t] else 0
        if run == RETURN_STEPS:
            return split + t - RETURN_STEPS + 1
    return None


@dataclass(frozen=True)
class Calendar:
    """The runs' calendar: when step 0 is and how long a step lasts."""

    start: str
    time_step: str

    def date(self, step: int) -> str:
        return calendar.step_date(self.start, self.time_step, step)

    def months(self, first: int, last: int) -> int:
        """Whole months from the first day of step ``first`` to that of step ``last``."""
        a = calendar.step_day(self.start, self.time_step, first)
        b = calendar.step_day(self.start, self.time_step, last)
        return 12 * (b.year - a.year) + b.month - a.month


def sentence(
    metric: str,
    status_quo: Bands,
    remedies: Bands,
    purge: Bands,
    split: int,
    end: int,
    cal: Calendar,
) -> str:
    """One plain sentence on ``metric`` over steps ``split - 1 .. end`` (see the module)."""
    name = SPOKEN.get(metric, metric)
    before = float(status_quo.median[split - 1]) if split > 0 else float(status_quo.median[0])
    first = (
        f"{name[0].upper()}{name[1:]} {change(before, float(remedies.median[end]))} "
        f"under the remedies by {cal.date(end)} "
        f"(status quo {number(float(status_quo.median[end]))})"
    )
    last = end + 1
    back = return_step(
        purge.median[:last], status_quo.low50[:last], status_quo.high50[:last], split
    )
    if back == split:
        tail = "the purge stays within the status quo's 50% band throughout"
    elif back is None:
        tail = f"after the purge it does not return to the status quo by {cal.date(end)}"
    else:
        months = cal.months(split, back)
        tail = f"after the purge it returns to the status quo within {months} months"
    return f"{first}; {tail}."


@dataclass(frozen=True)
class ThermidorRow:
    """When an arm's runs reach Thermidor: how many of how many, and the quartiles of the
    date among those that do."""

    label: str
    reached: int
    runs: int
    quartiles: tuple[str, str, str] | None

    @property
    def share(self) -> float:
        return self.reached / self.runs if self.runs else float("nan")


def thermidor_row(label: str, steps: list[int | None], cal: Calendar) -> ThermidorRow:
    """The share of runs with a Thermidor step and the dates of its quartiles (the steps'
    quantiles rounded down to a whole step)."""
    found = np.array([s for s in steps if s is not None], dtype=float)
    if found.size == 0:
        return ThermidorRow(label, 0, len(steps), None)
    q = np.quantile(found, (0.25, 0.5, 0.75))
    dates = tuple(cal.date(int(np.floor(v))) for v in q)
    return ThermidorRow(label, int(found.size), len(steps), (dates[0], dates[1], dates[2]))


def window(cal: Calendar, steps: int) -> tuple[int, int]:
    """The first and last steps of ``WINDOW`` inside the runs' span (the whole span when the
    runs lie outside it)."""
    first = max(0, calendar.step_of(cal.start, cal.time_step, WINDOW[0]))
    last = min(steps - 1, calendar.step_of(cal.start, cal.time_step, WINDOW[1]))
    if first >= last:
        return 0, steps - 1
    return first, last
