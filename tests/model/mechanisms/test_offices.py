"""Filling and vacating offices: electorates pick the capable, superiors the quiet, lots anyone."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from support import small_world
from thermidor.model.mechanisms.offices import (
    CANDIDATES,
    _best_per_group,
    _pick_promotions,
    _pick_shortlists,
    _score32,
    close_cases,
    fill_vacancies,
    selection_score,
    vacate,
)
from thermidor.model.state import ELECTION, HOLDER, MEMBER, NOMINATION, SORTITION, STAFF, World

unit = st.floats(0.0, 1.0)


def score1(rule: int, capacity=0.5, activity=0.5, identification=0.5, opposition=0.0) -> float:
    return float(
        selection_score(
            np.array([rule]),
            np.array([capacity]),
            np.array([activity]),
            np.array([identification]),
            np.array([opposition]),
            np.zeros(1),
        )[0]
    )


# --- selection_score ------------------------------------------------------------------------


@given(a=unit, b=unit, other=unit)
def test_an_electorate_prefers_the_capable_active_and_loyal_to_the_class(a, b, other):
    low, high = sorted((a, b))
    assert score1(ELECTION, capacity=high) >= score1(ELECTION, capacity=low)
    assert score1(ELECTION, activity=high) >= score1(ELECTION, activity=low)
    assert score1(ELECTION, identification=high) >= score1(ELECTION, identification=low)
    del other


@given(a=unit, b=unit)
def test_a_superior_prefers_the_quiet_and_the_detached(a, b):
    low, high = sorted((a, b))
    assert score1(NOMINATION, activity=low) >= score1(NOMINATION, activity=high)
    assert score1(NOMINATION, identification=low) >= score1(NOMINATION, identification=high)


def test_rules_differ_in_what_they_reward():
    assert score1(ELECTION, activity=1.0) > score1(ELECTION, activity=0.0)
    assert score1(NOMINATION, activity=1.0) < score1(NOMINATION, activity=0.0)
    assert score1(NOMINATION, opposition=1.0) < score1(NOMINATION, opposition=0.0)
    assert score1(ELECTION, opposition=1.0) == score1(ELECTION, opposition=0.0)


@given(c=unit, a=unit, i=unit, o=st.sampled_from([0.0, 1.0]))
def test_a_lot_ignores_everything(c, a, i, o):
    assert score1(SORTITION, c, a, i, o) == 0.0


def test_noise_is_added():
    noise = np.array([0.0, 0.07])
    out = selection_score(
        np.array([SORTITION, SORTITION]), np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2), noise
    )
    np.testing.assert_allclose(out, noise)


# --- vacate ---------------------------------------------------------------------------------


def _open_cases(world: World, ids: np.ndarray) -> None:
    off = world.offices
    off.open_abuses[ids] = 2
    off.known_frac[ids] = 0.8
    off.known_age[ids] = 4


def test_vacate_frees_the_holder_and_keeps_the_record(tiny):
    m, off = tiny.members, tiny.offices
    ids = np.flatnonzero(off.holder >= 0)[:5]
    holders = off.holder[ids].copy()
    _open_cases(tiny, ids)
    off.tenure[ids] = 9
    vacate(tiny, ids)
    assert (off.holder[ids] == -1).all()
    assert (m.role[holders] == MEMBER).all()
    assert (m.post[holders] == -1).all()
    assert (off.tenure[ids] == 0).all()
    # a removal is not an answer: the cases stay open and known
    assert (off.open_abuses[ids] == 2).all()
    np.testing.assert_allclose(off.known_frac[ids], 0.8)
    assert (off.known_age[ids] == 4).all()


def test_close_cases_answers_the_open_cases_and_nothing_else(tiny):
    off = tiny.offices
    ids = np.flatnonzero(off.holder >= 0)[:5]
    others = np.flatnonzero(off.holder >= 0)[5:9]
    _open_cases(tiny, np.concatenate([ids, others]))
    holders = off.holder.copy()
    close_cases(tiny, ids)
    assert (off.open_abuses[ids] == 0).all()
    assert (off.known_frac[ids] == 0.0).all()
    assert (off.known_age[ids] == 0).all()
    assert (off.open_abuses[others] == 2).all()
    assert (off.known_age[others] == 4).all()
    np.testing.assert_array_equal(off.holder, holders)  # closing cases removes nobody


def test_a_successor_inherits_the_open_cases(tiny, rng):
    off = tiny.offices
    office = int(off.tree.bottom_of[1, 2])
    _open_cases(tiny, np.array([office]))
    old = int(off.holder[office])
    vacate(tiny, np.array([office]))
    fill_vacancies(tiny, rng)
    assert off.holder[office] >= 0
    assert off.holder[office] != old
    assert off.open_abuses[office] == 2
    assert off.known_age[office] == 4


def test_a_promotion_leaves_the_cases_with_the_office_below(tiny, rng):
    off, tree = tiny.offices, tiny.offices.tree
    office = int(tree.parent[tree.bottom_of[0, 0]])
    children = np.flatnonzero(tree.parent == office)
    _open_cases(tiny, children)
    off.open_abuses[office] = 0
    vacate(tiny, np.array([office]))
    fill_vacancies(tiny, rng)
    assert off.holder[office] >= 0
    assert off.open_abuses[office] == 0  # the promoted holder brings no case up
    assert (off.open_abuses[children] == 2).all()
    assert (off.known_age[children] == 4).all()


def test_vacating_a_vacant_office_touches_nobody(tiny):
    m, off = tiny.members, tiny.offices
    office = int(np.flatnonzero(off.holder >= 0)[0])
    vacate(tiny, np.array([office]))
    role, post = m.role.copy(), m.post.copy()
    vacate(tiny, np.array([office]))
    np.testing.assert_array_equal(m.role, role)
    np.testing.assert_array_equal(m.post, post)


# --- fill_vacancies -------------------------------------------------------------------------


def _check_consistent(world: World) -> None:
    m, off, tree = world.members, world.offices, world.offices.tree
    occupied = np.flatnonzero(off.holder >= 0)
    holders = off.holder[occupied]
    assert np.unique(holders).size == holders.size  # nobody holds two offices
    assert m.present[holders].all()
    assert (m.role[holders] == HOLDER).all()
    np.testing.assert_array_equal(m.post[holders], occupied)
    assert (m.role == HOLDER).sum() == holders.size
    bottom = occupied[tree.cell[occupied] >= 0]
    np.testing.assert_array_equal(m.cell[off.holder[bottom]], tree.cell[bottom])


def test_the_built_world_is_consistent_and_full(tiny):
    _check_consistent(tiny)
    assert (tiny.offices.holder >= 0).all()


def test_fill_refills_every_office_after_a_clean_sweep(tiny, rng):
    off = tiny.offices
    vacate(tiny, np.arange(off.size))
    assert (off.holder < 0).all()
    for _ in range(off.tree.depth + 2):
        fill_vacancies(tiny, rng)
    _check_consistent(tiny)
    assert (off.holder >= 0).all()


def test_fill_promotes_into_higher_offices_and_refills_below(tiny, rng):
    m, off, tree = tiny.members, tiny.offices, tiny.offices.tree
    top = int(np.flatnonzero((tree.level == 0) & (tree.branch == 0))[0])
    children = np.flatnonzero(tree.parent == top)
    child_holders = set(off.holder[children].tolist())
    vacate(tiny, np.array([top]))
    fill_vacancies(tiny, rng)
    assert int(off.holder[top]) in child_holders
    _check_consistent(tiny)
    del m


def test_new_holders_start_a_term_with_honest_figures(tiny, rng):
    off = tiny.offices
    office = int(off.tree.bottom_of[0, 2])
    vacate(tiny, np.array([office]))
    off.inflation[office] = 3.0
    off.term_left[office] = -4
    fill_vacancies(tiny, rng)
    assert off.holder[office] >= 0
    assert off.tenure[office] == 0
    assert off.inflation[office] == 1.0
    assert off.term_left[office] == off.term[office]


def test_holders_of_party_offices_join_the_party(tiny, rng):
    m, off = tiny.members, tiny.offices
    party_offices = np.flatnonzero(off.tree.branch == tiny.party_branch)
    m.party[:] = False
    vacate(tiny, party_offices)
    for _ in range(off.tree.depth + 2):
        fill_vacancies(tiny, rng)
    assert m.party[off.holder[party_offices]].all()


def test_staff_and_absent_members_are_not_candidates(tiny, rng):
    m, off, tree = tiny.members, tiny.offices, tiny.offices.tree
    bottom = tree.bottom_of.ravel()
    absent = np.flatnonzero(m.present & (m.role == MEMBER))[::2]
    m.present[absent] = False
    staff = np.flatnonzero(m.role == STAFF)
    vacate(tiny, bottom)
    for _ in range(3):
        fill_vacancies(tiny, rng)
    holders = off.holder[bottom]
    holders = holders[holders >= 0]
    assert not np.isin(holders, absent).any()
    assert not np.isin(holders, staff).any()


def _bottom_picks(rule: int, seed: int) -> tuple[float, float]:
    """Mean activity and capacity of the members filling every bottom office under ``rule``."""
    world = small_world("meta.members=500", seed=seed)
    m, off, tree = world.members, world.offices, world.offices.tree
    bottom = tree.bottom_of.ravel()
    off.rule[:] = rule
    vacate(world, bottom)
    fill_vacancies(world, np.random.default_rng(seed))
    chosen = off.holder[bottom]
    chosen = chosen[chosen >= 0]
    return float(m.activity[chosen].mean()), float(m.capacity[chosen].mean())


def test_elected_bottom_holders_are_more_active_than_nominated_ones():
    elected = np.array([_bottom_picks(ELECTION, s) for s in range(3)]).mean(axis=0)
    nominated = np.array([_bottom_picks(NOMINATION, s) for s in range(3)]).mean(axis=0)
    drawn = np.array([_bottom_picks(SORTITION, s) for s in range(3)]).mean(axis=0)
    assert elected[0] > drawn[0] + 0.05 > nominated[0] + 0.1  # activity
    assert elected[1] > nominated[1]  # capacity


def _promotion(world: World, rule: int) -> tuple[int, np.ndarray]:
    """A vacant middle office of branch 0 with identical candidates below it."""
    m, off, tree = world.members, world.offices, world.offices.tree
    office = int(tree.parent[tree.bottom_of[0, 0]])
    children = np.flatnonzero(tree.parent == office)
    off.rule[office] = rule
    vacate(world, np.array([office]))
    cand = off.holder[children]
    m.capacity[cand] = 0.5
    m.activity[cand] = 0.5
    m.identification[cand] = 0.5
    m.opposition[cand] = False
    off.inflation[children] = 1.0
    return office, children


def test_a_superior_promotes_the_best_reporter(tiny, rng):
    off = tiny.offices
    office, children = _promotion(tiny, NOMINATION)
    star = children[3]
    off.inflation[star] = 10.0
    expected = int(off.holder[star])
    fill_vacancies(tiny, rng)
    assert off.holder[office] == expected


def test_an_electorate_ignores_reports_and_promotes_the_capable(tiny, rng):
    m, off = tiny.members, tiny.offices
    office, children = _promotion(tiny, ELECTION)
    off.inflation[children[3]] = 10.0
    able = children[1]
    m.capacity[off.holder[able]] = 1.0
    expected = int(off.holder[able])
    fill_vacancies(tiny, rng)
    assert off.holder[office] == expected


def test_a_superior_passes_over_the_opposition(tiny, rng):
    m, off = tiny.members, tiny.offices
    office, children = _promotion(tiny, NOMINATION)
    m.opposition[off.holder[children]] = True
    quiet = children[2]
    m.opposition[off.holder[quiet]] = False
    expected = int(off.holder[quiet])
    fill_vacancies(tiny, rng)
    assert off.holder[office] == expected


@pytest.mark.parametrize("seed", range(5))
def test_best_per_group_is_the_first_best_valid_candidate_of_each_shortlist(seed):
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.sort(rng.choice(1000, 60, replace=False)), rng.integers(1, 8, 60))
    score = rng.integers(0, 4, groups.size).astype(float)  # ties on purpose
    valid = rng.random(groups.size) < 0.7
    idx = np.flatnonzero(valid)
    order = idx[np.lexsort((-score[idx], groups[idx]))]  # stable: the first of equals
    first = np.ones(order.size, dtype=bool)
    first[1:] = groups[order][1:] != groups[order][:-1]
    np.testing.assert_array_equal(_best_per_group(groups, score, valid), order[first])


@pytest.mark.parametrize("seed", range(4))
def test_compiled_picks_follow_the_selection_score(seed):
    """The compiled shortlist and promotion picks choose as ``selection_score`` and
    ``_best_per_group`` do on the same float32 state and draws (bit for bit)."""
    rng = np.random.default_rng(seed)
    n, n_offices, cells = 400, 60, 10
    capacity, activity, identification = rng.random((3, n), dtype=np.float32)
    opposition = rng.random(n) < 0.3
    rule = rng.integers(0, 3, n_offices).astype(np.int8)
    group = np.repeat(np.sort(rng.choice(n_offices, 12, replace=False)), rng.integers(1, 6, 12))
    child = rng.integers(0, n_offices, group.size)
    holder = np.where(rng.random(n_offices) < 0.8, rng.integers(0, n, n_offices), -1)
    noise, bonus = 0.1 * rng.random(group.size), rng.random(group.size).astype(np.float32)

    cand = holder[child]
    safe = np.maximum(cand, 0)
    score = selection_score(
        rule[group],
        capacity[safe],
        activity[safe],
        identification[safe],
        opposition[safe].astype(np.float32),
        noise,
    )
    score = np.where(rule[group] == NOMINATION, score + bonus, score)
    expected = _best_per_group(group, score, cand >= 0)
    got = _pick_promotions(
        group, child, holder, rule, capacity, activity, identification, opposition, noise, bonus
    )
    np.testing.assert_array_equal(got, expected)

    vacant = np.sort(rng.choice(n_offices, 8, replace=False))
    cell_start = np.linspace(0, n, cells + 1).astype(np.int64)
    cell_start[4] = cell_start[3]  # an empty cell
    # the rows of members arrived so far: three quarters of each cell (slots to come are last)
    cell_stop = cell_start[:-1] + np.diff(cell_start) * 3 // 4
    cell = rng.integers(0, cells, vacant.size)
    draws, noise = rng.random((vacant.size, CANDIDATES)), 0.1 * rng.random(vacant.size * CANDIDATES)
    present, expelled = rng.random(n) < 0.9, rng.random(n) < 0.2
    role = rng.integers(0, 3, n).astype(np.int8)
    branch = rng.integers(0, 3, n_offices)
    lo, hi = cell_start[cell][:, None], cell_stop[cell][:, None]
    cand = np.maximum(np.minimum(lo + (draws * (hi - lo)).astype(np.int64), hi - 1), 0).ravel()
    group = np.repeat(vacant, CANDIDATES)
    valid = (hi > lo).repeat(CANDIDATES) & present[cand] & (role[cand] == MEMBER)
    valid &= ~(expelled[cand] & (branch[group] == 1))
    score = selection_score(
        rule[group],
        capacity[cand],
        activity[cand],
        identification[cand],
        opposition[cand].astype(np.float32),
        noise,
    )
    got_cand, got_best = _pick_shortlists(
        vacant, cell, cell_start, cell_stop, draws, noise, present, role, expelled,
        capacity, activity, identification, opposition, rule, branch, 1,
    )  # fmt: skip
    np.testing.assert_array_equal(got_cand, cand)
    np.testing.assert_array_equal(got_best, _best_per_group(group, score, valid))


def test_the_compiled_score_is_the_selection_score_in_float32():
    rng = np.random.default_rng(3)
    n = 300
    rule = rng.integers(0, 3, n).astype(np.int8)
    capacity, activity, identification = rng.random((3, n), dtype=np.float32)
    opposition = rng.random(n) < 0.5
    expected = selection_score(
        rule, capacity, activity, identification, opposition.astype(np.float32), np.zeros(n)
    )
    got = [
        float(_score32(rule[i], capacity[i], activity[i], identification[i], opposition[i]))
        for i in range(n)
    ]
    np.testing.assert_array_equal(got, expected)
