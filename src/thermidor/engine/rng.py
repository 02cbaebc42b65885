"""Named random streams derived from one seed.

Every decision in a run draws from its own stream, keyed by name, so adding a
draw to one mechanism never shifts the numbers another mechanism sees, and the
same seed gives the same run whatever order modules are built in.
"""

from __future__ import annotations

import hashlib

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
