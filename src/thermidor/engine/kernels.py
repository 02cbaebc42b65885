"""Generic compiled loops: gathers, neighbour counts, threshold cascades, fixed-point sums.

Nothing here knows what a member, an office or a role is: the model's own passes over
its columns live in ``thermidor.model.kernels`` and are built from these.

A masked neighbour count touches only the rows that need it (members with a
cause, cells with an open abuse), which a sparse mat-vec cannot do, and reads
one byte per neighbour instead of a float and an index. A member-level update
that numpy would spread over a dozen temporaries and masks is one pass here:
at 10^6 members the step is bound by memory traffic, so passes are what count.

Threads, and why the numbers do not depend on how many there are: member
updates are element-wise (each thread writes its own rows); per-cell
quantities are computed one cell per iteration over that cell's rows (the
build numbers slots so that every cell's members are contiguous, see
``World.cell_start``), so each cell's sum has one order; float sums over all
members are taken per fixed chunk (``CHUNKS`` of them, whatever the thread
count) and the chunks added in order; the census of the state sums in fixed
point (whole units of 2^-24), which is exact in any order and vectorises.
Element-wise updates run in row blocks (``engine.blocks``) so that they
vectorise. Random draws stay in numpy generators or come from counter-based
uniforms (``engine.rng``). Set ``NUMBA_NUM_THREADS`` to choose the threads (the
experiment runner gives each worker process one).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

CHUNKS = 64  # fixed partition of the members for sums: same order on any number of threads
HISTOGRAM_CHUNKS = 8  # fewer for the Gini histogram, whose partials are large


@numba.njit(cache=True, nogil=True, inline="always")
def chunk_rows(n: int, k: int, chunks: int) -> tuple[int, int]:
    """Rows ``[start, stop)`` of chunk ``k`` of ``chunks`` equal parts of ``n`` rows."""
    return n * k // chunks, n * (k + 1) // chunks


# --- gathers -----------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True, parallel=True)
def gather(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]`` for valid (non-negative, in range) ids: a member column read at the
    holders of offices. Each read misses the cache; numpy's take does one at a time,
    this keeps several in flight on every thread (about 3x at 10^6 members)."""
    out = np.empty(index.size, dtype=values.dtype)
    for k in prange(index.size):
        out[k] = values[index[k]]
    return out


# --- neighbour counts and threshold rules ---------------------------------------------------


@numba.njit(cache=True, nogil=True, inline="always")
def flagged_count(indptr: np.ndarray, indices: np.ndarray, flags: np.ndarray, i: int) -> int:
    """How many neighbours of member ``i`` have their byte in ``flags`` set (0 or 1)."""
    count = 0
    for e in range(indptr[i], indptr[i + 1]):
        count += flags[indices[e]]
    return count


@numba.njit(cache=True, nogil=True, inline="always")
def neighbour_share(count: int, degree: int) -> np.float32:
    """Share of a member's neighbours, in the float32 the state uses."""
    return np.float32(count) / np.float32(max(degree, 1))


_EVERY_GROUP = np.empty(0, dtype=np.int32)  # no grouping: every neighbour counts


@numba.njit(cache=True, nogil=True)
def _push_changes(
    indptr: np.ndarray,
    indices: np.ndarray,
    group: np.ndarray,
    flags: np.ndarray,
    changed: np.ndarray,
    count: np.ndarray,
) -> None:
    """Each member in ``changed`` pushes its new flag (+1 set, -1 cleared) to its neighbours:
    all of them if ``group`` is empty, else those in another group only."""
    grouped = group.size > 0
    for i in changed:
        delta = 1 if flags[i] else -1
        for e in range(indptr[i], indptr[i + 1]):
            k = indices[e]
            if not grouped or group[k] != group[i]:
                count[k] += delta


def recount_flagged(
    indptr: np.ndarray,
    indices: np.ndarray,
    flags: np.ndarray,
    counted: np.ndarray,
    count: np.ndarray,
    group: np.ndarray = _EVERY_GROUP,
) -> None:
    """Bring ``count`` (each member's neighbours with a flag set, as of the flags in
    ``counted``) up to date with ``flags``, in place: only members whose flag changed push
    their change to their neighbours, so a quiet step costs one comparison of the flags.

    With ``group`` (one per member, fixed for the run; the graph symmetric), only the
    neighbours in another group count: the same counts a full gather over every tie would
    give, at the cost of the ties of those whose flag changed."""
    changed = np.flatnonzero(flags != counted)
    _push_changes(indptr, indices, group, flags, changed, count)
    counted[changed] = flags[changed]


@numba.njit(cache=True, nogil=True, parallel=True)
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
    for i in prange(n):
        if present[i] and will[i] >= commit:
            share = neighbour_share(flagged_count(indptr, indices, as_bytes, i), degree[i])
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
            c = flagged_count(indptr, indices, started, i)
            count[i] = c
            share = neighbour_share(c, degree[i])
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


# --- fixed-point sums -------------------------------------------------------------------------

# A census sums quantities in [0, 1] as integers in units of 2^-24 (float32's
# resolution at 1): integer sums are exact, so they do not depend on the order or the thread
# count, and their loop vectorises (a float sum in a fixed order cannot).
CENSUS_UNIT = np.float32(2.0**24)


@numba.njit(cache=True, nogil=True, inline="always")
def fixed_units(x: np.float32) -> np.int64:
    """``x`` in [0, 1] as a whole number of 2^-24, rounded to nearest (ties to even)."""
    return np.int64(np.int32(np.rint(x * CENSUS_UNIT)))
