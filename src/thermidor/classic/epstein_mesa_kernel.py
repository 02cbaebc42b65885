"""Compiled kernel of Epstein's model under Mesa's schedule, on bitboards.

Why a second kernel: under Mesa's schedule a cell holds at most one agent (capacity one, a
jailed citizen keeps its cell), so the cell lists and count arrays of ``epstein_kernels``
reduce to one bit per cell and category, and a whole vision is counted with a popcount per
row (see ``epstein_bits``). The sweep is the same: one agent at a time in a fresh random
order, each seeing the grid as the agents before it left it. The random draws are the same
calls in the same order with the same bounds, and the k-th candidate is taken in the same
enumeration order, so for a seed both kernels return the same numbers (a test checks it).
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
    OCC,
    all_bits,
    kth_bit,
    new_boards,
    popcount,
    put,
    shape_rows,
    window,
)
from thermidor.classic.epstein_kernels import (
    ACTIVE,
    ARRESTED,
    DEAD,
    QUIET,
    RULE_FLOOR,
    RULE_ROUND,
    _half_even,
)

__all__ = ["run_mesa_kernel"]

_ONE = np.uint64(1)


@nb.njit(cache=True)
def _mark(boards, cell, kind, group, state, W, R, on):
    """Set or clear the bits an agent of this kind, group and state puts on its cell."""
    if state == DEAD:
        return
    put(boards, OCC, cell, W, R, on)
    if kind == 1:
        put(boards, COP, cell, W, R, on)
        return
    if state == ACTIVE:
        put(boards, ACT + group, cell, W, R, on)
    if state <= ACTIVE:
        put(boards, FREE + group, cell, W, R, on)


@nb.njit(cache=True)
def _row(y, j, v, H):
    yy = y + j - v
    if yy < 0:
        return yy + H
    if yy >= H:
        return yy - H
    return yy


@nb.njit(cache=True)
def _tally(boards, x, y, H, R, half, centre, ba, bb):
    """Set bits on boards ba and bb, and occupied cells, in the vision of (x, y)."""
    v = half.size // 2
    na = 0
    nb_ = 0
    nocc = 0
    for j in range(half.size):
        h = half[j]
        if h < 0:
            continue
        yy = _row(y, j, v, H)
        a = x + R - h
        left = 2 * h + 1
        while left > 0:
            n = min(left, 64)
            mask = all_bits(n)
            if j == v and not centre and a <= x + R < a + n:
                mask &= ~(_ONE << np.uint64(x + R - a))
            w = a >> 6
            off = a & 63
            na += popcount(window(boards[yy, w, ba], boards[yy, w + 1, ba], off) & mask)
            nb_ += popcount(window(boards[yy, w, bb], boards[yy, w + 1, bb], off) & mask)
            nocc += popcount(window(boards[yy, w, OCC], boards[yy, w + 1, OCC], off) & mask)
            a += n
            left -= n
    return na, nb_, nocc


@nb.njit(cache=True)
def _select(boards, x, y, W, H, R, half, centre, b1, b2, empty, r):
    """The r-th cell, in vision order, set on b1 or b2 (or, if ``empty``, unoccupied)."""
    v = half.size // 2
    for j in range(half.size):
        h = half[j]
        if h < 0:
            continue
        yy = _row(y, j, v, H)
        a = x + R - h
        left = 2 * h + 1
        while left > 0:
            n = min(left, 64)
            mask = all_bits(n)
            if j == v and not centre and a <= x + R < a + n:
                mask &= ~(_ONE << np.uint64(x + R - a))
            w = a >> 6
            off = a & 63
            bits = window(boards[yy, w, b1], boards[yy, w + 1, b1], off)
            bits |= window(boards[yy, w, b2], boards[yy, w + 1, b2], off)
            if empty:
                bits = ~bits
            bits &= mask
            count = np.int64(popcount(bits))
            if r < count:
                xx = a + kth_bit(bits, r) - R
                if xx < 0:
                    xx += W
                elif xx >= W:
                    xx -= W
                return yy * W + xx
            r -= count
            a += n
            left -= n
    return -1


@nb.njit(cache=True)
def _sweeps(
    W, H, R, boards, kind, group, grievance, risk, pos, chalf, ccentre, khalf, kcentre,
    steps, k, threshold, rule, jmax, movement, model2, seed,
):  # fmt: skip
    np.random.seed(seed)
    n = kind.size
    at = np.full(W * H, -1, np.int64)
    state = np.zeros(n, np.int8)
    jail = np.zeros(n, np.int64)
    for i in range(n):
        at[pos[i]] = i
        _mark(boards, pos[i], kind[i], group[i], QUIET, W, R, True)
    csize = np.sum(2 * chalf + 1) - (0 if ccentre else 1)
    ksize = np.sum(2 * khalf + 1) - (0 if kcentre else 1)
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
                n0, n1, nocc = _tally(boards, x, y, H, R, khalf, kcentre, ACT, ACT + 1)
                if n0 + n1 > 0:
                    r = np.random.randint(0, n0 + n1)
                    s = at[_select(boards, x, y, W, H, R, khalf, kcentre, ACT, ACT + 1, False, r)]
                    jail[s] = np.random.randint(0, jmax + 1)
                    _mark(boards, pos[s], 0, group[s], state[s], W, R, False)
                    state[s] = ARRESTED
                    _mark(boards, pos[s], 0, group[s], ARRESTED, W, R, True)
                empty = ksize - nocc
                half = khalf
                centre = kcentre
            else:
                if jail[i] > 0:
                    jail[i] -= 1  # Mesa counts the term down on the agent's own turn
                    continue
                g = group[i]
                cops, acts, nocc = _tally(boards, x, y, H, R, chalf, ccentre, COP, ACT + g)
                ratio = cops / (acts + 1)  # counting oneself as active
                if rule == RULE_FLOOR:
                    ratio = np.floor(ratio)
                elif rule == RULE_ROUND:
                    ratio = _half_even(ratio)
                p = 1.0 - np.exp(-k * ratio)
                new = ACTIVE if grievance[i] - risk[i] * p > threshold else QUIET
                if new != state[i]:
                    _mark(boards, c, 0, g, state[i], W, R, False)
                    state[i] = new
                    _mark(boards, c, 0, g, new, W, R, True)
                empty = csize - nocc
                if model2 and new == ACTIVE:  # kill a free citizen of the other group
                    _, tot, _ = _tally(boards, x, y, H, R, chalf, ccentre, FREE + 1 - g, FREE + 1 - g)
                    if tot > 0:
                        r = np.random.randint(0, tot)
                        cell = _select(boards, x, y, W, H, R, chalf, ccentre, FREE + 1 - g,
                                       FREE + 1 - g, False, r)  # fmt: skip
                        victim = at[cell]
                        _mark(boards, cell, 0, group[victim], state[victim], W, R, False)
                        state[victim] = DEAD
                        at[cell] = -1
                        killed += 1
                        empty += 1
                half = chalf
                centre = ccentre
            if movement and empty > 0:
                r = np.random.randint(0, empty)
                cell = _select(boards, x, y, W, H, R, half, centre, OCC, OCC, True, r)
                _mark(boards, c, kind[i], group[i], state[i], W, R, False)
                _mark(boards, cell, kind[i], group[i], state[i], W, R, True)
                at[c] = -1
                at[cell] = i
                pos[i] = cell
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
    """``run_kernel`` with Mesa's schedule, faster; the same arguments less ``mesa``.

    Returns (steps, 6) int64: active, quiet, jailed, killed, alive in group A, B. ``pos``
    (each agent's cell, one agent per cell) is left as it was.
    """
    chalf, ccentre = shape_rows(cdx, cdy)
    khalf, kcentre = shape_rows(kdx, kdy)
    halo = max(chalf.size, khalf.size) // 2
    cells = np.asarray(pos, np.int64)
    if np.unique(cells).size != cells.size:
        msg = "Mesa's schedule holds one agent per cell"
        raise ValueError(msg)
    return _sweeps(
        W, H, halo, new_boards(W, H, halo), kind, group, grievance, risk, cells.copy(),
        chalf, ccentre, khalf, kcentre, steps, k, threshold, rule, jmax, movement, model2,
        seed,
    )  # fmt: skip
