"""Shared test helpers: a small neutral scenario and worlds built from it."""

from __future__ import annotations

from pathlib import Path

from thermidor.engine.rng import Streams
from thermidor.model.build import build_world
from thermidor.model.scenario import Scenario
from thermidor.model.state import World
from thermidor.scenarios.loader import load_scenario

SMALL = Path(__file__).parent / "data" / "small.toml"


def small_scenario(*overrides: str) -> Scenario:
    """The tests' neutral scenario (tests/data/small.toml) with ``--set``-style overrides."""
    return load_scenario(str(SMALL), list(overrides))


def small_world(*overrides: str, seed: int = 1) -> World:
    """A freshly built world of the small scenario."""
    world, _ = build_world(small_scenario(*overrides), Streams(seed))
    return world
