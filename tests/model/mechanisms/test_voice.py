"""Voice: members who know speak when neighbours' example plus their motive reaches a threshold."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from support import small_world
from thermidor.model.mechanisms import voice
from thermidor.model.mechanisms.voice import (
    VoiceParams,
    join_probability,
    leave_probability,
    net_motive,
    opposition_cause,
    speaks,
)
from thermidor.model.state import MEMBER, World

P = VoiceParams()
TINY = "meta.members=500"
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


# --- the opposition: pure functions ------------------------------------------------------------


def cause1(unpunished=0.0, heard=0.0, voice_count=0, params=P) -> float:
    return float(
        opposition_cause(
            np.array([unpunished]), np.array([heard]), np.array([voice_count]), params
        )[0]
    )


def join1(cause=1.0, activity=0.5, share=0.0, fear=0.0, params=P) -> float:
    args = (np.array([cause]), np.array([activity]), np.array([share]), np.array([fear]))
    return float(join_probability(*args, params)[0])


@given(u=st.booleans(), heard=unit, count=st.integers(0, 100))
def test_the_cause_is_a_share(u, heard, count):
    assert 0.0 <= cause1(float(u), heard, count) <= 1.0


@given(heard=unit, a=st.integers(0, 50), b=st.integers(0, 50))
def test_knowledge_and_futility_never_lower_the_cause(heard, a, b):
    low, high = sorted((a, b))
    assert cause1(0.0, heard, high) >= cause1(0.0, heard, low)
    assert cause1(1.0, heard, low) >= cause1(0.0, heard, low)


@given(cause=unit, activity=unit, a=unit, b=unit, share=unit)
def test_fear_holds_back_and_example_draws_in(cause, activity, a, b, share):
    low, high = sorted((a, b))
    assert join1(cause, activity, share, high) <= join1(cause, activity, share, low)
    assert join1(cause, activity, high, share) >= join1(cause, activity, low, share)
    assert 0.0 <= join1(cause, activity, share, a) <= P.join_rate


@given(activity=unit, share=unit, fear=unit)
def test_without_a_cause_no_example_makes_an_oppositionist(activity, share, fear):
    assert join1(0.0, activity, share, fear) == 0.0


def test_opposition_values():
    assert cause1() == 0.0  # nothing known, voice never futile
    assert cause1(unpunished=1.0) == 1.0
    assert cause1(heard=1.0) == P.scandal_grievance
    assert cause1(voice_count=int(P.futile_voices)) == P.futility_weight
    assert join1(fear=1.0) == 0.0  # full fear holds everyone back
    np.testing.assert_allclose(join1(1.0, 0.5, 0.0, 0.0), P.join_rate * 0.5)
    leave = leave_probability(np.array([1.0, 0.0, 1.0]), np.array([0.0, 0.0, 1.0]),
                              np.array([False, False, True]), P)  # fmt: skip
    np.testing.assert_allclose(leave, [0.0, P.leave_idle, P.leave_fear + P.leave_success])


# --- the opposition in a small world ----------------------------------------------------------


def _opposition_after(world: World, steps: int, *, standing: bool, heard: float, fear: float):
    """Run voice alone ``steps`` steps with every rank-and-file member knowing of its cell's
    abuse (``standing``: widely known and unsanctioned) and the given memory and fear."""
    m, off = world.members, world.offices
    ranks = m.present & (m.role == MEMBER)
    rng = np.random.default_rng(7)
    m.opposition[:] = False
    m.activity[:] = 0.3
    m.hardship[:] = 0.0
    m.threshold[:] = 1.0  # nobody speaks: the opposition alone is tested
    for _ in range(steps):
        m.knows[:] = 0
        m.knows[ranks] = 1
        off.known_age[off.tree.bottom_of[0]] = 5 if standing else 0
        m.heard[:] = heard
        m.fear[:] = fear
        m.success[:] = False
        voice.step(world, P, rng)
    return m.opposition[m.present].mean()


def test_the_opposition_grows_where_abuses_stand_unpunished(tiny):
    share = _opposition_after(tiny, 40, standing=True, heard=0.0, fear=0.1)
    assert 0.2 < share < 1.0


def test_no_opposition_where_abuses_are_sanctioned_and_nothing_is_heard(tiny):
    assert _opposition_after(tiny, 40, standing=False, heard=0.0, fear=0.1) == 0.0


def test_fear_holds_the_opposition_back(tiny):
    bold = _opposition_after(tiny, 20, standing=True, heard=0.0, fear=0.0)
    afraid = _opposition_after(small_world(TINY), 20, standing=True, heard=0.0, fear=0.8)
    assert afraid < 0.5 * bold


def test_neighbours_in_the_opposition_draw_members_in(tiny, rng):
    m = tiny.members
    _prepare(tiny, activity=0.0, fear=0.0, threshold=1.0)
    m.heard[:] = 1.0  # a cause, but no activity: only the neighbours' example drives
    m.success[:] = False
    seed = np.flatnonzero(m.present & (m.role == MEMBER))[::4]
    m.opposition[seed] = True
    net = tiny.network
    has_seed_neighbour = (net.neighbour_sum(m.opposition) > 0) & ~m.opposition
    voice.step(tiny, VoiceParams(join_rate=1.0, leave_idle=0.0), rng)  # one step: no relay
    joined = m.opposition & ~np.isin(np.arange(m.size), seed)
    assert joined.any()
    assert not (joined & ~has_seed_neighbour).any()  # only those with an example in view


def test_voice_that_works_empties_the_opposition(tiny, rng):
    m = tiny.members
    ranks = _prepare(tiny, activity=0.5, fear=0.0, threshold=1.0)
    m.opposition[ranks] = True
    m.success[ranks] = True
    m.knows[:] = 0
    for _ in range(20):
        voice.step(tiny, P, rng)
    assert m.opposition[ranks].mean() < 0.01


def test_the_absent_neither_join_nor_count_as_example(tiny, rng):
    m = tiny.members
    ranks = _prepare(tiny, activity=0.0, fear=0.0, threshold=1.0)
    m.heard[:] = 1.0
    gone = np.flatnonzero(ranks)[::3]
    m.present[gone] = False
    m.opposition[gone] = True  # absent oppositionists: no example to anyone
    for _ in range(10):
        voice.step(tiny, P, rng)
    assert not m.opposition[m.present].any()  # activity 0 and no example present: nobody
    assert m.opposition[gone].all()  # and the absent are left as they were
