"""The ablation of docs/model.md section 7.16: Thermidor in Paris and in the Soviet history with
every mechanism of the plan switched off in turn, and without each of the letter's causes.

Each (condition, history) is one ordinary experiment of the store (one point, ``seeds``
seeds), so its runs are stored, linked and resumed like any other experiment's: a run
already in the store (same resolved parameters, seed and version) is linked, never
computed again. The table ``ablation_conditions`` says which experiment answers which
condition at which size, so that the table can be read back from the store alone
(``thermidor.reports.ablation.ablation_table``). A mechanism is switched off with the
scenario field ``switched_off`` (its stage is left out of every step); a cause is removed
by the ids of its dated events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from thermidor.experiments import records, spool
from thermidor.experiments.executors import Executor, Task, make_executor, simulate
from thermidor.experiments.runner import INGEST_EVERY, plan
from thermidor.experiments.spec import Experiment, Parameter
from thermidor.model.plan import NAMES
from thermidor.scenarios import load_scenario
from thermidor.store import Store, _now

HISTORIES = ("paris-1789-1794", "soviet-1917-1928")
DEFAULT_MEMBERS = 2000
DEFAULT_SEEDS = 12

PARIS_LEFT = (
    "commune-functionaries-1794",
    "enrages-press-silenced-1793",
    "popular-press-silenced-1794",
)
# The letter's causes, as the scenarios' dated events (by kind or id): for Paris, the
# letter's own distinction between the liquidation of the left ("beginning with the
# Enragés and ending with the Hébertistes and the Chaumettists": the repressions, their
# press, the Commune's leaders), the "gradual elimination of the elective principle" (the
# sections' committees and societies), and "the principle of nominations" (Robespierre
# naming the presidents of the revolutionary committees), which "it would seem ridiculous"
# to hold responsible alone. A history missing from a cause cannot be separated there.
CAUSES: dict[str, dict[str, tuple[str, ...]]] = {
    "the liquidation of the left (repression)": {
        "paris-1789-1794": ("repression", *PARIS_LEFT),
        "soviet-1917-1928": ("repression",),
    },
    "the elimination of elections (Paris: sections' committees, societies)": {
        "paris-1789-1794": ("nominate-committees-1793", "named-mayor-1794"),
    },
    "the principle of nominations (Paris: the presidents named)": {
        "paris-1789-1794": ("nominate-presidents-1793",),
    },
    "every dated nomination": dict.fromkeys(HISTORIES, ("nominate",)),
    "the shortages (harvest shocks)": dict.fromkeys(HISTORIES, ("harvest",)),
    "the dated crises": dict.fromkeys(HISTORIES, ("crisis",)),
}
# the economy and the interventions are the scenario's inputs, not mechanisms to cut
ABLATABLE = tuple(name for name in NAMES if name not in ("economy", "interventions"))

SCHEMA = """
CREATE TABLE IF NOT EXISTS ablation_conditions (
    condition VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    history VARCHAR NOT NULL,
    members BIGINT NOT NULL,
    seeds INTEGER NOT NULL,
    steps INTEGER NOT NULL,
    experiment_id VARCHAR,
    created TIMESTAMP NOT NULL,
    PRIMARY KEY (condition, history, members, seeds, steps)
);
"""
# experiment_id is NULL where the condition cannot be separated in that history; steps is 0
# for the whole history (the scenario's own length), else the steps it was cut to (tests)


@dataclass(frozen=True)
class Condition:
    """One row of the ablation: a label, the mechanisms switched off, and per history the
    dated events (kinds or ids) removed; a history absent from ``removed`` (when it is not
    None) cannot be separated."""

    label: str
    switched_off: tuple[str, ...] = ()
    removed: dict[str, tuple[str, ...]] | None = field(default=None, hash=False)

    def separable(self, history: str) -> bool:
        return self.removed is None or history in self.removed


def conditions() -> list[Condition]:
    """Every condition, in the table's order: all on, each mechanism off, each cause out."""
    rows = [Condition("all mechanisms on")]
    rows += [Condition(f"{m} off", switched_off=(m,)) for m in ABLATABLE]
    rows += [Condition(f"without {label}", removed=kinds) for label, kinds in CAUSES.items()]
    return rows


def event_ids(history: str, kinds: tuple[str, ...]) -> list[str]:
    """The ids of the scenario's dated events of the given kinds or ids."""
    scenario = load_scenario(history)
    events = [*scenario.shocks, *scenario.interventions]
    return [e.id for e in events if e.kind in kinds or e.id in kinds]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def experiment_for(
    condition: Condition, history: str, members: int, seeds: int, steps: int | None = None
) -> Experiment | None:
    """The experiment that answers ``condition`` in ``history`` (seeds 0 .. seeds - 1 at
    ``members`` members, the whole history unless ``steps`` cuts it short); None when the
    condition cannot be separated there."""
    if not condition.separable(history):
        return None
    removed = condition.removed[history] if condition.removed is not None else ()
    overrides = [f"switched_off={json.dumps(list(condition.switched_off))}"]
    return Experiment(
        name=f"ablation-{_slug(history)}-{_slug(condition.label)}"[:120],
        description=f"ablation: {condition.label} ({history})",
        scenario=history,
        set=overrides if condition.switched_off else [],
        without=event_ids(history, removed) if removed else [],
        # one point: the size is the parameter, so that the experiment has one
        parameters=[Parameter(name="meta.members", values=[members])],
        seeds=seeds,
        steps=steps,
    )


@dataclass(frozen=True)
class Progress:
    """What ``run_ablation`` has done: runs answered out of the total."""

    answered: int
    total: int


def chosen(labels: Sequence[str] | None) -> list[tuple[int, Condition]]:
    """The conditions named by ``labels`` (all by default) with their position in the table;
    ValueError naming an unknown label and the allowed ones."""
    every = list(enumerate(conditions()))
    if labels is None:
        return every
    known = {condition.label: (p, condition) for p, condition in every}
    for label in labels:
        if label not in known:
            msg = f"condition {label!r}: unknown; allowed: {', '.join(known)}"
            raise ValueError(msg)
    return [known[label] for label in dict.fromkeys(labels)]


def register(
    store: Store,
    members: int,
    seeds: int,
    labels: Sequence[str] | None = None,
    steps: int | None = None,
) -> list[Experiment]:
    """Create the tables, record every (condition, history) at this size, and return the
    experiments that answer them."""
    con = store.connection
    con.execute(records.SCHEMA)
    con.execute(SCHEMA)
    found = []
    for position, condition in chosen(labels):
        for history in HISTORIES:
            experiment = experiment_for(condition, history, members, seeds, steps)
            experiment_id = experiment.identity() if experiment is not None else None
            con.execute(
                "INSERT OR IGNORE INTO ablation_conditions (condition, position, history, "
                "members, seeds, steps, experiment_id, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    condition.label,
                    position,
                    history,
                    members,
                    seeds,
                    steps or 0,
                    experiment_id,
                    _now(),
                ],
            )
            if experiment is not None:
                found.append(experiment)
    return found


def run_ablation(
    store_path: str,
    *,
    members: int = DEFAULT_MEMBERS,
    seeds: int = DEFAULT_SEEDS,
    executor: str | Executor = "local",
    workers: int | None = None,
    address: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    labels: Sequence[str] | None = None,
    steps: int | None = None,
) -> Progress:
    """Compute every run of the ablation not yet in the store at ``store_path``.

    All the conditions' runs go to one executor at once (the workers never wait for a
    condition to finish), each spooled as it ends and moved into the store in bulk, so a
    kill loses at most the runs in hand and a rerun computes only what is missing.
    ``labels`` restricts it to some conditions (all by default; ValueError for an unknown
    one, before the store is opened); ``steps`` cuts the histories short (for tests: the
    table then is not the history's).
    """
    chosen(labels)
    with Store(store_path) as store:
        experiments = register(store, members, seeds, labels, steps)
        spool.ingest(store)  # what a killed run of any experiment left
        todo: dict[Task, list[tuple[str, list[tuple[int, int]]]]] = {}
        total = answered = 0
        for experiment in experiments:
            part = plan(store, experiment)
            total += part.total
            answered += part.done
            for task, pairs in part.tasks.items():
                todo.setdefault(task, []).append((part.experiment_id, pairs))
        if progress is not None:
            progress(answered, total)
        if not todo:
            return Progress(answered, total)
        pool = make_executor(executor, workers, address) if isinstance(executor, str) else executor
        spooled: set[str] = set()
        try:
            for outcome in pool.map_unordered(simulate, list(todo)):
                results = outcome.results
                run_id = records.run_key(outcome.params_hash, results.seed, results.version)
                for experiment_id, pairs in todo[outcome.task]:
                    if run_id in spooled:  # one file per run: the earlier one goes in first
                        spool.ingest(store)
                        spooled.clear()
                    spool.write(store_path, run_id, outcome, experiment_id, pairs)
                    spooled.add(run_id)
                    answered += len(pairs)
                if len(spooled) >= INGEST_EVERY:
                    spool.ingest(store)
                    spooled.clear()
                if progress is not None:
                    progress(answered, total)
        finally:
            if isinstance(executor, str):
                pool.close()
            spool.ingest(store)
        return Progress(answered, total)
