"""The points of an experiment: a grid's cartesian product, or a SALib sample.

Sampling designs are drawn from the design's own seed, so the same file always
gives the same points (and the store recognises runs already done).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from thermidor.experiments.spec import Experiment, ExperimentError, Value


def problem(experiment: Experiment) -> dict[str, Any]:
    """The SALib problem of a sampling design: names and bounds of the varying parameters."""
    params = experiment.parameters
    return {
        "num_vars": len(params),
        "names": [p.name for p in params],
        "bounds": [[p.low, p.high] for p in params],
    }


def sample_matrix(experiment: Experiment) -> np.ndarray:
    """The design's sample, one row per point (before integer rounding)."""
    design, spec = experiment.design, problem(experiment)
    if design.kind == "latin":
        from SALib.sample import latin  # noqa: PLC0415

        return latin.sample(spec, design.samples, seed=design.seed)
    if design.kind == "sobol":
        from SALib.sample import sobol  # noqa: PLC0415

        return sobol.sample(
            spec, design.samples, calc_second_order=design.second_order, seed=design.seed
        )
    if design.kind == "morris":
        from SALib.sample import morris  # noqa: PLC0415

        return morris.sample(spec, design.samples, num_levels=design.levels, seed=design.seed)
    msg = f"design {design.kind!r} is not a sampling design"
    raise ValueError(msg)


def points(experiment: Experiment) -> list[dict[str, Value]]:
    """Every point of the experiment, in a fixed order: parameter name -> value."""
    mismatch = experiment.design_mismatch()
    if mismatch:
        msg = f"experiment {experiment.name}: {mismatch}"
        raise ExperimentError(msg)
    params = experiment.parameters
    names = [p.name for p in params]
    if experiment.design.kind == "grid":
        return [
            dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(p.grid for p in params))
        ]
    matrix = sample_matrix(experiment)
    out: list[dict[str, Value]] = []
    for row in matrix:
        point: dict[str, Value] = {}
        for p, x in zip(params, row, strict=True):
            point[p.name] = round(float(x)) if p.integer else float(x)
        out.append(point)
    return out
