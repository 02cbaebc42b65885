"""Fixtures shared by the mechanism tests: a tiny world (500 members, 13 cells, 48 offices)."""

from __future__ import annotations

import numpy as np
import pytest

from support import small_world
from thermidor.model.state import World

TINY = "meta.members=500"


@pytest.fixture
def tiny() -> World:
    """A freshly built 500-member world of the small scenario (every office elected)."""
    return small_world(TINY)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
