"""Compiled kernel of Epstein's model under Mesa's schedule: bitboards and vision counts.

Why a second kernel: under Mesa's schedule a cell holds at most one agent (capacity one, a
jailed citizen keeps its cell), so the cell lists of ``epstein_kernels`` reduce to one bit
per cell and category (``epstein_bits``). What a citizen weighs, the cops and the active
citizens in its vision, is kept per cell as it changes (``spread`` when a cop moves or a
citizen turns active, quiet, jailed or dead), so deciding reads two numbers; the empty
cells of a vision, which change with every move, are counted with a popcount per row.

The sweep is the same: one agent at a time in a fresh random order, each seeing the grid
as the agents before it left it. The random draws are the same calls in the same order
with the same bounds, and the k-th candidate is taken in the same enumeration order, so
for a seed both kernels return the same numbers (a test checks it).
"""

# numba compiles only the legacy np.random API (seeded per run from a numpy Generator).
# ruff: noqa: NPY002
from __future__ import annotations

import numba as nb
import numpy as np

from thermidor.classic.epstein_bits import (
    ACT,
    COP,
    FREE,
    MAX_RADIUS,
    OCC,
    kth_bit,
    new_boards,
    popcount,
    relocate,
    row_masks,
    select,
    shape_rows,
    spread,
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

__all__ = ["run_mesa_kernel"]

_ONE = np.uint64(1)


@nb.njit(cache=True)
def _boards_of(kind, group, state):
    """The boards (a bit each) an agent of this kind, group and state is marked on."""
    if state == DEAD:
        return 0
    if kind == 1:
        return (1 << OCC) | (1 << COP)
    mine = 1 << OCC
    if state == ACTIVE:
        mine |= 1 << (ACT + group)
    if state <= ACTIVE:
        mine |= 1 << (FREE + group)
    return mine


@nb.njit(cache=True)
def _restate(boards, counts, cell, group, old, new, W, H, R, half, centre):
    """A citizen's state changes: its bits, and the active counts of those who see it."""
    was = _boards_of(0, group, old)
    now = _boards_of(0, group, new)
    for b in range(OCC, FREE + 2):
        if ((was ^ now) >> b) & 1:
            toggle(boards, b, cell, W, R, (now >> b) & 1 == 1)
    if old == ACTIVE and new != ACTIVE:
        spread(counts, 1 + group, cell, W, H, half, centre, -1)
    elif new == ACTIVE and old != ACTIVE:
        spread(counts, 1 + group, cell, W, H, half, centre, 1)


@nb.njit(cache=True)
def _cop_tally(boards, x, y, H, R, half, masks):
    """Active citizens (either group) and occupied cells in a cop's vision."""
    v = half.size // 2
    active = 0
    occupied = 0
    for j in range(half.size):
        yy = y + j - v
        yy = yy + H if yy < 0 else (yy - H if yy >= H else yy)
        uy = np.uint64(yy)
        a = x + R - half[j]
        w = np.uint64(a >> 6)
        off = a & 63
        m = masks[j]
        bits = window(boards[ACT, uy, w], boards[ACT, uy, w + _ONE], off)
        bits |= window(boards[ACT + 1, uy, w], boards[ACT + 1, uy, w + _ONE], off)
        active += popcount(bits & m)
        occupied += popcount(window(boards[OCC, uy, w], boards[OCC, uy, w + _ONE], off) & m)
    return active, occupied


@nb.njit(cache=True)
def _sweeps(
    W, H, R, boards, kind, group, grievance, risk, pos, chalf, ccentre, cmasks, khalf, kmasks,
    steps, k, threshold, rule, jmax, movement, model2, seed,
):  # fmt: skip
    np.random.seed(seed)
    n = kind.size
    v = chalf.size // 2
    at = np.full(W * H, -1, np.int64)
    # cops (0), and active citizens of group g (1 + g), in the citizen-vision of each cell
    counts = np.zeros((3, W * H), np.int32)
    state = np.zeros(n, np.int8)
    jail = np.zeros(n, np.int64)
    for i in range(n):
        at[pos[i]] = i
        mine = _boards_of(kind[i], group[i], QUIET)
        for b in range(OCC, FREE + 2):
            if (mine >> b) & 1:
                toggle(boards, b, pos[i], W, R, True)
        if kind[i] == 1:
            spread(counts, 0, pos[i], W, H, chalf, ccentre, 1)
    ksize = 0
    for j in range(khalf.size):
        ksize += popcount(kmasks[j])
    # P for each whole C/A (floor and round make it whole): the same expression, tabled
    prob = np.empty(chalf.size * chalf.size + 2)
    for m in range(prob.size):
        prob[m] = 1.0 - np.exp(-k * float(m))
    rowcount = np.zeros(chalf.size, np.int64)
    order = np.arange(n)
    out = np.zeros((steps, 6), np.int64)
    for t in range(steps):
        killed = 0
        for a in range(n - 1, 0, -1):  # Fisher-Yates: a fresh random order every step
            b = np.random.randint(0, a + 1)
            tmp = order[a]
            order[a] = order[b]
            order[b] = tmp
        for idx in range(n):
            i = order[idx]
            if state[i] == DEAD:
                continue
            c = pos[i]
            x = c % W
            y = c // W
            if kind[i] == 1:  # cop: arrest an active citizen of either group, then move
                nact, nocc = _cop_tally(boards, x, y, H, R, khalf, kmasks)
                if nact > 0:
                    r = np.random.randint(0, nact)
                    s = at[select(boards, x, y, W, H, R, khalf, kmasks, ACT, ACT + 1, False, r)]
                    jail[s] = np.random.randint(0, jmax + 1)
                    _restate(boards, counts, pos[s], group[s], state[s], ARRESTED,
                             W, H, R, chalf, ccentre)  # fmt: skip
                    state[s] = ARRESTED
                if movement and ksize > nocc:
                    r = np.random.randint(0, ksize - nocc)
                    new = select(boards, x, y, W, H, R, khalf, kmasks, OCC, OCC, True, r)
                    relocate(boards, (1 << OCC) | (1 << COP), c, new, W, R)
                    spread(counts, 0, c, W, H, chalf, ccentre, -1)
                    spread(counts, 0, new, W, H, chalf, ccentre, 1)
                    at[c] = -1
                    at[new] = i
                    pos[i] = new
                continue
            if jail[i] > 0:
                jail[i] -= 1  # Mesa counts the term down on the agent's own turn
                continue
            g = group[i]
            ratio = counts[0, c] / (counts[1 + g, c] + 1)  # counting oneself as active
            if rule == RULE_NONE:
                p = 1.0 - np.exp(-k * ratio)
            else:
                p = prob[int(np.floor(ratio) if rule == RULE_FLOOR else _half_even(ratio))]
            now = ACTIVE if grievance[i] - risk[i] * p > threshold else QUIET
            if now != state[i]:
                _restate(boards, counts, c, g, state[i], now, W, H, R, chalf, ccentre)
                state[i] = now
            if model2 and now == ACTIVE:  # kill a free citizen of the other group
                prey = FREE + 1 - g
                tot = 0
                for j in range(chalf.size):
                    yy = y + j - v
                    yy = yy + H if yy < 0 else (yy - H if yy >= H else yy)
                    a = x + R - chalf[j]
                    w = a >> 6
                    bits = window(boards[prey, yy, w], boards[prey, yy, w + 1], a & 63)
                    tot += popcount(bits & cmasks[j])
                if tot > 0:
                    r = np.random.randint(0, tot)
                    cell = select(boards, x, y, W, H, R, chalf, cmasks, prey, prey, False, r)
                    victim = at[cell]
                    _restate(boards, counts, cell, 1 - g, state[victim], DEAD,
                             W, H, R, chalf, ccentre)  # fmt: skip
                    state[victim] = DEAD
                    at[cell] = -1
                    killed += 1
            if not movement:
                continue
            empty = 0
            occ = boards[OCC]
            for j in range(chalf.size):  # the empty cells of each row of the vision
                yy = y + j - v
                yy = np.uint64(yy + H if yy < 0 else (yy - H if yy >= H else yy))
                a = x + R - chalf[j]
                w = np.uint64(a >> 6)
                bits = ~window(occ[yy, w], occ[yy, w + _ONE], a & 63) & cmasks[j]
                count = popcount(bits)
                rowcount[j] = count
                empty += count
            if empty == 0:
                continue
            r = np.random.randint(0, empty)
            j = 0
            while r >= rowcount[j]:
                r -= rowcount[j]
                j += 1
            yy = y + j - v
            yy = yy + H if yy < 0 else (yy - H if yy >= H else yy)
            a = x + R - chalf[j]
            w = np.uint64(a >> 6)
            bits = ~window(occ[yy, w], occ[yy, w + _ONE], a & 63) & cmasks[j]
            xx = a + kth_bit(bits, r) - R
            xx = xx + W if xx < 0 else (xx - W if xx >= W else xx)
            new = yy * W + xx
            relocate(boards, _boards_of(0, g, state[i]), c, new, W, R)
            if state[i] == ACTIVE:
                spread(counts, 1 + g, c, W, H, chalf, ccentre, -1)
                spread(counts, 1 + g, new, W, H, chalf, ccentre, 1)
            at[c] = -1
            at[new] = i
            pos[i] = new
        for i in range(n):
            s = state[i]
            if kind[i] != 0 or s == DEAD:
                continue
            out[t, 4 + group[i]] += 1
            if s == ACTIVE:
                out[t, 0] += 1
            elif s == QUIET:
                out[t, 1] += 1
            else:
                out[t, 2] += 1
        out[t, 3] = killed
    return out


def run_mesa_kernel(
    W: int, H: int, kind: np.ndarray, group: np.ndarray, grievance: np.ndarray,
    risk: np.ndarray, pos: np.ndarray, cdx: np.ndarray, cdy: np.ndarray, kdx: np.ndarray,
    kdy: np.ndarray, steps: int, k: float, threshold: float, rule: int, jmax: int,
    movement: bool, model2: bool, seed: int,
) -> np.ndarray:  # fmt: skip
    """``run_kernel`` under Mesa's schedule, faster; the same arguments less ``mesa``.

    Returns (steps, 6) int64: active, quiet, jailed, killed, alive in group A, B. ``pos``
    (each agent's cell, one agent per cell) is left as it was. A vision wider than a word
    (radius over 31) runs on the cell-list kernel, with the same results.
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
        W, H, halo, new_boards(W, H, halo), kind, group, grievance, risk, cells, chalf,
        ccentre, row_masks(chalf, ccentre), khalf, row_masks(khalf, kcentre), steps, k,
        threshold, rule, jmax, movement, model2, seed,
    )  # fmt: skip
