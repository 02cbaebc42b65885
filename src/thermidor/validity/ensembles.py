"""Ensembles of seeds for the stylized facts: the same seeds for every condition, each run
remembered so that the facts reading the same runs compute them once.

The seeds of an ensemble run side by side in spawned worker processes, each with one numba
thread (a run's numbers do not depend on the thread count, tests/model/test_reproducibility.py;
the small runs of the facts gain more from running seeds at once than from threads inside
one run). Workers end with the process that started them (``experiments.lifetime``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from types import TracebackType
from typing import Any, NamedTuple, Self

import numpy as np

from thermidor.model.results import Results
from thermidor.model.run import Simulation
from thermidor.model.scenario import Scenario
from thermidor.scenarios.loader import load_scenario, validate

# the member columns whose means over the founders (present from the first step) are kept
FOUNDER_COLUMNS = ("activity", "capacity")


class Run(NamedTuple):
    """One finished run: its results, and the founders' final means of ``FOUNDER_COLUMNS``."""

    results: Results
    founders: dict[str, float]


def simulate(sc: Scenario, seed: int) -> Run:
    """One run with the founders' final means: what a wave of recruits did to the members who
    were there before it, not to the average it joins."""
    simulation = Simulation(sc, seed)
    for _ in range(sc.meta.steps):
        simulation.advance()
    m = simulation.world.members
    founders = m.present & (m.joined < 0)
    means = {c: float(getattr(m, c)[founders].mean()) for c in FOUNDER_COLUMNS}
    return Run(simulation.results(), means)


def _start_worker(parent: int) -> None:
    """A worker's initializer: end with ``parent``; run the engine on one thread."""
    import numba  # noqa: PLC0415

    from thermidor.experiments.lifetime import follow_parent  # noqa: PLC0415

    follow_parent(parent)
    numba.set_num_threads(1)


def default_workers() -> int:
    """One worker per core this process may use, at most four."""
    return min(len(os.sched_getaffinity(0)), 4)


def scenario(
    name_or_path: str,
    *settings: str,
    overrides: tuple[str, ...] = (),
    edit: Callable[[dict[str, Any]], None] | None = None,
) -> Scenario:
    """A scenario with the point's ``overrides`` applied first, then the fact's own
    ``settings`` (its conditions, then its ablation), so that neither a point nor anything
    else can undo the condition a fact compares; ``edit(raw)`` may then change the raw
    mapping (what a ``--set`` cannot say: a cohort added, dated events moved)."""
    loaded = load_scenario(name_or_path, [*overrides, *settings])
    if edit is None:
        return loaded
    raw = loaded.model_dump(mode="python")
    edit(raw)
    return validate(raw)


class Ensembles:
    """Runs of scenarios over seeds, computed in worker processes and remembered.

    Args:
        workers: worker processes (default ``default_workers()``); 1 runs in this process.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None
        self._runs: dict[tuple[str, int], Run] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (runs still queued are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def forget(self) -> None:
        """Drop the remembered runs (between parameter points: none of them is shared)."""
        self._runs.clear()

    def _workers(self) -> ProcessPoolExecutor:
        """The worker processes, started once (spawned: numba's threads do not survive a
        fork)."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
        return self._pool

    def runs(self, sc: Scenario, seeds: tuple[int, ...]) -> list[Run]:
        """The runs of ``sc`` for ``seeds``, the missing ones computed side by side."""
        text = sc.model_dump_json()
        missing = [seed for seed in seeds if (text, seed) not in self._runs]
        if len(missing) > 1 and self.workers > 1:
            done = self._workers().map(simulate, [sc] * len(missing), missing)
        else:
            done = map(simulate, [sc] * len(missing), missing)
        for seed, result in zip(missing, done, strict=True):
            self._runs[(text, seed)] = result
        return [self._runs[(text, seed)] for seed in seeds]

    def series(self, sc: Scenario, metric: str, seeds: tuple[int, ...]) -> np.ndarray:
        """(seeds, steps) array of one metric."""
        return np.array([run.results.series[metric] for run in self.runs(sc, seeds)])

    def final(self, sc: Scenario, metric: str, seeds: tuple[int, ...]) -> np.ndarray:
        """Per-seed value of a metric at the last step."""
        return self.series(sc, metric, seeds)[:, -1]

    def founders_final(self, sc: Scenario, column: str, seeds: tuple[int, ...]) -> np.ndarray:
        """Per-seed mean of a member column at the end, over the founders still present."""
        return np.array([run.founders[column] for run in self.runs(sc, seeds)])

    def thermidor_steps(self, sc: Scenario, seeds: tuple[int, ...]) -> np.ndarray:
        """Per-seed Thermidor step; a run without Thermidor counts as the run's length."""
        steps = [run.results.thermidor_step for run in self.runs(sc, seeds)]
        return np.array([sc.meta.steps if s is None else s for s in steps], dtype=float)


_shared: Ensembles | None = None


def shared() -> Ensembles:
    """The process's own ensembles, for checks called without one (the tests: one cache for
    the whole session, so facts reading the same runs share them)."""
    global _shared  # noqa: PLW0603 - one cache per process, by design
    if _shared is None:
        _shared = Ensembles()
    return _shared
