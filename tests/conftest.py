"""Shared fixtures (helpers live in support.py so test modules can import them)."""

from __future__ import annotations

import pytest

from support import small_scenario, small_world
from thermidor.model.scenario import Scenario
from thermidor.model.state import World


@pytest.fixture
def scenario() -> Scenario:
    return small_scenario()


@pytest.fixture
def world() -> World:
    return small_world()
