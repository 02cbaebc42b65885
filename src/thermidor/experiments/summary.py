"""Per-point ensemble statistics: mean and 95% confidence interval of each metric, and the
share of runs that reached Thermidor with its Wilson interval.

The interval of a mean is Student's t over the point's seeds (none with one
seed); the interval of a share is Wilson's score interval, which stays inside
[0, 1] and is honest for shares near 0 or 1 and few runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from scipy import stats

from thermidor.engine.calendar import CalendarError, step_date
from thermidor.experiments import records

if TYPE_CHECKING:
    import pandas as pd

    from thermidor.store import Store

Stat = Literal["final", "mean"]
LEVEL = 0.95


def mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and its two-sided 95% t interval (NaN bounds with fewer than two values)."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    if values.size < 2:
        return mean, float("nan"), float("nan")
    half = stats.t.ppf(0.5 + LEVEL / 2, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return mean, mean - float(half), mean + float(half)


def share_interval(hits: int, n: int) -> tuple[float, float, float]:
    """Share and its 95% Wilson score interval."""
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    ci = stats.binomtest(hits, n).proportion_ci(confidence_level=LEVEL, method="wilson")
    return hits / n, float(ci.low), float(ci.high)


def runs_frame(store: Store, experiment_id: str | None = None) -> pd.DataFrame:
    """The tidy table of an experiment: one row per run, its point's parameter values,
    seed, run id, Thermidor step, and each kept metric at the last step and averaged."""
    import pandas as pd  # noqa: PLC0415

    exp = records.experiment(store, experiment_id)
    metrics = exp["spec"]["metrics"]
    table = records.outcomes(store, exp["experiment_id"], metrics).to_pandas()
    params = pd.DataFrame(exp["points"])
    params.insert(0, "point", range(len(params)))
    frame = params.merge(table, on="point", how="right")
    frame.insert(0, "experiment_id", exp["experiment_id"])
    return frame


QUARTILES = ("q1", "median", "q3")


def step_quartiles(steps: np.ndarray) -> dict[str, float | None]:
    """The quartiles of the Thermidor step over the runs that reach it: Thermidor is a
    distribution over an ensemble, its date as much as its chance."""
    if steps.size == 0:
        return dict.fromkeys(QUARTILES)
    return dict(zip(QUARTILES, np.quantile(steps, [0.25, 0.5, 0.75]).tolist(), strict=True))


def _dates(quartiles: dict[str, float | None], calendar: Any) -> dict[str, str | None]:
    """The dates of the quartile steps (``median_date`` ...): the date of the step each
    falls in, from the runs' calendar; None without a quartile or a calendar."""
    meta = calendar.get("meta") if isinstance(calendar, dict) else None
    dates: dict[str, str | None] = {}
    for key, step in quartiles.items():
        date = None
        if step is not None and isinstance(meta, dict):
            try:
                date = step_date(str(meta["start"]), str(meta["time_step"]), int(step // 1))
            except (CalendarError, KeyError, ValueError):
                date = None
        dates[f"{key}_date"] = date
    return dates


def summarize(
    store: Store, experiment_id: str | None = None, stat: Stat = "final"
) -> dict[str, Any]:
    """Per point: parameter values, runs, each metric's mean with its interval, and the
    Thermidor share with its interval and the quartiles of its step among the runs that
    reach it (``q1``, ``median``, ``q3``; None if none does) with their dates
    (``q1_date`` ...). ``stat`` picks the metric at
    the last step (``final``) or its mean over the run (``mean``)."""
    exp = records.experiment(store, experiment_id)
    frame = runs_frame(store, exp["experiment_id"])
    metrics = exp["spec"]["metrics"]
    names = list(exp["points"][0]) if exp["points"] else []
    calendars = store.calendars()
    rows = []
    for p, point in enumerate(exp["points"]):
        mine = frame[frame["point"] == p]
        row: dict[str, Any] = {"point": p, "params": point, "runs": len(mine)}
        for m in metrics:
            column = m if stat == "final" else f"{m}_mean"
            mean, low, high = mean_interval(mine[column].to_numpy(dtype=float))
            row[m] = {"mean": mean, "low": low, "high": high}
        steps = mine["thermidor_step"].dropna().to_numpy(dtype=float)
        share, low, high = share_interval(int(steps.size), len(mine))
        row["thermidor"] = {"share": share, "low": low, "high": high, "runs": int(steps.size)}
        quartiles = step_quartiles(steps)
        row["thermidor"].update(quartiles)
        first = mine["run_id"].iloc[0] if len(mine) else None
        row["thermidor"].update(_dates(quartiles, calendars.get(str(first))))
        rows.append(row)
    return {
        "experiment_id": exp["experiment_id"],
        "name": exp["name"],
        "stat": stat,
        "parameters": names,
        "metrics": metrics,
        "points": rows,
    }


def flat(summary: dict[str, Any]) -> pd.DataFrame:
    """The summary as one flat row per point (for CSV/Parquet export)."""
    import pandas as pd  # noqa: PLC0415

    rows = []
    for row in summary["points"]:
        out: dict[str, Any] = {"point": row["point"], **row["params"], "runs": row["runs"]}
        for m in summary["metrics"]:
            for key in ("mean", "low", "high"):
                out[f"{m}_{key}"] = row[m][key]
        for key in ("share", "low", "high", *QUARTILES, *(f"{q}_date" for q in QUARTILES)):
            out[f"thermidor_{key}"] = row["thermidor"][key]
        rows.append(out)
    return pd.DataFrame(rows)
