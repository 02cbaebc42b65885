"""Posterior predictive runs: fresh simulations at points drawn from the posterior, with
new seeds, measured on every target (the held-out ones too).

The accepted particles' own statistics are not a predictive check: they were kept
because they fell near the data. Fresh runs at posterior draws say what the
calibrated model predicts, seed noise included. They are stored beside the history
(``predictive.parquet``, written whole and renamed), so summaries and the validity
report read them instead of running them again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from thermidor.calibration.inference import make_plan, simulate_on
from thermidor.calibration.posterior import Posterior, weighted_quantiles
from thermidor.calibration.targets import Observed
from thermidor.experiments.executors import Executor

PREDICTIVE = "predictive.parquet"
BAND = (0.05, 0.5, 0.95)


def predictive_runs(
    posterior: Posterior, executor: Executor, draws: int, seed: int
) -> pd.DataFrame:
    """``draws`` runs at posterior draws: one row per run, its point and its targets."""
    plan = make_plan(posterior.calibration)
    points = posterior.draw(draws, seed)
    rows = [{k: float(v) for k, v in row.items()} for _, row in points.iterrows()]
    run_seeds = np.random.SeedSequence([seed, 2**31]).generate_state(draws, dtype=np.uint32)
    stats = simulate_on(executor, plan)(rows, [int(s) for s in run_seeds])
    table = pd.concat([points, pd.DataFrame(stats)], axis=1)
    table.insert(0, "seed", run_seeds.astype(np.int64))
    return table


def save(table: pd.DataFrame, folder: Path) -> Path:
    path = folder / PREDICTIVE
    partial = path.with_name(f".{PREDICTIVE}.{os.getpid()}.tmp")
    table.to_parquet(partial, index=False)
    with partial.open("rb") as written:
        os.fsync(written.fileno())
    os.replace(partial, path)
    return path


def load(folder: Path) -> pd.DataFrame | None:
    path = folder / PREDICTIVE
    return pd.read_parquet(path) if path.is_file() else None


@dataclass(frozen=True)
class Check:
    """One target against its predictive band."""

    target: str
    held_out: bool
    observed: Observed
    low: float
    median: float
    high: float

    @property
    def inside(self) -> bool:
        """The published range meets the 90% predictive band."""
        return self.observed.low <= self.high and self.observed.high >= self.low


def checks(posterior: Posterior, table: pd.DataFrame) -> list[Check]:
    plan = make_plan(posterior.calibration)
    found = []
    for target in posterior.calibration.targets:
        values = table[target.name].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0:
            low = median = high = float("nan")
        else:
            low, median, high = weighted_quantiles(values, np.ones(values.size), BAND)
        found.append(
            Check(target.name, target.held_out, plan.observed[target.name], low, median, high)
        )
    return found
