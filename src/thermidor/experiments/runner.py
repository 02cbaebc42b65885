"""Run an experiment: every (point, seed) pair not yet answered in the store, stored as it ends.

Safe to kill at any moment: each finished run is made durable as it arrives
(``spool``: one Arrow file, with its links to the experiment), and moved into
the store's tables in bulk, so rerunning the same experiment computes only what
is missing. Runs are keyed by their resolved parameters, seed and
version: a run already in the store (from this experiment, another one or
``thermidor run``) is linked, not computed again. While it runs the experiment
holds the store's file lock, so a second writer is refused with a clear error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from thermidor._version import __version__
from thermidor.experiments import records, spool
from thermidor.experiments.design import points
from thermidor.experiments.executors import Executor, Task, make_executor, simulate
from thermidor.experiments.spec import Experiment, ExperimentError, override
from thermidor.scenarios import ScenarioError, load_scenario
from thermidor.store import Store, params_hash

INGEST_EVERY = 256  # spooled runs moved into the store's tables at a time


@dataclass(frozen=True)
class Plan:
    """What an experiment needs: its id, points, and the runs still to compute (each
    with the (point, seed) pairs it answers)."""

    experiment_id: str
    total: int  # (point, seed) pairs
    done: int  # already answered in the store
    tasks: dict[Task, list[tuple[int, int]]]


def point_overrides(experiment: Experiment, point: dict) -> tuple[str, ...]:
    return (
        *experiment.base_overrides(),
        *(override(name, value) for name, value in point.items()),
    )


def plan(store: Store, experiment: Experiment, pts: list[dict] | None = None) -> Plan:
    """Register the experiment and find what is missing; link runs the store already has."""
    pts = points(experiment) if pts is None else pts
    experiment_id = records.register(store, experiment, pts)
    seeds = [experiment.base_seed + r for r in range(experiment.seeds)]
    answered = records.linked(store, experiment_id)
    existing = records.finished_runs(store, __version__)
    tasks: dict[Task, list[tuple[int, int]]] = {}
    done = 0
    for p, point in enumerate(pts):
        if all((p, seed) in answered for seed in seeds):
            done += len(seeds)
            continue
        overrides = point_overrides(experiment, point)
        try:
            resolved = load_scenario(experiment.scenario, list(overrides))
        except ScenarioError as exc:
            msg = f"point {p} ({point}): {exc}"
            raise ExperimentError(msg) from exc
        key = params_hash(resolved.model_dump(mode="json"))
        for seed in seeds:
            if (p, seed) in answered:
                done += 1
                continue
            run_id = existing.get((key, seed))
            if run_id is not None:
                store.connection.execute(records.LINK, [experiment_id, p, seed, run_id])
                done += 1
                continue
            tasks.setdefault(Task(experiment.scenario, overrides, seed), []).append((p, seed))
    return Plan(experiment_id, len(pts) * len(seeds), done, tasks)


def run_experiment(
    experiment: Experiment,
    *,
    executor: str | Executor = "local",
    workers: int | None = None,
    address: str | None = None,
    store_path: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """Compute every missing run of ``experiment`` into its store; return the experiment id.

    Args:
        executor: ``"local"`` (worker processes), ``"ray"``, or an Executor.
        workers: worker processes (local) or CPUs to start a local Ray with.
        address: an existing Ray cluster's address (``"auto"``, ``"ray://host:port"``).
        store_path: overrides the experiment's ``store``.
        progress: called with (answered, total) after each stored run (and once at start).
    """
    pts = points(experiment)  # a design that cannot be drawn fails before the store opens
    path = store_path or experiment.store
    with Store(path) as store:
        records.register(store, experiment, pts)
        spool.ingest(store)  # what a killed run of any experiment left
        todo = plan(store, experiment, pts)
        answered = todo.done
        if progress is not None:
            progress(answered, todo.total)
        if not todo.tasks:
            return todo.experiment_id
        pool = make_executor(executor, workers, address) if isinstance(executor, str) else executor
        spooled = 0
        try:
            for outcome in pool.map_unordered(simulate, list(todo.tasks)):
                pairs = todo.tasks[outcome.task]
                results = outcome.results
                run_id = records.run_key(outcome.params_hash, results.seed, results.version)
                spool.write(path, run_id, outcome, todo.experiment_id, pairs)
                answered += len(pairs)
                spooled += 1
                if spooled == INGEST_EVERY:
                    spool.ingest(store)
                    spooled = 0
                if progress is not None:
                    progress(answered, todo.total)
        finally:
            if isinstance(executor, str):
                pool.close()
            spool.ingest(store)
        return todo.experiment_id
