"""Snapshots of the agents: taking them never changes a run, the future never changes them,
and they say what the recorder says about the same step.

Runs are small (a few hundred members) so that the whole file stays cheap; the properties
hold at any size, since nothing here depends on it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import thermidor
from thermidor.model.results import Results
from thermidor.model.scenario import Scenario
from thermidor.model.snapshots import (
    AUTO_COUNT,
    MEMBER_COLUMNS,
    OFFICE_COLUMNS,
    SAMPLE,
    TIE_COLUMNS,
    Snapshot,
    WhenError,
    evenly_spaced,
    run_with_snapshots,
    snapshot_step,
    snapshot_steps,
)
from thermidor.model.state import HOLDER, NOMINATION, STAFF
from thermidor.scenarios.loader import validate

SOVIET = "soviet-1917-1928"
# T inside the Lenin enrolment (steps 75-78), a recruitment wave starting after it at 86
T, LATER_WAVE = 77, 86


def _load(*overrides: str) -> Scenario:
    return thermidor.load_scenario(SOVIET, ["meta.members=500", *overrides])


def _same_results(a: Results, b: Results) -> None:
    assert a.series.keys() == b.series.keys()
    for name in a.series:
        assert a.series[name].tobytes() == b.series[name].tobytes(), name
    assert a.thermidor_step == b.thermidor_step
    assert a.crises == b.crises


def _same_snapshot(a: Snapshot, b: Snapshot) -> None:
    assert (a.step, a.date, a.branches) == (b.step, b.date, b.branches)
    for part in ("members", "offices", "ties"):
        left, right = getattr(a, part), getattr(b, part)
        assert left.keys() == right.keys()
        for name in left:
            assert left[name].dtype == right[name].dtype, (part, name)
            assert left[name].tobytes() == right[name].tobytes(), (part, name)


@pytest.fixture(scope="module")
def soviet() -> Scenario:
    return _load()


@pytest.fixture(scope="module")
def taken(soviet: Scenario) -> tuple[Results, list[Snapshot]]:
    return run_with_snapshots(soviet, 1, [0, 40, T, soviet.meta.steps - 1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_snapshots_leave_the_run_bit_for_bit_unchanged(soviet: Scenario, seed: int) -> None:
    plain = thermidor.run(soviet, seed)
    with_snapshots, snapshots = run_with_snapshots(soviet, seed, evenly_spaced(130, 7))
    assert len(snapshots) == 7
    _same_results(plain, with_snapshots)


def test_a_snapshot_does_not_depend_on_the_future(soviet: Scenario) -> None:
    """The snapshot at T is the same whether the run stops at T, goes on, takes other
    snapshots later, or brings more or fewer recruits after T."""
    _, full = run_with_snapshots(soviet, 2, [T, 100, 129])
    _, short = run_with_snapshots(_load(f"meta.steps={T + 1}"), 2, [T])
    _, fewer = run_with_snapshots(_without_wave(soviet, LATER_WAVE), 2, [T])
    assert full[0].members["member"].size < full[-1].members["member"].size  # recruits came
    _same_snapshot(short[0], full[0])
    _same_snapshot(fewer[0], full[0])


def _without_wave(scenario: Scenario, start: int) -> Scenario:
    raw: dict[str, Any] = scenario.model_dump(mode="python")
    kept = [s for s in raw["shocks"] if not (s["kind"] == "recruitment" and s["start"] == start)]
    assert len(kept) < len(raw["shocks"]), f"no recruitment wave starts at {start}"
    raw["shocks"] = kept
    return validate(raw)


def test_a_snapshot_says_what_the_recorder_says(taken: tuple[Results, list[Snapshot]]) -> None:
    results, snapshots = taken
    for snap in snapshots:
        mem, off, step = snap.members, snap.offices, snap.step
        present = mem["present"]
        assert present.sum() == results.series["members_present"][step]
        assert np.mean(mem["activity"][present], dtype=np.float64) == pytest.approx(
            results.series["participation"][step], rel=1e-5
        )
        assert (off["rule"] == NOMINATION).mean() == results.series["nominated_share"][step]
        apparatus = present & np.isin(mem["role"], (STAFF, HOLDER))
        assert apparatus.sum() == results.series["apparatus_size"][step]


def test_members_are_named_by_arrival_and_offices_by_their_holders(
    taken: tuple[Results, list[Snapshot]],
) -> None:
    for snap in taken[1]:
        mem, off = snap.members, snap.offices
        assert np.array_equal(mem["member"], np.arange(mem["member"].size))
        held = off["holder"] >= 0
        holders = off["holder"][held]
        assert np.all(mem["role"][holders] == HOLDER)
        assert np.array_equal(mem["post"][holders], off["office"][held])
        assert np.array_equal(off["privilege"][held], mem["privilege"][holders])
        assert np.all(np.isnan(off["privilege"][~held]))
        assert np.all(mem["privilege"] >= 1)
        # the hierarchy: a parent is an office of the same branch one level up
        child = off["parent"] >= 0
        parent = off["parent"][child]
        assert np.all(off["level"][parent] == off["level"][child] - 1)
        assert np.all(off["branch"][parent] == off["branch"][child])


def test_the_network_sample_is_a_connected_walk_of_fixed_size(
    taken: tuple[Results, list[Snapshot]],
) -> None:
    for snap in taken[1]:
        sampled = snap.members["member"][snap.members["sampled"]]
        assert sampled.size == SAMPLE
        assert sampled.min() == 0  # the walk starts at the first founder
        source, target = snap.ties["source"], snap.ties["target"]
        assert np.all(source < target)
        assert np.isin(source, sampled).all()
        assert np.isin(target, sampled).all()
        assert np.unique(np.stack([source, target], 1), axis=0).shape[0] == source.size
        assert source.size > SAMPLE  # a walk keeps the clusters: many ties among its members


def test_a_snapshot_is_a_copy(soviet: Scenario) -> None:
    from thermidor.model.run import Simulation  # noqa: PLC0415
    from thermidor.model.snapshots import SnapshotTaker  # noqa: PLC0415

    simulation = Simulation(soviet, 0)
    taker = SnapshotTaker(soviet, [0])
    simulation.advance()
    taker.after_step(simulation)
    (snap,) = taker.taken
    before = snap.members["activity"].copy()
    simulation.world.members.activity[:] = 0.0
    assert np.array_equal(snap.members["activity"], before)


def test_dates_and_steps_name_snapshot_steps(soviet: Scenario) -> None:
    start, unit, total = soviet.meta.start, soviet.meta.time_step, soviet.meta.steps
    assert snapshot_step("1917-11", start, unit, total) == 0
    assert snapshot_step("1924-01", start, unit, total) == 74
    assert snapshot_step("1924-01-20", start, unit, total) == 74
    assert snapshot_step("12", start, unit, total) == 12
    assert snapshot_steps(["1924-01", "74", "3"], soviet) == [3, 74]
    auto = snapshot_steps(["auto"], soviet)
    assert len(auto) == AUTO_COUNT
    assert auto[0] == 0
    assert auto[-1] == total - 1


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("1917-10", "outside the run"),
        ("1928-09", "outside the run"),
        ("130", "outside the run"),
        ("1924", "a date is written YYYY-MM"),
        ("1924-13", "not a date"),
        ("soon", "a date YYYY-MM"),
        ("-3", "not a date"),
    ],
)
def test_a_value_outside_the_run_is_refused_in_one_line(
    soviet: Scenario, value: str, needle: str
) -> None:
    with pytest.raises(WhenError) as caught:
        snapshot_steps([value], soviet)
    message = str(caught.value)
    assert needle in message
    assert "\n" not in message
    assert "1917-11 .. 1928-08" in message


@given(text=st.text(max_size=24) | st.from_regex(r"-?\d{1,6}(-\d{1,3}){0,2}", fullmatch=True))
@settings(max_examples=300, deadline=None)
def test_any_text_is_a_step_of_the_run_or_one_line_saying_why(text: str) -> None:
    message = ""
    try:
        step = snapshot_step(text, "1917-11", "month", 130)
    except WhenError as exc:
        message = str(exc)
    if message:
        assert "\n" not in message
        assert "the run covers steps 0 .. 129" in message
    else:
        assert 0 <= step < 130


def test_the_documented_bytes_per_member_office_and_tie(taken) -> None:
    """docs/agents.md gives these sizes: a new column must update them there."""
    per_row = {
        name: sum(np.dtype(kind).itemsize for kind in columns.values())
        for name, columns in (("members", MEMBER_COLUMNS), ("offices", OFFICE_COLUMNS),
                              ("ties", TIE_COLUMNS))
    }  # fmt: skip
    assert per_row == {"members": 33, "offices": 32, "ties": 8}
    snap = taken[1][0]
    assert snap.nbytes == sum(
        per_row[part] * next(iter(getattr(snap, part).values())).size for part in per_row
    )
