"""``run(scenario, seed) -> Results``: the one function every front end calls."""

from __future__ import annotations

import time
from collections.abc import Callable

from thermidor._version import __version__
from thermidor.engine.rng import Streams
from thermidor.model.build import build_world
from thermidor.model.census import later_writes
from thermidor.model.plan import compose
from thermidor.model.recorder import Recorder
from thermidor.model.results import Results
from thermidor.model.scenario import Scenario

VERSION = __version__


class Simulation:
    """A run in progress: built once, then advanced one step at a time.

    ``run`` drives it to the end; the benchmark and the invariant tests drive it
    step by step, so there is one loop to keep faithful, not three.
    """

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self.streams = Streams(seed)
        self.world, queue = build_world(scenario, self.streams)
        self.plan = compose(scenario, queue)
        self.world.censuses.written_after = later_writes((s.name, s.writes) for s in self.plan)
        self._params = {stage.name: getattr(scenario.mechanisms, stage.name) for stage in self.plan}
        self.recorder = Recorder(scenario.meta.steps)
        self.t = 0

    def advance(self, spent: dict[str, float] | None = None) -> None:
        """Run every stage of the plan for the next step and record it.

        Args:
            spent: if given, seconds per stage (and ``record``) are added to it.
        """
        world, t = self.world, self.t
        world.step = t
        for stage in self.plan:
            start = time.perf_counter() if spent is not None else 0.0
            stage.step(world, self._params[stage.name], self.streams(stage.name))
            if spent is not None:
                spent[stage.name] = spent.get(stage.name, 0.0) + time.perf_counter() - start
        start = time.perf_counter() if spent is not None else 0.0
        self.recorder.record(world, t)
        if spent is not None:
            spent["record"] = spent.get("record", 0.0) + time.perf_counter() - start
        self.t += 1

    def results(self) -> Results:
        """The finished run's series and identity."""
        scenario = self.scenario
        return Results(
            scenario=scenario.meta.name,
            seed=self.seed,
            steps=scenario.meta.steps,
            members=scenario.meta.members,
            params=scenario.model_dump(mode="json"),
            version=VERSION,
            series=self.recorder.series,
            thermidor_step=self.world.tally.thermidor_step,
            crises=list(self.world.tally.crises),
        )


def run(
    scenario: Scenario, seed: int, *, progress: Callable[[int, int], None] | None = None
) -> Results:
    """Simulate ``scenario`` from ``seed``; bit-for-bit reproducible for a given version."""
    simulation = Simulation(scenario, seed)
    steps = scenario.meta.steps
    for t in range(steps):
        simulation.advance()
        if progress is not None:
            progress(t + 1, steps)
    return simulation.results()
