"""The letter's comparison: ensembles of the three 1928 counterfactuals, run or read back.

Rakovsky's letter of August 1928 sets three futures against each other: the apparatus left
as it is (the status quo), his remedies (a change of method), and a purge (a change of
personnel "without a change in methods"). The scenarios ``rakovsky-remedies-1928`` and
``purge-1928`` carry the same history to August 1928 and their own change from September;
the status quo is ``purge-1928`` without its purge, so all three share every other event.

Runs are keyed as an experiment keys them (resolved parameters, seed, version:
``records.run_key``): an arm's seed already in the store is read, not computed again, and
the missing runs go to the local worker processes, each stored as it ends (``spool``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from thermidor._version import __version__
from thermidor.experiments import records, spool
from thermidor.experiments.executors import Executor, Task, make_executor, simulate
from thermidor.scenarios import load_scenario
from thermidor.store import Store, params_hash

if TYPE_CHECKING:
    from thermidor.scenarios import Scenario

DEFAULT_SEEDS = 20
FIRST_SEED = 1  # the seed `thermidor run` and `make demo` use


@dataclass(frozen=True)
class Arm:
    """One counterfactual: a label, a shipped scenario and the overrides that make it."""

    label: str
    scenario: str
    overrides: tuple[str, ...] = ()


# the status quo is the purge file without its purge: the same events otherwise
ARMS: tuple[Arm, ...] = (
    Arm("status quo", "purge-1928", ("events.purge-1928=none",)),
    Arm("remedies", "rakovsky-remedies-1928"),
    Arm("purge", "purge-1928"),
)


@dataclass(frozen=True)
class ArmRuns:
    """An arm's resolved scenario and its stored runs, one per seed in seed order."""

    arm: Arm
    scenario: Scenario
    run_ids: list[str]


def arm_overrides(arm: Arm, settings: tuple[str, ...]) -> tuple[str, ...]:
    """The arm's own overrides after the comparison's ``settings`` (members, steps)."""
    return (*settings, *arm.overrides)


def resolve(arms: tuple[Arm, ...], settings: tuple[str, ...]) -> list[Scenario]:
    """Each arm's validated scenario (ScenarioError for a setting it refuses)."""
    return [load_scenario(arm.scenario, list(arm_overrides(arm, settings))) for arm in arms]


def _event_key(event: dict[str, Any]) -> str:
    import json  # noqa: PLC0415

    return json.dumps(event, sort_keys=True, default=str)


def split_step(scenarios: list[Scenario]) -> int | None:
    """The first step at which the arms' event lists differ: an event (shock or intervention,
    every field compared) starting there in one arm and not in another. None if the lists
    are the same (the arms then differ only in parameters, from step 0 on)."""
    starts: set[int] = set()
    lists = []
    for sc in scenarios:
        dumped = sc.model_dump(mode="json")
        lists.append(
            {
                _event_key(e): int(e["start"])
                for key in ("shocks", "interventions")
                for e in dumped[key]
            }
        )
    every = set().union(*lists)
    for key in every:
        if any(key not in events for events in lists):
            start = next(events[key] for events in lists if key in events)
            starts.add(start)
    return min(starts) if starts else None


class InProcess:
    """Runs one after the other in this process: ``--workers 1``, where starting a worker
    (and compiling the engine in it) would cost more than it saves."""

    def map_unordered(self, fn: Callable[[Task], Any], tasks: Iterable[Task]) -> Iterator[Any]:
        return map(fn, tasks)

    def close(self) -> None:
        return None


def collect(
    store_path: str | Path,
    settings: tuple[str, ...],
    seeds: list[int],
    *,
    arms: tuple[Arm, ...] = ARMS,
    executor: Executor | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[ArmRuns]:
    """Every arm's runs for ``seeds``, read from the store where it holds them (same resolved
    parameters, seed and version), computed and stored where not."""
    scenarios = resolve(arms, settings)
    keys = [params_hash(sc.model_dump(mode="json")) for sc in scenarios]
    with Store(store_path) as store:
        store.connection.execute(records.SCHEMA)
        spool.ingest(store)  # what a killed comparison left
        existing = records.finished_runs(store, __version__)
        ids: list[list[str | None]] = [[existing.get((k, s)) for s in seeds] for k in keys]
        tasks = {
            Task(arm.scenario, arm_overrides(arm, settings), seed): (a, i)
            for a, arm in enumerate(arms)
            for i, seed in enumerate(seeds)
            if ids[a][i] is None
        }
        total = len(arms) * len(seeds)
        done = total - len(tasks)
        if progress is not None:
            progress(done, total)
        if tasks:
            pool = executor or (InProcess() if workers == 1 else make_executor("local", workers))
            try:
                for outcome in pool.map_unordered(simulate, list(tasks)):
                    a, i = tasks[outcome.task]
                    run_id = records.run_key(
                        outcome.params_hash, outcome.results.seed, outcome.results.version
                    )
                    spool.write(store_path, run_id, outcome, "", [])
                    ids[a][i] = run_id
                    done += 1
                    if progress is not None:
                        progress(done, total)
            finally:
                if executor is None:
                    pool.close()
                spool.ingest(store)
    return [
        ArmRuns(arm, sc, [str(run_id) for run_id in found])
        for arm, sc, found in zip(arms, scenarios, ids, strict=True)
    ]
