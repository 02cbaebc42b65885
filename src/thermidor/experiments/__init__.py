"""Experiments: ensembles, sweeps, sensitivity analysis and policy search over the model.

From a notebook::

    from thermidor.experiments import load_experiment, run_experiment, results_frame
    exp = load_experiment("sweep.toml")
    run_experiment(exp, workers=2)
    frame = results_frame(exp.store)   # pandas, one row per run
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from thermidor.experiments.runner import run_experiment
from thermidor.experiments.spec import (
    Experiment,
    ExperimentError,
    load_experiment,
    parse_experiment,
)

if TYPE_CHECKING:  # pandas and scipy load only when these functions run (imports inside)
    import pandas as pd

    from thermidor.experiments.summary import Stat

__all__ = [
    "Experiment",
    "ExperimentError",
    "load_experiment",
    "parse_experiment",
    "results_frame",
    "run_experiment",
    "summary",
]


def results_frame(
    store_path: str = "results.duckdb", experiment_id: str | None = None
) -> pd.DataFrame:
    """A tidy pandas DataFrame of an experiment's runs (the latest experiment by default)."""
    from thermidor.experiments.spool import settle  # noqa: PLC0415
    from thermidor.experiments.summary import runs_frame  # noqa: PLC0415
    from thermidor.store import Store  # noqa: PLC0415

    settle(store_path)
    with Store(store_path, read_only=True) as store:
        return runs_frame(store, experiment_id)


def summary(
    store_path: str = "results.duckdb", experiment_id: str | None = None, stat: Stat = "final"
) -> dict[str, Any]:
    """Per-point means with 95% intervals and the Thermidor share (see ``summary.summarize``)."""
    from thermidor.experiments.spool import settle  # noqa: PLC0415
    from thermidor.experiments.summary import summarize  # noqa: PLC0415
    from thermidor.store import Store  # noqa: PLC0415

    settle(store_path)
    with Store(store_path, read_only=True) as store:
        return summarize(store, experiment_id, stat)
