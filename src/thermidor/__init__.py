"""thermidor: agent-based simulation of the 'professional dangers' of power (Rakovsky, 1928).

The public API is deliberately small: load a scenario, run it, read the results.
Importing it loads no dashboard, plotting or cluster library.
"""

from thermidor._version import __version__
from thermidor.model.results import METRICS, Results
from thermidor.model.run import run
from thermidor.scenarios import Scenario, ScenarioError, list_scenarios, load_scenario

__all__ = [
    "METRICS",
    "Results",
    "Scenario",
    "ScenarioError",
    "__version__",
    "list_scenarios",
    "load_scenario",
    "run",
]
