"""Filling and vacating offices: the selection rules every mechanism shares.

Letter: the Jacobins' "gradual elimination of the elective principle and its
replacement by the principle of nominations". Who fills a vacancy depends on
the rule: an electorate picks the committed and capable; a superior picks the
quiet and the loyal (and, for promotions, those whose reports look best); a
lot picks anyone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from thermidor.model.world import ELECTION, HOLDER, MEMBER, NOMINATION

if TYPE_CHECKING:
    from thermidor.model.world import World

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


def vacate(world: World, ids: np.ndarray) -> None:
    """Remove the holders of ``ids``; open abuse cases of those offices close."""
    off, m = world.offices, world.members
    ids = ids[off.holder[ids] >= 0]
    holders = off.holder[ids]
    m.role[holders] = MEMBER
    m.post[holders] = -1
    off.holder[ids] = -1
    off.open_abuses[ids] = 0
    off.known_frac[ids] = 0.0
    off.known_age[ids] = 0
    off.tenure[ids] = 0


def _install(world: World, ids: np.ndarray, members: np.ndarray) -> None:
    off, m = world.offices, world.members
    off.holder[ids] = members
    off.tenure[ids] = 0
    off.term_left[ids] = off.term[ids]
    off.open_abuses[ids] = 0
    off.known_frac[ids] = 0.0
    off.known_age[ids] = 0
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


def _fill_upper(world: World, vacant: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Promote a holder of a child office into each vacant higher office; returns the child
    offices so vacated."""
    off, m = world.offices, world.members
    start, order = world.child_start, world.child_order
    counts = start[vacant + 1] - start[vacant]
    group = np.repeat(vacant, counts)
    offsets = np.arange(group.size) - np.repeat(np.cumsum(counts) - counts, counts)
    child = order[np.repeat(start[vacant], counts) + offsets]
    cand = off.holder[child]
    valid = cand >= 0
    safe = np.where(valid, cand, 0)
    score = selection_score(
        off.rule[group],
        m.capacity[safe],
        m.activity[safe],
        m.identification[safe],
        m.opposition[safe].astype(np.float32),
        0.1 * rng.random(group.size),
    )
    reported_bonus = np.log(np.maximum(off.inflation[child], 1.0))  # superiors read reports
    score = np.where(off.rule[group] == NOMINATION, score + reported_bonus, score)
    best = _best_per_group(group, score, valid)
    if best.size == 0:
        return best
    chosen_child, targets, members = child[best], group[best], cand[best]
    off.holder[chosen_child] = -1
    off.open_abuses[chosen_child] = 0
    off.known_frac[chosen_child] = 0.0
    off.known_age[chosen_child] = 0
    off.tenure[chosen_child] = 0
    _install(world, targets, members)
    return chosen_child


def _fill_bottom(world: World, vacant: np.ndarray, rng: np.random.Generator) -> None:
    """Fill vacant bottom offices from a shortlist of members of their cell."""
    off, m = world.offices, world.members
    cells = off.tree.cell[vacant]
    size = world.cell_start[cells + 1] - world.cell_start[cells]
    draws = rng.random((vacant.size, CANDIDATES))
    pos = world.cell_start[cells][:, None] + (draws * size[:, None]).astype(np.int64)
    pos = np.minimum(pos, world.cell_start[cells + 1][:, None] - 1)
    cand = np.maximum(pos, 0).ravel()  # slots are numbered by cell
    group = np.repeat(vacant, CANDIDATES)
    valid = (size > 0).repeat(CANDIDATES) & m.present[cand] & (m.role[cand] == MEMBER)
    valid &= ~(m.expelled[cand] & (off.tree.branch[group] == world.party_branch))
    score = selection_score(
        off.rule[group],
        m.capacity[cand],
        m.activity[cand],
        m.identification[cand],
        m.opposition[cand].astype(np.float32),
        0.1 * rng.random(group.size),
    )
    best = _best_per_group(group, score, valid)
    if best.size == 0:
        return
    # one member may top two shortlists of one cell (three branches): keep the first
    members, first = np.unique(cand[best], return_index=True)
    _install(world, group[best][first], members)


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


def cell_opportunity(world: World) -> np.ndarray:
    """Per cell: share of the cell's local offices whose holders answer to members (float32)."""
    tree, rule = world.offices.tree, world.offices.rule
    answers_below = (rule[tree.bottom_of] != NOMINATION).mean(axis=0)  # per cell
    upper = tree.cell < 0
    upper_elective = float((rule[upper] == ELECTION).mean()) if upper.any() else 1.0
    return (answers_below * (0.5 + 0.5 * upper_elective)).astype(np.float32)


def opportunity(world: World) -> np.ndarray:
    """Per member: share of the member's local offices whose holders answer to members."""
    return cell_opportunity(world)[world.members.cell]
