"""Global sensitivity analysis: which varying parameters move a metric, and which do not.

One function, ``indices``, turns one output per design point into Sobol' or
Morris indices with SALib; ``from_store`` feeds it an experiment's stored runs
(each point's metric averaged over its seeds). A test function with known
indices goes through ``indices`` exactly as the model does, so the analysis is
checked against known answers, not only against itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from thermidor.experiments import records
from thermidor.experiments.design import problem, sample_matrix
from thermidor.experiments.spec import Experiment, ExperimentError
from thermidor.store import StoreError

if TYPE_CHECKING:
    from thermidor.experiments.summary import Stat
    from thermidor.store import Store

CONF_LEVEL = 0.95
SOBOL_NEGLIGIBLE = 0.05  # ST upper bound: a share of the output variance
MORRIS_NEGLIGIBLE = 0.05  # mu* upper bound: a share of the largest mu*
RULES = {
    "sobol": f"ST + ST_conf < {SOBOL_NEGLIGIBLE}",
    "morris": f"mu_star + mu_star_conf < {MORRIS_NEGLIGIBLE} x the largest mu_star",
}


def require_sampling(experiment: Experiment) -> None:
    """Sensitivity indices need the design SALib drew for them: a grid or a Latin hypercube
    has not the structure (pairs of matrices, one-at-a-time trajectories) they are read from."""
    kind = experiment.design.kind
    if kind not in RULES:
        msg = (
            f"experiment {experiment.name!r} has a {kind} design: sensitivity analysis needs "
            'a sobol or morris design ([design] kind = "sobol" or "morris")'
        )
        raise ExperimentError(msg)


def indices(
    experiment: Experiment, outputs: np.ndarray, *, metric: str = "output"
) -> dict[str, Any]:
    """Sobol' or Morris indices of ``outputs``, one value per design point in design order,
    with every parameter ranked and flagged ``negligible`` or not.

    Sobol' (first order S1, total order ST, each with the half-width of its 95%
    bootstrap interval) ranks by ST: a parameter with a small S1 can still matter
    through interactions, and only ST near zero allows fixing it. A parameter is
    negligible when even the upper end of its ST interval is below 0.05: it
    explains less than 5% of the output's variance, interactions included.

    Morris (mu*, the mean absolute elementary effect, with its interval; mu, the
    signed mean; sigma, their spread: non-linearity or interactions) ranks by mu*.
    mu* is in the metric's units, so the rule is relative: negligible when the
    upper end of its interval is below 5% of the largest mu*.
    """
    require_sampling(experiment)
    design, spec = experiment.design, problem(experiment)
    X = sample_matrix(experiment)
    Y = np.asarray(outputs, dtype=float).ravel()
    if Y.size != len(X):
        msg = f"{metric}: {Y.size} outputs for the {len(X)} points of the design"
        raise ExperimentError(msg)
    missing = int((~np.isfinite(Y)).sum())
    if missing:
        msg = f"{metric}: no finite value at {missing} of {Y.size} design points"
        raise ExperimentError(msg)
    if np.ptp(Y) == 0:
        msg = f"{metric} is {Y[0]:g} at every design point: no variation to apportion"
        raise ExperimentError(msg)
    names = spec["names"]
    # the bootstrap's seed, so the intervals are reproducible: sobol.analyze takes a seed
    # of 0 for "none" (``if seed:``), hence design.seed + 1
    boot = design.seed + 1
    if design.kind == "sobol":
        from SALib.analyze import sobol  # noqa: PLC0415

        found = sobol.analyze(
            spec, Y, calc_second_order=design.second_order, conf_level=CONF_LEVEL, seed=boot
        )
        keys, rank_by = ("S1", "S1_conf", "ST", "ST_conf"), "ST"
        upper = found["ST"] + found["ST_conf"]
        negligible = upper < SOBOL_NEGLIGIBLE
    else:
        from SALib.analyze import morris  # noqa: PLC0415

        found = morris.analyze(
            spec, X, Y, num_levels=design.levels, conf_level=CONF_LEVEL, seed=boot
        )
        keys, rank_by = ("mu_star", "mu_star_conf", "mu", "sigma"), "mu_star"
        upper = np.asarray(found["mu_star"]) + np.asarray(found["mu_star_conf"])
        negligible = upper < MORRIS_NEGLIGIBLE * np.nanmax(found["mu_star"])
    rows = [
        {
            "name": name,
            **{key: float(found[key][i]) for key in keys},
            "negligible": bool(negligible[i]),
        }
        for i, name in enumerate(names)
    ]
    rows.sort(key=lambda row: -row[rank_by] if np.isfinite(row[rank_by]) else np.inf)
    result: dict[str, Any] = {
        "method": design.kind,
        "metric": metric,
        "points": int(Y.size),
        "conf_level": CONF_LEVEL,
        "ranked_by": rank_by,
        "negligible_rule": RULES[design.kind],
        "parameters": [{"rank": r + 1, **row} for r, row in enumerate(rows)],
    }
    if design.kind == "sobol" and design.second_order:
        result["second_order"] = [
            {"a": names[i], "b": names[j], **_pair(found, i, j)}
            for i in range(len(names))
            for j in range(i + 1, len(names))
        ]
    return result


def _pair(found: Any, i: int, j: int) -> dict[str, float]:
    return {"S2": float(found["S2"][i, j]), "S2_conf": float(found["S2_conf"][i, j])}


def from_store(
    store: Store, experiment_id: str | None, metric: str, stat: Stat = "final"
) -> dict[str, Any]:
    """``indices`` of a stored experiment's metric (the latest experiment when ``None``): per
    design point, the mean over its seeds of the metric at the last step (``final``) or of
    its mean over the run (``mean``). Every run must be stored: a half-run design would
    attribute the missing points' effects to nothing."""
    row = records.experiment(store, experiment_id)
    try:
        experiment = Experiment.model_validate(row["spec"])
    except ValueError as exc:  # a spec this version cannot read, or one altered in the store
        first = str(exc).splitlines()[:3]
        msg = f"experiment {row['experiment_id']} in {store.path}: its spec: {' '.join(first)}"
        raise StoreError(msg) from exc
    require_sampling(experiment)
    eid = row["experiment_id"]
    if metric not in experiment.metrics:
        msg = (
            f"metric {metric!r} is not kept by experiment {eid}; "
            f"its metrics: {', '.join(experiment.metrics)}"
        )
        raise ExperimentError(msg)
    if stat not in ("final", "mean"):
        msg = f"stat {stat!r}: allowed: final, mean"
        raise ExperimentError(msg)
    column = metric if stat == "final" else f"{metric}_mean"
    runs = records.outcomes(store, eid, [metric]).select(["point", column]).to_pandas()
    n, expected = len(row["points"]), len(row["points"]) * experiment.seeds
    if len(runs) != expected:
        msg = (
            f"experiment {eid} is incomplete: {len(runs)} of {expected} runs stored; "
            "run its file again to finish it (thermidor experiment run resumes)"
        )
        raise ExperimentError(msg)
    outputs = runs.groupby("point")[column].mean().reindex(range(n)).to_numpy(dtype=float)
    result = indices(experiment, outputs, metric=metric)
    return {
        "experiment_id": eid,
        "name": row["name"],
        "stat": stat,
        "seeds": experiment.seeds,
        "runs": expected,
        **result,
    }
