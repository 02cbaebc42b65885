"""Legitimacy: falls with known abuses, the privilege gap and hardship; rises when voice works."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from support import small_world
from thermidor.model.mechanisms import legitimacy
from thermidor.model.mechanisms.legitimacy import (
    LegitimacyParams,
    legitimacy_target,
    privilege_ratio,
)
from thermidor.model.state import ELECTION, MEMBER, World

P = LegitimacyParams()
unit = st.floats(0.0, 1.0)
ratio = st.floats(0.1, 1000.0)


def target1(knows=0.0, ratio_=1.0, hardship=0.0, success=0.0, params=P) -> float:
    return float(
        legitimacy_target(
            np.array([knows]), ratio_, np.array([hardship]), np.array([success]), params
        )[0]
    )


# --- pure functions -------------------------------------------------------------------------


@given(k=st.sampled_from([0.0, 1.0]), r=ratio, h=unit, s=st.sampled_from([0.0, 1.0]))
def test_target_is_in_unit_range(k, r, h, s):
    assert 0.0 <= target1(k, r, h, s) <= 1.0


@given(r=ratio, h=unit, s=st.sampled_from([0.0, 1.0]))
def test_known_abuses_lower_the_target(r, h, s):
    assert target1(1.0, r, h, s) <= target1(0.0, r, h, s)


@given(a=ratio, b=ratio, k=st.sampled_from([0.0, 1.0]), h=unit)
def test_a_wider_privilege_gap_lowers_the_target(a, b, k, h):
    low, high = sorted((a, b))
    assert target1(k, high, h) <= target1(k, low, h)


@given(x=unit, y=unit, k=st.sampled_from([0.0, 1.0]), r=ratio)
def test_hardship_lowers_the_target(x, y, k, r):
    low, high = sorted((x, y))
    assert target1(k, r, high) <= target1(k, r, low)


@given(k=st.sampled_from([0.0, 1.0]), r=ratio, h=unit)
def test_voice_that_works_raises_the_target(k, r, h):
    assert target1(k, r, h, 1.0) >= target1(k, r, h, 0.0)


def test_target_values():
    assert target1() == 1.0  # no abuse known, no gap, no hardship
    assert target1(ratio_=0.5) == 1.0  # an apparatus poorer than the ranks is no 'new nobility'
    np.testing.assert_allclose(target1(knows=1.0), 1.0 - P.abuse_weight)
    np.testing.assert_allclose(target1(ratio_=2.0), 1.0 - P.privilege_weight * 0.5)
    np.testing.assert_allclose(target1(hardship=1.0), 1.0 - P.hardship_weight)
    heard = 1.0 - P.abuse_weight + P.voice_weight
    np.testing.assert_allclose(target1(knows=1.0, success=1.0), heard)


def test_privilege_ratio_compares_incomes_inside_and_outside(tiny):
    m = tiny.members
    m.wage[:] = 2.0
    m.privilege[:] = 1.0
    assert privilege_ratio(tiny) == 1.0
    m.privilege[m.role != MEMBER] = 3.0
    np.testing.assert_allclose(privilege_ratio(tiny), 3.0)
    m.role[:] = MEMBER
    assert privilege_ratio(tiny) == 1.0  # no apparatus, no gap


# --- the step -------------------------------------------------------------------------------


def _neutral(world: World) -> None:
    m = world.members
    world.offices.rule[:] = ELECTION
    m.legitimacy[:] = 0.8
    m.knows[:] = 0
    m.hardship[:] = 0.0
    m.success[:] = 0.0
    m.wage[:] = 2.0
    m.privilege[:] = 1.0


def test_legitimacy_falls_with_known_abuses(tiny, rng):
    m = tiny.members
    _neutral(tiny)
    knowing = np.flatnonzero(m.present)[::2]
    m.knows[knowing] = 0b001
    legitimacy.step(tiny, P, rng)
    ignorant = m.present.copy()
    ignorant[knowing] = False
    assert m.legitimacy[knowing].max() < 0.8
    assert m.legitimacy[knowing].max() < m.legitimacy[ignorant].min()


def test_legitimacy_falls_with_the_privilege_gap():
    worlds = [small_world("meta.members=500") for _ in range(2)]
    for world, privilege in zip(worlds, (1.0, 5.0), strict=True):
        _neutral(world)
        m = world.members
        m.privilege[m.role != MEMBER] = privilege
        for _ in range(10):
            legitimacy.step(world, P, np.random.default_rng(0))
    equal, unequal = (w.members.legitimacy[w.members.present] for w in worlds)
    assert (unequal < equal).all()
    assert unequal.mean() < 0.8


def test_legitimacy_falls_with_hardship(tiny, rng):
    m = tiny.members
    _neutral(tiny)
    poor = np.flatnonzero(m.present)[::3]
    m.hardship[poor] = 1.0
    legitimacy.step(tiny, P, rng)
    assert m.legitimacy[poor].max() < np.delete(m.legitimacy[m.present], poor).min()


def test_legitimacy_rises_when_voice_works(tiny, rng):
    m = tiny.members
    _neutral(tiny)
    m.knows[m.present] = 1
    heard = np.flatnonzero(m.present)[::2]
    m.success[heard] = 1.0
    legitimacy.step(tiny, P, rng)
    unheard = np.setdiff1d(np.flatnonzero(m.present), heard)
    assert m.legitimacy[heard].min() > m.legitimacy[unheard].max()


def test_legitimacy_moves_gradually_toward_its_target(tiny, rng):
    m = tiny.members
    _neutral(tiny)
    m.knows[m.present] = 1
    legitimacy.step(tiny, P, rng)
    expected = 0.8 + P.rate * ((1.0 - P.abuse_weight) - 0.8)
    np.testing.assert_allclose(m.legitimacy[m.present], expected, rtol=1e-5)
    for _ in range(300):
        legitimacy.step(tiny, P, rng)
    np.testing.assert_allclose(m.legitimacy[m.present], 1.0 - P.abuse_weight, atol=1e-3)


def test_the_rule_alone_does_not_move_legitimacy():
    """Nomination costs legitimacy only through what it brings (abuses known and unpunished,
    privilege, voice unanswered), never by itself."""
    worlds = [small_world("meta.members=500") for _ in range(2)]
    for world, rule in zip(worlds, (ELECTION, 1), strict=True):  # 1 = NOMINATION
        _neutral(world)
        world.offices.rule[:] = rule
        legitimacy.step(world, P, np.random.default_rng(0))
    elected, nominated = (w.members.legitimacy[w.members.present] for w in worlds)
    np.testing.assert_array_equal(nominated, elected)


def test_abuses_heard_of_elsewhere_lower_legitimacy_but_less_than_ones_own():
    world = small_world("meta.members=500")
    m = world.members
    m.knows[:] = 0
    m.success[:] = False
    m.heard[:] = 0.0
    m.hardship[:] = 0.0  # targets well above 0: no clipping hides the loss
    ranks = np.flatnonzero(m.present & (m.role == MEMBER))
    heard, own = ranks[::3], ranks[1::3]
    m.heard[heard] = 1.0
    m.knows[own] = 1
    m.legitimacy[:] = 1.0
    params = LegitimacyParams(rate=1.0)
    legitimacy.step(world, params, np.random.default_rng(0))
    rest = ranks[2::3]
    same = m.cell[heard][:, None] == m.cell[rest][None, :]  # compare within cells
    unclipped = m.legitimacy[heard][:, None] > 0.0
    gap = (m.legitimacy[rest][None, :] - m.legitimacy[heard][:, None])[same & unclipped]
    assert gap.size
    np.testing.assert_allclose(gap, params.scandal_weight, atol=1e-5)
    assert m.legitimacy[own].mean() < m.legitimacy[heard].mean()
