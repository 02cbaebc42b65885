"""Differentiation: privilege accrues in the apparatus up to a ceiling; identification decays."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from support import small_world
from thermidor.model.mechanisms import differentiation
from thermidor.model.mechanisms.differentiation import (
    DifferentiationParams,
    identification_loss,
    privilege_ceiling,
)
from thermidor.model.state import MEMBER, STAFF, World

P = DifferentiationParams()
wages = st.lists(st.floats(1.0, 100.0), min_size=1, max_size=30).map(np.array)


def _run(world: World, steps: int, params: DifferentiationParams = P) -> None:
    rng = np.random.default_rng(0)
    for _ in range(steps):
        differentiation.step(world, params, rng)


def _holders(world: World) -> np.ndarray:
    off = world.offices
    return off.holder[off.holder >= 0]


def _mean_wage(world: World) -> float:
    m = world.members
    return float(m.wage[m.present & (m.role == MEMBER)].mean())


# --- pure functions -------------------------------------------------------------------------


@given(wage=wages, mean=st.floats(0.5, 50.0), cap=st.floats(1.0, 20.0))
def test_ceiling_is_at_least_one_and_the_cap_binds_income(wage, mean, cap):
    ceiling = privilege_ceiling(wage, mean, cap, P)
    assert (ceiling >= 1.0).all()
    # income at the ceiling never exceeds cap x mean income, unless the wage alone does
    above = wage * ceiling > cap * mean * (1 + 1e-5)
    assert (ceiling[above] == 1.0).all()


@given(wage=wages, mean=st.floats(0.5, 50.0), cap=st.floats(1.0, 9.9))
def test_an_uncapped_ceiling_is_no_lower_than_a_capped_one(wage, mean, cap):
    capped = privilege_ceiling(wage, mean, cap, P)
    uncapped = privilege_ceiling(wage, mean, None, P)  # uncapped_ratio = 10 > cap
    assert (uncapped >= capped).all()


def test_ceiling_values():
    wage = np.array([1.0, 2.0, 8.0])
    np.testing.assert_allclose(privilege_ceiling(wage, 2.0, None, P), [20.0, 10.0, 2.5])
    np.testing.assert_allclose(privilege_ceiling(wage, 2.0, 1.5, P), [3.0, 1.5, 1.0])


@given(low=st.floats(1.0, 100.0), high=st.floats(1.0, 100.0))
def test_identification_loss_grows_with_privilege(low, high):
    low, high = sorted((low, high))
    loss = identification_loss(np.array([low, high]), P)
    assert loss[1] >= loss[0] - 1e-7
    assert loss[0] >= P.tenure_decay - 1e-7


def test_identification_loss_values():
    loss = identification_loss(np.array([1.0, np.e]), P)
    expected = [P.tenure_decay, P.tenure_decay + P.privilege_decay]
    np.testing.assert_allclose(loss, expected, rtol=1e-5)


# --- the step -------------------------------------------------------------------------------


def test_privilege_rises_without_a_cap(tiny):
    tiny.policy.privilege_cap = None
    holders = _holders(tiny)
    tiny.members.identification[holders] = 0.3
    _run(tiny, 50)
    assert (tiny.members.privilege[holders] >= 1.0).all()
    assert tiny.members.privilege[holders].mean() > 2.0


def test_privilege_is_bounded_by_the_cap(tiny):
    cap = 1.5
    tiny.policy.privilege_cap = cap
    m = tiny.members
    holders = _holders(tiny)
    m.identification[holders] = 0.0
    m.privilege[holders] = 50.0  # already above: the cap binds at once
    _run(tiny, 1)
    income = m.wage[holders] * m.privilege[holders]
    allowed = np.maximum(cap * _mean_wage(tiny), m.wage[holders])
    assert (income <= allowed * (1 + 1e-5)).all()
    _run(tiny, 200)
    income = m.wage[holders] * m.privilege[holders]
    assert (income <= allowed * (1 + 1e-5)).all()
    # and it is approached: the bound is the ceiling, not a lower fixed point
    ceiling = privilege_ceiling(m.wage[holders], _mean_wage(tiny), cap, P)
    np.testing.assert_allclose(m.privilege[holders], ceiling, rtol=1e-3)


def test_a_cap_holds_privilege_below_the_uncapped_level(tiny):
    capped, free = tiny, small_world("meta.members=500")
    capped.policy.privilege_cap = 1.5
    free.policy.privilege_cap = None
    for world in (capped, free):
        world.members.identification[_holders(world)] = 0.2
        _run(world, 60)
    assert (
        free.members.privilege[_holders(free)].mean()
        > capped.members.privilege[_holders(capped)].mean() + 0.5
    )


def test_privilege_grows_faster_for_those_who_identify_less(tiny):
    tiny.policy.privilege_cap = None
    m = tiny.members
    holders = _holders(tiny)
    low = holders[::2]
    high = holders[1::2]
    m.wage[holders] = 1.0  # same ceiling for everyone
    m.identification[low] = 0.1
    m.identification[high] = 0.9
    _run(tiny, 1)
    assert m.privilege[low].min() > m.privilege[high].max()


def test_identification_falls_with_tenure(tiny):
    m = tiny.members
    holders = _holders(tiny)
    m.identification[holders] = 0.9
    seen = [m.identification[holders].copy()]
    for _ in range(10):
        _run(tiny, 1)
        seen.append(m.identification[holders].copy())
    for before, after in itertools.pairwise(seen):
        assert (after < before).all()
    assert (seen[-1] <= 0.9 - 10 * P.tenure_decay + 1e-5).all()


def test_identification_falls_faster_with_more_privilege(tiny):
    tiny.policy.privilege_cap = None
    m = tiny.members
    holders = _holders(tiny)
    rich, plain = holders[::2], holders[1::2]
    m.wage[holders] = 1.0
    m.identification[holders] = 1.0  # no greed: privilege stays where it is set
    m.privilege[rich] = 5.0
    m.privilege[plain] = 1.0
    _run(tiny, 1)
    np.testing.assert_allclose(m.privilege[rich], 5.0)
    assert m.identification[rich].max() < m.identification[plain].min()
    np.testing.assert_allclose(m.identification[plain], 1.0 - P.tenure_decay, rtol=1e-5)


def test_rank_and_file_lose_privilege_and_recover_identification(tiny):
    m = tiny.members
    ranks = np.flatnonzero(m.present & (m.role == MEMBER))[:50]
    m.privilege[ranks] = 3.0
    m.base_identification[ranks] = 0.9
    m.identification[ranks] = 0.2
    _run(tiny, 1)
    np.testing.assert_allclose(m.privilege[ranks], 1.0)
    np.testing.assert_allclose(m.identification[ranks], 0.2 + P.recovery * 0.7, rtol=1e-5)
    _run(tiny, 500)
    np.testing.assert_allclose(m.identification[ranks], 0.9, atol=0.01)


def test_staff_differentiate_like_holders(tiny):
    m = tiny.members
    staff = np.flatnonzero(m.present & (m.role == STAFF))
    assert staff.size > 0
    m.identification[staff] = 0.8
    _run(tiny, 1)
    assert (m.identification[staff] < 0.8).all()


def test_no_change_when_params_are_zero(tiny):
    m = tiny.members
    holders = _holders(tiny)
    m.identification[holders] = 0.5
    before = m.privilege.copy(), m.identification.copy()
    zero = DifferentiationParams(privilege_growth=0, tenure_decay=0, privilege_decay=0, recovery=0)
    _run(tiny, 5, zero)
    np.testing.assert_array_equal(m.privilege[holders], before[0][holders])
    np.testing.assert_array_equal(m.identification, before[1])
