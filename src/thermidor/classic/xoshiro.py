"""A fast generator for compiled loops: xoshiro256** with Lemire's unbiased bounded integers.

Why not numba's ``np.random.randint``: in the Epstein kernel a bounded draw through it costs
about 15 ns (it rebuilds the bound's rejection mask on every call), as much as the work it
decides; xoshiro256** (Blackman and Vigna, 2021, "Scrambled linear pseudorandom number
generators", ACM TOMS 47(4)) is a few shifts and xors per 64 bits, and Lemire's method
(2019, "Fast random integer generation in an interval", ACM TOMACS 29(1)) maps 32 of them
to ``0..n-1`` with one multiplication, rejecting only the few values that would bias it.

The state is four uint64 words in an array the compiled caller owns; ``seeded_state``
fills it from numpy's ``SeedSequence`` (same seed, same stream; never all zero).
"""

from __future__ import annotations

import numba as nb
import numpy as np

__all__ = ["bounded", "next_u64", "seeded_state"]

_MASK32 = np.uint64(0xFFFFFFFF)
_TWO32 = np.uint64(1 << 32)


def seeded_state(seed: int) -> np.ndarray:
    """The four-word state for ``seed``, spread by numpy's ``SeedSequence``."""
    state = np.random.SeedSequence(seed).generate_state(4, np.uint64)
    if not state.any():  # xoshiro's one forbidden state; SeedSequence all but never gives it
        state[0] = 1
    return state


@nb.njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@nb.njit(cache=True, inline="always")
def next_u64(s):
    """The next 64 random bits of state ``s`` (xoshiro256**), advancing it."""
    result = _rotl(s[1] * np.uint64(5), 7) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@nb.njit(cache=True, inline="always")
def bounded(s, n):
    """A uniform integer in 0..n-1 for 1 <= n < 2**32 (Lemire's method, exactly unbiased)."""
    un = np.uint64(n)
    m = (next_u64(s) >> np.uint64(32)) * un
    low = m & _MASK32
    if low < un:
        floor = (_TWO32 - un) % un  # 2**32 mod n: the values a multiple of n leaves over
        while low < floor:
            m = (next_u64(s) >> np.uint64(32)) * un
            low = m & _MASK32
    return np.int64(m >> np.uint64(32))
