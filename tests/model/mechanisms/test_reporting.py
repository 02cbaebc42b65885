"""Reporting: nominees inflate what they report upward; elected holders do not; audits reset it."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from thermidor.model.mechanisms import reporting
from thermidor.model.mechanisms.reporting import ReportingParams, inflation_growth
from thermidor.model.state import ELECTION, NOMINATION, World

P = ReportingParams()
unit = st.floats(0.0, 1.0)
factor = st.floats(1.0, 20.0)


def grow(inflation: float, ident: float, nominated: bool, params: ReportingParams = P) -> float:
    return float(
        inflation_growth(np.array([inflation]), np.array([ident]), np.array([nominated]), params)[0]
    )


# --- pure function --------------------------------------------------------------------------


@given(inflation=factor, ident=unit)
def test_inflation_grows_only_for_nominated_holders(inflation, ident):
    assert grow(inflation, ident, nominated=False) == inflation
    grown = grow(inflation, ident, nominated=True)
    assert inflation <= grown or grown == P.max_inflation
    assert grown <= max(P.max_inflation, inflation)


@given(inflation=factor, a=unit, b=unit)
def test_nominees_who_identify_less_inflate_more(inflation, a, b):
    low, high = sorted((a, b))
    assert grow(inflation, low, True) >= grow(inflation, high, True)


def test_inflation_values():
    np.testing.assert_allclose(grow(1.0, 0.0, True), 1.0 + P.inflation_drift)
    assert grow(1.0, 1.0, True) == 1.0  # full identification: nothing to gain by lying
    assert grow(P.max_inflation, 0.0, True) == P.max_inflation


# --- the step -------------------------------------------------------------------------------


def _no_audits(world: World) -> None:
    world.policy.audit_rate = 0.0
    world.policy.transparency = 0.0


def _half_nominated(world: World) -> tuple[np.ndarray, np.ndarray]:
    off = world.offices
    ids = np.arange(off.size)
    off.rule[:] = ELECTION
    off.rule[ids % 2 == 0] = NOMINATION
    world.members.identification[off.holder[off.holder >= 0]] = 0.3
    return ids[ids % 2 == 0], ids[ids % 2 == 1]


def test_step_inflation_grows_for_nominees_and_not_for_the_elected(tiny, rng):
    _no_audits(tiny)
    nominated, elected = _half_nominated(tiny)
    for _ in range(30):
        reporting.step(tiny, P, rng)
    off = tiny.offices
    assert (off.inflation[nominated] > 1.3).all()
    assert (off.inflation[elected] == 1.0).all()


def test_audits_catch_and_reset_inflation(tiny, rng):
    off = tiny.offices
    _no_audits(tiny)
    nominated, _ = _half_nominated(tiny)
    off.inflation[nominated] = 3.0
    before = off.holder.copy()
    off.tenure[:] = 7
    tiny.policy.audit_rate = 1.0
    reporting.step(tiny, P, rng)
    assert (off.inflation[nominated] == 1.0).all()
    replaced = off.holder[nominated] != before[nominated]
    assert (replaced | (off.tenure[nominated] == 0)).all()  # the holder is dismissed


def test_without_audits_or_press_inflation_is_never_caught(tiny, rng):
    off = tiny.offices
    _no_audits(tiny)
    nominated, _ = _half_nominated(tiny)
    off.inflation[nominated] = 3.0
    holders = off.holder.copy()
    for _ in range(20):
        reporting.step(tiny, P, rng)
    np.testing.assert_array_equal(off.holder, holders)
    assert (off.inflation[nominated] > 3.0).all()


def test_the_press_catches_inflation(tiny, rng):
    off = tiny.offices
    _no_audits(tiny)
    nominated, _ = _half_nominated(tiny)
    off.inflation[nominated] = 3.0
    tiny.policy.transparency = 1.0
    reporting.step(tiny, ReportingParams(press_catch=1.0), rng)
    assert (off.inflation[nominated] == 1.0).all()


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
    off.rule[:] = ELECTION
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
    off.rule[:] = ELECTION
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
