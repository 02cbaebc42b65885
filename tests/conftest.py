"""Shared fixtures (helpers live in support.py so test modules can import them)."""

from __future__ import annotations

import pytest

from support import small_scenario, small_world
from thermidor.model.world import World
from thermidor.scenarios.schema import Scenario


@pytest.fixture
def scenario() -> Scenario:
    return small_scenario()


@pytest.fixture
def world() -> World:
    return small_world()
