"""Compiled loops for the passes numpy cannot fuse: neighbour counts, cascades, member sweeps.

A masked neighbour count touches only the rows that need it (members with a
cause, cells with an open abuse), which a sparse mat-vec cannot do, and reads
one byte per neighbour instead of a float and an index. A member-level update
that numpy would spread over a dozen temporaries and masks is one pass here:
at 10^6 members the step is bound by memory traffic, so passes are what count.

Reproducibility: every loop is serial and visits members in id order, so
floating sums have one order on any machine; random draws stay in numpy
generators and kernels receive the uniforms. (Threads were measured and did
not pay on the 2-core target: the passes are memory-bound, and an OpenMP
barrier under CPU contention cost more than the work.)
"""

from __future__ import annotations

import numba
import numpy as np

# --- neighbour counts and threshold rules ---------------------------------------------------


@numba.njit(cache=True, nogil=True, inline="always")
def _flagged_count(indptr: np.ndarray, indices: np.ndarray, flags: np.ndarray, i: int) -> int:
    """How many neighbours of member ``i`` have their byte in ``flags`` set (0 or 1)."""
    count = 0
    for e in range(indptr[i], indptr[i + 1]):
        count += flags[indices[e]]
    return count


@numba.njit(cache=True, nogil=True, inline="always")
def _share(count: int, degree: int) -> np.float32:
    """Share of a member's neighbours, in the float32 the state uses."""
    return np.float32(count) / np.float32(max(degree, 1))


@numba.njit(cache=True, nogil=True)
def threshold_round(
    indptr: np.ndarray,
    indices: np.ndarray,
    degree: np.ndarray,
    flag: np.ndarray,
    present: np.ndarray,
    will: np.ndarray,
    threshold: np.ndarray,
    commitment: float,
) -> np.ndarray:
    """One synchronous round of the threshold rule from the members with ``flag`` set.

    A present member whose will reaches ``commitment`` acts when the share of
    flagged neighbours plus its will reaches its threshold (float32, as numpy).
    """
    n = present.size
    out = np.zeros(n, dtype=np.bool_)
    as_bytes = flag.view(np.uint8)
    commit = np.float32(commitment)
    for i in range(n):
        if present[i] and will[i] >= commit:
            share = _share(_flagged_count(indptr, indices, as_bytes, i), degree[i])
            out[i] = share + will[i] >= threshold[i]
    return out


@numba.njit(cache=True, nogil=True)
def threshold_cascade(
    indptr: np.ndarray,
    indices: np.ndarray,
    degree: np.ndarray,
    start: np.ndarray,
    present: np.ndarray,
    will: np.ndarray,
    threshold: np.ndarray,
    commitment: float,
    max_rounds: int,
) -> np.ndarray:
    """Synchronous threshold rounds from ``start`` to the fixed point (or ``max_rounds``).

    Frontier form, O(edges) for the whole cascade: each candidate (present,
    committed, not yet mobilised) counts its mobilised neighbours once, and
    each later round touches only the neighbours of those who joined in the
    round before. Round by round it joins exactly whom the synchronous rule
    (``threshold_round``) would: a count only grows, so a candidate is tested
    when its last increment of the round arrives.
    """
    n = start.size
    mobilised = start.copy()
    if max_rounds < 1:
        return mobilised
    commit = np.float32(commitment)
    started = start.view(np.uint8)
    candidate = np.zeros(n, dtype=np.bool_)
    count = np.zeros(n, dtype=np.int32)
    nxt = np.empty(n, dtype=np.int64)
    # round 1, pulled: each candidate counts its mobilised neighbours once
    k = 0
    for i in range(n):
        if present[i] and will[i] >= commit and not start[i]:
            c = _flagged_count(indptr, indices, started, i)
            count[i] = c
            share = _share(c, degree[i])
            if share + will[i] >= threshold[i]:
                nxt[k] = i
                k += 1
            else:
                candidate[i] = True
    # later rounds, pushed: only the neighbours of the last round's joiners are touched
    for _ in range(1, max_rounds):
        if k == 0:
            break
        frontier = nxt[:k].copy()
        for f in range(k):
            mobilised[frontier[f]] = True
        k = 0
        for f in range(frontier.size):
            i = frontier[f]
            for e in range(indptr[i], indptr[i + 1]):
                j = indices[e]
                if not candidate[j]:
                    continue
                count[j] += 1
                share = np.float32(count[j]) / np.float32(max(degree[j], 1))
                if share + will[j] >= threshold[j]:
                    candidate[j] = False  # joins at the end of this round
                    nxt[k] = j
                    k += 1
    for f in range(k):
        mobilised[nxt[f]] = True
    return mobilised


@numba.njit(cache=True, nogil=True)
def voice_round(
    indptr: np.ndarray,
    indices: np.ndarray,
    degree: np.ndarray,
    voicing: np.ndarray,
    present: np.ndarray,
    knows: np.ndarray,
    role: np.ndarray,
    activity: np.ndarray,
    hardship: np.ndarray,
    fear: np.ndarray,
    threshold: np.ndarray,
    opposition: np.ndarray,
    voice_count: np.ndarray,
    coef: np.ndarray,
    opposition_after: int,
) -> np.ndarray:
    """Who speaks this step (from who spoke last step); opposition joined in place.

    ``coef`` = (abuse grievance, hardship grievance, fear weight, opposition motive).
    """
    n = present.size
    out = np.zeros(n, dtype=np.bool_)
    spoke = voicing.view(np.uint8)
    hardship_w = np.float32(coef[1])
    fear_w = np.float32(coef[2])
    for i in range(n):
        if not present[i]:
            continue
        knows_any = knows[i] > 0
        if (knows_any or opposition[i]) and role[i] == 0:
            grievance = coef[0] * knows_any + np.float64(hardship_w * hardship[i])
            motive = np.float32(
                activity[i] * min(grievance, 1.0)
                - np.float64(fear_w * fear[i])
                + coef[3] * opposition[i]
            )
            if motive > 0.0:
                share = _share(_flagged_count(indptr, indices, spoke, i), degree[i])
                out[i] = share + motive >= threshold[i]
        if voice_count[i] >= opposition_after:
            opposition[i] = True
    return out


# --- knowledge ------------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def lapse_knowledge(
    cell: np.ndarray,
    present: np.ndarray,
    knows: np.ndarray,
    open_bits: np.ndarray,
    n_bits: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Knowledge of closed cases lapses (``knows`` masked in place by the open bits of one's
    cell). Returns each member's open bits, per cell (rows) the members present (column 0,
    left 0 where no case is open: nobody there knows of anything) and those who still know
    of each bit (column 1 + bit), and the ids of the members with any open bit
    (``np.flatnonzero`` of the first), in order."""
    relevant = np.zeros(cell.size, dtype=np.uint8)
    counts = np.zeros((open_bits.size, n_bits + 1), dtype=np.float64)
    rows = np.empty(cell.size, dtype=np.int64)
    k = 0
    for i in range(cell.size):
        if not present[i]:
            if knows[i]:
                knows[i] = 0
            continue
        c = cell[i]
        bits = open_bits[c]
        if bits == 0:
            if knows[i]:
                knows[i] = 0
            continue
        counts[c, 0] += 1.0
        relevant[i] = bits
        rows[k] = i
        k += 1
        value = knows[i] & bits
        knows[i] = value
        if value:
            for b in range(n_bits):
                if (value >> b) & 1:
                    counts[c, 1 + b] += 1.0
    return relevant, counts, rows[:k].copy()


@numba.njit(cache=True, nogil=True)
def spread_knowledge(
    indptr: np.ndarray,
    indices: np.ndarray,
    cell: np.ndarray,
    knows: np.ndarray,
    rows: np.ndarray,
    relevant: np.ndarray,
    uniforms: np.ndarray,
    unwitnessed: float,
    stay_by_tellers: np.ndarray,
    unread: float,
    counts: np.ndarray,
) -> None:
    """Members in ``rows`` learn each relevant bit they do not know with probability
    1 - ``unwitnessed`` x ``stay_by_tellers[tellers]`` x ``unread``, as
    ``learning_probability`` (the chance to stay ignorant of each teller tabulated by count).

    Tellers are workmates (same cell) who knew at the start of the step; all
    rows are decided before any learns, as in a synchronous update. ``counts``
    holds per cell (rows) how many present members know of each bit (column
    1 + bit), as ``lapse_knowledge`` returns them: where no workmate knows, the
    neighbours are not read. What is learned is added to ``knows`` and to ``counts``.
    """
    n_b = uniforms.shape[1]
    gained = np.zeros(rows.size, dtype=np.uint8)
    unseen = np.float32(unwitnessed)
    unheard = np.float32(unread)
    told = np.zeros(n_b, dtype=np.int64)
    for k in range(rows.size):
        i = rows[k]
        need = relevant[i] & ~knows[i]
        if need == 0:
            continue  # nothing left to learn: the draws would not matter
        own = cell[i]
        heard = 0  # the bits some workmate knows of
        for b in range(n_b):
            told[b] = 0
            if counts[own, 1 + b] > 0.0:
                heard |= 1 << b
        if need & heard:
            for e in range(indptr[i], indptr[i + 1]):
                j = indices[e]
                value = knows[j] & need
                if value and cell[j] == own:
                    for b in range(n_b):
                        if (value >> b) & 1:
                            told[b] += 1
        bits = 0
        for b in range(n_b):
            if (need >> b) & 1:
                p = np.float32(1.0) - unseen * stay_by_tellers[told[b]] * unheard
                p = min(max(p, np.float32(0.0)), np.float32(1.0))
                if uniforms[k, b] < p:
                    bits |= 1 << b
        gained[k] = bits
    for k in range(rows.size):
        value = gained[k]
        if value:
            i = rows[k]
            knows[i] |= value
            for b in range(n_b):
                if (value >> b) & 1:
                    counts[cell[i], 1 + b] += 1.0


# --- per-cell means -------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def cell_productivity(
    cell: np.ndarray, present: np.ndarray, capacity: np.ndarray, hardship: np.ndarray, n_cells: int
) -> np.ndarray:
    """Per cell: mean over present members of (0.5 + 0.5 capacity)(1 - 0.5 hardship)."""
    sums = np.zeros((n_cells, 2))  # total and count side by side: one line per member
    half = np.float32(0.5)
    for i in range(cell.size):
        if present[i]:
            c = cell[i]
            sums[c, 0] += (half + half * capacity[i]) * (np.float32(1.0) - half * hardship[i])
            sums[c, 1] += 1.0
    out = np.zeros(n_cells)
    for c in range(n_cells):
        if sums[c, 1] > 0:
            out[c] = sums[c, 0] / sums[c, 1]
    return out


# --- deterministic sums over members --------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def income_census(
    present: np.ndarray, role: np.ndarray, wage: np.ndarray, privilege: np.ndarray
) -> np.ndarray:
    """Over present members, income being wage x privilege (float32): [present, rank and
    file, their wage, their income, apparatus, its income, lowest income, highest income]."""
    here = 0
    ranks = 0
    ranks_wage = 0.0
    ranks_income = 0.0
    apparatus_income = 0.0
    lo = np.inf
    hi = -np.inf
    for i in range(present.size):
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
    out = np.empty(8)
    out[0] = here
    out[1] = ranks
    out[2] = ranks_wage
    out[3] = ranks_income
    out[4] = here - ranks
    out[5] = apparatus_income
    out[6] = lo
    out[7] = hi
    return out


@numba.njit(cache=True, nogil=True)
def rank_and_file_wages(
    present: np.ndarray, role: np.ndarray, wage: np.ndarray
) -> tuple[int, float]:
    """Over present rank-and-file members: their number and their wage, summed as
    ``income_census`` sums them (its entries 1 and 2) without reading the privileges."""
    ranks = 0
    ranks_wage = 0.0
    for i in range(present.size):
        if present[i] and role[i] == 0:
            ranks += 1
            ranks_wage += wage[i]
    return ranks, ranks_wage


@numba.njit(cache=True, nogil=True)
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
    legitimacy, activity x (1 - fear) x (1 - hardship), opposition, mobilised]."""
    one = np.float32(1.0)
    here = 0
    opposed = 0
    moved = 0
    act = 0.0
    cap = 0.0
    hard = 0.0
    afraid = 0.0
    legit = 0.0
    voice = 0.0
    for i in range(present.size):
        if present[i]:
            here += 1
            act += activity[i]
            cap += capacity[i]
            hard += hardship[i]
            afraid += fear[i]
            legit += legitimacy[i]
            voice += activity[i] * (one - fear[i]) * (one - hardship[i])
            opposed += opposition[i]
            moved += mobilised[i]
    out = np.empty(9)
    out[0] = here
    out[1] = act
    out[2] = cap
    out[3] = hard
    out[4] = afraid
    out[5] = legit
    out[6] = voice
    out[7] = opposed
    out[8] = moved
    return out


@numba.njit(cache=True, nogil=True)
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
    counts = np.zeros(bins)
    sums = np.zeros(bins)
    scale = bins / (hi - lo)
    for i in range(present.size):
        if present[i]:
            v = wage[i] * privilege[i]
            b = min(int((v - lo) * scale), bins - 1)
            counts[b] += 1.0
            sums[b] += v
    area = 0.0
    running = 0.0
    prev = 0.0
    for b in range(bins):
        running += sums[b]
        cum = running / total
        area += (counts[b] / n) * (cum + prev) / 2.0
        prev = cum
    return max(0.0, min(1.0, 1.0 - 2.0 * area))
