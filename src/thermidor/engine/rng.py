"""Named random streams derived from one seed.

Every decision in a run draws from its own stream, keyed by name, so adding a
draw to one mechanism never shifts the numbers another mechanism sees, and the
same seed gives the same run whatever order modules are built in.
"""

from __future__ import annotations

import hashlib

import numba
import numpy as np


def _name_key(name: str) -> int:
    """A stable 32-bit integer for a stream name (Python's hash() is salted)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "little")


class Streams:
    """Independent ``numpy.random.Generator`` objects keyed by name.

    Args:
        seed: the run's seed; every stream is a child of ``SeedSequence(seed)``.
    """

    def __init__(self, seed: int) -> None:
        if seed < 0:
            msg = f"seed must be a non-negative integer, got {seed}"
            raise ValueError(msg)
        self.seed = seed
        self._generators: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        """The generator for ``name``, created on first use."""
        gen = self._generators.get(name)
        if gen is None:
            seq = np.random.SeedSequence(entropy=self.seed, spawn_key=(_name_key(name),))
            gen = np.random.Generator(np.random.PCG64(seq))
            self._generators[name] = gen
        return gen


# --- uniforms inside compiled kernels --------------------------------------------------------
#
# A kernel that needs a draw for only some of its rows (a member who knows, a cell that votes)
# would otherwise receive an array of uniforms for every row, drawn in full each step: at 10^6
# members that costs more than the kernel. Instead the stage draws one 64-bit key per step from
# its numpy stream and the kernel hashes (key, counter) into a uniform where it needs one: a
# counter-based generator (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"),
# here SplitMix64's output function (Steele, Lea & Flood 2014) applied to the key plus the
# counter times the golden gamma: exactly SplitMix64's n-th output from seed ``key``, a
# generator that passes BigCrush. The draw of row i depends on (key, i) alone, so it is the
# same whichever thread computes it and in whatever order.

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_FLOAT24 = np.float32(1.0 / (1 << 24))


def step_key(rng: np.random.Generator) -> np.uint64:
    """One key for this step's counter-based draws, from the stage's stream."""
    return np.uint64(rng.integers(0, np.iinfo(np.uint64).max, dtype=np.uint64, endpoint=True))


@numba.njit(cache=True, nogil=True, inline="always")
def counter_uniform(key: np.uint64, counter: int) -> np.float32:
    """Uniform float32 in [0, 1) (24 random bits) for ``counter`` under ``key``."""
    z = key + (np.uint64(counter) + np.uint64(1)) * _GAMMA
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    z = z ^ (z >> np.uint64(31))
    return np.float32(z >> np.uint64(40)) * _FLOAT24
