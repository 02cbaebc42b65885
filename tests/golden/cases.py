"""The golden baseline's cases and how a run becomes the baseline's arrays.

Only the public API is used (``thermidor.load_scenario`` and ``thermidor.run``), so the
baseline survives any reorganisation of the package: a change that keeps behaviour keeps
every array here bit for bit; a model change regenerates the file in a commit of its own
that says why (``python tests/golden/make_baseline.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import thermidor

BASELINE = Path(__file__).parent / "baseline.npz"
SMALL = str(Path(__file__).parents[1] / "data" / "small.toml")

# (scenario, overrides, seeds): every shipped scenario over its whole timetable, small enough
# to run in seconds, plus the tests' neutral scenario
CASES: tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...] = (
    ("soviet-1917-1928", ("meta.members=1000",), (0, 1)),
    ("rakovsky-remedies-1928", ("meta.members=1000",), (0, 1)),
    ("purge-1928", ("meta.members=1000",), (0,)),
    ("paris-1789-1794", ("meta.members=1000",), (0, 1)),
    ("present-day-union", ("meta.members=1000",), (0,)),
    (SMALL, ("meta.members=600",), (0, 1)),
)


def case_key(scenario: str, seed: int) -> str:
    return f"{Path(scenario).stem}|{seed}"


def compute() -> dict[str, np.ndarray]:
    """Every case run now: one float64 array per (case, series), plus a JSON record per case
    of its Thermidor step and crises."""
    arrays: dict[str, np.ndarray] = {}
    for scenario, overrides, seeds in CASES:
        loaded = thermidor.load_scenario(scenario, list(overrides))
        for seed in seeds:
            results = thermidor.run(loaded, seed)
            key = case_key(scenario, seed)
            for name, values in results.series.items():
                arrays[f"{key}|{name}"] = np.asarray(values, dtype=np.float64)
            events = {"thermidor_step": results.thermidor_step, "crises": results.crises}
            arrays[f"{key}|events"] = np.array(json.dumps(events, sort_keys=True))
    return arrays
