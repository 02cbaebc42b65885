"""Reporting: any holder inflates when it pays and goes unseen; audits, the press and a
watching electorate catch it."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from support import small_world
from thermidor.model.mechanisms import reporting
from thermidor.model.mechanisms.reporting import (
    ReportingParams,
    catch_probability,
    impunity,
    inflation_growth,
    motive,
    watching,
)
from thermidor.model.state import ELECTION, NOMINATION, SORTITION, World

P = ReportingParams()
unit = st.floats(0.0, 1.0)
factor = st.floats(1.0, 20.0)


def grow(inflation: float, ident: float, gain: float = 1.0, safe: float = 1.0) -> float:
    return float(
        inflation_growth(
            np.array([inflation]), np.array([ident]), np.array([gain]), np.array([safe]), P
        )[0]
    )


def motive1(rule: int, seen: float, params: ReportingParams = P) -> float:
    return float(motive(np.array([rule]), np.array([seen]), params)[0])


def catch1(rule: int, seen: float, term: int = 12, audit: float = 0.0, t: float = 0.0) -> float:
    return float(
        catch_probability(np.array([rule]), np.array([seen]), np.array([term]), audit, t, P)[0]
    )


# --- pure functions -------------------------------------------------------------------------


@given(inflation=factor, ident=unit, gain=unit, safe=unit)
def test_inflation_never_falls_by_itself_and_stays_under_the_ceiling(inflation, ident, gain, safe):
    grown = grow(inflation, ident, gain, safe)
    assert inflation <= grown <= max(P.max_inflation, inflation)


@given(inflation=factor, a=unit, b=unit)
def test_inflation_grows_with_motive_impunity_and_detachment(inflation, a, b):
    low, high = sorted((a, b))
    assert grow(inflation, 0.5, gain=high) >= grow(inflation, 0.5, gain=low)
    assert grow(inflation, 0.5, safe=high) >= grow(inflation, 0.5, safe=low)
    assert grow(inflation, low) >= grow(inflation, high)


def test_inflation_values():
    np.testing.assert_allclose(grow(1.0, 0.0), 1.0 + P.inflation_drift)
    np.testing.assert_allclose(grow(1.0, 0.5, gain=0.5, safe=0.5), 1.0 + P.inflation_drift / 8)
    assert grow(1.0, 1.0) == 1.0  # full identification: one does not cheat one's class
    assert grow(2.0, 0.0, gain=0.0) == 2.0  # nobody rewards it
    assert grow(2.0, 0.0, safe=0.0) == 2.0  # certain to be caught
    assert grow(P.max_inflation, 0.0) == P.max_inflation


@given(seen=unit)
def test_a_superior_rewards_reports_whatever_the_members_see(seen):
    assert motive1(NOMINATION, seen) == P.superior_reward


@given(a=unit, b=unit)
def test_voters_reward_reports_only_where_they_do_not_see_the_real_output(a, b):
    low, high = sorted((a, b))
    assert motive1(ELECTION, low) >= motive1(ELECTION, high)
    assert motive1(ELECTION, 1.0) == 0.0  # an electorate that sees everything is not fooled
    assert motive1(ELECTION, 0.0) == P.voter_reward
    assert motive1(SORTITION, low) == 0.0  # a lot judges nobody


def test_cutting_the_superiors_reward_removes_the_nominees_motive():
    assert motive1(NOMINATION, 0.0, ReportingParams(superior_reward=0.0)) == 0.0


@given(seen=unit, audit=unit, t=unit)
def test_audits_and_the_press_reach_every_holder_and_voters_only_the_elected(seen, audit, t):
    base = float(np.clip(audit + P.press_catch * t, 0.0, 1.0))
    np.testing.assert_allclose(catch1(NOMINATION, seen, audit=audit, t=t), base)
    np.testing.assert_allclose(catch1(SORTITION, seen, audit=audit, t=t), base)
    assert catch1(ELECTION, seen, audit=audit, t=t) >= base
    np.testing.assert_allclose(catch1(ELECTION, seen, term=4), min(P.voter_catch * seen / 4, 1.0))


@given(a=unit, b=unit)
def test_the_likelier_the_catch_the_less_the_impunity(a, b):
    low, high = sorted((a, b))
    assert impunity(np.array([low]), P)[0] >= impunity(np.array([high]), P)[0]
    assert impunity(np.array([0.0]), P)[0] == 1.0
    assert impunity(np.array([1.0]), P)[0] == 0.0


# --- who watches ----------------------------------------------------------------------------


def test_bottom_electorates_watch_with_their_turnout_and_delegates_with_their_identification(tiny):
    m, off, tree = tiny.members, tiny.offices, tiny.offices.tree
    m.activity[:] = 0.2
    m.party[:] = False
    in_party = (m.cell == 3) & (np.arange(m.size) % 2 == 0)  # half of cell 3, all active
    m.party[in_party] = True
    m.activity[in_party] = 0.9
    m.activity[(m.cell == 3) & ~in_party] = 0.0
    party, others = tiny.party_branch, [b for b in range(3) if b != tiny.party_branch]
    seen = watching(tiny)
    np.testing.assert_allclose(seen[tree.bottom_of[others, 0]], 0.2, rtol=1e-6)
    assert seen[tree.bottom_of[party, 0]] == 0.0  # no party electorate in cell 0
    np.testing.assert_allclose(seen[tree.bottom_of[party, 3]], 0.9, rtol=1e-6)
    assert (seen[tree.bottom_of[others, 3]] < 0.6).all()  # the whole cell, half of it idle
    m.identification[off.holder[off.holder >= 0]] = 0.25
    middle = int(tree.parent[tree.bottom_of[0, 0]])
    np.testing.assert_allclose(watching(tiny)[middle], 0.25, rtol=1e-6)


# --- the step -------------------------------------------------------------------------------


def _no_audits(world: World) -> None:
    world.policy.audit_rate = 0.0
    world.policy.transparency = 0.0


def _detached(world: World, rule: int, activity: float) -> np.ndarray:
    """Bottom offices under ``rule`` (higher ones nominated, so no check from above moves
    anyone), holders at identification 0.3, every member a party member at ``activity``;
    returns the bottom offices."""
    off = world.offices
    bottom = off.tree.bottom_of.ravel()
    off.rule[:] = NOMINATION
    off.rule[bottom] = rule
    world.members.activity[:] = activity
    world.members.party[:] = True  # every cell has a party electorate
    world.members.identification[off.holder[off.holder >= 0]] = 0.3
    return bottom


def test_elected_holders_with_low_identification_inflate_when_nobody_watches(tiny, rng):
    _no_audits(tiny)
    bottom = _detached(tiny, ELECTION, activity=0.0)
    for _ in range(30):
        reporting.step(tiny, P, rng)
    assert (tiny.offices.inflation[bottom] > 1.1).all()


def test_elected_holders_do_not_inflate_where_the_electorate_sees_the_output(tiny, rng):
    _no_audits(tiny)
    bottom = _detached(tiny, ELECTION, activity=1.0)
    for _ in range(30):
        reporting.step(tiny, P, rng)
    assert (tiny.offices.inflation[bottom] == 1.0).all()


def test_nominees_inflate_even_where_the_members_see_the_output(tiny, rng):
    _no_audits(tiny)
    bottom = _detached(tiny, NOMINATION, activity=1.0)
    for _ in range(30):
        reporting.step(tiny, P, rng)
    assert (tiny.offices.inflation[bottom] > 1.3).all()


def test_without_a_superiors_reward_nominees_do_not_inflate(tiny, rng):
    _no_audits(tiny)
    _detached(tiny, NOMINATION, activity=1.0)
    for _ in range(30):
        reporting.step(tiny, ReportingParams(superior_reward=0.0), rng)
    assert (tiny.offices.inflation == 1.0).all()


def test_the_risk_of_audits_deters_inflation():
    def mean_inflation(audit_rate: float) -> float:
        world = small_world("meta.members=500")
        _no_audits(world)
        _detached(world, NOMINATION, activity=1.0)
        world.policy.audit_rate = audit_rate
        params = ReportingParams(tolerance=10.0)  # deterred, never caught
        for _ in range(30):
            reporting.step(world, params, np.random.default_rng(1))
        return float(world.offices.inflation.mean())

    assert mean_inflation(0.0) > mean_inflation(0.1) + 0.1


def test_audits_catch_elected_and_nominated_holders_alike(tiny, rng):
    off = tiny.offices
    _no_audits(tiny)
    ids = np.arange(off.size)
    off.rule[:] = ELECTION
    off.rule[ids % 2 == 0] = NOMINATION
    off.inflation[:] = 3.0
    off.tenure[:] = 7
    before = off.holder.copy()
    tiny.policy.audit_rate = 1.0
    reporting.step(tiny, P, rng)
    assert (off.inflation == 1.0).all()
    replaced = off.holder != before
    assert (replaced | (off.tenure == 0)).all()  # every holder is dismissed


def test_an_electorate_that_watches_catches_inflation_and_a_superior_does_not(tiny, rng):
    off, tree = tiny.offices, tiny.offices.tree
    _no_audits(tiny)
    _detached(tiny, ELECTION, activity=1.0)
    off.term[:] = 1  # an election every step: the voters' check is certain
    elected, nominated = tree.bottom_of[1], tree.bottom_of[2]
    off.rule[nominated] = NOMINATION
    off.inflation[elected] = 3.0
    off.inflation[nominated] = 3.0
    holders = off.holder.copy()
    reporting.step(tiny, P, rng)
    assert (off.inflation[elected] == 1.0).all()
    assert (off.holder[elected] != holders[elected]).all()
    assert (off.inflation[nominated] >= 3.0).all()
    np.testing.assert_array_equal(off.holder[nominated], holders[nominated])


def test_without_audits_press_or_watchers_inflation_is_never_caught(tiny, rng):
    off = tiny.offices
    _no_audits(tiny)
    _detached(tiny, ELECTION, activity=0.0)
    off.inflation[:] = 3.0
    holders = off.holder.copy()
    for _ in range(20):
        reporting.step(tiny, P, rng)
    np.testing.assert_array_equal(off.holder, holders)
    assert (off.inflation[off.tree.bottom_of.ravel()] > 3.0).all()


def test_the_press_catches_inflation(tiny, rng):
    off = tiny.offices
    _no_audits(tiny)
    _detached(tiny, NOMINATION, activity=0.0)
    off.inflation[:] = 3.0
    tiny.policy.transparency = 1.0
    reporting.step(tiny, ReportingParams(press_catch=1.0), rng)
    assert (off.inflation == 1.0).all()


def test_audits_leave_honest_reports_alone(tiny, rng):
    off = tiny.offices
    _no_audits(tiny)
    off.rule[:] = ELECTION
    holders = off.holder.copy()
    tiny.policy.audit_rate = 1.0
    reporting.step(tiny, P, rng)
    np.testing.assert_array_equal(off.holder, holders)


def test_honest_reports_equal_real_output_and_add_up_the_tree(tiny, rng):
    off, tree = tiny.offices, tiny.offices.tree
    _no_audits(tiny)
    tiny.members.identification[:] = 1.0  # nobody cheats
    reporting.step(tiny, P, rng)
    np.testing.assert_allclose(off.reported_output, off.real_output, rtol=1e-5)
    assert (off.real_output > 0).all()
    for parent in np.flatnonzero(tree.cell < 0):
        children = np.flatnonzero(tree.parent == parent)
        np.testing.assert_allclose(
            off.real_output[parent], off.real_output[children].sum(), rtol=1e-5
        )


def test_inflation_multiplies_up_the_chain(tiny, rng):
    off, tree = tiny.offices, tiny.offices.tree
    _no_audits(tiny)
    tiny.members.identification[:] = 1.0
    bottom = int(tree.bottom_of[0, 0])
    middle = int(tree.parent[bottom])
    off.inflation[bottom] = 2.0
    off.inflation[middle] = 3.0
    reporting.step(tiny, P, rng)
    real, reported = off.real_output, off.reported_output
    np.testing.assert_allclose(reported[bottom], 2.0 * real[bottom], rtol=1e-5)
    siblings = np.flatnonzero(tree.parent == middle)
    expected = 3.0 * (real[siblings].sum() + real[bottom])
    np.testing.assert_allclose(reported[middle], expected, rtol=1e-5)
    top = int(tree.parent[middle])
    assert reported[top] > real[top]


def test_real_output_follows_capacity_and_hardship(tiny, rng):
    off, tree = tiny.offices, tiny.offices.tree
    m = tiny.members
    _no_audits(tiny)
    m.capacity[:] = 0.5
    m.hardship[:] = 0.0
    m.capacity[m.cell == 0] = 1.0
    m.hardship[m.cell == 1] = 1.0
    reporting.step(tiny, P, rng)
    real = off.real_output[tree.bottom_of[0]]
    assert real[0] > real[2] > real[1]
