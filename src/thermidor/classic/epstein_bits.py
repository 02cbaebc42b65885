"""Bitboards of a torus with a halo: what an Epstein agent sees, counted with popcounts.

Why: an agent looks at every cell of its vision (113 for Mesa's radius-7 von Neumann
diamond) each time it acts. Keeping one bit per cell and category (occupied, cop, active,
free), each grid row stored as uint64 words padded on both sides by a halo of ``R`` bits
that mirrors the other edge of the torus, turns every row of the vision into one
contiguous bit range: a handful of shifts and a popcount instead of a hundred memory reads.

Rows of a vision must fit in a word: radius at most 31 (Mesa's sliders stop at 10).
Only for grids where a cell holds at most one agent (Mesa's schedule: capacity one, a
jailed citizen keeps its cell, the dead leave). Enumeration order, which the random picks
depend on, is the one of ``vision_offsets``: rows dy = -v..v, and in a row dx ascending.

Layout: ``boards[board, y, word]`` (a row's words side by side: the most frequent read,
a citizen's empty cells, touches one board); row words hold padded columns px = x + R,
plus one spare word so reading the word after any word never runs off the end.
Helpers that take the boards are inlined into the kernel (``inline="always"``): a call
passing an array costs numba more reference counting than the bit work it does.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import types
from numba.extending import intrinsic

__all__ = [
    "ACT",
    "COP",
    "FREE",
    "MAX_RADIUS",
    "N_BOARDS",
    "OCC",
    "kth_bit",
    "new_boards",
    "popcount",
    "relocate",
    "row_masks",
    "select",
    "shape_rows",
    "toggle",
    "window",
]

OCC = 0  # any agent that blocks moves (everyone alive under Mesa's schedule)
COP = 1
ACT = 2  # ACT + group: active citizens of group 0, 1
FREE = 4  # FREE + group: quiet or active citizens of group 0, 1
N_BOARDS = 6
MAX_RADIUS = 31  # a row of 2v+1 cells in one 64-bit word

_ONE = np.uint64(1)


@intrinsic
def _ctpop(typingctx, x):
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return sig, codegen


@intrinsic
def _cttz(typingctx, x):
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], context.get_constant(types.boolean, False))

    return sig, codegen


@nb.njit(cache=True)
def popcount(x):
    """Number of set bits of a uint64 (one POPCNT instruction where the CPU has it)."""
    return np.int64(_ctpop(x))  # type: ignore[call-arg]  # numba passes typingctx itself


@nb.njit(cache=True)
def lowest_bit(x):
    """Index of the lowest set bit of a non-zero uint64 (count of trailing zeros)."""
    return np.int64(_cttz(x))  # type: ignore[call-arg]  # numba passes typingctx itself


def shape_rows(dx: np.ndarray, dy: np.ndarray) -> tuple[np.ndarray, bool]:
    """Half-width of each vision row dy = -v..v and whether the own cell is in the vision.

    Every shape of ``vision_offsets`` is, row by row, a centred run of cells, possibly
    without the centre; this checks it rather than assumes it.
    """
    radius = int(max(np.abs(dx).max(), np.abs(dy).max()))
    half = np.zeros(2 * radius + 1, np.int64)
    for j, row in enumerate(range(-radius, radius + 1)):
        xs = dx[dy == row]
        half[j] = xs.max() if xs.size else -1
    centre = bool(np.any((dx == 0) & (dy == 0)))
    rebuilt = [
        (x, row)
        for j, row in enumerate(range(-radius, radius + 1))
        for x in range(-half[j], half[j] + 1)
        if centre or (x, row) != (0, 0)
    ]
    if rebuilt != list(zip(dx.tolist(), dy.tolist(), strict=True)):
        msg = "vision offsets are not centred rows in row-major order"
        raise ValueError(msg)
    return half, centre


def row_masks(half: np.ndarray, centre: bool) -> np.ndarray:
    """Per vision row, the mask of its 2h+1 cells in a window starting at its first cell."""
    masks = np.zeros(half.size, np.uint64)
    for j, h in enumerate(half.tolist()):
        if h >= 0:
            masks[j] = np.uint64((1 << (2 * h + 1)) - 1)
    if not centre:
        v = half.size // 2
        masks[v] &= ~np.uint64(1 << int(half[v]))
    return masks


def new_boards(width: int, height: int, halo: int) -> np.ndarray:
    """Empty boards for a ``width`` x ``height`` torus with a halo of ``halo`` columns."""
    words = (width + 2 * halo + 63) // 64 + 1
    return np.zeros((N_BOARDS, height, words), np.uint64)


@nb.njit(cache=True)
def window(w0, w1, off):
    """The 64 bits from bit ``off`` of word w0 on (into the next word w1), low bits first.

    Scalars only: a helper taking the boards array would have numba count references to it
    on every call, which costs more than the popcounts in this kernel's loops.
    """
    sh = np.uint64(off)
    return (w0 >> sh) | ((w1 << _ONE) << (np.uint64(63) - sh))


@nb.njit(cache=True)
def kth_bit(bits, r):
    """Index of the r-th (from 0) set bit of ``bits``, which has more than r set bits."""
    for _ in range(r):
        bits &= bits - _ONE
    return lowest_bit(bits)


@nb.njit(cache=True, inline="always")
def _flip(boards, b, x, y, W, R, on):
    """Set (on) or clear the bit of cell (x, y) on board b, and its halo copy, if any."""
    p = x + R
    q = p + W if x < R else (p - W if x >= W - R else -1)
    row = boards[b, np.uint64(y)]
    for px in (p, q):
        if px >= 0:
            w = np.uint64(px >> 6)
            bit = _ONE << np.uint64(px & 63)
            if on:
                row[w] |= bit
            else:
                row[w] &= ~bit


@nb.njit(cache=True, inline="always")
def toggle(boards, b, cell, W, R, on):
    """Set (on) or clear cell's bit on board b, and its halo copy near the edges."""
    _flip(boards, b, cell % W, cell // W, W, R, on)


@nb.njit(cache=True, inline="always")
def relocate(boards, mine, ox, oy, nx, ny, W, R):
    """Move the bits of the boards flagged in ``mine`` (a bit per board) from (ox, oy) to
    (nx, ny); coordinates rather than cells, since a division costs more than the bits."""
    for b in range(N_BOARDS):
        if (mine >> b) & 1:
            _flip(boards, b, ox, oy, W, R, False)
            _flip(boards, b, nx, ny, W, R, True)


@nb.njit(cache=True, inline="always")
def select(boards, x, y, W, H, R, half, masks, b1, b2, empty, r):
    """The r-th cell, in vision order, set on b1 or b2 (or, if ``empty``, unoccupied)."""
    v = half.size // 2
    for j in range(half.size):
        yy = y + j - v
        yy = yy + H if yy < 0 else (yy - H if yy >= H else yy)
        a = x + R - half[j]
        w = np.uint64(a >> 6)  # unsigned indices: no negative-index fix-ups in the loop
        uy = np.uint64(yy)
        off = a & 63
        bits = window(boards[b1, uy, w], boards[b1, uy, w + _ONE], off)
        bits |= window(boards[b2, uy, w], boards[b2, uy, w + _ONE], off)
        if empty:
            bits = ~bits
        bits &= masks[j]
        count = popcount(bits)
        if r < count:
            xx = a + kth_bit(bits, r) - R
            xx = xx + W if xx < 0 else (xx - W if xx >= W else xx)
            return yy * W + xx
        r -= count
    return -1
