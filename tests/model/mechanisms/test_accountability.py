"""Accountability: elections and recalls remove known abusers; nomination answers only upward."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from support import small_world
from thermidor.model.mechanisms import accountability
from thermidor.model.mechanisms.accountability import AccountabilityParams, removed_by_vote
from thermidor.model.state import ELECTION, HOLDER, NOMINATION, SORTITION, World

P = AccountabilityParams()
SOVIETS = 1  # a branch every present member votes in
CELL = 3


# --- pure function --------------------------------------------------------------------------


@given(against=st.floats(0.0, 100.0), extra=st.floats(0.0, 100.0), majority=st.floats(0.0, 1.0))
def test_removed_exactly_when_the_share_against_exceeds_the_majority(against, extra, majority):
    votes = against + extra
    removed = bool(removed_by_vote(np.array([against]), np.array([votes]), majority)[0])
    share = against / votes if votes > 0 else 0.0
    assert removed == (share > majority)


def test_no_votes_never_remove():
    assert not removed_by_vote(np.array([0.0]), np.array([0.0]), 0.0)[0]


def test_removal_values():
    votes = np.array([10.0, 10.0, 10.0])
    np.testing.assert_array_equal(
        removed_by_vote(np.array([4.0, 5.0, 6.0]), votes, 0.5), [False, False, True]
    )


# --- the step -------------------------------------------------------------------------------


def _setup(world: World, rule: int, *, knows: bool = True, due: bool = True) -> tuple[int, int]:
    """One bottom office up for judgement; its cell's members know (or not) of its abuse.

    Every other office is far from its term; everyone is fearless, fully active and trusting,
    and the holder earns the lowest wage, so only knowledge of the abuse can turn votes.
    """
    m, off = world.members, world.offices
    office = int(off.tree.bottom_of[SOVIETS, CELL])
    off.term_left[:] = 100
    off.recall[:] = False
    off.rule[office] = rule
    off.term_left[office] = 0 if due else 100
    off.tenure[:] = 5
    m.fear[:] = 0.0
    m.activity[:] = 1.0
    m.legitimacy[:] = 1.0
    m.voicing[:] = False
    m.knows[:] = 0
    if knows:
        m.knows[m.present & (m.cell == CELL)] = 1 << SOVIETS
    holder = int(off.holder[office])
    m.wage[off.holder[off.holder >= 0]] = 1.0
    m.capacity[holder] = 0.0
    m.identification[holder] = 0.0
    return office, holder


def _removed(world: World, office: int, holder: int) -> bool:
    off = world.offices
    if off.holder[office] == holder:
        assert off.tenure[office] == 6
        return False
    assert off.tenure[office] == 0
    return True


def test_under_election_a_majority_against_removes_the_holder(tiny, rng):
    office, holder = _setup(tiny, ELECTION)
    accountability.step(tiny, P, rng)
    assert _removed(tiny, office, holder)
    assert tiny.members.post[holder] != office
    new = tiny.offices.holder[office]
    assert new >= 0
    assert tiny.members.role[new] == HOLDER
    assert tiny.members.cell[new] == CELL


def test_under_nomination_the_same_votes_do_not_remove(tiny, rng):
    office, holder = _setup(tiny, NOMINATION)
    accountability.step(tiny, P, rng)
    assert not _removed(tiny, office, holder)
    assert tiny.offices.term_left[office] == tiny.offices.term[office]


def test_an_elected_holder_nobody_knows_against_is_kept_and_starts_a_new_term(tiny, rng):
    office, holder = _setup(tiny, ELECTION, knows=False)
    accountability.step(tiny, P, rng)
    assert not _removed(tiny, office, holder)
    assert tiny.offices.term_left[office] == tiny.offices.term[office]


def test_votes_count_only_at_election_time(tiny, rng):
    office, holder = _setup(tiny, ELECTION, due=False)
    accountability.step(tiny, P, rng)
    assert not _removed(tiny, office, holder)
    assert tiny.offices.term_left[office] == 99


@pytest.mark.parametrize(("knowers", "removed"), [(0.45, False), (0.55, True)])
def test_a_majority_of_votes_cast_is_needed(tiny, rng, knowers, removed):
    m = tiny.members
    office, holder = _setup(tiny, ELECTION, knows=False)
    voters = np.flatnonzero(m.present & (m.cell == CELL))
    m.knows[voters[: int(knowers * voters.size)]] = 1 << SOVIETS
    accountability.step(tiny, P, rng)
    assert _removed(tiny, office, holder) is removed


def test_turnout_follows_activity(tiny, rng):
    m = tiny.members
    _setup(tiny, ELECTION, knows=False)
    m.activity[:] = 0.4
    accountability.step(tiny, P, rng)
    assert tiny.tally.elections_held == 1
    np.testing.assert_allclose(tiny.tally.turnout_sum, 0.4, rtol=1e-5)


def test_fear_deters_the_vote_unless_the_ballot_is_secret(tiny):
    office, holder = _setup(tiny, ELECTION)
    tiny.members.fear[:] = 1.0
    accountability.step(tiny, AccountabilityParams(secret_ballot=0.0), np.random.default_rng(1))
    assert not _removed(tiny, office, holder)

    other = small_world("meta.members=500")
    office, holder = _setup(other, ELECTION)
    other.members.fear[:] = 1.0
    accountability.step(other, AccountabilityParams(secret_ballot=1.0), np.random.default_rng(1))
    assert _removed(other, office, holder)


@pytest.mark.parametrize("recall", [True, False])
def test_recall_removes_at_once_when_enough_speak_out(tiny, rng, recall):
    m = tiny.members
    office, holder = _setup(tiny, ELECTION, due=False)
    tiny.offices.recall[office] = recall
    m.voicing[m.present & (m.cell == CELL)] = True
    accountability.step(tiny, P, rng)
    assert _removed(tiny, office, holder) is recall


def test_sortition_draws_a_new_holder_at_the_end_of_the_term(tiny, rng):
    off = tiny.offices
    office, _ = _setup(tiny, SORTITION, knows=False)
    accountability.step(tiny, P, rng)
    assert off.tenure[office] == 0  # drawn again, whoever the lot fell on
    assert off.holder[office] >= 0


def test_sortition_keeps_the_holder_during_the_term(tiny, rng):
    office, holder = _setup(tiny, SORTITION, due=False)
    accountability.step(tiny, P, rng)
    assert not _removed(tiny, office, holder)


@pytest.mark.parametrize(("transparency", "removed"), [(1.0, True), (0.0, False)])
def test_a_superior_acts_on_a_known_abuse_only_as_a_press_scandal(tiny, rng, transparency, removed):
    office, holder = _setup(tiny, NOMINATION)
    tiny.offices.known_age[office] = 3
    tiny.policy.transparency = transparency
    params = AccountabilityParams(scandal_weight=1.0, results_weight=0.0)
    accountability.step(tiny, params, rng)
    assert _removed(tiny, office, holder) is removed


def test_a_superior_dismisses_a_nominee_whose_reports_fall_short_of_peers(tiny, rng):
    off = tiny.offices
    office, holder = _setup(tiny, NOMINATION, knows=False)
    off.reported_output[:] = 1.0
    off.reported_output[office] = 0.1
    params = AccountabilityParams(results_weight=1.0, scandal_weight=0.0)
    accountability.step(tiny, params, rng)
    assert _removed(tiny, office, holder)


def test_a_nominee_reporting_like_peers_is_kept(tiny, rng):
    off = tiny.offices
    office, holder = _setup(tiny, NOMINATION, knows=False)
    off.reported_output[:] = 1.0
    params = AccountabilityParams(results_weight=1.0, scandal_weight=0.0)
    accountability.step(tiny, params, rng)
    assert not _removed(tiny, office, holder)


def _upper_setup(world: World, rule: int, *, known: bool) -> tuple[int, int]:
    """A middle office up for election by the holders of the offices below it."""
    m, off, tree = world.members, world.offices, world.offices.tree
    _setup(world, ELECTION, knows=False, due=False)
    office = int(tree.parent[tree.bottom_of[SOVIETS, CELL]])
    off.rule[office] = rule
    off.term_left[office] = 0
    children = np.flatnonzero(tree.parent == office)
    off.parent_known[children] = known
    m.identification[off.holder[children]] = 1.0  # delegates who act on what they know
    return office, int(off.holder[office])


def test_delegates_remove_an_elected_higher_holder_they_know_abused(tiny, rng):
    office, holder = _upper_setup(tiny, ELECTION, known=True)
    accountability.step(tiny, P, rng)
    assert _removed(tiny, office, holder)
    new = tiny.offices.holder[office]
    children = np.flatnonzero(tiny.offices.tree.parent == office)
    assert tiny.members.cell[new] in tiny.offices.tree.cell[children]  # promoted from below


def test_delegates_cannot_remove_a_nominated_higher_holder(tiny, rng):
    office, holder = _upper_setup(tiny, NOMINATION, known=True)
    accountability.step(tiny, P, rng)
    assert not _removed(tiny, office, holder)


def test_delegates_keep_a_higher_holder_they_know_nothing_against(tiny, rng):
    office, holder = _upper_setup(tiny, ELECTION, known=False)
    accountability.step(tiny, P, rng)
    assert not _removed(tiny, office, holder)


def test_a_sanction_closes_the_offices_open_cases(tiny, rng):
    off = tiny.offices
    office, holder = _setup(tiny, ELECTION)
    off.open_abuses[office] = 3
    off.known_age[office] = 2
    accountability.step(tiny, P, rng)
    assert _removed(tiny, office, holder)
    assert off.open_abuses[office] == 0
    assert off.known_age[office] == 0


def test_the_end_of_a_lots_term_leaves_the_cases_open(tiny, rng):
    off = tiny.offices
    office, _ = _setup(tiny, SORTITION, knows=False)
    off.open_abuses[office] = 3
    off.known_age[office] = 2
    accountability.step(tiny, P, rng)
    assert off.tenure[office] == 0  # drawn again
    assert off.open_abuses[office] == 3  # but nobody answered the abuse


def test_elections_no_longer_reset_reports_by_themselves(tiny, rng):
    off = tiny.offices
    office, holder = _setup(tiny, ELECTION, knows=False)
    off.inflation[office] = 5.0
    accountability.step(tiny, P, rng)
    assert not _removed(tiny, office, holder)
    assert off.inflation[office] == 5.0  # voters catch inflation in reporting, by chance


def test_every_occupied_office_gains_a_step_of_tenure(tiny, rng):
    off = tiny.offices
    _setup(tiny, ELECTION, knows=False, due=False)
    occupied = off.holder >= 0
    accountability.step(tiny, P, rng)
    np.testing.assert_array_equal(off.tenure[occupied], 6)


def test_tolerated_known_abuses_teach_impunity(tiny, rng):
    off, tree = tiny.offices, tiny.offices.tree
    _setup(tiny, ELECTION, knows=False, due=False)
    before = tiny.tally.branch_impunity.copy()
    off.known_age[tree.branch == 0] = P.tolerated_after
    accountability.step(tiny, P, rng)
    after = tiny.tally.branch_impunity
    assert after[0] > before[0]
    np.testing.assert_array_equal(after[1:], before[1:])
    assert tiny.tally.tolerated_known > 0


def test_sanctioned_known_abuses_teach_that_abuse_costs(tiny, rng):
    office, _ = _setup(tiny, ELECTION)
    tiny.offices.known_age[office] = 2
    before = tiny.tally.branch_impunity.copy()
    accountability.step(tiny, P, rng)
    assert tiny.tally.branch_impunity[SOVIETS] < before[SOVIETS]
    assert tiny.tally.sanctioned_known > 0


def test_members_learn_that_voice_works_where_a_known_abuser_fell(tiny, rng):
    m = tiny.members
    _setup(tiny, ELECTION)
    accountability.step(tiny, P, rng)
    in_cell = m.present & (m.cell == CELL)
    assert (m.success[in_cell] == 1.0).all()
    assert (m.success[~in_cell] == 0.0).all()
    assert (m.futility == 0.0).all()


def test_voice_under_nomination_is_futile(tiny, rng):
    m = tiny.members
    _setup(tiny, NOMINATION)
    in_cell = m.present & (m.cell == CELL)
    m.voicing[in_cell] = True
    count = m.voice_count.copy()
    accountability.step(tiny, P, rng)
    assert (m.futility[in_cell] == 1.0).all()
    assert (m.success == 0.0).all()
    np.testing.assert_array_equal(m.voice_count[in_cell], count[in_cell] + 1)
    np.testing.assert_array_equal(m.voice_count[~in_cell], count[~in_cell])
