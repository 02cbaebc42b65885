"""Run a simulation step by step, handing partial series to a callback as it goes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from thermidor.model.results import Results
from thermidor.model.run import Simulation
from thermidor.scenarios import Scenario

Update = Callable[[dict[str, np.ndarray], int, int], None]
UPDATES = 40  # partial series pushed about this many times per run


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
    """
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
