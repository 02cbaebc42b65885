"""Run a simulation step by step, handing partial series to a callback as it goes.

Every run the dashboard starts goes through :func:`simulate`, which refuses a run larger
than :mod:`~thermidor.dashboard.limits` allows or beyond the runs going on at once: the
server's own check, whatever the page sent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from thermidor.dashboard import limits
from thermidor.model.results import Results
from thermidor.model.run import Simulation
from thermidor.scenarios import Scenario

Update = Callable[[dict[str, np.ndarray], int, int], None]
UPDATES = 40  # partial series pushed about this many times per run
_SLOTS = threading.BoundedSemaphore(limits.MAX_RUNS)  # shared by every page of the server


def simulate(
    scenario: Scenario,
    seed: int,
    on_update: Update,
    *,
    cancelled: Callable[[], bool] = lambda: False,
) -> Results | None:
    """Advance ``scenario`` from ``seed`` to its end; None if ``cancelled()`` turned true.

    ``on_update(series, done, total)`` receives copies of the recorded series (NaN for
    steps not run yet) every ``total // UPDATES`` steps and after the last step.
    ``limits.RunRefusedError`` if the run is larger than the dashboard runs, or if
    ``limits.MAX_RUNS`` runs are going on already.
    """
    limits.check(scenario.meta)
    if not _SLOTS.acquire(blocking=False):
        msg = (
            f"{limits.MAX_RUNS} runs are going on already on this server (the dashboard's "
            "limit): run again when one has finished"
        )
        raise limits.RunRefusedError(msg)
    try:
        return _advance(scenario, seed, on_update, cancelled)
    finally:
        _SLOTS.release()


def _advance(
    scenario: Scenario, seed: int, on_update: Update, cancelled: Callable[[], bool]
) -> Results | None:
    simulation = Simulation(scenario, seed)
    total = scenario.meta.steps
    every = max(1, total // UPDATES)
    on_update({}, 0, total)
    for done in range(1, total + 1):
        if cancelled():
            return None
        simulation.advance()
        if done % every == 0 or done == total:
            on_update({k: v.copy() for k, v in simulation.recorder.series.items()}, done, total)
    return simulation.results()
