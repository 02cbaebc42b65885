"""Filling and vacating offices: the selection rules every mechanism shares.

Letter: the Jacobins' "gradual elimination of the elective principle and its
replacement by the principle of nominations". Who fills a vacancy depends on
the rule: an electorate picks the committed and capable; a superior picks the
quiet and the loyal (and, for promotions, those whose reports look best); a
lot picks anyone.

Against a purge alone: "This bureaucracy will not change merely because it is
submitted to a cleansing". An office's open abuse cases are the record of the
office, not of the person: removing a holder (a purge, a promotion, an audit,
repression, the end of a lot's term) leaves them open, known to whoever knew,
and the successor inherits them with the apparatus' impunity. Only a sanction
under the office's own rule answers a case and closes it (``close_cases``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from thermidor.model.state import ELECTION, HOLDER, MEMBER, NOMINATION

if TYPE_CHECKING:
    from thermidor.model.state import World

CANDIDATES = 5  # members considered for a bottom vacancy (a workplace meeting's shortlist)


def selection_score(
    rule: np.ndarray,
    capacity: np.ndarray,
    activity: np.ndarray,
    identification: np.ndarray,
    opposition: np.ndarray,
    noise: np.ndarray,
) -> np.ndarray:
    """How attractive each candidate is to whoever fills the office under its rule."""
    elected = capacity + activity + identification
    nominated = 0.5 * capacity + (1.0 - activity) + 0.5 * (1.0 - identification) - opposition
    score = np.where(rule == ELECTION, elected, np.where(rule == NOMINATION, nominated, 0.0))
    return score + noise


@numba.njit(cache=True, nogil=True, inline="always")
def _score32(
    rule: int, capacity: np.float32, activity: np.float32, identification: np.float32, opposed: bool
) -> np.float32:
    """``selection_score`` of one candidate with float32 state, as numpy computes it (float32
    throughout; the noise is added by the caller). A test keeps the two equal."""
    one, half = np.float32(1.0), np.float32(0.5)
    if rule == ELECTION:
        return capacity + activity + identification
    if rule == NOMINATION:
        return (
            half * capacity + (one - activity) + half * (one - identification) - np.float32(opposed)
        )
    return np.float32(0.0)


def vacate(world: World, ids: np.ndarray) -> None:
    """Remove the holders of ``ids``. The offices' open abuse cases stay open: a removal
    is not an answer to them (``close_cases`` is)."""
    off, m = world.offices, world.members
    ids = ids[off.holder[ids] >= 0]
    holders = off.holder[ids]
    m.role[holders] = MEMBER
    m.post[holders] = -1
    off.holder[ids] = -1
    off.tenure[ids] = 0


def close_cases(world: World, ids: np.ndarray) -> None:
    """Close the open abuse cases of ``ids``: their holders were sanctioned for them. What
    constituents knew of them lapses at the next knowledge step."""
    off = world.offices
    off.open_abuses[ids] = 0
    off.known_frac[ids] = 0.0
    off.known_age[ids] = 0


def _install(world: World, ids: np.ndarray, members: np.ndarray) -> None:
    """Seat ``members`` in ``ids``: a new term and the holder's own honest figures; the
    office's open cases are inherited."""
    off, m = world.offices, world.members
    off.holder[ids] = members
    off.tenure[ids] = 0
    off.term_left[ids] = off.term[ids]
    off.inflation[ids] = 1.0
    m.role[members] = HOLDER
    m.post[members] = ids
    m.party[members] |= world.offices.tree.branch[ids] == world.party_branch


@numba.njit(cache=True, nogil=True)
def _best_per_group(groups: np.ndarray, score: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Index (into the candidate arrays) of the best valid candidate of each group, the
    first of equals; ``groups`` comes in contiguous runs (each vacancy's shortlist)."""
    out = np.empty(groups.size, dtype=np.int64)
    k = 0
    best = -1
    for j in range(groups.size):
        if j > 0 and groups[j] != groups[j - 1] and best >= 0:
            out[k] = best
            k += 1
            best = -1
        if valid[j] and (best < 0 or score[j] > score[best]):
            best = j
    if best >= 0:
        out[k] = best
        k += 1
    return out[:k]


@numba.njit(cache=True, nogil=True)
def _pick_promotions(
    group: np.ndarray,
    child: np.ndarray,
    holder: np.ndarray,
    rule: np.ndarray,
    capacity: np.ndarray,
    activity: np.ndarray,
    identification: np.ndarray,
    opposition: np.ndarray,
    noise: np.ndarray,
    bonus: np.ndarray,
) -> np.ndarray:
    """``_best_per_group`` of the holders of ``child`` offices as candidates for their parent
    ``group``: ``selection_score`` plus, under nomination, the ``bonus`` of good reports."""
    score = np.empty(group.size)
    valid = np.empty(group.size, dtype=np.bool_)
    for j in range(group.size):
        cand = holder[child[j]]
        valid[j] = cand >= 0
        i = max(cand, 0)
        r = rule[group[j]]
        score[j] = (
            np.float64(_score32(r, capacity[i], activity[i], identification[i], opposition[i]))
            + noise[j]
        )
        if r == NOMINATION:
            score[j] += bonus[j]
    return _best_per_group(group, score, valid)


@numba.njit(cache=True, nogil=True)
def _pick_shortlists(
    vacant: np.ndarray,
    cells: np.ndarray,
    cell_start: np.ndarray,
    cell_stop: np.ndarray,
    draws: np.ndarray,
    noise: np.ndarray,
    present: np.ndarray,
    role: np.ndarray,
    expelled: np.ndarray,
    capacity: np.ndarray,
    activity: np.ndarray,
    identification: np.ndarray,
    opposition: np.ndarray,
    rule: np.ndarray,
    branch: np.ndarray,
    party_branch: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each vacancy's shortlist (``draws`` pick ``CANDIDATES`` of its cell's rows arrived so
    far, ``cell_start[c]:cell_stop[c]``) and
    ``_best_per_group`` of it: the candidates, and the index of each vacancy's pick."""
    n_candidates = draws.shape[1]
    cand = np.empty(vacant.size * n_candidates, dtype=np.int64)
    group = np.empty(cand.size, dtype=np.int64)
    score = np.empty(cand.size)
    valid = np.empty(cand.size, dtype=np.bool_)
    for v in range(vacant.size):
        lo, hi = cell_start[cells[v]], cell_stop[cells[v]]
        office = vacant[v]
        party_office = branch[office] == party_branch
        for k in range(n_candidates):
            j = v * n_candidates + k
            i = max(min(lo + np.int64(draws[v, k] * (hi - lo)), hi - 1), 0)
            cand[j] = i
            group[j] = office
            valid[j] = (
                hi > lo and present[i] and role[i] == MEMBER and not (expelled[i] and party_office)
            )
            score[j] = (
                np.float64(
                    _score32(
                        rule[office], capacity[i], activity[i], identification[i], opposition[i]
                    )
                )
                + noise[j]
            )
    return cand, _best_per_group(group, score, valid)


def _fill_upper(world: World, vacant: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Promote a holder of a child office into each vacant higher office; returns the child
    offices so vacated."""
    off, m = world.offices, world.members
    start, order = world.child_start, world.child_order
    counts = start[vacant + 1] - start[vacant]
    group = np.repeat(vacant, counts)
    offsets = np.arange(group.size) - np.repeat(np.cumsum(counts) - counts, counts)
    child = order[np.repeat(start[vacant], counts) + offsets]
    noise = 0.1 * rng.random(group.size)
    reported_bonus = np.log(np.maximum(off.inflation[child], 1.0))  # superiors read reports
    best = _pick_promotions(
        group,
        child,
        off.holder,
        off.rule,
        m.capacity,
        m.activity,
        m.identification,
        m.opposition,
        noise,
        reported_bonus,
    )
    if best.size == 0:
        return best
    chosen_child, targets = child[best], group[best]
    members = off.holder[chosen_child]
    off.holder[chosen_child] = -1  # its open cases stay with the office below
    off.tenure[chosen_child] = 0
    _install(world, targets, members)
    return chosen_child


def _fill_bottom(world: World, vacant: np.ndarray, rng: np.random.Generator) -> None:
    """Fill vacant bottom offices from a shortlist of members of their cell (slots are
    numbered by cell, so a cell's members are a range of rows)."""
    off, m = world.offices, world.members
    draws = rng.random((vacant.size, CANDIDATES))
    noise = 0.1 * rng.random(vacant.size * CANDIDATES)
    cand, best = _pick_shortlists(
        vacant,
        off.tree.cell[vacant],
        world.cell_start,
        world.cell_stop,
        draws,
        noise,
        m.present,
        m.role,
        m.expelled,
        m.capacity,
        m.activity,
        m.identification,
        m.opposition,
        off.rule,
        off.tree.branch,
        world.party_branch,
    )
    if best.size == 0:
        return
    # one member may top two shortlists of one cell (three branches): keep the first
    members, first = np.unique(cand[best], return_index=True)
    _install(world, np.repeat(vacant, CANDIDATES)[best][first], members)


def fill_vacancies(world: World, rng: np.random.Generator) -> None:
    """Fill every vacant office, top level first, so promotions cascade downward."""
    off = world.offices
    tree = off.tree
    # found once: later vacancies are only the offices whose holders were promoted
    vacant = np.flatnonzero(off.holder < 0)
    for depth in range(tree.depth):
        if vacant.size == 0:
            return
        here = vacant[tree.level[vacant] == depth]
        if here.size == 0:
            continue
        if depth < tree.depth - 1:
            vacant = np.union1d(vacant, _fill_upper(world, here, rng))
        else:
            _fill_bottom(world, here, rng)
