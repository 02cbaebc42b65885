"""Activity and capacity: working voice and practice raise activity; capacity is learned by
use, lost unused; the rule of an office reaches neither except through practice."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from support import small_world
from thermidor.model.mechanisms import activity
from thermidor.model.mechanisms.activity import ActivityParams, activity_change, capacity_change
from thermidor.model.state import ELECTION, HOLDER, MEMBER, NOMINATION, World

P = ActivityParams()
unit = st.floats(0.0, 1.0)
inner = st.floats(0.01, 0.99)


def cap1(capacity, exercise=0.0, in_office=0.0, education=0.0, params=P) -> float:
    return float(
        capacity_change(
            np.array([capacity]), np.array([exercise]), np.array([in_office]), education, params
        )[0]
    )


def act1(activity=0.5, capacity=0.5, opp=0.5, *, success=0.0, futility=0.0, fear=0.0, hardship=0.0):
    return float(
        activity_change(
            *(np.array([v]) for v in (activity, capacity, opp, success, futility, fear, hardship)),
            P,
        )[0]
    )


# --- capacity_change ------------------------------------------------------------------------


@given(c=inner)
def test_unused_capacity_decays(c):
    assert cap1(c) < 0.0


@given(c=inner)
def test_exercised_capacity_grows(c):
    assert cap1(c, exercise=1.0) > 0.0


@given(c=inner, a=unit, b=unit)
def test_more_exercise_never_learns_less(c, a, b):
    low, high = sorted((a, b))
    assert cap1(c, exercise=high) >= cap1(c, exercise=low)


@given(c=inner, e=unit)
def test_office_and_education_teach(c, e):
    assert cap1(c, e, in_office=1.0) > cap1(c, e)
    assert cap1(c, e, education=1.0) > cap1(c, e)


def test_capacity_change_values():
    assert cap1(0.0) == 0.0  # nothing to lose
    np.testing.assert_allclose(cap1(0.5), -P.decay * 0.5)
    np.testing.assert_allclose(cap1(1.0, exercise=1.0), 0.0)  # nothing more to learn


# --- activity_change ------------------------------------------------------------------------


@given(a=inner, c=unit, o=unit, f=unit, h=unit)
def test_success_raises_activity(a, c, o, f, h):
    assert act1(a, c, o, success=1.0, fear=f, hardship=h) > act1(a, c, o, fear=f, hardship=h)


@given(a=inner, c=unit, o=unit, h=unit)
def test_futility_lowers_activity(a, c, o, h):
    assert act1(a, c, o, futility=1.0, hardship=h) < act1(a, c, o, hardship=h)


@given(a=inner, c=unit, o=unit, s=unit, x=unit, y=unit)
def test_fear_lowers_activity(*, a, c, o, s, x, y):
    low, high = sorted((x, y))
    assert act1(a, c, o, success=s, fear=high) <= act1(a, c, o, success=s, fear=low)


@given(a=inner, c=unit, o=unit, x=unit, y=unit)
def test_hardship_lowers_activity(a, c, o, x, y):
    low, high = sorted((x, y))
    assert act1(a, c, o, hardship=high) <= act1(a, c, o, hardship=low)


@given(a=inner, c=unit, f=st.floats(0.0, 0.99), x=unit, y=unit)
def test_practice_raises_activity(a, c, f, x, y):
    low, high = sorted((x, y))
    assert act1(a, c, high, fear=f) >= act1(a, c, low, fear=f) - 1e-12


def test_no_practice_and_fear_drive_activity_down():
    assert act1(0.5, 0.5, opp=0.0, fear=0.5) < 0.0
    assert act1(0.5, 0.5, opp=1.0) > 0.0


# --- the rule reaches activity only through practice ---------------------------------------


def test_the_rule_alone_changes_neither_activity_nor_capacity(tiny, rng):
    """Nominating every office, with practice and everything else held, moves nothing: the
    rule acts through the elections held and the voice answered (accountability), not here."""
    _uniform(tiny)
    tiny.members.practice[:] = 0.3
    tiny.offices.rule[:] = ELECTION
    elected = (tiny.members.activity.copy(), tiny.members.capacity.copy())
    _uniform(tiny)
    tiny.members.practice[:] = 0.3
    tiny.offices.rule[:] = NOMINATION
    activity.step(tiny, P, rng)
    nominated = (tiny.members.activity.copy(), tiny.members.capacity.copy())
    _uniform(tiny)
    tiny.members.practice[:] = 0.3
    tiny.offices.rule[:] = ELECTION
    activity.step(tiny, P, rng)
    np.testing.assert_array_equal(nominated[0], tiny.members.activity)
    np.testing.assert_array_equal(nominated[1], tiny.members.capacity)
    assert not np.array_equal(elected[0], tiny.members.activity)  # the step did move them


# --- the step -------------------------------------------------------------------------------


def _uniform(world: World, *, act: float = 0.5, cap: float = 0.5) -> np.ndarray:
    m = world.members
    m.activity[:] = act
    m.capacity[:] = cap
    m.fear[:] = 0.0
    m.hardship[:] = 0.0
    m.success[:] = 0.0
    m.futility[:] = 0.0
    m.practice[:] = 0.0
    world.policy.education = 0.0
    return np.flatnonzero(m.present & (m.role == MEMBER))


def test_capacity_decays_when_there_is_no_practice(tiny, rng):
    ranks = _uniform(tiny, act=1.0)
    activity.step(tiny, P, rng)
    np.testing.assert_allclose(tiny.members.capacity[ranks], 0.5 * (1 - P.decay), rtol=1e-5)


def test_capacity_decays_when_members_are_inactive(tiny, rng):
    ranks = _uniform(tiny, act=0.0)
    tiny.members.practice[:] = 1.0
    activity.step(tiny, P, rng)
    assert (tiny.members.capacity[ranks] < 0.5).all()


def test_capacity_grows_when_exercised(tiny, rng):
    ranks = _uniform(tiny, act=1.0, cap=0.3)
    tiny.members.practice[:] = 1.0
    for _ in range(10):
        activity.step(tiny, P, rng)
    assert (tiny.members.capacity[ranks] > 0.3).all()


def test_holding_office_teaches_even_without_practice(tiny, rng):
    m = tiny.members
    _uniform(tiny, act=0.0, cap=0.3)
    activity.step(tiny, P, rng)
    holders = m.role == HOLDER
    assert (m.capacity[holders] > 0.3).all()
    assert (m.capacity[~holders] < 0.3).all()


def test_education_raises_capacity(tiny, rng):
    m = tiny.members
    ranks = _uniform(tiny, act=0.0, cap=0.3)
    tiny.policy.education = 1.0
    activity.step(tiny, P, rng)
    assert (m.capacity[ranks] > 0.3).all()


def test_success_raises_and_futility_and_fear_lower_activity(tiny, rng):
    m = tiny.members
    ranks = _uniform(tiny)
    tiny.members.practice[:] = 0.5
    won, lost, afraid, plain = ranks[0::4], ranks[1::4], ranks[2::4], ranks[3::4]
    m.success[won] = 1.0
    m.futility[lost] = 1.0
    m.fear[afraid] = 1.0
    activity.step(tiny, P, rng)
    assert m.activity[won].min() > m.activity[plain].max()
    assert m.activity[lost].max() < m.activity[plain].min()
    assert m.activity[afraid].max() < m.activity[plain].min()


def test_hardship_lowers_activity_in_the_step(tiny, rng):
    m = tiny.members
    ranks = _uniform(tiny)
    poor, rest = ranks[::2], ranks[1::2]
    m.hardship[poor] = 1.0
    activity.step(tiny, P, rng)
    assert m.activity[poor].max() < m.activity[rest].min()


def test_activity_withers_under_nomination_and_grows_under_election(tiny, rng):
    """The chain: elections held (accountability) give members practice, practice activity;
    under nomination no election is held and activity withers. Cut the chain (practice
    turned into no activity) and election no longer helps."""
    from thermidor.model.mechanisms import accountability  # noqa: PLC0415

    def run(rule: int, params: ActivityParams = P) -> float:
        world = small_world("meta.members=500")
        _uniform(world)
        world.offices.rule[:] = rule
        world.offices.term[:] = 3
        for _ in range(36):
            accountability.step(world, accountability.Params(), rng)
            activity.step(world, params, rng)
        return float(world.members.activity[world.members.present].mean())

    elected, nominated = run(ELECTION), run(NOMINATION)
    print(f"activity after 36 steps: elected {elected:.3f}, nominated {nominated:.3f}")
    assert elected > 0.5 > nominated
    assert run(ELECTION, ActivityParams(practice_gain=0.0)) < 0.5


def test_values_stay_in_unit_range(tiny, rng):
    m = tiny.members
    _uniform(tiny, act=1.0, cap=1.0)
    m.success[:] = 1.0
    tiny.policy.education = 1.0
    activity.step(tiny, ActivityParams(success_gain=1.0, learn=1.0, education_gain=1.0), rng)
    assert (m.activity <= 1.0).all()
    assert (m.capacity <= 1.0).all()
    _uniform(tiny, act=0.0, cap=0.0)
    m.fear[:] = 1.0
    activity.step(tiny, ActivityParams(fear_loss=1.0, decay=1.0), rng)
    assert (m.activity >= 0.0).all()
    assert (m.capacity >= 0.0).all()
