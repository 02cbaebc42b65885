"""Knowledge: abuses are witnessed and told over the network; knowledge lapses when cases close."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from thermidor.model.mechanisms import knowledge
from thermidor.model.mechanisms.knowledge import (
    KnowledgeParams,
    hearing_probability,
    learning_probability,
)
from thermidor.model.state import World

P = KnowledgeParams()
unit = st.floats(0.0, 1.0)
params = st.builds(
    KnowledgeParams, witness=unit, tell=unit, press=unit, upward_witness=unit, widely_known=unit
)


def lp(k: float, transparency: float, params: KnowledgeParams = P) -> float:
    return float(learning_probability(np.array([k]), transparency, params)[0])


@given(k=st.integers(0, 200), transparency=unit, params=params)
def test_learning_probability_is_a_probability(k, transparency, params):
    assert 0.0 <= lp(k, transparency, params) <= 1.0


@given(k=st.integers(0, 50), transparency=unit, params=params)
def test_more_knowing_neighbours_never_lower_the_chance(k, transparency, params):
    assert lp(k + 1, transparency, params) >= lp(k, transparency, params) - 1e-6


@given(k=st.integers(0, 50), a=unit, b=unit, params=params)
def test_transparency_never_lowers_the_chance(k, a, b, params):
    low, high = sorted((a, b))
    assert lp(k, high, params) >= lp(k, low, params) - 1e-6


def test_learning_probability_values():
    assert lp(0, 0.0) == np.float32(P.witness)
    assert lp(2, 0.0) > lp(1, 0.0) > lp(0, 0.0)
    np.testing.assert_allclose(lp(1, 0.0), 1 - (1 - P.witness) * (1 - P.tell), rtol=1e-6)
    silent = KnowledgeParams(witness=0.0, tell=0.0, press=0.0)
    assert lp(10, 1.0, silent) == 0.0


# --- the step -------------------------------------------------------------------------------


def _open_branch(world: World, b: int) -> np.ndarray:
    bottom = world.offices.tree.bottom_of[b]
    world.offices.open_abuses[bottom] = 1
    return bottom


def _bit(world: World, b: int) -> np.ndarray:
    return ((world.members.knows >> b) & 1).astype(bool)


def _knowing_neighbours(world: World, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Per member: knowing neighbours in the same cell, and knowing neighbours anywhere."""
    net, m = world.network, world.members
    rows = np.repeat(np.arange(net.n), net.degree)
    knows = _bit(world, b)[net.indices]
    same = m.cell[rows] == m.cell[net.indices]
    return (
        np.bincount(rows, weights=knows & same, minlength=net.n),
        np.bincount(rows, weights=knows, minlength=net.n),
    )


def test_knowledge_spreads_over_network_edges(tiny):
    """A member with knowing workmates learns more often than one with no knowing neighbour."""
    m = tiny.members
    _open_branch(tiny, 0)
    tiny.policy.transparency = 0.0
    params = KnowledgeParams(witness=0.05, tell=0.3, press=0.0)
    rng = np.random.default_rng(3)
    learned_with = trials_with = learned_without = trials_without = 0
    present = np.flatnonzero(m.present)
    for _ in range(30):
        seeds = rng.choice(present, size=present.size // 10, replace=False)
        m.knows[:] = 0
        m.knows[seeds] = 1
        workmates, anyone = _knowing_neighbours(tiny, 0)
        ignorant = m.present & ~_bit(tiny, 0)
        knowledge.step(tiny, params, rng)
        now = _bit(tiny, 0)
        with_ = ignorant & (workmates > 0)
        without = ignorant & (anyone == 0)
        learned_with += int((now & with_).sum())
        trials_with += int(with_.sum())
        learned_without += int((now & without).sum())
        trials_without += int(without.sum())
    rate_with = learned_with / trials_with
    rate_without = learned_without / trials_without
    assert abs(rate_without - 0.05) < 0.02  # witness only
    assert rate_with > rate_without + 0.2


def test_only_neighbours_learn_by_being_told(tiny):
    """With witnessing and the press off, knowledge moves along edges only."""
    m, net = tiny.members, tiny.network
    _open_branch(tiny, 1)
    params = KnowledgeParams(witness=0.0, tell=1.0, press=0.0)
    seed = int(np.flatnonzero(m.present & (net.degree > 2))[0])
    m.knows[:] = 0
    m.knows[seed] = 0b010
    knowledge.step(tiny, params, np.random.default_rng(0))
    knowers = np.flatnonzero(_bit(tiny, 1))
    neighbours = net.indices[net.indptr[seed] : net.indptr[seed + 1]]
    workmates = neighbours[m.present[neighbours] & (m.cell[neighbours] == m.cell[seed])]
    assert workmates.size > 0
    assert np.isin(workmates, knowers).all()  # tell=1: every knowing workmate's contact learns
    assert np.isin(knowers, np.union1d([seed], neighbours)).all()  # nobody else does
    assert (m.knows[knowers] == 0b010).all()


def test_nothing_is_learned_without_an_open_abuse(tiny, rng):
    m = tiny.members
    m.knows[:] = 0
    tiny.policy.transparency = 1.0
    params = KnowledgeParams(witness=1.0, tell=1.0, press=1.0)
    knowledge.step(tiny, params, rng)
    assert m.knows.sum() == 0


def test_witnessing_reaches_only_the_abusing_offices_cell_and_branch(tiny, rng):
    m, tree = tiny.members, tiny.offices.tree
    tiny.offices.open_abuses[tree.bottom_of[2, 4]] = 1
    params = KnowledgeParams(witness=1.0)
    knowledge.step(tiny, params, rng)
    in_cell = m.present & (m.cell == 4)
    np.testing.assert_array_equal(m.knows[in_cell], 0b100)
    assert (m.knows[~in_cell] == 0).all()


def test_knowledge_lapses_when_the_case_closes(tiny, rng):
    m, off, tree = tiny.members, tiny.offices, tiny.offices.tree
    _open_branch(tiny, 0)
    _open_branch(tiny, 1)
    m.knows[m.present] = 0b011
    off.open_abuses[tree.bottom_of[0, 2]] = 0  # the case in cell 2, branch 0 is closed
    params = KnowledgeParams(witness=0.0, tell=0.0, press=0.0)
    knowledge.step(tiny, params, rng)
    in_cell = m.present & (m.cell == 2)
    np.testing.assert_array_equal(m.knows[in_cell], 0b010)
    np.testing.assert_array_equal(m.knows[m.present & ~in_cell], 0b011)
    assert off.known_frac[tree.bottom_of[0, 2]] == 0.0
    np.testing.assert_allclose(off.known_frac[tree.bottom_of[1]], 1.0)


def test_deported_members_do_not_keep_or_spread_knowledge(tiny, rng):
    m = tiny.members
    _open_branch(tiny, 0)
    gone = np.flatnonzero(m.present)[:20]
    m.present[gone] = False
    m.knows[gone] = 1
    knowledge.step(tiny, KnowledgeParams(witness=0.0, tell=1.0, press=0.0), rng)
    assert m.knows.sum() == 0


def test_known_fraction_is_the_share_of_present_cell_members_who_know(tiny, rng):
    m, off, tree = tiny.members, tiny.offices, tiny.offices.tree
    _open_branch(tiny, 0)
    cell = m.present & (m.cell == 5)
    members = np.flatnonzero(cell)
    m.knows[:] = 0
    m.knows[members[:10]] = 1
    knowledge.step(tiny, KnowledgeParams(witness=0.0, tell=0.0, press=0.0), rng)
    np.testing.assert_allclose(off.known_frac[tree.bottom_of[0, 5]], 10 / members.size, rtol=1e-6)
    assert off.known_frac[tree.bottom_of[0, 6]] == 0.0


def test_known_age_counts_steps_widely_known_and_resets(tiny, rng):
    m, off, tree = tiny.members, tiny.offices, tiny.offices.tree
    bottom = _open_branch(tiny, 0)
    m.knows[m.present] = 1
    quiet = KnowledgeParams(witness=0.0, tell=0.0, press=0.0)
    for age in (1, 2, 3):
        knowledge.step(tiny, quiet, rng)
        np.testing.assert_array_equal(off.known_age[bottom], age)
    assert (off.known_age[tree.bottom_of[1]] == 0).all()
    off.open_abuses[bottom[0]] = 0
    knowledge.step(tiny, quiet, rng)
    assert off.known_age[bottom[0]] == 0
    np.testing.assert_array_equal(off.known_age[bottom[1:]], 4)


def test_known_age_needs_a_majority_of_the_electorate(tiny, rng):
    m, off = tiny.members, tiny.offices
    bottom = _open_branch(tiny, 0)
    m.knows[:] = 0
    for c in range(tiny.n_cells):
        members = np.flatnonzero(m.present & (m.cell == c))
        m.knows[members[: members.size // 4]] = 1  # a quarter knows
    knowledge.step(tiny, KnowledgeParams(witness=0.0, tell=0.0, press=0.0), rng)
    assert (off.known_age[bottom] == 0).all()


def test_holders_below_witness_an_abuse_above(tiny, rng):
    off, tree = tiny.offices, tiny.offices.tree
    top = np.flatnonzero((tree.level == 0) & (tree.branch == 0))[0]
    off.open_abuses[top] = 1
    children = np.flatnonzero(tree.parent == top)
    knowledge.step(tiny, KnowledgeParams(upward_witness=1.0), rng)
    assert off.parent_known[children].all()
    np.testing.assert_allclose(off.known_frac[top], 1.0)
    others = (tree.parent >= 0) & (tree.parent != top)
    assert not off.parent_known[others].any()
    # the case closes: the holders below forget it
    off.open_abuses[top] = 0
    knowledge.step(tiny, KnowledgeParams(upward_witness=1.0), rng)
    assert not off.parent_known.any()
    assert off.known_frac[top] == 0.0


def test_upward_knowledge_is_not_witnessed_when_the_chance_is_zero(tiny, rng):
    off, tree = tiny.offices, tiny.offices.tree
    tiny.policy.transparency = 1.0
    off.open_abuses[tree.level == 0] = 1
    for _ in range(10):
        knowledge.step(tiny, KnowledgeParams(upward_witness=0.0), rng)
    assert not off.parent_known.any()


# --- scandals beyond the cell ---------------------------------------------------------------


@given(a=st.integers(0, 20), b=st.integers(0, 20), t=unit, params=params)
def test_hearing_is_a_probability_rising_with_scandals_and_tellers(a, b, t, params):
    lo, hi = sorted((a, b))
    p_lo = hearing_probability(np.array([lo]), np.array([lo]), t, params)[0]
    p_hi = hearing_probability(np.array([hi]), np.array([hi]), t, params)[0]
    assert 0.0 <= p_lo <= p_hi + 1e-12 <= 1.0 + 1e-12
    assert hearing_probability(np.array([0]), np.array([0]), t, params)[0] == 0.0


QUIET = KnowledgeParams(witness=0.0, tell=0.0, press=0.0, scandal_press=1.0, scandal_tell=0.0)


def _scandal_in_cell(world: World, cell: int, age: int) -> None:
    m, off, tree = world.members, world.offices, world.offices.tree
    office = tree.bottom_of[0, cell]
    off.open_abuses[office] = 1
    off.known_age[office] = age - 1  # the step adds one: everyone there knows of it
    m.knows[:] = 0
    m.knows[m.present & (m.cell == cell)] = 1
    m.heard[:] = 0.0


def _district(world: World, cell: int) -> np.ndarray:
    tree = world.offices.tree
    above = tree.parent[tree.bottom_of[0]]
    return np.flatnonzero(above == above[cell])


def test_a_scandal_is_read_of_in_the_cells_under_the_same_office(tiny, rng):
    m = tiny.members
    tiny.policy.transparency = 1.0
    _scandal_in_cell(tiny, 4, QUIET.scandal_after)
    knowledge.step(tiny, QUIET, rng)
    near = np.isin(m.cell, _district(tiny, 4)) & (m.cell != 4) & m.present
    far = ~np.isin(m.cell, _district(tiny, 4)) & m.present
    assert near.any()
    assert far.any()
    assert (m.heard[near] == 1.0).all()  # scandal_press 1 at full transparency
    assert (m.heard[far] == 0.0).all()
    assert (m.heard[m.cell == 4] == 0.0).all()  # its own cell knows it first hand
    assert (m.knows[near | far] == 0).all()  # heard of, never one's own office's abuse


def test_an_abuse_not_yet_a_scandal_stays_in_its_cell(tiny, rng):
    tiny.policy.transparency = 1.0
    _scandal_in_cell(tiny, 4, QUIET.scandal_after - 1)
    knowledge.step(tiny, QUIET, rng)
    assert (tiny.members.heard == 0.0).all()


def test_an_abuse_known_by_few_never_leaves_its_cell(tiny, rng):
    m = tiny.members
    tiny.policy.transparency = 1.0
    _scandal_in_cell(tiny, 4, 50)
    few = np.flatnonzero(m.present & (m.cell == 4))
    m.knows[few[few.size // 4 :]] = 0  # a quarter knows: not widely known
    params = QUIET.model_copy(update={"scandal_tell": 1.0})
    knowledge.step(tiny, params, rng)
    assert (m.heard == 0.0).all()


def test_ties_across_cells_carry_a_scandal_without_a_press(tiny, rng):
    m, net = tiny.members, tiny.network
    tiny.policy.transparency = 0.0
    _scandal_in_cell(tiny, 4, QUIET.scandal_after)
    params = QUIET.model_copy(update={"scandal_tell": 1.0})
    knowledge.step(tiny, params, rng)
    tellers = m.present & (m.cell == 4)
    rows = np.repeat(np.arange(net.n), net.degree)
    told = np.zeros(m.size, dtype=bool)
    told[rows[tellers[net.indices] & (m.cell[rows] != 4)]] = True
    told &= m.present
    assert told.any()
    np.testing.assert_array_equal(m.heard == 1.0, told)


def test_what_is_heard_fades(tiny, rng):
    m = tiny.members
    m.heard[:] = 1.0
    m.knows[:] = 0
    knowledge.step(tiny, QUIET, rng)
    np.testing.assert_allclose(m.heard[m.present], 1.0 - QUIET.heard_fade, rtol=1e-6)
