"""The points of an experiment: a grid's cartesian product, or a SALib sample.

Sampling designs are drawn from the design's own seed, so the same file always
gives the same points (and the store recognises runs already done).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
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
    """Every point of the experiment, in a fixed order: parameter name -> value.

    Raises:
        ExperimentError: the parameters do not fit the design, or the experiment has more
            than ``MAX_RUNS`` runs (counted before any point is built).
    """
    # checked again here: a file with an [optimize] table skips both checks when loaded
    problem = experiment.design_mismatch() or experiment.size_problem()
    if problem:
        msg = f"experiment {experiment.name}: {problem}"
        raise ExperimentError(msg)
    return list(_drawn(experiment))


def _drawn(experiment: Experiment) -> Iterator[dict[str, Value]]:
    """The points one at a time: a grid's combinations as itertools.product yields them,
    a sample's rows."""
    params = experiment.parameters
    names = [p.name for p in params]
    if experiment.design.kind == "grid":
        for combo in itertools.product(*(p.grid for p in params)):
            yield dict(zip(names, combo, strict=True))
        return
    for row in sample_matrix(experiment):
        yield {
            p.name: round(float(x)) if p.integer else float(x)
            for p, x in zip(params, row, strict=True)
        }
