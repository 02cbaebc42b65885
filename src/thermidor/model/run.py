"""``run(scenario, seed) -> Results``: the one function every front end calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from thermidor._version import __version__
from thermidor.engine.plan import Stage
from thermidor.engine.rng import Streams
from thermidor.mechanisms import (
    abuse,
    accountability,
    activity,
    apparatus,
    crisis,
    differentiation,
    economy,
    interventions,
    knowledge,
    legitimacy,
    reporting,
    repression,
    voice,
)
from thermidor.model.build import build_world
from thermidor.model.plan import STEP_PLAN
from thermidor.model.recorder import Recorder
from thermidor.model.results import Results
from thermidor.scenarios.schema import Scenario

VERSION = __version__

_STEPS: dict[str, Callable[..., Any]] = {
    "differentiation": differentiation.step,
    "abuse": abuse.step,
    "knowledge": knowledge.step,
    "reporting": reporting.step,
    "voice": voice.step,
    "accountability": accountability.step,
    "repression": repression.step,
    "apparatus": apparatus.step,
    "activity": activity.step,
    "legitimacy": legitimacy.step,
    "crisis": crisis.step,
}


def compose(scenario: Scenario, recruit_queue: dict) -> list[Stage]:
    """The step plan bound to this scenario's schedule of shocks and interventions."""
    bound = dict(_STEPS)
    bound["economy"] = economy.make_step(scenario, recruit_queue)
    bound["interventions"] = interventions.make_step(scenario)
    return [Stage(e.name, e.summary, bound[e.name]) for e in STEP_PLAN]


def run(
    scenario: Scenario, seed: int, *, progress: Callable[[int, int], None] | None = None
) -> Results:
    """Simulate ``scenario`` from ``seed``; bit-for-bit reproducible for a given version."""
    streams = Streams(seed)
    world, queue = build_world(scenario, streams)
    plan = compose(scenario, queue)
    params = {stage.name: getattr(scenario.mechanisms, stage.name) for stage in plan}
    steps = scenario.meta.steps
    recorder = Recorder(steps)
    for t in range(steps):
        world.step = t
        for stage in plan:
            stage.step(world, params[stage.name], streams(stage.name))
        recorder.record(world, t)
        if progress is not None:
            progress(t + 1, steps)
    return Results(
        scenario=scenario.meta.name,
        seed=seed,
        steps=steps,
        members=scenario.meta.members,
        params=scenario.model_dump(mode="json"),
        version=VERSION,
        series=recorder.series,
        thermidor_step=world.tally.thermidor_step,
        crises=list(world.tally.crises),
    )
