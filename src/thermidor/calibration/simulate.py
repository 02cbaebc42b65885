"""One particle's runs, in a worker: the scenario at the particle's parameters, advanced
to its end, measured at the targets' dates.

A ``Particle`` carries everything a worker needs and nothing of pyabc's: the
scenario, the overrides of the point, the seed, and the (measure, step) pairs to
read. What comes back is a mapping of measure keys to numbers, small enough to
send back from a Ray node.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from thermidor.calibration.observables import SERIES, measure


@dataclass(frozen=True)
class Probe:
    """A measure to read at a step; its key names it in the particle's outcome."""

    key: str
    measure: str
    step: int


@dataclass(frozen=True)
class Particle:
    """One run to make: scenario, overrides, removed events, seed, and what to read."""

    arm: str
    scenario: str
    overrides: tuple[str, ...]
    without: tuple[str, ...]
    seed: int
    probes: tuple[Probe, ...]


@functools.lru_cache(maxsize=256)
def _resolved(scenario: str, overrides: tuple[str, ...], without: tuple[str, ...]):
    from thermidor.scenarios import load_scenario  # noqa: PLC0415

    return load_scenario(scenario, list(overrides), list(without))


def run_particle(particle: Particle) -> dict[str, float]:
    """The particle's measures; a probe past the run's end reads NaN (the target then
    counts as missed, never as met)."""
    from thermidor.model.run import Simulation  # noqa: PLC0415

    scenario = _resolved(particle.scenario, particle.overrides, particle.without)
    simulation = Simulation(scenario, particle.seed)
    census: dict[int, list[Probe]] = {}
    for probe in particle.probes:
        if probe.measure not in SERIES:
            census.setdefault(probe.step, []).append(probe)
    found: dict[str, float] = {}
    for step in range(scenario.meta.steps):
        simulation.advance()
        for probe in census.get(step, ()):
            found[probe.key] = measure(simulation, probe.measure)
    results = simulation.results()
    series = results.series
    for probe in particle.probes:
        if probe.measure in SERIES:
            values = series[probe.measure]
            inside = 0 <= probe.step < len(values)
            found[probe.key] = float(values[probe.step]) if inside else math.nan
        found.setdefault(probe.key, math.nan)
    thermidor = results.thermidor_step
    found[f"{particle.arm}|thermidor_step"] = math.nan if thermidor is None else float(thermidor)
    return found


def run_arms(task: tuple[int, tuple[Particle, ...]]) -> tuple[int, dict[str, float]]:
    """A proposal's runs, one per arm, merged under ``arm|`` prefixes; with its index, as
    the executors return results in the order they finish."""
    index, particles = task
    merged: dict[str, float] = {}
    for particle in particles:
        merged.update(run_particle(particle))
    return index, merged
