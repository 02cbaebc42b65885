"""Censuses are read by name, and the recorder's reuse of them can never change a record.

Each mechanism declares the member columns it writes (``WRITES``); a census a stage took
is reused only when no later stage writes a column it sums. These tests check the
declarations against what each stage really changes, and that a reordered plan records
exactly what a recount would.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import thermidor
from thermidor.engine.plan import Stage
from thermidor.model.census import Censuses, IncomeCensus, StateCensus, later_writes
from thermidor.model.mechanisms import crisis, legitimacy
from thermidor.model.plan import PLAN
from thermidor.model.run import Simulation

# shipped histories, small, that between them schedule every kind of shock and intervention
HISTORIES = ("soviet-1917-1928", "paris-1789-1794", "rakovsky-remedies-1928", "present-day-union")


def test_every_mechanism_declares_what_it_writes_in_member_columns():
    members = {
        f.name for f in dataclasses.fields(Simulation(_small(HISTORIES[0]), 0).world.members)
    }
    for mechanism in PLAN:
        assert isinstance(mechanism.WRITES, frozenset), mechanism.NAME
        assert members >= mechanism.WRITES, (mechanism.NAME, mechanism.WRITES - members)


@pytest.mark.slow
@pytest.mark.parametrize("name", HISTORIES)
def test_each_stage_changes_only_the_member_columns_it_declares(name: str):
    simulation = Simulation(_small(name, members=300), 3)
    world = simulation.world
    columns = [f.name for f in dataclasses.fields(world.members)]
    undeclared: dict[str, set[str]] = {}
    for t in range(simulation.scenario.meta.steps):
        world.step = t
        for stage in simulation.plan:
            before = {c: getattr(world.members, c).copy() for c in columns}
            stage.step(world, getattr(simulation.scenario.mechanisms, stage.name),
                       simulation.streams(stage.name))  # fmt: skip
            for c in columns:
                changed = not np.array_equal(before[c], getattr(world.members, c))
                if changed and c not in stage.writes:
                    undeclared.setdefault(stage.name, set()).add(c)
        simulation.recorder.record(world, t)
        simulation.t += 1
    assert not undeclared, f"stages changed columns they do not declare: {undeclared}"


def test_a_census_is_not_reused_past_a_later_writer_of_its_columns():
    written_after = later_writes(
        [("legitimacy", frozenset({"legitimacy"})), ("apparatus", frozenset({"role"})),
         ("crisis", frozenset({"mobilised"}))]
    )  # fmt: skip
    assert written_after == {
        "legitimacy": frozenset({"role", "mobilised"}),
        "apparatus": frozenset({"mobilised"}),
        "crisis": frozenset(),
    }
    censuses = Censuses(written_after)
    incomes = IncomeCensus(np.arange(8.0))
    censuses.put(incomes, stage="legitimacy", step=4)
    assert censuses.get(IncomeCensus, 4) is None, "apparatus changes roles after legitimacy"
    censuses.put(incomes, stage="apparatus", step=4)
    assert censuses.get(IncomeCensus, 4) is incomes
    assert censuses.get(IncomeCensus, 5) is None, "a census outlived its step"
    state = StateCensus(np.arange(9.0))
    censuses.put(state, stage="apparatus", step=4)
    assert censuses.get(StateCensus, 4) is None, "crisis changes who is mobilised"
    censuses.put(state, stage="unknown", step=4)
    assert censuses.get(StateCensus, 4) is None, "a stage outside the plan is never trusted"
    assert (state.voice, state.mobilised, incomes.highest) == (6.0, 8.0, 7.0)


@pytest.mark.parametrize("moved", [crisis.NAME, legitimacy.NAME])
def test_a_reordered_plan_records_what_a_recount_records(moved: str):
    """Move the stage that leaves a census to the front: the recorder must notice that later
    stages change what it summed, and count again (it once read the stale census by index)."""
    scenario = _small("soviet-1917-1928", members=400, steps=40)
    reordered = _run(scenario, moved_first=moved, reuse=True)
    recounted = _run(scenario, moved_first=moved, reuse=False)
    for name, values in recounted.items():
        assert np.array_equal(values, reordered[name], equal_nan=True), name


def _run(scenario, *, moved_first: str, reuse: bool) -> dict[str, np.ndarray]:
    simulation = Simulation(scenario, 5)
    first = [s for s in simulation.plan if s.name == moved_first]
    plan: list[Stage] = first + [s for s in simulation.plan if s.name != moved_first]
    simulation.plan = plan
    simulation.world.censuses.written_after = (
        later_writes((s.name, s.writes) for s in plan) if reuse else {}
    )
    for _ in range(scenario.meta.steps):
        simulation.advance()
    return simulation.recorder.series


def _small(name: str, *, members: int = 400, steps: int | None = None):
    overrides = [f"meta.members={members}"]
    if steps is not None:
        overrides.append(f"meta.steps={steps}")
    return thermidor.load_scenario(name, overrides)
