"""Abuse: a holder abuses office more as identification falls, with impunity and temptation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thermidor.model.mechanisms import abuse
from thermidor.model.mechanisms.abuse import AbuseParams, abuse_probability
from thermidor.model.state import World

P = AbuseParams()
unit = st.floats(0.0, 1.0)
params = st.builds(
    AbuseParams,
    base_rate=st.floats(0.0, 1.0),
    identification_exponent=st.floats(0.0, 10.0),
    impunity_weight=st.floats(0.0, 10.0),
    temptation_weight=st.floats(0.0, 10.0),
)


def p1(ident: float, impunity: float, temptation: float, params: AbuseParams = P) -> float:
    return float(abuse_probability(np.array([ident]), np.array([impunity]), temptation, params)[0])


@given(ident=unit, impunity=unit, temptation=unit, params=params)
def test_probability_is_a_probability(ident, impunity, temptation, params):
    assert 0.0 <= p1(ident, impunity, temptation, params) <= 1.0


@given(a=unit, b=unit, impunity=unit, temptation=unit, params=params)
def test_abuse_rises_as_identification_falls(a, b, impunity, temptation, params):
    low, high = sorted((a, b))
    assert p1(low, impunity, temptation, params) >= p1(high, impunity, temptation, params)


@given(ident=unit, a=unit, b=unit, temptation=unit, params=params)
def test_abuse_rises_with_impunity(ident, a, b, temptation, params):
    low, high = sorted((a, b))
    assert p1(ident, high, temptation, params) >= p1(ident, low, temptation, params)


@given(ident=unit, impunity=unit, a=unit, b=unit, params=params)
def test_abuse_rises_with_temptation(ident, impunity, a, b, params):
    low, high = sorted((a, b))
    assert p1(ident, impunity, high, params) >= p1(ident, impunity, low, params)


def test_each_factor_strictly_matters_at_the_defaults():
    base = p1(0.5, 0.5, 0.5)
    assert p1(0.2, 0.5, 0.5) > base  # less identification, more abuse
    assert p1(0.5, 0.9, 0.5) > base  # more impunity, more abuse
    assert p1(0.5, 0.5, 0.9) > base  # more temptation, more abuse
    assert p1(1.0, 1.0, 1.0) == 0.0  # full identification restrains entirely
    assert p1(0.0, 0.0, 0.0) == P.base_rate
    expected = P.base_rate * (1 + P.impunity_weight) * (1 + P.temptation_weight)
    assert p1(0.0, 1.0, 1.0) == pytest.approx(expected)


# --- the step -------------------------------------------------------------------------------


def _occupied(world: World) -> np.ndarray:
    return np.flatnonzero(world.offices.holder >= 0)


def test_no_abuse_by_holders_who_fully_identify(tiny, rng):
    occupied = _occupied(tiny)
    tiny.members.identification[tiny.offices.holder[occupied]] = 1.0
    tiny.tally.branch_impunity[:] = 1.0
    tiny.policy.market_temptation = 1.0
    for _ in range(20):
        abuse.step(tiny, P, rng)
    assert tiny.offices.open_abuses.sum() == 0
    assert tiny.tally.abuses_this_step == 0


def test_certain_abuse_opens_a_case_at_every_occupied_office(tiny, rng):
    off = tiny.offices
    occupied = _occupied(tiny)
    off.holder[occupied[:3]] = -1  # three vacancies: nobody there to abuse
    occupied = occupied[3:]
    tiny.members.identification[:] = 0.0
    tiny.tally.branch_impunity[:] = 1.0
    tiny.policy.market_temptation = 1.0
    certain = AbuseParams(base_rate=0.25)  # 0.25 x 2.5 x 2 >= 1
    abuse.step(tiny, certain, rng)
    np.testing.assert_array_equal(off.open_abuses[occupied], 1)
    assert (off.open_abuses[off.holder < 0] == 0).all()
    assert tiny.tally.abuses_this_step == occupied.size
    abuse.step(tiny, certain, rng)
    np.testing.assert_array_equal(off.open_abuses[occupied], 2)  # cases accumulate


def _abuse_count(world: World, ident: float, impunity: float, temptation: float) -> int:
    world.members.identification[world.offices.holder[_occupied(world)]] = ident
    world.tally.branch_impunity[:] = impunity
    world.policy.market_temptation = temptation
    world.offices.open_abuses[:] = 0
    rng = np.random.default_rng(7)
    for _ in range(100):
        abuse.step(world, P, rng)
    return int(world.offices.open_abuses.sum())


def test_step_abuse_rises_as_identification_falls(tiny):
    assert _abuse_count(tiny, 0.2, 0.5, 0.2) > 1.5 * _abuse_count(tiny, 0.7, 0.5, 0.2)


def test_step_abuse_rises_with_impunity(tiny):
    assert _abuse_count(tiny, 0.3, 1.0, 0.2) > 1.5 * _abuse_count(tiny, 0.3, 0.0, 0.2)


def test_step_abuse_rises_with_temptation(tiny):
    assert _abuse_count(tiny, 0.3, 0.5, 1.0) > 1.3 * _abuse_count(tiny, 0.3, 0.5, 0.0)


def test_impunity_is_read_per_branch(tiny, rng):
    off = tiny.offices
    tiny.members.identification[off.holder[_occupied(tiny)]] = 0.0
    tiny.policy.market_temptation = 0.0
    tiny.tally.branch_impunity[:] = 0.0
    tiny.tally.branch_impunity[1] = 1.0
    for _ in range(100):
        abuse.step(tiny, P, rng)
    per_branch = np.bincount(off.tree.branch, weights=off.open_abuses, minlength=3)
    assert per_branch[1] > 1.8 * per_branch[0]
    assert per_branch[1] > 1.8 * per_branch[2]
