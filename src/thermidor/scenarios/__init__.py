"""Scenario files: a validated description of a society, its institutions and its history."""

from thermidor.model.scenario import Scenario
from thermidor.scenarios.loader import (
    ScenarioError,
    apply_overrides,
    list_scenarios,
    load_scenario,
)

__all__ = ["Scenario", "ScenarioError", "apply_overrides", "list_scenarios", "load_scenario"]
