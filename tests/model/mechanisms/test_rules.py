"""Rules: superiors turn elections into nominations when they have the motive and the means;
organised members win them back unless fear and repression stop them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from support import small_world
from thermidor.model.mechanisms import accountability, rules
from thermidor.model.mechanisms.accountability import AccountabilityParams
from thermidor.model.mechanisms.rules import (
    RulesParams,
    convert_probability,
    emergency,
    means,
    motive,
    resistance,
    restore_probability,
)
from thermidor.model.state import ELECTION, NOMINATION, World

P = RulesParams()
unit = st.floats(0.0, 1.0, allow_nan=False)
privilege = st.floats(1.0, 100.0, allow_nan=False)


def _one(x: float) -> np.ndarray:
    return np.array([x])


def _convert(m: float, mn: float, *, superior: bool = True, bounded: float = 0.0,
             params: RulesParams = P) -> float:  # fmt: skip
    return float(convert_probability(_one(m), _one(mn), np.array([superior]), bounded, params)[0])


def _restore(r: float, v: float, f: float, repression: float) -> float:
    return float(restore_probability(_one(r), _one(v), _one(f), repression, P)[0])


# --- pure functions -------------------------------------------------------------------------


@given(a=unit, b=unit, means_=unit, bounded=unit)
def test_conversion_rises_with_the_motive(a, b, means_, bounded):
    lo, hi = sorted((a, b))
    assert _convert(lo, means_, bounded=bounded) <= _convert(hi, means_, bounded=bounded)


@given(a=unit, b=unit, motive_=unit)
def test_conversion_rises_with_the_means(a, b, motive_):
    lo, hi = sorted((a, b))
    assert _convert(motive_, lo) <= _convert(motive_, hi)


@given(motive_=unit, means_=unit, rate=unit)
def test_no_conversion_when_functions_are_bounded_without_superior_or_rate(motive_, means_, rate):
    params = RulesParams(convert_rate=rate)
    assert _convert(motive_, means_, bounded=1.0, params=params) == 0.0
    assert _convert(motive_, means_, superior=False, params=params) == 0.0
    assert _convert(motive_, means_, params=RulesParams(convert_rate=0.0)) == 0.0


def test_conversion_values():
    assert _convert(1.0, 1.0) == P.convert_rate
    assert _convert(0.5, 0.5, bounded=0.5) == pytest.approx(P.convert_rate * 0.125)


@given(a=unit, b=unit, turnout=unit, uncontested=unit, emergency_=unit)
def test_resistance_takes_the_means_away(a, b, turnout, uncontested, emergency_):
    lo, hi = sorted((a, b))
    weak = means(_one(turnout), _one(uncontested), emergency_, _one(lo))[0]
    strong = means(_one(turnout), _one(uncontested), emergency_, _one(hi))[0]
    assert strong <= weak
    assert means(_one(turnout), _one(uncontested), emergency_, _one(1.0))[0] == 0.0


@given(a=unit, b=unit, uncontested=unit, emergency_=unit, resist=unit)
def test_low_turnout_gives_the_means(a, b, uncontested, emergency_, resist):
    lo, hi = sorted((a, b))
    apathetic = means(_one(lo), _one(uncontested), emergency_, _one(resist))[0]
    engaged = means(_one(hi), _one(uncontested), emergency_, _one(resist))[0]
    assert engaged <= apathetic


@given(turnout=unit, resist=unit, a=unit, b=unit)
def test_an_emergency_and_an_uncontested_vacancy_are_pretexts(turnout, resist, a, b):
    lo, hi = sorted((a, b))
    assert (
        means(_one(turnout), _one(0.0), lo, _one(resist))[0]
        <= means(_one(turnout), _one(0.0), hi, _one(resist))[0]
    )
    assert (
        means(_one(turnout), _one(lo), 0.0, _one(resist))[0]
        <= means(_one(turnout), _one(hi), 0.0, _one(resist))[0]
    )
    # any one pretext in full suffices: only resistance is left to stop it
    assert means(_one(turnout), _one(1.0), 0.0, _one(resist))[0] == pytest.approx(1.0 - resist)


def test_emergency_values():
    assert emergency(True, 0.0, P) == 1.0
    assert emergency(False, P.hardship_floor, P) == 0.0
    assert emergency(False, 1.0, P) == 1.0


@given(a=unit, b=unit, p=privilege, q=privilege)
def test_the_motive_falls_with_identification_and_rises_with_privilege(a, b, p, q):
    lo, hi = sorted((a, b))
    few, much = sorted((p, q))
    for nominated in (False, True):
        n = np.array([nominated])
        assert motive(_one(hi), _one(few), n, P)[0] <= motive(_one(lo), _one(few), n, P)[0]
        assert motive(_one(lo), _one(few), n, P)[0] <= motive(_one(lo), _one(much), n, P)[0]


@given(ident=unit, p=privilege)
def test_a_nominated_superior_has_more_motive_than_an_elected_one(ident, p):
    elected = motive(_one(ident), _one(p), np.array([False]), P)[0]
    nominated = motive(_one(ident), _one(p), np.array([True]), P)[0]
    assert elected <= nominated
    assert motive(_one(1.0), _one(p), np.array([True]), P)[0] == 0.0


@given(a=st.floats(0.0, 2.0), b=st.floats(0.0, 2.0))
def test_resistance_is_organised_activity_and_saturates(a, b):
    lo, hi = sorted((a, b))
    r_lo, r_hi = resistance(_one(lo), P)[0], resistance(_one(hi), P)[0]
    assert 0.0 <= r_lo <= r_hi <= 1.0
    assert resistance(_one(P.resistance_scale), P)[0] == 1.0


@given(a=unit, b=unit, voicing=unit, fear=unit, repression=unit)
def test_winning_back_rises_with_organisation_and_voice(a, b, voicing, fear, repression):
    lo, hi = sorted((a, b))
    assert _restore(lo, voicing, fear, repression) <= _restore(hi, voicing, fear, repression)
    assert _restore(voicing, lo, fear, repression) <= _restore(voicing, hi, fear, repression)


@given(a=unit, b=unit, resist=unit, voicing=unit)
def test_fear_and_repression_block_winning_back(a, b, resist, voicing):
    lo, hi = sorted((a, b))
    assert _restore(resist, voicing, hi, 0.0) <= _restore(resist, voicing, lo, 0.0)
    assert _restore(resist, voicing, 0.0, hi) <= _restore(resist, voicing, 0.0, lo)
    assert _restore(resist, voicing, 0.0, 1.0) == 0.0


def test_an_unorganised_silent_electorate_wins_nothing_back():
    assert _restore(P.restore_threshold, 0.0, 0.0, 0.0) == 0.0
    assert _restore(1.0, 0.0, 0.0, 0.0) == P.restore_rate


# --- the step -------------------------------------------------------------------------------


def _society(world: World, *, organised: float, identification: float = 0.2) -> None:
    """Every member as active and capable as ``organised``, fearless, identifying with the
    class as ``identification`` (holders too: they are drawn from the members)."""
    m = world.members
    m.activity[:] = organised
    m.capacity[:] = organised
    m.identification[:] = identification
    m.privilege[:] = 2.0
    m.fear[:] = 0.0
    m.hardship[:] = 0.1
    m.voicing[:] = False
    world.policy.repression = 0.0
    world.policy.entrenched = False  # a held nominated share entrenches: here the start only


def _years(world: World, steps: int, params: RulesParams = P, seed: int = 7) -> np.ndarray:
    """Run accountability and rules for ``steps`` steps; the nominated share of the offices
    that have a superior, at each step."""
    rng_a, rng_r = np.random.default_rng(seed), np.random.default_rng(seed + 1)
    below = world.offices.tree.parent >= 0
    shares = []
    for t in range(steps):
        world.step = t
        accountability.step(world, AccountabilityParams(), rng_a)
        rules.step(world, params, rng_r)
        shares.append(float((world.offices.rule[below] == NOMINATION).mean()))
    return np.array(shares)


def test_an_apathetic_electorate_loses_its_elections_over_time():
    world = small_world("meta.members=500", "institutions.term=3")
    _society(world, organised=0.05)
    share = _years(world, 36)
    assert share[0] < 0.2
    assert share[-1] > 0.5
    # never all at once: a due election at a time, a superior at a time
    assert np.all(np.diff(share) >= 0)
    assert np.all(world.offices.rule[world.offices.tree.parent < 0] == ELECTION)  # tops stay


def test_an_organised_electorate_keeps_its_elections():
    world = small_world("meta.members=500", "institutions.term=3")
    _society(world, organised=0.9)
    assert _years(world, 36)[-1] == 0.0


def test_bounded_functions_keep_even_an_apathetic_electorate_elected():
    world = small_world("meta.members=500", "institutions.term=3")
    _society(world, organised=0.05)
    world.policy.bounded = 1.0
    assert _years(world, 36)[-1] == 0.0


def test_superiors_who_identify_with_the_class_do_not_convert():
    world = small_world("meta.members=500", "institutions.term=3")
    _society(world, organised=0.05, identification=1.0)
    assert _years(world, 36)[-1] == 0.0


def test_an_organised_electorate_wins_nominated_offices_back():
    world = small_world("meta.members=500", "institutions.nominated_share=1")
    _society(world, organised=0.9)
    share = _years(world, 36)
    assert share[-1] < 0.5
    assert np.all(np.diff(share) <= 0)


@pytest.mark.parametrize(("repression", "most_kept"), [(1.0, True), (0.0, False)])
def test_repression_blocks_winning_back(repression, most_kept):
    world = small_world("meta.members=500", "institutions.nominated_share=1")
    _society(world, organised=0.9)
    world.policy.repression = repression
    share = _years(world, 36)
    assert bool(share[-1] == 1.0) is most_kept


def test_a_restored_nominee_faces_the_vote_at_the_end_of_its_term():
    world = small_world("meta.members=500", "institutions.nominated_share=1")
    _society(world, organised=0.9)
    off = world.offices
    off.term_left[:] = 2 * off.term
    rules.step(world, RulesParams(restore_rate=1.0), np.random.default_rng(0))
    assert np.all(off.rule == ELECTION)
    np.testing.assert_array_equal(off.term_left, off.term)


def test_accountability_records_the_turnout_of_every_election_held():
    world = small_world("meta.members=500")
    m, off = world.members, world.offices
    founders = float(m.activity[m.present].mean())
    np.testing.assert_allclose(off.turnout, founders, rtol=1e-6)  # before any election
    m.activity[:] = 0.4
    off.term_left[:] = 1  # every office due
    accountability.step(world, AccountabilityParams(), np.random.default_rng(0))
    bottom = off.tree.cell >= 0
    np.testing.assert_allclose(off.turnout[bottom], 0.4, rtol=1e-5)
    upper = off.tree.parent >= 0
    np.testing.assert_allclose(off.turnout[upper & ~bottom], 0.4, rtol=1e-5)


def test_entrenched_rules_and_a_reaction_in_power_change_nothing():
    """Entrenched rules (a held nominated share) move neither way; after Thermidor the
    apparatus still converts but the members win nothing back."""
    world = small_world("meta.members=500", "institutions.term=3")
    _society(world, organised=0.05)
    world.policy.entrenched = True
    assert _years(world, 36)[-1] == 0.0
    world = small_world("meta.members=500", "institutions.nominated_share=1")
    _society(world, organised=0.9)
    world.tally.thermidor_step = 0
    assert _years(world, 36)[-1] == 1.0
