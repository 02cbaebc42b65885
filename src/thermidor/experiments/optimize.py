"""Policy search: the least costly institutions that keep members in control of their apparatus.

Optuna's TPE sampler proposes settings of the experiment's ``parameters`` (``low``/``high``:
a float, or an integer with ``integer``; ``values`` and ``range``: a choice among the grid;
the experiment's ``design`` is ignored), one trial at a time. Each trial runs on the
experiment's seeds through an executor. A seed *keeps control* when its control index is at
least the target at every step of the window (``after`` to the last step; a step without a
control index counts as 0); a trial is *feasible* when at least ``ceil(confidence x seeds)``
seeds keep control. Optuna minimises the trial's cost under the constraint
``target - (the needed-th best seed's window minimum) <= 0``, which is continuous, so TPE also
learns from infeasible trials how far they fell short.

Same file, same store, same trials: the sampler is seeded, a trial's cost is a function of
its settings and its constraint a function of its runs, which are deterministic. Every run is
stored as it ends, linked to the search (registered in the store as an experiment whose
points are the trials), and runs already in the store with the same resolved parameters,
seed and version are read back instead of computed, so a search killed and restarted
recomputes nothing that finished, and a longer search continues a shorter one.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import numpy as np

from thermidor._version import __version__
from thermidor.experiments import records, spool
from thermidor.experiments.executors import Executor, Task, make_executor, simulate
from thermidor.experiments.runner import point_overrides
from thermidor.experiments.spec import Experiment, ExperimentError, Parameter, Value
from thermidor.experiments.summary import mean_interval, share_interval
from thermidor.scenarios import ScenarioError, load_scenario
from thermidor.store import Store, _now, params_hash

if TYPE_CHECKING:
    from optuna.distributions import BaseDistribution
    from optuna.trial import FrozenTrial

    from thermidor.experiments.objective import LinearCost, Objective

METRIC = "control_index"


@dataclass(frozen=True)
class Dimension:
    """One searched parameter: its Optuna distribution, the range its cost is normalised
    over, and its cost."""

    name: str
    distribution: BaseDistribution
    low: float
    high: float
    cost: LinearCost

    def cost_at(self, value: Value) -> float:
        number = _number(value)
        return 0.0 if number is None else self.cost.of(number, self.low, self.high)


@dataclass(frozen=True)
class Space:
    """A checked search: its objective, dimensions and the runs' length."""

    objective: Objective
    dimensions: list[Dimension]
    steps: int


def _number(value: Value) -> float | None:
    if isinstance(value, bool | int | float):
        return float(value)
    return None


def _dimension(p: Parameter, objective: Objective) -> Dimension:
    from optuna.distributions import (  # noqa: PLC0415
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    try:
        cost = objective.cost_of(p.name)
    except ValueError as exc:
        raise ExperimentError(str(exc)) from exc
    distribution: BaseDistribution
    if p.low is not None and p.high is not None:
        low: float
        high: float
        if p.integer:
            first, last = math.ceil(p.low), math.floor(p.high)
            if first > last:
                msg = f"parameter {p.name}: no whole number between {p.low} and {p.high}"
                raise ExperimentError(msg)
            distribution = IntDistribution(first, last)
            low, high = first, last
        else:
            low, high = p.low, p.high
            distribution = FloatDistribution(low, high)
        return Dimension(p.name, distribution, float(low), float(high), cost)
    choices = p.grid
    numbers = [_number(v) for v in choices]
    if cost.weight > 0 and any(n is None for n in numbers):
        msg = (
            f"parameter {p.name}: values {choices} are not all numbers or true/false, so they "
            f'have no cheap and costly end; give [optimize.costs."{p.name}"] weight = 0'
        )
        raise ExperimentError(msg)
    known = [n for n in numbers if n is not None] or [0.0]
    return Dimension(p.name, CategoricalDistribution(choices), min(known), max(known), cost)


def prepare(experiment: Experiment) -> Space:
    """Check that the experiment can be searched (before any store is opened or run started).

    Raises:
        ExperimentError: no ``[optimize]`` table, a cost missing or for a parameter not
            searched, a searched ``meta.steps``, or a window that starts after the last step.
    """
    objective = experiment.optimize
    if objective is None:
        msg = (
            f"experiment {experiment.name!r} has no [optimize] table: give at least its target "
            "(see docs/optimize.md)"
        )
        raise ExperimentError(msg)
    names = [p.name for p in experiment.parameters]
    stray = [name for name in objective.costs if name not in names]
    if stray:
        msg = f"optimize.costs: {stray[0]!r} is not a searched parameter; searched: {names}"
        raise ExperimentError(msg)
    if "meta.steps" in names:
        msg = "parameter meta.steps cannot be searched: the window of the target would move"
        raise ExperimentError(msg)
    dimensions = [_dimension(p, objective) for p in experiment.parameters]
    try:
        steps = load_scenario(experiment.scenario, experiment.base_overrides()).meta.steps
    except ScenarioError as exc:
        raise ExperimentError(str(exc)) from exc
    if objective.after >= steps:
        msg = (
            f"optimize.after = {objective.after}: the runs have {steps} steps (0..{steps - 1}), "
            "the window must start at one of them"
        )
        raise ExperimentError(msg)
    return Space(objective, dimensions, steps)


def search_id(experiment: Experiment) -> str:
    """12 hex digits identifying the search in the store. Everything that determines its
    trials counts except their number (a longer search continues a shorter one) and the
    design (which the search ignores); distinct from the id of ``experiment run`` on the
    same file, whose points are the design's."""
    content = experiment.model_dump(mode="json", exclude={"store", "description", "design"})
    content["optimize"].pop("trials", None)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"optimize:{canonical}".encode()).hexdigest()[:12]


def _register(store: Store, experiment: Experiment) -> str:
    con = store.connection
    con.execute(records.SCHEMA)
    sid = search_id(experiment)
    con.execute(
        "INSERT OR IGNORE INTO experiments (experiment_id, name, spec, points, created) "
        "VALUES (?, ?, ?, '[]', ?)",
        [sid, f"{experiment.name}-optimize", experiment.model_dump_json(), _now()],
    )
    return sid


def _record_points(store: Store, sid: str, points: list[dict[str, Value]]) -> None:
    """The trials so far become the search's points; a longer list already stored (by a
    longer search, whose first trials are these) is kept."""
    store.connection.execute(
        "UPDATE experiments SET points = ? WHERE experiment_id = ? "
        "AND json_array_length(points) < ?",
        [json.dumps(points), sid, len(points)],
    )


@dataclass(frozen=True)
class Trial:
    """One evaluated trial: its settings, cost and, per seed (ascending), its run and window."""

    number: int
    params: dict[str, Value]
    costs: dict[str, float]
    seeds: list[int]
    run_ids: list[str]
    window_mean: np.ndarray
    window_min: np.ndarray
    target: float
    needed: int

    @property
    def cost(self) -> float:
        return float(sum(self.costs.values()))

    @property
    def kept(self) -> int:
        return int((self.window_min >= self.target).sum())

    @property
    def feasible(self) -> bool:
        return self.kept >= self.needed

    @property
    def shortfall(self) -> float:
        """How far the needed-th best seed's window minimum falls short of the target
        (<= 0 exactly when feasible): Optuna's constraint."""
        ranked = np.sort(self.window_min)[::-1]
        return float(self.target - ranked[min(self.needed, ranked.size) - 1])

    def report(self, *, detail: bool = False) -> dict[str, Any]:
        share, s_low, s_high = share_interval(self.kept, len(self.seeds))
        mean, m_low, m_high = mean_interval(self.window_mean)
        out: dict[str, Any] = {
            "trial": self.number,
            "params": self.params,
            "cost": self.cost,
            "feasible": self.feasible,
            "kept": self.kept,
            "runs": len(self.seeds),
            "shortfall": self.shortfall,
            "share": {"share": share, "low": s_low, "high": s_high},
            METRIC: {"mean": mean, "low": m_low, "high": m_high},
        }
        if detail:
            low_min, w_low, w_high = mean_interval(self.window_min)
            out["costs"] = self.costs
            out["window_min"] = {"mean": low_min, "low": w_low, "high": w_high}
            out["seeds"] = [
                {
                    "seed": seed,
                    "run_id": run_id,
                    "window_mean": float(w_mean),
                    "window_min": float(w_min),
                    "kept": bool(w_min >= self.target),
                }
                for seed, run_id, w_mean, w_min in zip(
                    self.seeds, self.run_ids, self.window_mean, self.window_min, strict=True
                )
            ]
        return out


def window(series: np.ndarray, after: int) -> np.ndarray:
    """The control index from step ``after`` to the end; a step without one counts as 0."""
    return np.nan_to_num(np.asarray(series, dtype=float)[after:], nan=0.0)


def _stored_series(store: Store, run_id: str) -> np.ndarray:
    column = store.series(run_id).column(METRIC)
    return column.to_numpy(zero_copy_only=False).astype(float)


def _constraint(trial: FrozenTrial) -> tuple[float]:
    return (float(trial.user_attrs["shortfall"]),)


def _best(trials: list[Trial]) -> Trial | None:
    feasible = [t for t in trials if t.feasible]
    return min(feasible, key=lambda t: (t.cost, t.number)) if feasible else None


def _closest(trials: list[Trial]) -> Trial | None:
    return min(trials, key=lambda t: (t.shortfall, t.cost, t.number)) if trials else None


class _Runs:
    """The runs of the trials: read back from the store when there, else computed on the
    executor (started at the first run to compute) and stored with their links."""

    def __init__(
        self,
        store: Store,
        experiment: Experiment,
        executor: str | Executor,
        workers: int | None,
        address: str | None,
    ) -> None:
        self.store, self.experiment = store, experiment
        self._executor, self._workers, self._address = executor, workers, address
        self._pool: Executor | None = None
        self.sid = _register(store, experiment)
        spool.ingest(store)  # what a killed search or experiment left
        self._existing = records.finished_runs(store, __version__)
        self.computed = self.reused = 0

    def answer(
        self, number: int, params: dict[str, Value], seeds: list[int]
    ) -> tuple[dict[int, np.ndarray], dict[int, str]]:
        """Trial ``number``'s control index series and run id per seed."""
        experiment = self.experiment
        overrides = point_overrides(experiment, params)
        try:
            resolved = load_scenario(experiment.scenario, list(overrides))
        except ScenarioError as exc:
            msg = f"trial {number} ({params}): {exc}"
            raise ExperimentError(msg) from exc
        key = params_hash(resolved.model_dump(mode="json"))
        series: dict[int, np.ndarray] = {}
        run_ids: dict[int, str] = {}
        tasks = []
        for seed in seeds:
            run_id = self._existing.get((key, seed))
            if run_id is None:
                tasks.append(Task(experiment.scenario, overrides, seed))
                continue
            self.store.connection.execute(records.LINK, [self.sid, number, seed, run_id])
            series[seed], run_ids[seed] = _stored_series(self.store, run_id), run_id
            self.reused += 1
        if not tasks:
            return series, run_ids
        for outcome in self._executor_pool().map_unordered(simulate, tasks):
            seed = outcome.task.seed
            run_id = records.run_key(outcome.params_hash, seed, outcome.results.version)
            spool.write(self.store.path, run_id, outcome, self.sid, [(number, seed)])
            self._existing[(outcome.params_hash, seed)] = run_id
            series[seed], run_ids[seed] = outcome.results.series[METRIC], run_id
            self.computed += 1
        spool.ingest(self.store)  # the trial's runs, in one transaction
        return series, run_ids

    def _executor_pool(self) -> Executor:
        if self._pool is None:
            executor = self._executor
            self._pool = (
                make_executor(executor, self._workers, self._address)
                if isinstance(executor, str)
                else executor
            )
        return self._pool

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pool is not None and isinstance(self._executor, str):
            self._pool.close()  # an executor passed in belongs to the caller


def search(
    experiment: Experiment,
    *,
    executor: str | Executor = "local",
    workers: int | None = None,
    address: str | None = None,
    store_path: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Search the experiment's parameters for the least costly feasible settings.

    Args:
        executor: ``"local"`` (worker processes), ``"ray"``, or an Executor; started only
            when a run has to be computed.
        workers: worker processes (local) or CPUs to start a local Ray with.
        address: an existing Ray cluster's address.
        store_path: overrides the experiment's ``store``.
        progress: called with (trials done, trials) at the start and after each trial.

    Returns:
        The report: the search's id and rule, counts of trials, feasible trials, runs
        computed and reused, ``best`` (the least costly feasible trial, or None),
        ``closest`` (the trial with the smallest shortfall, when none is feasible), every
        trial in ``history`` and the cost of each parameter.

    Raises:
        ExperimentError: the experiment cannot be searched (nothing is written then).
    """
    import optuna  # noqa: PLC0415

    space = prepare(experiment)
    objective = space.objective
    seeds = [experiment.base_seed + r for r in range(experiment.seeds)]
    needed = objective.needed(len(seeds))
    distributions = {d.name: d.distribution for d in space.dimensions}
    # Optuna 5 takes a trial's constraint from Trial.set_constraint; 4.x from constraints_func
    own_constraint = hasattr(optuna.trial.Trial, "set_constraint")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(
            seed=objective.sampler_seed,
            n_startup_trials=objective.startup_trials,
            constraints_func=None if own_constraint else _constraint,
        )
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no log line per trial
    trials: list[Trial] = []
    path = store_path or experiment.store
    try:
        study = optuna.create_study(direction="minimize", sampler=sampler)
        with Store(path) as store, _Runs(store, experiment, executor, workers, address) as runs:
            if progress is not None:
                progress(0, objective.trials)
            for number in range(objective.trials):
                asked = study.ask(distributions)
                params = {d.name: asked.params[d.name] for d in space.dimensions}
                _record_points(store, runs.sid, [*(t.params for t in trials), params])
                series, run_ids = runs.answer(number, params, seeds)
                windows = [window(series[seed], objective.after) for seed in seeds]
                trial = Trial(
                    number=number,
                    params=params,
                    costs={d.name: d.cost_at(params[d.name]) for d in space.dimensions},
                    seeds=seeds,
                    run_ids=[run_ids[seed] for seed in seeds],
                    window_mean=np.array([w.mean() for w in windows]),
                    window_min=np.array([w.min() for w in windows]),
                    target=objective.target,
                    needed=needed,
                )
                if own_constraint:
                    asked.set_constraint("shortfall", trial.shortfall)
                else:
                    asked.set_user_attr("shortfall", trial.shortfall)
                study.tell(asked, trial.cost)
                trials.append(trial)
                if progress is not None:
                    progress(number + 1, objective.trials)
    finally:
        optuna.logging.set_verbosity(verbosity)
    best = _best(trials)
    closest = _closest(trials) if best is None else None
    return {
        "search_id": runs.sid,
        "name": experiment.name,
        "scenario": experiment.scenario,
        "store": str(path),
        "target": objective.target,
        "after": objective.after,
        "steps": space.steps,
        "confidence": objective.confidence,
        "seeds": len(seeds),
        "needed": needed,
        "sampler_seed": objective.sampler_seed,
        "trials": len(trials),
        "feasible": sum(t.feasible for t in trials),
        "computed": runs.computed,
        "reused": runs.reused,
        "best": best.report(detail=True) if best is not None else None,
        "closest": closest.report(detail=True) if closest is not None else None,
        "costs": {
            d.name: {
                "weight": d.cost.weight,
                "costly": d.cost.costly,
                "low": d.low,
                "high": d.high,
                "why": d.cost.why,
            }
            for d in space.dimensions
        },
        "history": [t.report() for t in trials],
    }
