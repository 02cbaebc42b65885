"""Ensembles for the stylized-fact tests: same seeds for every condition, means over seeds.

The seeds of an ensemble run side by side in worker processes, one per core the test
process may use, each worker with one numba thread: a run's numbers do not depend on the
number of threads (tests/model/test_reproducibility.py), and the small runs of the facts
gain more from running seeds at once than from threads inside one run.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import numba
import numpy as np

from thermidor.model.results import Results
from thermidor.model.run import Simulation
from thermidor.model.scenario import Scenario
from thermidor.scenarios.loader import load_scenario, validate

# twelve seeds: with six, a fact's margin could hinge on one realisation of the network
SEEDS = tuple(range(12))
# the member columns whose means over the founders (present from the first step) are kept
FOUNDER_COLUMNS = ("activity", "capacity")
_RUNS: dict[tuple[str, int], tuple[Results, dict[str, float]]] = {}


WORKERS = min(len(os.sched_getaffinity(0)), 4)
_pool: ProcessPoolExecutor | None = None


def _one_thread() -> None:
    numba.set_num_threads(1)


def _workers() -> ProcessPoolExecutor:
    """The worker processes, started once (spawned: numba's threads do not survive a fork)."""
    global _pool  # noqa: PLW0603 - one pool for the whole test session
    if _pool is None:
        _pool = ProcessPoolExecutor(
            WORKERS, mp_context=get_context("spawn"), initializer=_one_thread
        )
    return _pool


def simulate(sc: Scenario, seed: int) -> tuple[Results, dict[str, float]]:
    """One run with the founders' final means of ``FOUNDER_COLUMNS``: what a wave of recruits
    did to the members who were there before it, not to the average it joins."""
    simulation = Simulation(sc, seed)
    for _ in range(sc.meta.steps):
        simulation.advance()
    m = simulation.world.members
    founders = m.present & (m.joined < 0)
    means = {c: float(getattr(m, c)[founders].mean()) for c in FOUNDER_COLUMNS}
    return simulation.results(), means


def _ensemble(sc: Scenario, seeds: tuple[int, ...]) -> list[tuple[Results, dict[str, float]]]:
    """The runs of ``seeds``, remembered (several facts read more than one metric of the same
    runs); the missing ones computed side by side."""
    text = sc.model_dump_json()
    missing = [seed for seed in seeds if (text, seed) not in _RUNS]
    if len(missing) > 1 and WORKERS > 1:
        done = _workers().map(simulate, [sc] * len(missing), missing)
    else:
        done = map(simulate, [sc] * len(missing), missing)
    for seed, result in zip(missing, done, strict=True):
        _RUNS[(text, seed)] = result
    return [_RUNS[(text, seed)] for seed in seeds]


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
    return np.array([results.series[metric] for results, _ in _ensemble(sc, seeds)])


def final(sc: Scenario, metric: str, seeds: tuple[int, ...] = SEEDS) -> np.ndarray:
    """Per-seed value of a metric at the last step."""
    return series(sc, metric, seeds)[:, -1]


def founders_final(sc: Scenario, column: str, seeds: tuple[int, ...] = SEEDS) -> np.ndarray:
    """Per-seed mean of a member column at the end, over the founders still present."""
    return np.array([founders[column] for _, founders in _ensemble(sc, seeds)])


def thermidor_steps(sc: Scenario, seeds: tuple[int, ...] = SEEDS) -> np.ndarray:
    """Per-seed Thermidor step; a run without Thermidor counts as the run's length."""
    steps = [results.thermidor_step for results, _ in _ensemble(sc, seeds)]
    return np.array([sc.meta.steps if s is None else s for s in steps], dtype=float)
