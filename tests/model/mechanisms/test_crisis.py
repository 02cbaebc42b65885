"""Crisis and Thermidor: a mobilisation cascade, a control index, and the fall when both fail."""

from __future__ import annotations

import math

import numpy as np
import pytest

from thermidor.model.census import StateCensus
from thermidor.model.mechanisms import crisis
from thermidor.model.mechanisms.crisis import (
    CrisisParams,
    cascade_round,
    control_index,
    run_cascade,
    willingness,
)
from thermidor.model.state import ELECTION, NOMINATION, SORTITION, World

P = CrisisParams()
CALM = CrisisParams(hazard_hardship=0.0)


# --- the cascade ----------------------------------------------------------------------------


def _random_will(world: World, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    will = rng.uniform(-0.2, 0.6, world.members.size).astype(np.float32)
    return np.where(world.members.present, will, 0.0).astype(np.float32)


@pytest.mark.parametrize("seed", range(5))
def test_cascade_round_is_monotone_in_the_mobilised_set(tiny, seed):
    rng = np.random.default_rng(seed)
    will = _random_will(tiny, seed)
    small = rng.random(tiny.members.size) < 0.1
    large = small | (rng.random(tiny.members.size) < 0.3)
    out_small = cascade_round(tiny, small, will, P.commitment)
    out_large = cascade_round(tiny, large, will, P.commitment)
    assert not (out_small & ~out_large).any()


@pytest.mark.parametrize("seed", range(5))
def test_cascade_keeps_its_starters_and_reaches_the_fixed_point(tiny, seed):
    m = tiny.members
    will = _random_will(tiny, seed)
    result = run_cascade(tiny, will, P)
    starters = m.present & (will >= m.threshold) & (will >= P.commitment)
    assert not (starters & ~result).any()
    again = result | cascade_round(tiny, result, will, P.commitment)
    np.testing.assert_array_equal(again, result)  # a fixed point: nobody more joins
    assert not (result & ~m.present).any()


@pytest.mark.parametrize("seed", range(3))
def test_more_willingness_never_mobilises_fewer(tiny, seed):
    will = _random_will(tiny, seed)
    more = (will + 0.1).astype(np.float32)
    assert not (run_cascade(tiny, will, P) & ~run_cascade(tiny, more, P)).any()


def test_the_cascade_spreads_from_a_few_starters(tiny):
    m, net = tiny.members, tiny.network
    m.threshold[:] = 0.5
    will = np.full(m.size, 0.48, dtype=np.float32)  # each needs one mobilised neighbour in 50
    starters = np.flatnonzero(m.present & (net.degree > 0))[:3]
    will[starters] = 0.6
    assert net.degree.max() <= 50
    result = run_cascade(tiny, will, P)
    assert result[starters].all()
    assert result.sum() > 10 * starters.size
    # the indifferent do not follow, whatever their neighbours do
    indifferent = will.copy()
    indifferent[np.setdiff1d(np.arange(m.size), starters)] = 0.0
    np.testing.assert_array_equal(np.flatnonzero(run_cascade(tiny, indifferent, P)), starters)


def test_willingness_falls_with_fear_and_is_zero_for_the_absent(tiny):
    m = tiny.members
    m.activity[:] = 1.0
    m.legitimacy[:] = 1.0
    m.hardship[:] = 0.0
    m.fear[:] = 0.0
    calm = willingness(tiny, P)
    m.fear[:] = 0.5
    afraid = willingness(tiny, P)
    assert (afraid[m.present] < calm[m.present]).all()
    gone = np.flatnonzero(m.present)[:5]
    m.present[gone] = False
    assert (willingness(tiny, P)[gone] == 0.0).all()


def test_willingness_follows_activity_and_legitimacy(tiny):
    m = tiny.members
    m.hardship[:] = 0.0
    m.fear[:] = 0.0
    m.activity[:] = 1.0
    m.legitimacy[:] = 1.0
    full = willingness(tiny, P)
    m.legitimacy[:] = 0.3
    distrust = willingness(tiny, P)
    m.legitimacy[:] = 1.0
    m.activity[:] = 0.3
    passive = willingness(tiny, P)
    present = m.present
    assert (distrust[present] < full[present]).all()
    assert (passive[present] < full[present]).all()


# --- control index --------------------------------------------------------------------------


def test_control_index_is_zero_when_every_office_is_nominated(tiny):
    tiny.offices.rule[:] = NOMINATION
    tiny.members.activity[:] = 1.0
    tiny.members.fear[:] = 0.0
    assert control_index(tiny) == 0.0


@pytest.mark.parametrize("rule", [ELECTION, SORTITION])
def test_control_index_is_positive_when_offices_answer_below(tiny, rule):
    tiny.offices.rule[:] = rule
    tiny.members.activity[:] = 0.5
    tiny.members.fear[:] = 0.2
    assert control_index(tiny) > 0.0


def test_control_index_follows_turnout_and_nomination(tiny):
    off = tiny.offices
    off.rule[:] = ELECTION
    off.turnout[:] = 0.8
    assert control_index(tiny) == pytest.approx(0.8)  # every level answers as its base votes
    off.turnout[:] = 0.4
    assert control_index(tiny) == pytest.approx(0.4)
    off.turnout[:] = 0.8
    off.rule[off.tree.level == 0] = NOMINATION  # the tops of the branches
    assert 0.0 < control_index(tiny) < 0.8


def test_control_weights_offices_by_the_power_they_carry(tiny):
    """An office weighs by its holder and its staff: nominating the tops costs more when the
    apparatus works under them."""
    off, tree = tiny.offices, tiny.offices.tree
    off.rule[:] = ELECTION
    off.turnout[:] = 1.0
    off.rule[tree.level == 0] = NOMINATION
    off.staff[:] = 0
    light = control_index(tiny)
    off.staff[tree.level == 0] = 20
    assert control_index(tiny) < light
    off.staff[:] = 0
    off.staff[tree.cell >= 0] = 20  # the staff work for the elected bottom offices
    assert control_index(tiny) > light


def test_a_higher_office_answers_only_as_far_as_its_electors_do(tiny):
    off, tree = tiny.offices, tiny.offices.tree
    off.rule[:] = ELECTION
    off.turnout[:] = 1.0
    off.rule[tree.cell >= 0] = NOMINATION  # delegates nominated, the levels above elected
    assert control_index(tiny) == 0.0


# --- the step: crisis and Thermidor ---------------------------------------------------------


PAST_PEAK = 0.5


def _crisis_world(world: World, *, rule: int, willing: bool, activity: float = 1.0) -> None:
    m = world.members
    world.offices.rule[:] = rule
    m.activity[:] = activity
    m.fear[:] = 0.0
    m.hardship[:] = 0.0
    m.legitimacy[:] = 1.0 if willing else 0.0
    m.threshold[:] = 0.2
    world.pending_crisis = True
    world.step = 7
    world.tally.peak_control = PAST_PEAK  # members once held the apparatus


def test_thermidor_when_the_cascade_fails_and_control_is_restricted(tiny, rng):
    _crisis_world(tiny, rule=NOMINATION, willing=False)
    crisis.step(tiny, CALM, rng)
    assert tiny.tally.crisis
    assert tiny.tally.thermidor_step == 7
    record = tiny.tally.crises[-1]
    assert record["thermidor"] is True
    assert record["step"] == 7
    assert record["mobilised"] < CALM.needed
    assert record["control_index"] < CALM.restricted * PAST_PEAK


def test_no_thermidor_when_the_masses_come(tiny, rng):
    _crisis_world(tiny, rule=NOMINATION, willing=True)
    crisis.step(tiny, CALM, rng)
    assert tiny.tally.crisis
    assert tiny.tally.thermidor_step is None
    record = tiny.tally.crises[-1]
    assert record["thermidor"] is False
    # control is low: only the cascade saved it
    assert record["control_index"] < CALM.restricted * PAST_PEAK
    assert record["mobilised"] >= CALM.needed
    assert tiny.tally.mobilised_at_crisis == record["mobilised"]


def test_no_thermidor_while_members_still_control_the_apparatus(tiny, rng):
    _crisis_world(tiny, rule=ELECTION, willing=False)
    crisis.step(tiny, CALM, rng)
    assert tiny.tally.crisis
    assert tiny.tally.thermidor_step is None
    record = tiny.tally.crises[-1]
    assert record["thermidor"] is False
    assert record["mobilised"] < CALM.needed  # the cascade failed: only control saved it
    assert record["control_index"] >= CALM.restricted * PAST_PEAK


def test_no_thermidor_where_control_was_never_higher(tiny, rng):
    # a body whose members never held much control has lost nothing: not a Thermidor
    _crisis_world(tiny, rule=NOMINATION, willing=False)
    tiny.tally.peak_control = 0.0
    crisis.step(tiny, CALM, rng)
    assert tiny.tally.crisis
    assert tiny.tally.crises[-1]["mobilised"] < CALM.needed
    assert tiny.tally.thermidor_step is None


def test_only_the_first_thermidor_is_recorded(tiny, rng):
    _crisis_world(tiny, rule=NOMINATION, willing=False)
    crisis.step(tiny, CALM, rng)
    tiny.step = 20
    tiny.pending_crisis = True
    crisis.step(tiny, CALM, rng)
    assert tiny.tally.thermidor_step == 7
    assert [c["step"] for c in tiny.tally.crises] == [7, 20]
    assert all(c["thermidor"] for c in tiny.tally.crises)


def test_no_crisis_no_test(tiny, rng):
    _crisis_world(tiny, rule=NOMINATION, willing=False)
    tiny.pending_crisis = False
    for _ in range(20):
        crisis.step(tiny, CALM, rng)
    assert not tiny.tally.crisis
    assert tiny.tally.crises == []
    assert tiny.tally.thermidor_step is None
    assert math.isnan(tiny.tally.mobilised_at_crisis)


def test_a_scheduled_crisis_is_consumed(tiny, rng):
    _crisis_world(tiny, rule=ELECTION, willing=True)
    crisis.step(tiny, CALM, rng)
    assert tiny.tally.crisis
    assert not tiny.pending_crisis
    crisis.step(tiny, CALM, rng)
    assert not tiny.tally.crisis
    assert len(tiny.tally.crises) == 1


def test_hardship_draws_crises(tiny, rng):
    _crisis_world(tiny, rule=ELECTION, willing=True)
    tiny.pending_crisis = False
    tiny.members.hardship[:] = 1.0
    crisis.step(tiny, CrisisParams(hazard_hardship=1.0), rng)
    assert tiny.tally.crisis


def test_the_standing_potential_moves_one_round_per_step(tiny, rng):
    m = tiny.members
    _crisis_world(tiny, rule=ELECTION, willing=True)
    tiny.pending_crisis = False
    m.mobilised[:] = False
    crisis.step(tiny, CALM, rng)
    assert m.mobilised[m.present].all()  # everyone is a self-starter here
    m.legitimacy[:] = 0.0
    crisis.step(tiny, CALM, rng)
    assert not m.mobilised.any()


def test_the_census_left_for_the_recorder_is_the_census_of_the_step_end(tiny, rng):
    tiny.censuses.written_after = {crisis.NAME: frozenset()}  # crisis last, as in the plan
    tiny.step = 7
    crisis.step(tiny, CALM, rng)
    left = tiny.censuses.get(StateCensus, 7)
    assert left is not None
    np.testing.assert_array_equal(left.sums, crisis.census(tiny).sums)
    assert tiny.censuses.get(StateCensus, 8) is None, "a census outlived its step"


@pytest.mark.parametrize("seed", range(3))
def test_the_standing_round_is_one_cascade_round_on_the_willingness(tiny, seed):
    rng = np.random.default_rng(seed)
    m = tiny.members
    m.activity[:] = rng.random(m.size).astype(np.float32)
    m.mobilised = m.present & (rng.random(m.size) < 0.3)
    expected = cascade_round(tiny, m.mobilised, willingness(tiny, P), P.commitment)
    crisis.step(tiny, CALM, rng)
    np.testing.assert_array_equal(m.mobilised, expected)
    assert 0 < expected.sum() < m.present.sum()
