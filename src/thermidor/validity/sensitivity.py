"""Which parameters move each fact's margin: Morris and Sobol' indices over a box.

A sensitivity study is a Morris or Sobol' design over a box of bounds, drawn by the
experiments' own SALib designs (``experiments.design``) and evaluated like any study
(``robustness.run_study``: the verdicts are in the store). The indices are computed on
read, from the stored margins, by ``experiments.sensitivity.indices``, the function that
ranks an experiment's parameters (docs/sensitivity.md): the design is rebuilt from the
study's stored spec, so the margins are read in the order SALib drew the points.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from thermidor._version import __version__
from thermidor.experiments.spec import ExperimentError
from thermidor.validity import records
from thermidor.validity.points import RobustnessError, Sampling, box_experiment, read_box, sample
from thermidor.validity.robustness import Study, chosen_studies, ordered

if TYPE_CHECKING:
    from thermidor.experiments.spec import Experiment
    from thermidor.store import Store

METHODS: tuple[Sampling, ...] = ("morris", "sobol")


def sensitivity_study(
    path: Path,
    method: str,
    samples: int,
    seeds: tuple[int, ...],
    *,
    seed: int = 0,
    levels: int = 4,
) -> Study:
    """The points of a Morris (``samples`` trajectories, ``levels`` grid levels: samples x
    (k + 1) points) or Sobol' (base ``samples``, a power of 2: samples x (k + 2) points)
    design over the box of ``path``."""
    if method not in METHODS:
        raise RobustnessError(f"--method {method!r}: allowed: {', '.join(METHODS)}")
    box = read_box(path)
    kind: Sampling = "morris" if method == "morris" else "sobol"
    experiment = box_experiment(box, kind, samples, seed, levels)
    spec = {"sampling": kind, "box": box, "samples": samples, "seed": seed, "levels": levels}
    return Study(kind, sample(experiment), seeds, spec)


def _experiment(spec: dict[str, Any], study_id: str) -> Experiment:
    """The design a study's points were drawn from, rebuilt from its stored spec."""
    try:
        box = {str(name): (float(lo), float(hi)) for name, (lo, hi) in spec["box"].items()}
        return box_experiment(
            box, spec["sampling"], int(spec["samples"]), int(spec["seed"]), int(spec["levels"])
        )
    except (KeyError, TypeError, ValueError) as exc:
        msg = f"study {study_id}: its stored design cannot be read ({exc})"
        raise RobustnessError(msg) from exc


def fact_indices(store: Store, study_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Per sensitivity study (the latest Morris and the latest Sobol' unless given) and
    fact: the indices of its margin (``experiments.sensitivity.indices``' result), or
    ``error`` when they cannot be computed (points missing, a margin that never varies or is
    not a number at some point). Margins of the current version only."""
    from thermidor.experiments.sensitivity import indices  # noqa: PLC0415

    found = []
    for study in chosen_studies(store, study_ids, METHODS):
        if study["region"] not in METHODS:
            msg = f"study {study['study_id']} is a {study['region']} study, not morris or sobol"
            raise RobustnessError(msg)
        experiment = _experiment(study["spec"], study["study_id"])
        n = study["points"]
        rows = [
            r for r in records.verdicts(store, study["study_id"]) if r["version"] == __version__
        ]
        for fact, label in ordered({r["fact"] for r in rows}):
            margins = {r["point"]: r["margin"] for r in rows if r["fact"] == fact}
            entry: dict[str, Any] = {
                "study_id": study["study_id"],
                "method": study["region"],
                "fact": fact,
                "label": label,
                "seeds": study["spec"].get("seeds"),
            }
            if len(margins) < n:
                entry["error"] = (
                    f"{len(margins)} of {n} points evaluated; run the study again to finish it"
                )
            else:
                outputs = np.array([margins[i] for i in range(n)], dtype=float)
                try:
                    entry.update(indices(experiment, outputs, metric=f"{fact} margin"))
                except ExperimentError as exc:
                    entry["error"] = str(exc)
            found.append(entry)
    return found
