"""Scenario files: a validated description of a society, its institutions and its history."""

from thermidor.scenarios.loader import (
    ScenarioError,
    apply_overrides,
    list_scenarios,
    load_scenario,
)
from thermidor.scenarios.schema import Scenario

__all__ = ["Scenario", "ScenarioError", "apply_overrides", "list_scenarios", "load_scenario"]
