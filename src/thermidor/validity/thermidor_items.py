"""Thermidor as an item of robustness: does the history end in it?

For each of the two histories, the share of seeds whose run reaches Thermidor by the
scenario's end: Paris by June 1795 (its default size), the Soviet history by August 1928,
the month of the letter (at ``SOVIET_SIZE``, the size of the facts' 1928 counterfactuals).
The item holds when more than half of the seeds reach it; its margin is the share's excess
over one half in units of one half, from -1 (no seed) to +1 (every seed).
"""

from __future__ import annotations

from thermidor.model.scenario import Scenario
from thermidor.validity.clauses import FactResult, above
from thermidor.validity.ensembles import Ensembles, scenario, shared
from thermidor.validity.facts_history import PARIS, SOVIET_SIZE
from thermidor.validity.facts_institutions import ON, SEEDS

SOVIET = "soviet-1917-1928"


def reached(fact: str, sc: Scenario, seeds: tuple[int, ...], runs: Ensembles | None) -> FactResult:
    """The item ``fact``: the share of ``seeds`` whose run of ``sc`` reaches Thermidor."""
    r = runs or shared()
    hits = sum(run.results.thermidor_step is not None for run in r.runs(sc, seeds))
    return FactResult(
        fact, (above("share of runs reaching Thermidor", hits / len(seeds), 0.5, 0.5),)
    )


def thermidor_paris(
    off: tuple[str, ...] = ON,
    *,
    overrides: tuple[str, ...] = (),
    seeds: tuple[int, ...] = SEEDS,
    runs: Ensembles | None = None,
) -> FactResult:
    """Paris reaches Thermidor by the scenario's end (1795-06) in most runs."""
    return reached("thermidor_paris", scenario(PARIS, *off, overrides=overrides), seeds, runs)


def thermidor_soviet(
    off: tuple[str, ...] = ON,
    *,
    overrides: tuple[str, ...] = (),
    seeds: tuple[int, ...] = SEEDS,
    runs: Ensembles | None = None,
) -> FactResult:
    """The Soviet history reaches Thermidor by August 1928 in most runs."""
    sc = scenario(SOVIET, SOVIET_SIZE, *off, overrides=overrides)
    return reached("thermidor_soviet", sc, seeds, runs)
