"""The Rakovsky model's compiled passes over its own columns: voice, knowledge, censuses.

They read the model's roles and columns (``role == 0`` is a rank-and-file member, see
``model.state``), which is why they live here and not in the generic engine. The thread
rules of ``engine.kernels`` apply: per-cell work over each cell's contiguous rows, float
sums over fixed chunks added in order, the state census in fixed point.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np
from numba import prange

from thermidor.engine.blocks import block_count, block_rows
from thermidor.engine.kernels import (
    CENSUS_UNIT,
    CHUNKS,
    HISTOGRAM_CHUNKS,
    chunk_rows,
    fixed_units,
    neighbour_share,
)
from thermidor.engine.rng import counter_uniform

if TYPE_CHECKING:
    from thermidor.model.state import World


@numba.njit(cache=True, nogil=True, parallel=True)
def voice_round(
    spoke: np.ndarray,
    degree: np.ndarray,
    present: np.ndarray,
    knows: np.ndarray,
    role: np.ndarray,
    activity: np.ndarray,
    hardship: np.ndarray,
    heard: np.ndarray,
    fear: np.ndarray,
    threshold: np.ndarray,
    opposition: np.ndarray,
    coef: np.ndarray,
) -> np.ndarray:
    """Who speaks this step (from who spoke last step: ``spoke`` counts each member's
    neighbours who did), as ``voice.speaks`` on ``net_motive``.

    ``coef`` = (abuse grievance, hardship grievance, fear weight, opposition motive, scandal
    grievance). What one has heard of abuses elsewhere adds to the grievance, never to the
    cause: only an abuse of one's own offices (or the opposition's programme) is spoken of.
    """
    n = present.size
    out = np.zeros(n, dtype=np.bool_)
    hardship_w = np.float32(coef[1])
    fear_w = np.float32(coef[2])
    heard_w = np.float32(coef[4])
    for i in prange(n):
        if not present[i]:
            continue
        knows_any = knows[i] > 0
        if (knows_any or opposition[i]) and role[i] == 0:
            grievance = (
                coef[0] * knows_any
                + np.float64(hardship_w * hardship[i])
                + np.float64(heard_w * heard[i])
            )
            motive = np.float32(
                activity[i] * min(grievance, 1.0)
                - np.float64(fear_w * fear[i])
                + coef[3] * opposition[i]
            )
            if motive > 0.0:
                share = neighbour_share(spoke[i], degree[i])
                out[i] = share + motive >= threshold[i]
    return out


@numba.njit(cache=True, nogil=True, parallel=True)
def opposition_round(
    opposed: np.ndarray,
    degree: np.ndarray,
    present: np.ndarray,
    cell: np.ndarray,
    serial: np.ndarray,
    knows: np.ndarray,
    standing: np.ndarray,
    role: np.ndarray,
    activity: np.ndarray,
    heard: np.ndarray,
    fear: np.ndarray,
    voice_count: np.ndarray,
    success: np.ndarray,
    opposition: np.ndarray,
    key: np.uint64,
    coef: np.ndarray,
) -> None:
    """Who joins and who leaves the opposition, in place, as ``voice.join_probability`` and
    ``voice.leave_probability``.

    ``opposed`` counts each member's neighbours present and in the opposition at the start of
    the step: the neighbours' example is read from it, so every member decides on the same
    state whatever the thread order. ``standing[c]`` holds a bit per branch whose
    office in cell c has an abuse widely known and unsanctioned. Member i's draw is
    ``counter_uniform(key, serial[i])``. ``coef`` = (scandal grievance, futile voices,
    futility weight, contagion, fear weight, join rate, leave by fear, leave with no cause,
    leave on success).
    """
    heard_w, futile_voices, futility_w = coef[0], coef[1], coef[2]
    contagion, fear_w, join_rate = coef[3], coef[4], coef[5]
    leave_fear, leave_idle, leave_success = coef[6], coef[7], coef[8]
    for i in prange(present.size):
        if not present[i]:
            continue
        u = np.float64(counter_uniform(key, serial[i]))
        unpunished = 1.0 if (knows[i] & standing[cell[i]]) != 0 else 0.0
        known = min(unpunished + heard_w * np.float64(heard[i]), 1.0)
        futile = min(np.float64(voice_count[i]) / futile_voices, 1.0)
        cause = min(known + futility_w * futile, 1.0)
        if opposition[i]:
            leave = (
                leave_fear * np.float64(fear[i])
                + leave_idle * (1.0 - cause)
                + leave_success * success[i]
            )
            if u < leave:
                opposition[i] = False
            continue
        if role[i] != 0:
            continue  # the apparatus does not join the opposition
        if cause <= 0.0:
            continue
        share = np.float64(neighbour_share(opposed[i], degree[i]))
        drive = min(cause * (np.float64(activity[i]) + contagion * share), 1.0)
        held = max(1.0 - fear_w * np.float64(fear[i]), 0.0)
        if u < join_rate * drive * held:
            opposition[i] = True


@numba.njit(cache=True, nogil=True, parallel=True)
def hear_scandals(
    cell: np.ndarray,
    present: np.ndarray,
    serial: np.ndarray,
    told: np.ndarray,
    elsewhere: np.ndarray,
    heard: np.ndarray,
    key: np.uint64,
    unread: float,
    untold: float,
    fade: float,
) -> None:
    """In place, for those present: ``heard`` fades by ``fade``, or is set to 1 by one who
    hears of a scandal beyond the cell, with probability 1 - ``unread`` ** ``elsewhere[cell]``
    x ``untold`` ** ``told[i]`` (its neighbours in other cells who tell of one, kept by
    ``engine.kernels.recount_flagged``), as ``knowledge.hearing_probability``.
    Member i's draw is ``counter_uniform(key, serial[i])``."""
    keep = np.float32(1.0 - fade)
    # the powers, once per cell and per count of tellers rather than once per member
    unread_in = np.empty(elsewhere.size)
    for c in range(elsewhere.size):
        unread_in[c] = unread ** elsewhere[c]
    most = 0
    for i in range(told.size):
        most = max(most, told[i])
    untold_by = np.empty(most + 1)
    for t in range(most + 1):
        untold_by[t] = untold ** told.dtype.type(t)
    for i in prange(present.size):
        if not present[i]:
            continue
        c = cell[i]
        tellers = told[i]
        stay = unread_in[c] * untold_by[tellers]
        if tellers + elsewhere[c] > 0 and counter_uniform(key, serial[i]) < 1.0 - stay:
            heard[i] = np.float32(1.0)
        else:
            heard[i] = heard[i] * keep


@numba.njit(cache=True, nogil=True, parallel=True)
def lapse_knowledge(
    cell_start: np.ndarray,
    present: np.ndarray,
    knows: np.ndarray,
    open_bits: np.ndarray,
    n_bits: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Knowledge of closed cases lapses (``knows`` masked in place by the open bits of one's
    cell, members of cell c being rows ``cell_start[c]:cell_start[c + 1]``). Returns each
    member's open bits (0 for the absent), and per cell the members present (column 0, left
    0 where no case is open: nobody there knows of anything) and those who still know of
    each bit (column 1 + bit)."""
    n_cells = open_bits.size
    relevant = np.zeros(present.size, dtype=np.uint8)
    counts = np.zeros((n_cells, n_bits + 1), dtype=np.float64)
    for c in prange(n_cells):
        bits = open_bits[c]
        for i in range(cell_start[c], cell_start[c + 1]):
            if not present[i] or bits == 0:
                if knows[i]:
                    knows[i] = 0
                continue
            counts[c, 0] += 1.0
            relevant[i] = bits
            value = knows[i] & bits
            knows[i] = value
            if value:
                for b in range(n_bits):
                    if (value >> b) & 1:
                        counts[c, 1 + b] += 1.0
    return relevant, counts


@numba.njit(cache=True, nogil=True, parallel=True)
def spread_knowledge(
    indptr: np.ndarray,
    indices: np.ndarray,
    cell_start: np.ndarray,
    serial: np.ndarray,
    knows: np.ndarray,
    relevant: np.ndarray,
    key: np.uint64,
    unwitnessed: float,
    stay_by_tellers: np.ndarray,
    unread: float,
    counts: np.ndarray,
) -> None:
    """Members with ``relevant`` bits learn each one they do not know with probability
    1 - ``unwitnessed`` x ``stay_by_tellers[tellers]`` x ``unread``, as
    ``learning_probability`` (the chance to stay ignorant of each teller tabulated by count).

    Member i's draw for bit b is ``counter_uniform(key, 8 serial[i] + b)``: keyed by the order
    of arrival, not the row, so no later recruit (whose slot shifts rows) changes it. Tellers
    are workmates (same cell: ids within the cell's range) who knew at the start of the
    step; a cell's rows are all decided before any learns, as in a synchronous update (only
    workmates tell, so cells are independent). ``counts`` holds per cell (rows) how many present
    members know of each bit (column 1 + bit), as ``lapse_knowledge`` returns them: where
    no workmate knows, the neighbours are not read. What is learned is added to ``knows``
    and to ``counts``.
    """
    n_b = counts.shape[1] - 1
    n_cells = cell_start.size - 1
    gained = np.zeros(knows.size, dtype=np.uint8)
    told = np.zeros((n_cells, n_b), dtype=np.int64)  # a cell's scratch: tellers of each bit
    unseen = np.float32(unwitnessed)
    unheard = np.float32(unread)
    for c in prange(n_cells):
        if counts[c, 0] == 0.0:
            continue  # no open case, or nobody present
        lo, hi = cell_start[c], cell_start[c + 1]
        heard = 0  # the bits some workmate knows of
        for b in range(n_b):
            if counts[c, 1 + b] > 0.0:
                heard |= 1 << b
        for i in range(lo, hi):
            need = relevant[i] & ~knows[i]
            if need == 0:
                continue  # nothing to learn here
            for b in range(n_b):
                told[c, b] = 0
            if need & heard:
                for e in range(indptr[i], indptr[i + 1]):
                    j = indices[e]
                    if j < lo or j >= hi:
                        continue
                    value = knows[j] & need
                    if value:
                        for b in range(n_b):
                            told[c, b] += (value >> b) & 1
            bits = 0
            for b in range(n_b):
                if (need >> b) & 1:
                    p = np.float32(1.0) - unseen * stay_by_tellers[told[c, b]] * unheard
                    p = min(max(p, np.float32(0.0)), np.float32(1.0))
                    if counter_uniform(key, 8 * serial[i] + b) < p:
                        bits |= 1 << b
            gained[i] = bits
        for i in range(lo, hi):
            value = gained[i]
            if value:
                knows[i] |= value
                for b in range(n_b):
                    if (value >> b) & 1:
                        counts[c, 1 + b] += 1.0


@numba.njit(cache=True, nogil=True, parallel=True)
def cell_productivity(
    cell_start: np.ndarray, present: np.ndarray, capacity: np.ndarray, hardship: np.ndarray
) -> np.ndarray:
    """Per cell: mean over present members of (0.5 + 0.5 capacity)(1 - 0.5 hardship)."""
    n_cells = cell_start.size - 1
    out = np.zeros(n_cells)
    half = np.float32(0.5)
    for c in prange(n_cells):
        total = 0.0
        here = 0
        for i in range(cell_start[c], cell_start[c + 1]):
            if present[i]:
                total += (half + half * capacity[i]) * (np.float32(1.0) - half * hardship[i])
                here += 1
        if here > 0:
            out[c] = total / here
    return out


@numba.njit(cache=True, nogil=True, parallel=True)
def income_census(
    present: np.ndarray, role: np.ndarray, wage: np.ndarray, privilege: np.ndarray
) -> np.ndarray:
    """Over present members, income being wage x privilege (float32): [present, rank and
    file, their wage, their income, apparatus, its income, lowest income, highest income]."""
    n = present.size
    part = np.zeros((CHUNKS, 8))
    for k in prange(CHUNKS):
        start, stop = chunk_rows(n, k, CHUNKS)
        here = 0
        ranks = 0
        ranks_wage = 0.0
        ranks_income = 0.0
        apparatus_income = 0.0
        lo = np.inf
        hi = -np.inf
        for i in range(start, stop):
            if present[i]:
                here += 1
                income = wage[i] * privilege[i]
                lo = min(lo, income)
                hi = max(hi, income)
                if role[i] == 0:
                    ranks += 1
                    ranks_wage += wage[i]
                    ranks_income += income
                else:
                    apparatus_income += income
        part[k, 0] = here
        part[k, 1] = ranks
        part[k, 2] = ranks_wage
        part[k, 3] = ranks_income
        part[k, 5] = apparatus_income
        part[k, 6] = lo
        part[k, 7] = hi
    out = np.zeros(8)
    out[6] = np.inf
    out[7] = -np.inf
    for k in range(CHUNKS):
        for q in range(6):
            out[q] += part[k, q]
        out[6] = min(out[6], part[k, 6])
        out[7] = max(out[7], part[k, 7])
    out[4] = out[0] - out[1]
    return out


@numba.njit(cache=True, nogil=True, parallel=True)
def rank_and_file_wages(
    present: np.ndarray, role: np.ndarray, wage: np.ndarray
) -> tuple[int, float]:
    """Over present rank-and-file members: their number and their wage, summed as
    ``income_census`` sums them (its entries 1 and 2) without reading the privileges."""
    n = present.size
    part = np.zeros((CHUNKS, 2))
    for k in prange(CHUNKS):
        start, stop = chunk_rows(n, k, CHUNKS)
        ranks = 0
        ranks_wage = 0.0
        for i in range(start, stop):
            if present[i] and role[i] == 0:
                ranks += 1
                ranks_wage += wage[i]
        part[k, 0] = ranks
        part[k, 1] = ranks_wage
    ranks_total = 0.0
    wage_total = 0.0
    for k in range(CHUNKS):
        ranks_total += part[k, 0]
        wage_total += part[k, 1]
    return int(ranks_total), wage_total


@numba.njit(cache=True, nogil=True, error_model="numpy")
def census_rows(
    present: np.ndarray,
    activity: np.ndarray,
    capacity: np.ndarray,
    hardship: np.ndarray,
    fear: np.ndarray,
    legitimacy: np.ndarray,
    opposition: np.ndarray,
    mobilised: np.ndarray,
    sums: np.ndarray,
) -> None:
    """Add the census of these rows to ``sums`` (int64, the units of ``state_census``)."""
    one = np.float32(1.0)
    here = opposed = moved = act = cap = hard = afraid = legit = voice = np.int64(0)
    for i in range(present.size):
        w = np.int64(present[i])
        a, h, f = activity[i], hardship[i], fear[i]
        here += w
        act += w * fixed_units(a)
        cap += w * fixed_units(capacity[i])
        hard += w * fixed_units(h)
        afraid += w * fixed_units(f)
        legit += w * fixed_units(legitimacy[i])
        voice += w * fixed_units(a * (one - f) * (one - h))
        opposed += w * np.int64(opposition[i])
        moved += w * np.int64(mobilised[i])
    sums[0] += here
    sums[1] += act
    sums[2] += cap
    sums[3] += hard
    sums[4] += afraid
    sums[5] += legit
    sums[6] += voice
    sums[7] += opposed
    sums[8] += moved


@numba.njit(cache=True, nogil=True)
def census_total(part: np.ndarray) -> np.ndarray:
    """The census from per-block ``census_rows`` sums: counts as they are, the rest in 1s."""
    total = np.zeros(9, dtype=np.int64)
    for k in range(part.shape[0]):
        total += part[k]
    out = total.astype(np.float64)
    out[1:7] /= np.float64(CENSUS_UNIT)
    return out


@numba.njit(cache=True, nogil=True, parallel=True)
def state_census(
    present: np.ndarray,
    activity: np.ndarray,
    capacity: np.ndarray,
    hardship: np.ndarray,
    fear: np.ndarray,
    legitimacy: np.ndarray,
    opposition: np.ndarray,
    mobilised: np.ndarray,
) -> np.ndarray:
    """Sums over present members: [present, activity, capacity, hardship, fear,
    legitimacy, activity x (1 - fear) x (1 - hardship), opposition, mobilised], the
    state's sums exact to 2^-24 per member."""
    n = present.size
    part = np.zeros((block_count(n), 9), dtype=np.int64)
    for k in prange(block_count(n)):
        lo, hi = block_rows(n, k)
        census_rows(
            present[lo:hi],
            activity[lo:hi],
            capacity[lo:hi],
            hardship[lo:hi],
            fear[lo:hi],
            legitimacy[lo:hi],
            opposition[lo:hi],
            mobilised[lo:hi],
            part[k],
        )
    return census_total(part)


@numba.njit(cache=True, nogil=True, parallel=True)
def income_gini(
    present: np.ndarray, wage: np.ndarray, privilege: np.ndarray, census: np.ndarray, bins: int
) -> float:
    """``aggregate.binned_gini`` of the incomes (wage x privilege) of present members,
    given their ``income_census`` (count, total, lowest and highest income)."""
    n = census[0]
    total = census[3] + census[5]
    lo, hi = census[6], census[7]
    if n == 0 or hi <= lo or total <= 0.0:
        return 0.0
    size = present.size
    counts = np.zeros((HISTOGRAM_CHUNKS, bins))
    sums = np.zeros((HISTOGRAM_CHUNKS, bins))
    scale = bins / (hi - lo)
    for k in prange(HISTOGRAM_CHUNKS):
        start, stop = chunk_rows(size, k, HISTOGRAM_CHUNKS)
        for i in range(start, stop):
            if present[i]:
                v = wage[i] * privilege[i]
                b = min(int((v - lo) * scale), bins - 1)
                counts[k, b] += 1.0
                sums[k, b] += v
    area = 0.0
    running = 0.0
    prev = 0.0
    for b in range(bins):
        count = 0.0
        for k in range(HISTOGRAM_CHUNKS):
            count += counts[k, b]
            running += sums[k, b]
        cum = running / total
        area += (count / n) * (cum + prev) / 2.0
        prev = cum
    return max(0.0, min(1.0, 1.0 - 2.0 * area))


@numba.njit(cache=True, nogil=True, parallel=True)
def electorate_sums(
    cell_start: np.ndarray,
    cell_stop: np.ndarray,
    present: np.ndarray,
    party: np.ndarray,
    activity: np.ndarray,
    capacity: np.ndarray,
    fear: np.ndarray,
    voicing: np.ndarray,
) -> np.ndarray:
    """Per cell, over its members present (``out[c, 0]``) and its party members present
    (``out[c, 1]``): count, and the sums of activity x capacity, activity, fear, voicing.
    One pass over each cell's arrived rows: the census of the bottom electorates (the
    party's office is elected by party members only) that reporting and rules read."""
    out = np.zeros((cell_start.size - 1, 2, 5))
    for c in prange(cell_start.size - 1):
        for i in range(cell_start[c], cell_stop[c]):
            if not present[i]:
                continue
            a = np.float64(activity[i])
            organised = a * np.float64(capacity[i])
            afraid = np.float64(fear[i])
            spoke = 1.0 if voicing[i] else 0.0
            for g in range(2 if party[i] else 1):
                out[c, g, 0] += 1.0
                out[c, g, 1] += organised
                out[c, g, 2] += a
                out[c, g, 3] += afraid
                out[c, g, 4] += spoke
    return out


def bottom_electorates(world: World) -> np.ndarray:
    """Per office, ``electorate_sums`` of its bottom electorate (the present members of its
    cell; party members only for the party's office), shape (offices, 5); zeros for the
    higher offices, whose electors are the holders below."""
    m, tree = world.members, world.offices.tree
    cells = electorate_sums(
        world.cell_start,
        world.cell_stop,
        m.present,
        m.party,
        m.activity,
        m.capacity,
        m.fear,
        m.voicing,
    )
    out = np.zeros((world.offices.size, 5))
    for b in range(tree.bottom_of.shape[0]):  # a loop over branches, not members
        out[tree.bottom_of[b]] = cells[:, 1 if b == world.party_branch else 0]
    return out
