"""Ensembles for the stylized-fact tests: same seeds for every condition, means over seeds."""

from __future__ import annotations

from typing import Any

import numpy as np

from thermidor.model.results import Results
from thermidor.model.run import run
from thermidor.model.scenario import Scenario
from thermidor.scenarios.loader import load_scenario, validate

# twelve seeds: with six, a fact's margin could hinge on one realisation of the network
SEEDS = tuple(range(12))
_RUNS: dict[tuple[str, int], Results] = {}


def _run(sc: Scenario, seed: int) -> Results:
    """``run``, remembered: several facts read more than one metric of the same runs."""
    key = (sc.model_dump_json(), seed)
    if key not in _RUNS:
        _RUNS[key] = run(sc, seed)
    return _RUNS[key]


def scenario(name_or_path: str, *overrides: str, edit: Any = None) -> Scenario:
    """Load a scenario with ``--set`` overrides; ``edit(raw)`` may change the raw mapping."""
    loaded = load_scenario(name_or_path, list(overrides))
    if edit is None:
        return loaded
    raw = loaded.model_dump(mode="python")
    edit(raw)
    return validate(raw)


def series(sc: Scenario, metric: str, seeds: tuple[int, ...] = SEEDS) -> np.ndarray:
    """(seeds, steps) array of one metric."""
    return np.array([_run(sc, seed).series[metric] for seed in seeds])


def final(sc: Scenario, metric: str, seeds: tuple[int, ...] = SEEDS) -> np.ndarray:
    """Per-seed value of a metric at the last step."""
    return series(sc, metric, seeds)[:, -1]


def thermidor_steps(sc: Scenario, seeds: tuple[int, ...] = SEEDS) -> np.ndarray:
    """Per-seed Thermidor step; a run without Thermidor counts as the run's length."""
    steps = [_run(sc, seed).thermidor_step for seed in seeds]
    return np.array([sc.meta.steps if s is None else s for s in steps], dtype=float)
