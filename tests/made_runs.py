"""Finished runs with made-up series, stored without simulating: for the tests of what the
command line reads back (dates, listings, exports), where the model's outcome is not the
point and a run reaching Thermidor at a known step is needed."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from thermidor.model.results import EXTRA_SERIES, METRICS, Results
from thermidor.scenarios import load_scenario
from thermidor.store import Store

SCENARIO = "soviet-1917-1928"  # step 0 is 1917-11, a step is a month
STEPS = 40


@functools.cache
def scenario_params(name: str = SCENARIO, steps: int = STEPS) -> dict[str, Any]:
    """A real resolved scenario's parameters (its calendar, its events), not run."""
    return load_scenario(name, [f"meta.steps={steps}", "meta.members=100"]).model_dump(mode="json")


def store_run(
    path: Path,
    *,
    seed: int = 1,
    thermidor_step: int | None = None,
    params: dict[str, Any] | None = None,
    scenario: str = SCENARIO,
    steps: int = STEPS,
    scale: float = 1.0,
) -> str:
    """Store one finished run with random series (uniform in 0..scale) in the store at
    ``path``; its id."""
    params = scenario_params() if params is None else params
    rng = np.random.default_rng(seed)
    results = Results(
        scenario=scenario,
        seed=seed,
        steps=steps,
        members=100,
        params=params,
        version="0.0.0-test",
        series={name: scale * rng.random(steps) for name in (*METRICS, *EXTRA_SERIES)},
        thermidor_step=thermidor_step,
    )
    with Store(path) as store:
        run_id = store.start_run(
            scenario, params, seed=seed, version="0.0.0-test", steps=steps, members=100
        )
        store.finish_run(run_id, results)
    return run_id


def store_experiment(
    path: Path, metrics: list[str], points: list[dict[str, Any]], seeds: int = 3,
    scale: float = 1.0,
) -> str:  # fmt: skip
    """An experiment of these points and metrics whose runs (seeds 0..seeds-1) are made-up
    finished runs, half of them reaching Thermidor at steps 20-25; its id."""
    from thermidor.experiments import records  # noqa: PLC0415
    from thermidor.experiments.spec import Experiment  # noqa: PLC0415

    experiment = Experiment.model_validate(
        {
            "name": "made-up",
            "scenario": SCENARIO,
            "seeds": seeds,
            "steps": STEPS,
            "members": 100,
            "metrics": metrics,
            "parameters": [
                {"name": name, "values": sorted({p[name] for p in points})} for name in points[0]
            ],
        }
    )
    with Store(path) as store:
        experiment_id = records.register(store, experiment, points)
    for point in range(len(points)):
        for seed in range(seeds):
            step = 20 + (point + seed) % 6 if seed % 2 == 0 else None
            run_id = store_run(path, seed=seed, thermidor_step=step, scale=scale)
            with Store(path) as store:
                store.connection.execute(records.LINK, [experiment_id, point, seed, run_id])
    return experiment_id
