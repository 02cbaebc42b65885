"""Repression: speakers and the opposition are expelled or deported; fear spreads in their cells."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from thermidor.model.mechanisms import repression
from thermidor.model.mechanisms.repression import (
    RepressionParams,
    punishment_probability,
    witness_learning_gain,
)
from thermidor.model.state import HOLDER, MEMBER, STAFF, World

P = RepressionParams()
CERTAIN = RepressionParams(punish_rate=1.0, silent_opposition=1.0)
unit = st.floats(0.0, 1.0)
params = st.builds(
    RepressionParams,
    punish_rate=unit,
    opposition_multiplier=st.floats(1.0, 100.0),
    silent_opposition=unit,
)


def pp(voicing: bool, opposition: bool, intensity: float, params: RepressionParams = P) -> float:
    return float(
        punishment_probability(np.array([voicing]), np.array([opposition]), intensity, params)[0]
    )


# --- pure function --------------------------------------------------------------------------


@given(v=st.booleans(), o=st.booleans(), intensity=unit, params=params)
def test_punishment_probability_is_a_probability(v, o, intensity, params):
    assert 0.0 <= pp(v, o, intensity, params) <= 1.0


@given(v=st.booleans(), o=st.booleans(), a=unit, b=unit, params=params)
def test_punishment_rises_with_intensity(v, o, a, b, params):
    low, high = sorted((a, b))
    assert pp(v, o, high, params) >= pp(v, o, low, params)


@given(v=st.booleans(), intensity=unit, params=params)
def test_the_opposition_is_targeted_more(v, intensity, params):
    assert pp(v, True, intensity, params) >= pp(v, False, intensity, params)


def test_punishment_values():
    assert pp(False, False, 1.0) == 0.0  # silent rank and file are left alone
    assert pp(True, False, 0.0) == 0.0  # no repression, no punishment
    assert pp(True, False, 0.5) == 0.5 * P.punish_rate
    assert pp(True, True, 0.5) == 0.5 * P.punish_rate * P.opposition_multiplier
    np.testing.assert_allclose(
        pp(False, True, 0.5), 0.5 * P.punish_rate * P.opposition_multiplier * P.silent_opposition
    )


# --- the step -------------------------------------------------------------------------------


def _speakers(world: World, k: int, cell: int | None = None) -> np.ndarray:
    m = world.members
    who = m.present & (m.role == MEMBER)
    if cell is not None:
        who &= m.cell == cell
    ids = np.flatnonzero(who)[:k]
    m.voicing[:] = False
    m.opposition[:] = False
    m.voicing[ids] = True
    return ids


def _staff_consistent(world: World) -> None:
    m, off = world.members, world.offices
    staff = m.present & (m.role == STAFF)
    np.testing.assert_array_equal(off.staff, np.bincount(m.post[staff], minlength=off.size))


def test_punished_speakers_are_deported(tiny, rng):
    m = tiny.members
    tiny.policy.repression = 1.0
    tiny.policy.deport_share = 1.0
    victims = _speakers(tiny, 20)
    m.knows[victims] = 1
    repression.step(tiny, CERTAIN, rng)
    assert not m.present[victims].any()
    assert m.deported[victims].all()
    assert not m.voicing[victims].any()
    assert (m.knows[victims] == 0).all()
    assert tiny.tally.deported_total == 20
    assert tiny.tally.punished_this_step == 20
    assert m.deported.sum() == 20  # nobody else


def test_punished_speakers_are_expelled(tiny, rng):
    m = tiny.members
    tiny.policy.repression = 1.0
    tiny.policy.deport_share = 0.0
    victims = _speakers(tiny, 20)
    m.party[victims] = True
    m.activity[victims] = 0.8
    repression.step(tiny, CERTAIN, rng)
    assert m.present[victims].all()
    assert m.expelled[victims].all()
    assert not m.party[victims].any()
    np.testing.assert_allclose(m.activity[victims], 0.8 * (1 - CERTAIN.expulsion_activity_loss))
    assert tiny.tally.expelled_total == 20
    assert m.expelled.sum() == 20


def test_the_deport_share_splits_the_punished(tiny, rng):
    m = tiny.members
    tiny.policy.repression = 1.0
    tiny.policy.deport_share = 0.5
    victims = _speakers(tiny, 200)
    repression.step(tiny, CERTAIN, rng)
    assert (m.deported[victims] | m.expelled[victims]).all()
    assert not (m.deported & m.expelled).any()
    assert 60 < m.deported[victims].sum() < 140


def test_no_repression_punishes_nobody(tiny, rng):
    m = tiny.members
    tiny.policy.repression = 0.0
    victims = _speakers(tiny, 50)
    m.opposition[victims] = True
    for _ in range(10):
        repression.step(tiny, CERTAIN, rng)
    assert not m.deported.any()
    assert not m.expelled.any()


def test_silent_opposition_is_hunted_too(tiny, rng):
    m = tiny.members
    tiny.policy.repression = 1.0
    _speakers(tiny, 0)
    opp = np.flatnonzero(m.present & (m.role == MEMBER))[:15]
    m.opposition[opp] = True
    repression.step(tiny, CERTAIN, rng)
    assert (m.deported[opp] | m.expelled[opp]).all()
    assert tiny.tally.punished_this_step == 15


def test_a_deported_holder_leaves_the_office_vacant(tiny, rng):
    m, off = tiny.members, tiny.offices
    tiny.policy.repression = 1.0
    tiny.policy.deport_share = 1.0
    _speakers(tiny, 0)
    offices = np.flatnonzero(off.holder >= 0)[:4]
    holders = off.holder[offices].copy()
    m.voicing[holders] = True  # speaking from office
    off.open_abuses[offices] = 1
    repression.step(tiny, CERTAIN, rng)
    assert (off.holder[offices] == -1).all()
    assert (off.open_abuses[offices] == 1).all()  # the record stays with the office
    assert not m.present[holders].any()
    assert (m.role[holders] == MEMBER).all()
    assert (m.post[holders] == -1).all()
    assert (m.role == HOLDER).sum() == (off.holder >= 0).sum()


def test_an_expelled_holder_loses_the_office(tiny, rng):
    m, off = tiny.members, tiny.offices
    tiny.policy.repression = 1.0
    tiny.policy.deport_share = 0.0
    _speakers(tiny, 0)
    office = int(np.flatnonzero(off.holder >= 0)[7])
    holder = int(off.holder[office])
    m.opposition[holder] = True
    repression.step(tiny, CERTAIN, rng)
    assert off.holder[office] == -1
    assert m.role[holder] == MEMBER
    assert m.present[holder]


def test_punished_staff_leave_their_posts_and_the_counts_follow(tiny, rng):
    m = tiny.members
    tiny.policy.repression = 1.0
    _speakers(tiny, 0)
    staff = np.flatnonzero(m.present & (m.role == STAFF))[:3]
    m.opposition[staff] = True
    repression.step(tiny, CERTAIN, rng)
    assert (m.role[staff] == MEMBER).all()
    assert (m.post[staff] == -1).all()
    _staff_consistent(tiny)  # office staff counts match members with role STAFF


def test_fear_rises_in_the_victims_cell(tiny, rng):
    m = tiny.members
    tiny.policy.repression = 1.0
    m.fear[:] = 0.0
    victims = _speakers(tiny, 2, cell=4)
    params = RepressionParams(punish_rate=1.0, fear_relax=0.0)
    repression.step(tiny, params, rng)
    in_cell = m.present & (m.cell == 4)
    np.testing.assert_allclose(m.fear[in_cell], 2 * params.fear_jump, rtol=1e-6)
    assert (m.fear[~(m.cell == 4)] == 0.0).all()
    del victims


def test_fear_relaxes_toward_the_level_the_regime_sets(tiny, rng):
    m = tiny.members
    _speakers(tiny, 0)
    tiny.policy.repression = 0.5
    level = P.fear_level * 0.5
    m.fear[:] = 0.9
    for _ in range(400):
        repression.step(tiny, P, rng)
    np.testing.assert_allclose(m.fear[m.present], level, atol=0.01)
    m.fear[:] = 0.0
    repression.step(tiny, P, rng)
    np.testing.assert_allclose(m.fear[m.present], P.fear_relax * level, rtol=1e-5)


def test_fear_stays_in_unit_range(tiny, rng):
    m = tiny.members
    tiny.policy.repression = 1.0
    tiny.policy.deport_share = 0.0
    m.fear[:] = 0.95
    _speakers(tiny, 30, cell=1)
    repression.step(tiny, RepressionParams(punish_rate=1.0, fear_jump=1.0), rng)
    assert (m.fear <= 1.0).all()
    assert (m.fear >= 0.0).all()


# --- educated by repression -----------------------------------------------------------------


@given(c=unit, a=unit, f=unit, g=unit)
def test_a_witness_learns_less_the_more_afraid_and_never_past_one(c, a, f, g):
    low, high = sorted((f, g))
    gain = witness_learning_gain(np.array([c]), np.array([a]), np.array([high]), P)[0]
    assert gain <= witness_learning_gain(np.array([c]), np.array([a]), np.array([low]), P)[0]
    assert 0.0 <= c + gain <= 1.0


def test_witnesses_of_a_punishment_learn_and_hear_of_the_abuse(tiny, rng):
    m, net = tiny.members, tiny.network
    tiny.policy.repression = 1.0
    tiny.policy.deport_share = 1.0
    m.fear[:] = 0.0
    m.activity[:] = 0.8
    m.capacity[:] = 0.3
    m.heard[:] = 0.0
    victim = _speakers(tiny, 1, cell=3)
    neighbours = net.indices[net.indptr[victim[0]] : net.indptr[victim[0] + 1]]
    witnesses = (m.present & (m.cell == 3)) | np.isin(np.arange(m.size), neighbours)
    witnesses &= m.present
    witnesses[victim] = False
    repression.step(tiny, RepressionParams(punish_rate=1.0, fear_relax=0.0), rng)
    assert (m.capacity[witnesses] > 0.3).all()
    np.testing.assert_allclose(m.heard[witnesses], P.witness_grievance)
    others = m.present & ~witnesses
    assert others.any()
    assert (m.capacity[others] == np.float32(0.3)).all()
    assert (m.heard[others] == 0.0).all()


def test_frightened_or_passive_witnesses_learn_nothing(tiny, rng):
    m = tiny.members
    tiny.policy.repression = 1.0
    m.capacity[:] = 0.3
    m.activity[:] = 0.0  # passive: nothing learned, though the abuse is known
    _speakers(tiny, 1, cell=3)
    repression.step(tiny, RepressionParams(punish_rate=1.0), rng)
    assert (m.capacity == np.float32(0.3)).all()
    assert (m.heard[m.present & (m.cell == 3)] > 0).all()


def test_without_punishment_nobody_is_educated(tiny, rng):
    m = tiny.members
    tiny.policy.repression = 0.0
    m.capacity[:] = 0.3
    m.heard[:] = 0.0
    _speakers(tiny, 30)
    repression.step(tiny, CERTAIN, rng)
    assert (m.capacity == np.float32(0.3)).all()
    assert (m.heard == 0.0).all()
