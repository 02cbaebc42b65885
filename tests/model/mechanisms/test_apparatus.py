"""Apparatus growth: officials multiply staff (Parkinson) up to the cap; above it, they shed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from support import small_world
from thermidor.model.mechanisms import apparatus
from thermidor.model.mechanisms.apparatus import (
    ApparatusParams,
    _poisson_hires,
    _some_staff,
    dismiss_staff,
    hire_staff,
    hiring_rate,
)
from thermidor.model.state import HOLDER, MEMBER, STAFF, World

P = ApparatusParams()
GREEDY = ApparatusParams(parkinson_rate=1.0, attrition=0.0)
unit = st.floats(0.0, 1.0)


def rate(staff: int, ident: float, params: ApparatusParams = P) -> float:
    return float(hiring_rate(np.array([staff]), np.array([ident]), params)[0])


def _apparatus(world: World) -> int:
    m = world.members
    return int((m.present & (m.role != MEMBER)).sum())


def _ceiling(world: World) -> int:
    return int(world.policy.apparatus_cap * world.members.present.sum())


def _staff_consistent(world: World) -> None:
    m, off = world.members, world.offices
    staff = m.role == STAFF
    assert m.present[staff].all()
    assert (m.post[staff] >= 0).all()
    np.testing.assert_array_equal(off.staff, np.bincount(m.post[staff], minlength=off.size))


# --- pure function --------------------------------------------------------------------------


@given(staff=st.integers(0, 100), a=unit, b=unit)
def test_officials_who_identify_less_hire_more(staff, a, b):
    low, high = sorted((a, b))
    assert rate(staff, low) >= rate(staff, high) >= 0.0


@given(a=st.integers(0, 100), b=st.integers(0, 100), ident=unit)
def test_posts_beget_posts(a, b, ident):
    low, high = sorted((a, b))
    assert rate(high, ident) >= rate(low, ident)


def test_hiring_rate_values():
    assert rate(0, 1.0) == 0.0
    np.testing.assert_allclose(rate(0, 0.0), P.parkinson_rate)
    np.testing.assert_allclose(rate(4, 0.5), P.parkinson_rate * 5 * 0.5)


# --- hire and dismiss -----------------------------------------------------------------------


def test_hire_staff_takes_rank_and_file_members(tiny, rng):
    m, off = tiny.members, tiny.offices
    before = off.staff.copy()
    absent = np.flatnonzero(m.present & (m.role == MEMBER))[::3]
    m.present[absent] = False
    offices = np.array([0, 0, 5, 9, 9, 9])
    m.privilege[:] = 2.0
    hire_staff(tiny, offices, rng)
    new = np.flatnonzero((m.role == STAFF) & (m.privilege == 1.0))
    assert 1 <= new.size <= offices.size
    assert not np.isin(new, absent).any()
    assert (off.staff - before).sum() == new.size
    assert ((off.staff - before) <= np.bincount(offices, minlength=off.size)).all()
    _staff_consistent(tiny)


def test_dismiss_staff_returns_them_to_the_ranks(tiny):
    m = tiny.members
    staff = np.flatnonzero(m.role == STAFF)[:10]
    dismiss_staff(tiny, staff)
    assert (m.role[staff] == MEMBER).all()
    assert (m.post[staff] == -1).all()
    _staff_consistent(tiny)


# --- the step -------------------------------------------------------------------------------


def test_built_world_is_consistent_and_within_the_cap(tiny):
    _staff_consistent(tiny)
    assert _apparatus(tiny) <= _ceiling(tiny)


def test_hiring_stops_at_the_cap(tiny, rng):
    tiny.members.identification[:] = 0.0
    for _ in range(15):
        apparatus.step(tiny, GREEDY, rng)
        assert _apparatus(tiny) <= _ceiling(tiny)
        _staff_consistent(tiny)
    assert _apparatus(tiny) >= _ceiling(tiny) - 2  # and it gets there


def test_no_hiring_by_officials_who_fully_identify(tiny, rng):
    tiny.members.identification[:] = 1.0
    before = tiny.offices.staff.copy()
    for _ in range(10):
        apparatus.step(tiny, GREEDY, rng)
    np.testing.assert_array_equal(tiny.offices.staff, before)


def _growth(ident: float) -> int:
    world = small_world("meta.members=500")
    world.policy.apparatus_cap = 0.9
    world.members.identification[:] = ident
    start = int(world.offices.staff.sum())
    rng = np.random.default_rng(0)
    for _ in range(5):
        apparatus.step(world, ApparatusParams(parkinson_rate=0.2, attrition=0.0), rng)
    return int(world.offices.staff.sum()) - start


def test_growth_follows_low_identification():
    assert _growth(0.1) > 3 * max(_growth(0.9), 1)


def test_an_apparatus_over_the_cap_sheds_staff_down_to_it(tiny, rng):
    m = tiny.members
    holders = int((m.role == HOLDER).sum())
    staff = int((m.role == STAFF).sum())
    assert staff > 10
    tiny.policy.apparatus_cap = (holders + 5) / m.present.sum()
    apparatus.step(tiny, ApparatusParams(attrition=0.0), rng)
    assert _apparatus(tiny) == _ceiling(tiny)
    assert (m.role == HOLDER).sum() == holders  # holders are not shed
    _staff_consistent(tiny)


def test_attrition_sends_staff_home(tiny, rng):
    m = tiny.members
    m.identification[:] = 1.0  # no new hires
    apparatus.step(tiny, ApparatusParams(attrition=1.0), rng)
    assert (m.role == STAFF).sum() == 0
    assert tiny.offices.staff.sum() == 0


def test_staff_counts_match_members_after_many_steps(tiny, rng):
    m = tiny.members
    m.identification[:] = 0.2
    for t in range(30):
        if t == 15:
            tiny.policy.apparatus_cap = 0.12
        apparatus.step(tiny, ApparatusParams(parkinson_rate=0.3, attrition=0.05), rng)
    _staff_consistent(tiny)
    assert _apparatus(tiny) <= _ceiling(tiny)


def test_hires_are_independent_poisson_per_office():
    rng = np.random.default_rng(5)
    offices, rates = np.array([4, 9, 17]), np.array([0.2, 1.0, 3.0])
    counts = np.array(
        [
            np.bincount(np.searchsorted(offices, _poisson_hires(offices, rates, rng)), minlength=3)
            for _ in range(20_000)
        ]
    )
    np.testing.assert_allclose(counts.mean(axis=0), rates, rtol=0.03)
    np.testing.assert_allclose(counts.var(axis=0), rates, rtol=0.06)  # Poisson: var = mean
    assert abs(np.corrcoef(counts.T)[0, 2]) < 0.03  # independent, not a fixed total split
    assert _poisson_hires(offices, np.zeros(3), rng).size == 0


@pytest.mark.parametrize("count", [3, 40])  # rejection from slots; sample of the listed staff
def test_some_staff_is_a_uniform_subset_of_the_staff(tiny, count):
    staff = np.flatnonzero(tiny.members.role == STAFF)
    assert staff.size >= 4 * 3
    rng = np.random.default_rng(2)
    picked = np.zeros(tiny.members.size)
    trials = 3000
    for _ in range(trials):
        ids = _some_staff(tiny, min(count, staff.size), staff.size, rng)
        assert np.unique(ids).size == ids.size
        assert np.isin(ids, staff).all()
        picked[ids] += 1
    expected = trials * min(count, staff.size) / staff.size
    np.testing.assert_allclose(picked[staff], expected, rtol=0.25)
