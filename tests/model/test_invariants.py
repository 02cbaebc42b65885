"""Invariants of a run, for random institutions, events and seeds (property-based).

Two levels: what ``thermidor.run`` returns (every headline metric inside the
range METRIC_DOCS documents, members accounted for), and the world's state
after every step when the step plan is driven by hand as ``run`` drives it
(offices and posts consistent, the apparatus within its cap, members
conserved, member and office columns within their ranges).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import thermidor
from strategies import SMALL_COHORTS, events, headline_overrides, seeds, with_events
from support import small_scenario
from thermidor.engine.rng import Streams
from thermidor.model.build import build_world, recruitment_schedule
from thermidor.model.census import IncomeCensus, StateCensus
from thermidor.model.kernels import income_census
from thermidor.model.mechanisms.crisis import census
from thermidor.model.recorder import Recorder
from thermidor.model.results import METRIC_DOCS, METRICS, Results
from thermidor.model.run import Simulation
from thermidor.model.scenario import Scenario
from thermidor.model.state import HOLDER, MEMBER, STAFF, World

PROPERTY = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
EPS = 1e-6


def documented_range(name: str) -> tuple[float, float]:
    """The closed range METRIC_DOCS gives a headline metric."""
    doc = METRIC_DOCS[name]
    if "(0..1)" in doc:
        return 0.0, 1.0
    if name == "privilege_ratio":  # "(>= 0; 1 = equal)"; incomes are positive, so > 0
        return EPS, math.inf
    if name == "report_inflation":  # "(>= 1 means inflated)": every office's factor is >= 1
        return 1.0 - EPS, math.inf
    msg = f"no range known for {name!r}: {doc!r}; add it to the invariant tests"
    raise AssertionError(msg)


def test_every_headline_metric_has_a_documented_range():
    assert len(METRICS) == 15
    for name in METRICS:
        lo, hi = documented_range(name)
        assert lo < hi
        assert re.search(r"\(.*\)", METRIC_DOCS[name]), name


def arrived_by(scenario: Scenario) -> np.ndarray:
    """Recruits arrived by the end of each step (cumulative), from the schedule."""
    per_step = np.zeros(scenario.meta.steps, dtype=np.int64)
    for step, _, count in recruitment_schedule(scenario):
        per_step[step] += count
    return np.cumsum(per_step)


def assert_metrics_in_range(series: dict[str, np.ndarray], upto: int | None = None) -> None:
    for name in METRICS:
        values = series[name][:upto]
        nan = np.flatnonzero(np.isnan(values))
        assert nan.size == 0, f"{name} is NaN at steps {nan}"
        lo, hi = documented_range(name)
        bad = np.flatnonzero((values < lo) | (values > hi))
        assert bad.size == 0, f"{name} outside [{lo}, {hi}] at steps {bad}: {values[bad]}"


# --- what run() returns -----------------------------------------------------------------------


@PROPERTY
@given(overrides=headline_overrides(), seed=seeds())
def test_run_metrics_stay_in_documented_ranges(overrides: list[str], seed: int):
    scenario = small_scenario(*overrides)
    results = thermidor.run(scenario, seed)
    assert isinstance(results, Results)
    assert results.steps == scenario.meta.steps
    for name, column in results.series.items():
        assert column.shape == (results.steps,), name
        assert column.dtype == np.float64, name
    assert_metrics_in_range(results.series)

    s = results.series
    # members conserved: everyone present or deported (nobody recruited in these scenarios)
    np.testing.assert_array_equal(
        s["members_present"] + s["deported_total"], scenario.meta.members + arrived_by(scenario)
    )
    np.testing.assert_allclose(s["apparatus_share"], s["apparatus_size"] / s["members_present"])
    assert (np.diff(s["deported_total"]) >= 0).all()
    assert (np.diff(s["expelled_total"]) >= 0).all()
    crisis_steps = [c["step"] for c in results.crises]
    np.testing.assert_array_equal(np.flatnonzero(s["crisis"] == 1.0), crisis_steps)
    assert np.isnan(s["mobilised"][s["crisis"] == 0.0]).all()
    if results.thermidor_step is not None:
        assert results.thermidor_step in crisis_steps


@pytest.mark.parametrize("name", sorted(thermidor.list_scenarios()))
def test_shipped_scenarios_stay_in_range_and_account_for_every_member(name: str):
    """The shipped histories (recruitment waves, purges, interventions), small, to the end."""
    scenario = thermidor.load_scenario(name, ["meta.members=300"])
    s = thermidor.run(scenario, 2).series
    assert_metrics_in_range(s)
    np.testing.assert_array_equal(
        s["members_present"] + s["deported_total"], 300 + arrived_by(scenario)
    )


def test_overlapping_recruitment_waves_all_arrive():
    """Two waves recruiting at the same steps: every scheduled recruit has a slot and arrives."""
    waves = [
        {"kind": "recruitment", "start": 2, "duration": 3, "magnitude": 0.2, "cohort": cohort}
        for cohort in SMALL_COHORTS
    ]
    scenario = with_events(small_scenario("meta.members=300", "meta.steps=8"), {"shocks": waves})
    scheduled = sum(count for *_, count in recruitment_schedule(scenario))
    assert scheduled == 120
    world, queue = build_world(scenario, Streams(1))
    assert world.members.size == 300 + scheduled
    assert sum(ids.size for ids in queue.values()) == scheduled, "recruits lost from the queue"
    s = thermidor.run(scenario, 1).series
    assert s["members_present"][-1] + s["deported_total"][-1] == 300 + scheduled


# --- the world's state, step by step ----------------------------------------------------------


def stepped(scenario: Scenario, seed: int) -> Iterator[tuple[World, Recorder | None, int]]:
    """The built world (t = -1), then the world after each step, driven as ``run`` does."""
    simulation = Simulation(scenario, seed)
    yield simulation.world, None, -1
    for t in range(scenario.meta.steps):
        simulation.advance()
        yield simulation.world, simulation.recorder, t


def check_offices(world: World) -> None:
    m, off = world.members, world.offices
    holder = off.holder
    assert ((holder >= -1) & (holder < m.size)).all()
    occupied = np.flatnonzero(holder >= 0)
    held_by = holder[occupied]
    assert np.unique(held_by).size == held_by.size, "a member holds two offices"
    assert m.present[held_by].all(), "an office is held by an absent member"
    assert (m.role[held_by] == HOLDER).all(), "an office's holder is not marked HOLDER"
    np.testing.assert_array_equal(m.post[held_by], occupied)

    holders = np.flatnonzero(m.role == HOLDER)
    assert holders.size == occupied.size
    assert ((m.post[holders] >= 0) & (m.post[holders] < off.size)).all()
    np.testing.assert_array_equal(holder[m.post[holders]], holders)


def check_staff(world: World) -> None:
    m, off = world.members, world.offices
    staff = np.flatnonzero(m.role == STAFF)
    assert m.present[staff].all(), "absent member on the staff"
    assert ((m.post[staff] >= 0) & (m.post[staff] < off.size)).all()
    negative = np.flatnonzero(off.staff < 0)
    assert negative.size == 0, f"negative staff count at offices {negative}"
    assert int(off.staff.sum()) == staff.size, (
        f"offices.staff sums to {int(off.staff.sum())} but {staff.size} members are STAFF"
    )
    np.testing.assert_array_equal(np.bincount(m.post[staff], minlength=off.size), off.staff)


def check_roles(world: World) -> None:
    m = world.members
    assert np.isin(m.role, (MEMBER, STAFF, HOLDER)).all()
    assert (m.post[m.role == MEMBER] == -1).all(), "a rank-and-file member has a post"
    assert (m.role[~m.present] == MEMBER).all(), "an absent member has a role"
    assert not (m.present & m.deported).any(), "a deported member is present"
    assert (m.knows[~m.present] == 0).all()


def check_apparatus_cap(world: World) -> None:
    """Hiring stops at the cap, which binds staff only: holders are the offices themselves."""
    m, off = world.members, world.offices
    present = int(m.present.sum())
    holders = int((off.holder >= 0).sum())
    staff = int((m.present & (m.role == STAFF)).sum())
    ceiling = int(world.policy.apparatus_cap * present)
    assert holders + staff <= max(ceiling, holders), (
        f"apparatus {holders} holders + {staff} staff over cap {ceiling} of {present} present"
    )
    # the brief's form: the share exceeds the cap by no more than the holders' share
    assert (holders + staff) / present <= world.policy.apparatus_cap + holders / present + EPS


def check_columns(world: World) -> None:
    m, off = world.members, world.offices
    here = m.present
    for name in ("activity", "capacity", "hardship", "legitimacy", "fear", "identification"):
        values = getattr(m, name)
        assert values.shape == (m.size,), name
        v = values[here]
        assert not np.isnan(v).any(), name
        assert ((v >= 0.0) & (v <= 1.0)).all(), f"{name} outside 0..1: {v.min()}..{v.max()}"
    assert (m.privilege[here] >= 1.0 - EPS).all(), "privilege multiplier below 1"
    assert (off.inflation >= 1.0 - EPS).all(), "an office deflates its reports"
    assert ((off.known_frac >= 0.0) & (off.known_frac <= 1.0 + EPS)).all()
    assert (off.open_abuses >= 0).all()
    assert (off.known_age[off.open_abuses == 0] == 0).all(), "a closed case still widely known"


def check_accounting(world: World, arrived: int, recruits: np.ndarray) -> None:
    m, tally, initial = world.members, world.tally, world.initial_members
    n_present, n_deported = int(m.present.sum()), int(m.deported.sum())
    assert n_present + n_deported == initial + arrived, (
        f"{n_present} present + {n_deported} deported != "
        f"{initial} initial + {arrived} recruits arrived"
    )
    assert tally.deported_total == n_deported
    # expulsions are counted as events: a member may be expelled twice
    assert tally.expelled_total >= int(m.expelled.sum())
    not_yet = m.joined[recruits] < 0
    assert not m.present[recruits][not_yet].any(), "a recruit arrived early"


def check_reused_censuses(world: World, t: int) -> None:
    """The recorder reuses the censuses crisis and legitimacy took: they must still be true."""
    m = world.members
    state, incomes = world.censuses.get(StateCensus, t), world.censuses.get(IncomeCensus, t)
    assert state is not None, "the plan no longer leaves the state census for the recorder"
    assert incomes is not None, "the plan no longer leaves the income census for the recorder"
    np.testing.assert_array_equal(state.sums, census(world).sums)
    np.testing.assert_array_equal(
        incomes.sums, income_census(m.present, m.role, m.wage, m.privilege)
    )


def check_state(world: World, arrived: int, recruits: np.ndarray) -> None:
    check_offices(world)
    check_staff(world)
    check_roles(world)
    check_apparatus_cap(world)
    check_columns(world)
    check_accounting(world, arrived, recruits)


@PROPERTY
@given(
    overrides=headline_overrides(),
    drawn=st.one_of(st.just({"shocks": [], "interventions": []}), events()),
    seed=seeds(),
)
def test_world_state_invariants_hold_after_every_step(overrides: list[str], drawn: dict, seed: int):
    scenario = with_events(small_scenario(*overrides), drawn)
    arrived = arrived_by(scenario)
    recruits = np.empty(0, dtype=np.int64)
    for world, recorder, t in stepped(scenario, seed):
        if t < 0:  # the slots not filled at the start await recruits
            recruits = np.flatnonzero(~world.members.present)
        check_state(world, int(arrived[t]) if t >= 0 else 0, recruits)
        if t >= 0:
            check_reused_censuses(world, t)
        if recorder is not None:
            assert_metrics_in_range(recorder.series, t + 1)
