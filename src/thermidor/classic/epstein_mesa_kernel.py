"""Compiled kernel of Epstein's model under Mesa's schedule: bitboards, popcounts, rejection.

Why a second kernel: under Mesa's schedule a cell holds at most one agent (capacity one, a
jailed citizen keeps its cell), so the cell lists of ``epstein_kernels`` reduce to one bit
per cell and category (``epstein_bits``). A citizen whose grievance is at most the
threshold stays quiet whatever it sees (net risk is never negative), so only the others
look; they count cops and active citizens with a popcount per vision row. A move draws
offsets of the vision uniformly until one is empty (rejection sampling: exactly uniform
over the empty cells) and, after ``TRIES`` misses, counts the empty cells and picks one,
so a full vision still means no move. Draws come from ``xoshiro`` (xoshiro256** seeded by
``SeedSequence``, Lemire's bounded integers).

The sweep is Mesa's: one agent at a time in a fresh uniformly random order, each seeing the
grid as the agents before it left it. The model is the cell-list kernel's, the draws are
not: for a seed the two return different numbers from the same distribution (tests
compare seed ensembles).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from thermidor.classic.epstein_bits import (
    ACT,
    COP,
    FREE,
    MAX_RADIUS,
    OCC,
    new_boards,
    popcount,
    relocate,
    row_masks,
    select,
    shape_rows,
    toggle,
    window,
)
from thermidor.classic.epstein_kernels import (
    ACTIVE,
    ARRESTED,
    DEAD,
    QUIET,
    RULE_FLOOR,
    RULE_NONE,
    _half_even,
    run_kernel,
)
from thermidor.classic.xoshiro import bounded, seeded_state

__all__ = ["TRIES", "run_mesa_kernel"]

TRIES = 32  # offsets drawn before counting: 0.774**32 < 3e-4 at Mesa's default density

_ONE = np.uint64(1)


@nb.njit(cache=True, inline="always")
def _boards_of(kind, group, state, model2):
    """The boards (a bit each) an agent of this kind, group and state is marked on."""
    if state == DEAD:
        return 0
    if kind == 1:
        return (1 << OCC) | (1 << COP)
    mine = 1 << OCC
    if state == ACTIVE:
        mine |= 1 << (ACT + group)
    if model2 and state <= ACTIVE:  # free citizens: only model II's killers look for them
        mine |= 1 << (FREE + group)
    return mine


@nb.njit(cache=True, inline="always")
def _restate(boards, tally, cell, group, old, new, W, R, model2):
    """A citizen's state changes: its bits, and the per-state tally of citizens."""
    was = _boards_of(0, group, old, model2)
    now = _boards_of(0, group, new, model2)
    for b in range(OCC, FREE + 2):
        if ((was ^ now) >> b) & 1:
            toggle(boards, b, cell, W, R, (now >> b) & 1 == 1)
    tally[old] -= 1
    tally[new] += 1
    if new == DEAD:
        tally[4 + group] -= 1


@nb.njit(cache=True, inline="always")
def _count_rows(boards, b, x, y, H, R, half, masks):
    """Cells set on board b in the vision of (x, y)."""
    v = half.size // 2
    n = 0
    for j in range(half.size):
        yy = y + j - v
        uy = np.uint64(yy + H if yy < 0 else (yy - H if yy >= H else yy))
        a = x + R - half[j]
        w = np.uint64(a >> 6)
        n += popcount(window(boards[b, uy, w], boards[b, uy, w + _ONE], a & 63) & masks[j])
    return n


@nb.njit(cache=True, inline="always")
def _tally_rows(boards, b1, b2, x, y, H, R, half, masks):
    """Cells set on board b1, and on board b2, in the vision of (x, y)."""
    v = half.size // 2
    n1 = 0
    n2 = 0
    for j in range(half.size):
        yy = y + j - v
        uy = np.uint64(yy + H if yy < 0 else (yy - H if yy >= H else yy))
        a = x + R - half[j]
        w = np.uint64(a >> 6)  # unsigned indices: no negative-index fix-ups in the loop
        off = a & 63
        m = masks[j]
        n1 += popcount(window(boards[b1, uy, w], boards[b1, uy, w + _ONE], off) & m)
        n2 += popcount(window(boards[b2, uy, w], boards[b2, uy, w + _ONE], off) & m)
    return n1, n2


@nb.njit(cache=True)
def _count_and_pick(boards, rng, x, y, W, H, R, half, masks):
    """A cell drawn uniformly among the empty cells in the vision of (x, y), or -1 if none."""
    v = half.size // 2
    empty = 0
    for j in range(half.size):
        yy = y + j - v
        uy = np.uint64(yy + H if yy < 0 else (yy - H if yy >= H else yy))
        a = x + R - half[j]
        w = np.uint64(a >> 6)
        bits = window(boards[OCC, uy, w], boards[OCC, uy, w + _ONE], a & 63)
        empty += popcount(~bits & masks[j])
    if empty == 0:
        return -1
    return select(boards, x, y, W, H, R, half, masks, OCC, OCC, True, bounded(rng, empty))


@nb.njit(cache=True)
def _try_empty(boards, rng, x, y, W, H, R, dx, dy):
    """The first empty cell (cell, x, y) among up to ``TRIES`` offsets of the vision drawn
    uniformly, or (-1, -1, -1).

    Conditional on success this is uniform over the vision's empty cells; on failure the
    caller counts and picks (``_count_and_pick``), and a mixture of two uniform draws over
    the same set is uniform. Kept apart: with the fallback in the same function the
    compiled loop ran three times slower.
    """
    m = dx.size
    for _ in range(TRIES):
        o = bounded(rng, m)
        yy = y + dy[o]
        yy = yy + H if yy < 0 else (yy - H if yy >= H else yy)
        px = x + R + dx[o]  # the halo holds the wrapped columns
        word = boards[OCC, np.uint64(yy), np.uint64(px >> 6)]
        if ((word >> np.uint64(px & 63)) & _ONE) == 0:
            xx = x + dx[o]
            xx = xx + W if xx < 0 else (xx - W if xx >= W else xx)
            return yy * W + xx, xx, yy
    return -1, -1, -1


@nb.njit(cache=True, inline="always")
def _move(boards, mine, x, y, new, nx, ny, W, R):
    """Move the bits of the boards flagged in ``mine`` from (x, y) to cell new = (nx, ny)."""
    if nx < 0:  # found by counting: coordinates from the cell (divisions are dear)
        nx = new % W
        ny = new // W
    relocate(boards, mine, x, y, nx, ny, W, R)
    return nx, ny


@nb.njit(cache=True)
def _sweeps(
    W, H, R, boards, kind, group, grievance, risk, pos, cdx, cdy, chalf, cmasks, kdx, kdy,
    khalf, kmasks, steps, k, threshold, rule, jmax, movement, model2, rng,
):  # fmt: skip
    n = kind.size
    at = np.full(W * H, -1, np.int64)
    state = np.zeros(n, np.int8)
    jail = np.zeros(n, np.int64)
    # citizens by state (QUIET, ACTIVE, ARRESTED, DEAD), then alive in group 0, 1
    tally = np.zeros(6, np.int64)
    ax = pos % W  # each agent's column and row, kept as it moves: no division per turn
    ay = pos // W
    for i in range(n):
        at[pos[i]] = i
        mine = _boards_of(kind[i], group[i], QUIET, model2)
        for b in range(OCC, FREE + 2):
            if (mine >> b) & 1:
                toggle(boards, b, pos[i], W, R, True)
        if kind[i] == 0:
            tally[QUIET] += 1
            tally[4 + group[i]] += 1
    # P for each whole C/A (floor and round make it whole): the same expression, tabled
    prob = np.empty(chalf.size * chalf.size + 2)
    for m in range(prob.size):
        prob[m] = 1.0 - np.exp(-k * float(m))
    two = False  # a second group of citizens: cops read both groups' active boards
    for i in range(n):
        two = two or (kind[i] == 0 and group[i] == 1)
    act2 = ACT + 1 if two else ACT
    order = np.arange(n)
    out = np.zeros((steps, 6), np.int64)
    for t in range(steps):
        killed = 0
        for a in range(n - 1, 0, -1):  # Fisher-Yates: a fresh uniformly random order
            b = bounded(rng, a + 1)
            tmp = order[a]
            order[a] = order[b]
            order[b] = tmp
        for idx in range(n):
            i = order[idx]
            if state[i] == DEAD:
                continue
            x = ax[i]
            y = ay[i]
            c = y * W + x
            if kind[i] == 1:  # cop: arrest an active citizen of either group, then move
                nact, nact2 = _tally_rows(boards, ACT, act2, x, y, H, R, khalf, kmasks)
                if two:
                    nact += nact2
                if nact > 0:
                    r = bounded(rng, nact)
                    s = at[select(boards, x, y, W, H, R, khalf, kmasks, ACT, act2, False, r)]
                    jail[s] = bounded(rng, jmax + 1)
                    _restate(boards, tally, pos[s], group[s], state[s], ARRESTED, W, R, model2)
                    state[s] = ARRESTED
                if movement:
                    new, nx, ny = _try_empty(boards, rng, x, y, W, H, R, kdx, kdy)
                    if new < 0:
                        new = _count_and_pick(boards, rng, x, y, W, H, R, khalf, kmasks)
                    if new >= 0:
                        mine = (1 << OCC) | (1 << COP)
                        ax[i], ay[i] = _move(boards, mine, x, y, new, nx, ny, W, R)
                        at[c] = -1
                        at[new] = i
                        pos[i] = new
                continue
            if jail[i] > 0:
                jail[i] -= 1  # Mesa counts the term down on the agent's own turn
                continue
            g = group[i]
            now = QUIET  # grievance at most the threshold: quiet whatever the risk
            if grievance[i] > threshold:
                if tally[ACTIVE] > 0:
                    cops, acts = _tally_rows(boards, COP, ACT + g, x, y, H, R, chalf, cmasks)
                else:  # nobody active anywhere (often, at Mesa's defaults): cops only
                    cops = _count_rows(boards, COP, x, y, H, R, chalf, cmasks)
                    acts = 0
                ratio = cops / (acts + 1)  # counting oneself as active
                if rule == RULE_NONE:
                    p = 1.0 - np.exp(-k * ratio)
                else:
                    p = prob[int(np.floor(ratio) if rule == RULE_FLOOR else _half_even(ratio))]
                if grievance[i] - risk[i] * p > threshold:
                    now = ACTIVE
            if now != state[i]:
                _restate(boards, tally, c, g, state[i], now, W, R, model2)
                state[i] = now
            if model2 and now == ACTIVE:  # kill a free citizen of the other group
                prey = FREE + 1 - g
                tot, _ = _tally_rows(boards, prey, prey, x, y, H, R, chalf, cmasks)
                if tot > 0:
                    r = bounded(rng, tot)
                    cell = select(boards, x, y, W, H, R, chalf, cmasks, prey, prey, False, r)
                    victim = at[cell]
                    _restate(boards, tally, cell, 1 - g, state[victim], DEAD, W, R, model2)
                    state[victim] = DEAD
                    at[cell] = -1
                    killed += 1
            if not movement:
                continue
            new, nx, ny = _try_empty(boards, rng, x, y, W, H, R, cdx, cdy)
            if new < 0:
                new = _count_and_pick(boards, rng, x, y, W, H, R, chalf, cmasks)
            if new < 0:
                continue
            mine = _boards_of(0, g, state[i], model2)
            ax[i], ay[i] = _move(boards, mine, x, y, new, nx, ny, W, R)
            at[c] = -1
            at[new] = i
            pos[i] = new
        out[t, 0] = tally[ACTIVE]
        out[t, 1] = tally[QUIET]
        out[t, 2] = tally[ARRESTED]
        out[t, 3] = killed
        out[t, 4] = tally[4]
        out[t, 5] = tally[5]
    return out


def run_mesa_kernel(
    W: int, H: int, kind: np.ndarray, group: np.ndarray, grievance: np.ndarray,
    risk: np.ndarray, pos: np.ndarray, cdx: np.ndarray, cdy: np.ndarray, kdx: np.ndarray,
    kdy: np.ndarray, steps: int, k: float, threshold: float, rule: int, jmax: int,
    movement: bool, model2: bool, seed: int,
) -> np.ndarray:  # fmt: skip
    """``run_kernel``'s model under Mesa's schedule, faster; its arguments less ``mesa``.

    Returns (steps, 6) int64: active, quiet, jailed, killed, alive in group A, B. ``pos``
    (each agent's cell, one agent per cell) is left as it was. Same seed, same numbers;
    not the cell-list kernel's numbers, but the same distribution. A vision wider than a
    word (radius over 31) runs on the cell-list kernel.
    """
    chalf, ccentre = shape_rows(cdx, cdy)
    khalf, kcentre = shape_rows(kdx, kdy)
    halo = max(chalf.size, khalf.size) // 2
    cells = np.array(pos, np.int64)
    if halo > MAX_RADIUS:
        return run_kernel(
            W, H, kind, group, grievance, risk, cells, cdx, cdy, kdx, kdy, steps, k, threshold,
            rule, jmax, True, movement, model2, seed,
        )  # fmt: skip
    if np.unique(cells).size != cells.size:
        msg = "Mesa's schedule holds one agent per cell"
        raise ValueError(msg)
    return _sweeps(
        W, H, halo, new_boards(W, H, halo), kind, group, grievance, risk, cells,
        np.asarray(cdx, np.int64), np.asarray(cdy, np.int64), chalf, row_masks(chalf, ccentre),
        np.asarray(kdx, np.int64), np.asarray(kdy, np.int64), khalf, row_masks(khalf, kcentre),
        steps, k, threshold, rule, jmax, movement, model2, seeded_state(seed),
    )  # fmt: skip
