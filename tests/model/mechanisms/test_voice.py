"""Voice: members who know speak when neighbours' example plus their motive reaches a threshold."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from thermidor.model.mechanisms import voice
from thermidor.model.mechanisms.voice import VoiceParams, net_motive, speaks
from thermidor.model.state import MEMBER, World

P = VoiceParams()
unit = st.floats(0.0, 1.0)


def motive1(activity=0.5, knows=True, hardship=0.0, fear=0.0, *, opposition=False, params=P):
    return float(
        net_motive(
            np.array([activity], np.float32),
            np.array([knows]),
            np.array([hardship], np.float32),
            np.array([fear], np.float32),
            np.array([opposition]),
            params,
        )[0]
    )


def speaks1(motive: float, share: float, threshold: float, cause: bool = True) -> bool:
    args = (np.array([motive]), np.array([share]), np.array([threshold]), np.array([cause]))
    return bool(speaks(*args)[0])


# --- pure functions -------------------------------------------------------------------------


@given(motive=st.floats(-2.0, 2.0), share=unit, threshold=unit, cause=st.booleans())
def test_threshold_rule(motive, share, threshold, cause):
    expected = cause and motive > 0.0 and share + motive >= threshold
    assert speaks1(motive, share, threshold, cause) == expected


@given(motive=st.floats(0.01, 1.0), a=unit, b=unit, threshold=unit)
def test_more_speaking_neighbours_never_silence(motive, a, b, threshold):
    low, high = sorted((a, b))
    assert speaks1(motive, high, threshold) >= speaks1(motive, low, threshold)


def test_neighbours_tip_a_member_over_the_threshold():
    assert not speaks1(0.3, 0.0, 0.8)
    assert speaks1(0.3, 0.5, 0.8)
    assert not speaks1(0.0, 1.0, 0.0)  # without a motive of one's own, no example suffices
    assert not speaks1(0.9, 1.0, 0.0, cause=False)  # nothing to speak of


@given(activity=unit, hardship=unit, a=unit, b=unit, knows=st.booleans(), opp=st.booleans())
def test_fear_lowers_the_motive(*, activity, hardship, a, b, knows, opp):
    low, high = sorted((a, b))
    afraid = motive1(activity, knows, hardship, high, opposition=opp)
    assert afraid <= motive1(activity, knows, hardship, low, opposition=opp)


@given(a=unit, b=unit, hardship=unit, fear=unit, knows=st.booleans())
def test_activity_raises_the_motive(a, b, hardship, fear, knows):
    low, high = sorted((a, b))
    assert motive1(high, knows, hardship, fear) >= motive1(low, knows, hardship, fear) - 1e-6


def test_motive_values():
    assert motive1(0.5, knows=True) > motive1(0.5, knows=False)
    assert motive1(0.5, knows=False, hardship=1.0) > motive1(0.5, knows=False, hardship=0.0)
    assert motive1(0.5, opposition=True) > motive1(0.5, opposition=False)
    np.testing.assert_allclose(motive1(0.5, knows=True, fear=0.2), 0.5 - 0.2, rtol=1e-6)
    assert motive1(1.0, knows=True, fear=1.0) <= 0.0  # enough fear silences even the active


# --- the step -------------------------------------------------------------------------------


def _prepare(world: World, *, activity: float, fear: float, threshold: float) -> np.ndarray:
    m = world.members
    ranks = m.present & (m.role == MEMBER)
    m.knows[:] = 0
    m.knows[ranks] = 1
    m.activity[:] = activity
    m.fear[:] = fear
    m.hardship[:] = 0.0
    m.threshold[:] = threshold
    m.opposition[:] = False
    m.voicing[:] = False
    return ranks


def test_members_who_know_speak_when_motive_reaches_the_threshold(tiny, rng):
    ranks = _prepare(tiny, activity=1.0, fear=0.0, threshold=0.5)
    voice.step(tiny, P, rng)
    np.testing.assert_array_equal(tiny.members.voicing, ranks)


def test_fear_silences(tiny, rng):
    _prepare(tiny, activity=1.0, fear=1.0, threshold=0.0)
    tiny.members.voicing[:] = True  # even when everyone spoke last step
    voice.step(tiny, P, rng)
    assert not tiny.members.voicing.any()


def test_neighbours_who_spoke_last_step_tip_the_balance(tiny, rng):
    m, net = tiny.members, tiny.network
    ranks = _prepare(tiny, activity=0.3, fear=0.0, threshold=0.8)
    voice.step(tiny, P, rng)
    assert not m.voicing.any()  # motive 0.3 alone is short of 0.8
    m.voicing[:] = True  # everyone spoke last step: share 1 for everyone with neighbours
    voice.step(tiny, P, rng)
    np.testing.assert_array_equal(m.voicing, ranks & (net.degree > 0))


def test_members_who_know_nothing_do_not_speak(tiny, rng):
    m = tiny.members
    _prepare(tiny, activity=1.0, fear=0.0, threshold=0.0)
    m.knows[:] = 0
    m.hardship[:] = 1.0  # a grievance, but no abuse known and not in opposition
    voice.step(tiny, P, rng)
    assert not m.voicing.any()


def test_opposition_speaks_without_a_known_abuse(tiny, rng):
    m = tiny.members
    ranks = _prepare(tiny, activity=0.5, fear=0.0, threshold=0.15)
    m.knows[:] = 0
    opp = np.flatnonzero(ranks)[:30]
    m.opposition[opp] = True
    voice.step(tiny, P, rng)
    np.testing.assert_array_equal(np.flatnonzero(m.voicing), opp)


def test_the_apparatus_and_the_absent_do_not_speak(tiny, rng):
    m = tiny.members
    _prepare(tiny, activity=1.0, fear=0.0, threshold=0.0)
    m.knows[:] = 1
    gone = np.flatnonzero(m.present & (m.role == MEMBER))[:10]
    m.present[gone] = False
    voice.step(tiny, P, rng)
    assert not m.voicing[m.role != MEMBER].any()
    assert not m.voicing[gone].any()
    assert m.voicing.any()


def test_repeated_voice_in_vain_joins_the_opposition(tiny, rng):
    m = tiny.members
    ranks = np.flatnonzero(_prepare(tiny, activity=0.0, fear=1.0, threshold=1.0))
    veteran, novice = ranks[:5], ranks[5:10]
    m.voice_count[veteran] = P.opposition_after
    m.voice_count[novice] = P.opposition_after - 1
    voice.step(tiny, P, rng)
    assert m.opposition[veteran].all()
    assert not m.opposition[novice].any()
