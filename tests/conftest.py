"""Shared fixtures (helpers live in support.py so test modules can import them)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from support import small_scenario, small_world
from thermidor.model.scenario import Scenario
from thermidor.model.state import World

# Property tests check values, not speed: Hypothesis's default 200 ms deadline per example
# fails a first call that compiles a kernel, or any example on a loaded machine ("Unreliable
# test timings"), and its too-slow health check times the data generation.
settings.register_profile(
    "any-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("any-machine")


@pytest.fixture
def scenario() -> Scenario:
    return small_scenario()


@pytest.fixture
def world() -> World:
    return small_world()
