"""Run or resume an ABC-SMC calibration: pyabc's history database in the output folder,
the calibration file beside it, the runs on an executor.

The folder holds ``calibration.json`` (the validated file, which a resumed run must
match) and ``history.db`` (pyabc's SQLite history: every population with its
weights, distances, summary statistics and epsilon). pyabc writes a generation in
one transaction when it is complete, so a kill loses at most the generation in
progress; resuming recomputes it, and as each generation is a function of the
seed and the previous population (``sampler``), a resumed calibration ends with the
same posterior as one never interrupted.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from thermidor.calibration.observables import step_of
from thermidor.calibration.sampler import ExecutorSampler, Replay
from thermidor.calibration.simulate import Particle, Probe, run_arms
from thermidor.calibration.spec import Calibration, observations
from thermidor.calibration.targets import Observed, apply_form, discrepancy
from thermidor.experiments.executors import Executor
from thermidor.scenarios import load_scenario

HISTORY = "history.db"
SPEC = "calibration.json"


class ResumeError(ValueError):
    """The output folder holds another calibration, or a history it cannot continue."""


@dataclass(frozen=True)
class Plan:
    """What every proposal runs: one particle per arm, and where each target reads."""

    calibration: Calibration
    probes: dict[str, tuple[Probe, ...]]  # per arm
    observed: dict[str, Observed]

    def particles(self, point: dict[str, float], seed: int) -> tuple[Particle, ...]:
        c = self.calibration
        made = []
        for arm_name, probes in self.probes.items():
            arm = c.arm(arm_name)
            made.append(
                Particle(
                    arm_name, c.scenario, c.overrides(arm, point), tuple(arm.without), seed, probes
                )
            )
        return tuple(made)

    def statistics(self, outcome: dict[str, float]) -> dict[str, float]:
        """Each target's simulated value from a proposal's measures."""
        found = {}
        for target in self.calibration.targets:
            at = outcome.get(_key(target.arm, target.model, self._step(target.at)), math.nan)
            base = None
            if target.base is not None:
                base = outcome.get(_key(target.arm, target.model, self._step(target.base)))
            value = apply_form(target.form, at, base, target.years)
            found[target.name] = value * target.model_scale
        return found

    def _step(self, month: str) -> int:
        meta = _scenario_meta(self.calibration)
        return step_of(meta[0], meta[1], month)


def _key(arm: str, measure: str, step: int) -> str:
    return f"{arm}|{measure}@{step}"


def _scenario_meta(calibration: Calibration) -> tuple[str, str]:
    meta = load_scenario(calibration.scenario, list(calibration.set)).meta
    return meta.start, meta.time_step


def make_plan(calibration: Calibration) -> Plan:
    start, time_step = _scenario_meta(calibration)
    wanted: dict[str, dict[str, Probe]] = {}
    for target in calibration.targets:
        for month in (target.at, target.base):
            if month is None:
                continue
            step = step_of(start, time_step, month)
            key = _key(target.arm, target.model, step)
            wanted.setdefault(target.arm, {})[key] = Probe(key, target.model, step)
    probes = {arm: tuple(found.values()) for arm, found in sorted(wanted.items())}
    return Plan(calibration, probes, observations(calibration))


def distance_function(plan: Plan) -> Callable[[dict, dict], float]:
    """Root mean square of the fitted targets' discrepancies (weighted): 0 when every
    simulated value lies inside its published range."""
    fitted = [(t.name, t.weight) for t in plan.calibration.fitted]
    total = sum(w for _, w in fitted)

    def distance(simulated: dict, observed: dict) -> float:
        squares = sum(
            w * discrepancy(float(simulated[name]), plan.observed[name]) ** 2 for name, w in fitted
        )
        return math.sqrt(squares / total)

    return distance


def simulate_on(executor: Executor, plan: Plan) -> Callable:
    """The sampler's batch function: a batch of points run on ``executor``."""

    def simulate_batch(points: list[dict[str, float]], seeds: list[int]) -> list[dict[str, float]]:
        tasks = [
            (i, plan.particles(p, s)) for i, (p, s) in enumerate(zip(points, seeds, strict=True))
        ]
        outcomes: dict[int, dict[str, float]] = {}
        for index, outcome in executor.map_unordered(run_arms, tasks):  # type: ignore[arg-type]
            outcomes[index] = outcome
        return [plan.statistics(outcomes[i]) for i in range(len(points))]

    return simulate_batch


def _priors(calibration: Calibration):
    import pyabc  # noqa: PLC0415

    variables = {}
    for p in calibration.parameters:
        if p.prior == "uniform":
            variables[p.name] = pyabc.RV("uniform", p.low, p.high - p.low)
        else:
            variables[p.name] = pyabc.RV("loguniform", p.low, p.high)
    return pyabc.Distribution(**variables)


def spec_json(calibration: Calibration) -> str:
    return json.dumps(calibration.model_dump(mode="json"), sort_keys=True, indent=1)


def _without_budget(text: str) -> dict:
    """A calibration file's identity: all but its budget and its description."""
    found = json.loads(text)
    found.pop("budget", None)
    found.pop("description", None)
    return found


def _write(path: Path, text: str) -> None:
    partial = path.with_suffix(".json.tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _claim_folder(calibration: Calibration, folder: Path) -> bool:
    """Write the calibration beside its history, or check it is the one there; True when
    there is a history to resume. Only the budget (a larger one extends a finished
    calibration by more generations) and the description may differ from the stored file."""
    folder.mkdir(parents=True, exist_ok=True)
    spec, history = folder / SPEC, folder / HISTORY
    text = spec_json(calibration)
    if spec.exists():
        try:
            stored = _without_budget(spec.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            stored = None
        if stored != _without_budget(text):
            raise ResumeError(
                f"{folder}: holds another calibration ({SPEC} differs): use a new --out"
            )
        _write(spec, text)  # the budget now in force
        return history.exists()
    if history.exists():
        raise ResumeError(f"{folder}: has {HISTORY} but no {SPEC}: use a new --out")
    _write(spec, text)
    return False


def _stored_generations(database: str) -> int:
    """How many generations the history holds; a file that is no history is refused."""
    import pyabc  # noqa: PLC0415
    import sqlalchemy.exc  # noqa: PLC0415

    try:
        return int(pyabc.History(database, _id=1, create=False).max_t) + 1
    except (sqlalchemy.exc.SQLAlchemyError, ValueError, TypeError) as exc:
        where = database.removeprefix("sqlite:///")
        reason = str(exc).splitlines()[0][:120]
        raise ResumeError(f"{where}: not a calibration history ({reason})") from None


def calibrate(
    calibration: Calibration,
    folder: Path,
    executor: Executor,
    workers: int,
    on_generation: Callable[[int, int, int], None] | None = None,
) -> Path:
    """Run (or resume) the calibration into ``folder``; returns the history's path.

    ``on_generation(t, accepted, evaluated)`` is called as each generation is sampled.
    """
    import logging  # noqa: PLC0415
    import warnings  # noqa: PLC0415

    import pyabc  # noqa: PLC0415

    # pyabc logs every generation at INFO; the caller reports progress instead
    logging.getLogger("ABC").setLevel(logging.WARNING)
    # pyabc subtracts the first (infinite) epsilon from the next: a harmless NaN warning
    warnings.filterwarnings("ignore", "invalid value encountered in scalar subtract")

    resume = _claim_folder(calibration, folder)
    plan = make_plan(calibration)
    budget = calibration.budget
    replay = Replay()
    batch = budget.batch or 2 * max(workers, 1)
    sampler = ExecutorSampler(
        replay, simulate_on(executor, plan), calibration.seed, batch, on_generation
    )
    sampler.show_progress = False
    database = f"sqlite:///{(folder / HISTORY).resolve()}"
    if resume:
        resume = _stored_generations(database) > 0
    abc = pyabc.ABCSMC(
        replay,
        _priors(calibration),
        distance_function(plan),
        population_size=budget.population,
        sampler=sampler,
        # the first generation takes every prior draw; then the median distance of the
        # last population, which a resumed run recomputes from the stored one
        eps=pyabc.QuantileEpsilon(initial_epsilon="from_sample" if resume else math.inf, alpha=0.5),
    )
    observed = {name: o.value for name, o in plan.observed.items()}
    if resume:  # the observed values from the data files, not from the (foreign?) history
        history = abc.load(database, 1, observed_sum_stat=observed)
    else:
        (folder / HISTORY).unlink(missing_ok=True)  # an empty start, killed before t = 0
        history = abc.new(database, observed)
    done = history.max_t + 1
    remaining = budget.generations - done
    spent = int(history.total_nr_simulations)
    if remaining > 0 and spent < budget.max_simulations:
        abc.run(
            minimum_epsilon=budget.min_epsilon,
            max_nr_populations=remaining,
            max_total_nr_simulations=budget.max_simulations,
        )
    return folder / HISTORY
