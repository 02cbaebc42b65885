"""Robustness of the conclusions: in what share of a region of parameters each fact holds.

A study is a list of parameter points with weights, the seeds, and the region it stands
for: ``posterior`` (a calibration's weighted points, from a CSV file), ``wide`` (a box of
bounds, sampled by a seeded Latin hypercube, weight 1 each), or ``morris`` / ``sobol`` (a
sensitivity design over a box, ``validity.sensitivity``). ``run_study`` evaluates every
fact at every point and appends the verdicts to the results store (resuming: pairs already
stored are skipped); ``shares`` reads back, per region and fact, the weighted share of
points where the fact holds. Everything reported is computed from the stored rows.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from thermidor._version import __version__
from thermidor.scenarios.loader import ScenarioError
from thermidor.validity import records
from thermidor.validity.ensembles import Ensembles
from thermidor.validity.facts import FACTS, Fact, by_id
from thermidor.validity.points import (
    Point,
    RobustnessError,
    box_experiment,
    read_box,
    read_points,
    sample,
)

if TYPE_CHECKING:
    from thermidor.store import Store

REGIONS = ("posterior", "wide")  # the regions shares are reported for
DEFAULT_SEEDS = 6
MAX_SEEDS = 1000


@dataclass(frozen=True)
class Study:
    """Points to evaluate the facts at: the region they stand for, how they were made
    (``spec``, JSON), the seeds of every ensemble."""

    region: str
    points: tuple[Point, ...]
    seeds: tuple[int, ...]
    spec: dict[str, Any]

    @property
    def study_id(self) -> str:
        """12 hex digits of the hash of what determines the verdicts: the same study run
        again is the same study, and resumes."""
        content = {
            "region": self.region,
            # where the points came from is not what they are: a file renamed still resumes
            "spec": {k: v for k, v in self.spec.items() if k != "file"},
            "seeds": list(self.seeds),
            "points": [[p.params, p.weight] for p in self.points],
        }
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def seeds_of(count: int) -> tuple[int, ...]:
    """Seeds 0 .. count-1: at least two (the facts compare standard errors over seeds)."""
    if not 2 <= count <= MAX_SEEDS:
        msg = f"--seeds {count}: between 2 and {MAX_SEEDS} (the facts need a standard error)"
        raise RobustnessError(msg)
    return tuple(range(count))


def posterior_study(path: Path, seeds: tuple[int, ...]) -> Study:
    """The weighted points of a posterior CSV file."""
    points = read_points(path)
    return Study("posterior", points, seeds, {"source": "points", "file": Path(path).name})


def wide_study(path: Path, samples: int, seed: int, seeds: tuple[int, ...]) -> Study:
    """``samples`` points of a seeded Latin hypercube over the box of ``path``."""
    box = read_box(path)
    experiment = box_experiment(box, "latin", samples, seed)
    spec = {"sampling": "latin", "box": box, "samples": samples, "seed": seed}
    return Study("wide", sample(experiment), seeds, spec)


Progress = Callable[[int, int, float], None]  # points done, points in all, seconds of the last


def run_study(
    store_path: Path,
    study: Study,
    *,
    facts: tuple[Fact, ...] = FACTS,
    workers: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Evaluate ``facts`` (every fact by default; ``choose`` picks them by id) at every
    point of ``study`` not yet stored for this version, and store each point's verdicts as
    it finishes. Returns the study id, the points evaluated now and the seconds each took.

    The store is opened only to read what is done and to write each point (a point takes
    minutes): other processes can read it, a summary for one, while the study runs."""
    from thermidor.store import Store  # noqa: PLC0415

    study_id = study.study_id
    with Store(store_path) as store:
        records.create(store)
        records.register(store, study_id, study.region, _spec(study), len(study.points))
        stored = records.done(store, study_id)
    seconds: list[float] = []
    with Ensembles(workers) as runs:
        for index, point in enumerate(study.points):
            todo = [fact for fact in facts if (index, fact.id) not in stored]
            if todo:
                started = time.monotonic()
                results = []
                for fact in todo:
                    try:
                        results.append(
                            fact.check(overrides=point.overrides(), seeds=study.seeds, runs=runs)
                        )
                    except ScenarioError as exc:
                        msg = f"point {index} ({', '.join(point.overrides())}), {fact.id}: {exc}"
                        raise RobustnessError(msg) from exc
                runs.forget()  # no other point uses these runs
                with Store(store_path) as store:
                    records.add(store, study_id, study.region, index, point, study.seeds, results)
                seconds.append(time.monotonic() - started)
            if progress is not None:
                progress(index + 1, len(study.points), seconds[-1] if todo else 0.0)
    return {"study_id": study_id, "evaluated": len(seconds), "seconds": seconds}


def choose(ids: list[str] | None) -> tuple[Fact, ...]:
    """The facts named by ``ids`` (every fact when None), or a RobustnessError."""
    try:
        return by_id(ids)
    except ValueError as exc:
        raise RobustnessError(str(exc)) from exc


def _spec(study: Study) -> dict[str, Any]:
    return {**study.spec, "seeds": list(study.seeds), "version": __version__}


def ordered(fact_ids: set[str]) -> list[tuple[str, str]]:
    """(id, label) of the facts stored, in ``FACTS`` order, then any other id (a fact this
    version does not define) by name."""
    known = [(f.id, f.label) for f in FACTS if f.id in fact_ids]
    others = sorted(fact_ids - {f.id for f in FACTS})
    return known + [(i, i) for i in others]


def shares(store: Store, study_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Per study (the latest of each of ``REGIONS`` unless given) and fact: the points, their
    total weight, the weighted share where the fact holds, the weighted mean margin and the
    smallest. Weights are the points' own (1 outside a posterior); rows of the current
    version only, so a study computed by another version is not mixed in."""
    chosen = chosen_studies(store, study_ids, REGIONS)
    table = []
    for study in chosen:
        rows = [
            r for r in records.verdicts(store, study["study_id"]) if r["version"] == __version__
        ]
        for fact, label in ordered({r["fact"] for r in rows}):
            mine = [r for r in rows if r["fact"] == fact]
            total = sum(r["weight"] for r in mine)
            held = sum(r["weight"] for r in mine if r["holds"])
            margins = [(r["weight"], r["margin"]) for r in mine if r["margin"] == r["margin"]]
            weight_of_margins = sum(w for w, _ in margins)
            table.append(
                {
                    "study_id": study["study_id"],
                    "region": study["region"],
                    "fact": fact,
                    "label": label,
                    "points": len(mine),
                    "of": study["points"],
                    "weight": total,
                    "share": held / total if total > 0 else float("nan"),
                    "mean_margin": (
                        sum(w * m for w, m in margins) / weight_of_margins
                        if weight_of_margins > 0
                        else float("nan")
                    ),
                    "min_margin": min((m for _, m in margins), default=float("nan")),
                    "seeds": study["spec"].get("seeds"),
                }
            )
    return table


def chosen_studies(
    store: Store, study_ids: list[str] | None, regions: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The studies named (each must exist), or the latest of each region."""
    every = records.studies(store)
    if study_ids:
        known = {s["study_id"]: s for s in every}
        unknown = [i for i in study_ids if i not in known]
        if unknown:
            msg = (
                f"no study {unknown[0]!r} in {store.path}; its studies: "
                f"{', '.join(known) or 'none'}"
            )
            raise RobustnessError(msg)
        return [known[i] for i in study_ids]
    chosen = []
    for region in regions:
        found = [s for s in every if s["region"] == region]
        if found:
            chosen.append(found[-1])
    return chosen
