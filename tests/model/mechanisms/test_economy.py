"""The economy: hardship follows its stratum's level plus active shocks; recruits arrive on time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from support import small_scenario
from thermidor.engine.rng import Streams
from thermidor.model.build import build_world
from thermidor.model.mechanisms import economy
from thermidor.model.mechanisms.economy import EconomyParams, active
from thermidor.model.scenario import Scenario
from thermidor.model.state import World
from thermidor.scenarios.loader import validate

P = EconomyParams()
REGULAR, POOR = 0, 1  # small.toml strata: hardship 0.2 and 0.5, vulnerability 0.5 (default)


def _scenario(*shocks: dict[str, Any]) -> Scenario:
    raw = small_scenario("meta.members=500").model_dump(mode="python")
    raw["shocks"] = list(shocks)
    return validate(raw)


def _setup(*shocks: dict[str, Any]) -> tuple[World, Callable[..., None]]:
    scenario = _scenario(*shocks)
    world, queue = build_world(scenario, Streams(1))
    return world, economy.bind(scenario, queue)


def _run(world: World, step: Callable[..., None], steps: range, params: EconomyParams = P) -> None:
    rng = np.random.default_rng(0)
    for t in steps:
        world.step = t
        step(world, params, rng)


@pytest.mark.parametrize(
    ("start", "duration", "step", "expected"),
    [(3, 2, 2, False), (3, 2, 3, True), (3, 2, 4, True), (3, 2, 5, False), (0, 1, 0, True)],
)
def test_active(start, duration, step, expected):
    assert active(start, duration, step) is expected


def test_hardship_stays_at_its_level_without_shocks():
    world, step = _setup()
    before = world.members.hardship.copy()
    _run(world, step, range(10))
    np.testing.assert_allclose(world.members.hardship, before, rtol=1e-6)


def test_hardship_moves_toward_the_harvest_shocks_target():
    world, step = _setup({"kind": "harvest", "start": 2, "duration": 100, "magnitude": 0.4})
    m = world.members
    regular = m.stratum == REGULAR
    _run(world, step, range(2))
    np.testing.assert_allclose(m.hardship[regular], 0.2, rtol=1e-6)  # not yet
    _run(world, step, range(2, 3))
    target = 0.2 + 0.4 * 0.5
    first = 0.2 + P.hardship_relax * (target - 0.2)
    np.testing.assert_allclose(m.hardship[regular], first, rtol=1e-5)
    _run(world, step, range(3, 80))
    np.testing.assert_allclose(m.hardship[regular], target, atol=1e-4)
    np.testing.assert_allclose(m.hardship[m.stratum == POOR], 0.5 + 0.2, atol=1e-4)


def test_hardship_recovers_when_the_shock_ends():
    world, step = _setup({"kind": "harvest", "start": 0, "duration": 30, "magnitude": 0.4})
    m = world.members
    _run(world, step, range(30))
    assert (m.hardship[m.stratum == REGULAR] > 0.35).all()
    _run(world, step, range(30, 120))
    np.testing.assert_allclose(m.hardship[m.stratum == REGULAR], 0.2, atol=1e-4)


def test_hardship_is_bounded():
    world, step = _setup({"kind": "harvest", "start": 0, "duration": 200, "magnitude": 10.0})
    _run(world, step, range(200))
    assert (world.members.hardship <= 1.0).all()
    np.testing.assert_allclose(world.members.hardship, 1.0, atol=1e-4)


def test_unemployment_hits_the_low_paid_hardest():
    world, step = _setup({"kind": "unemployment", "start": 0, "duration": 100, "magnitude": 1.0})
    m = world.members
    before = m.hardship.copy()
    _run(world, step, range(100))
    rise = m.hardship - before
    regular = m.stratum == REGULAR
    low = regular & (m.wage_category == 1)
    high = regular & (m.wage_category >= 15)
    assert low.any()
    assert high.any()
    assert rise[low].min() > rise[high].max()


def test_a_market_shock_raises_temptation_while_it_lasts():
    world, step = _setup({"kind": "market", "start": 1, "duration": 2, "magnitude": 0.5})
    base = _scenario().economy.market_temptation
    _run(world, step, range(1))
    assert world.policy.market_temptation == pytest.approx(base)
    _run(world, step, range(1, 3))
    assert world.policy.market_temptation == pytest.approx(min(base + 0.5, 1.0))
    _run(world, step, range(3, 4))
    assert world.policy.market_temptation == pytest.approx(base)


def test_a_crisis_shock_schedules_one_crisis_at_its_start():
    world, step = _setup({"kind": "crisis", "start": 4, "duration": 3, "magnitude": 0.2})
    _run(world, step, range(4))
    assert not world.pending_crisis
    _run(world, step, range(4, 5))
    assert world.pending_crisis
    world.pending_crisis = False  # the crisis mechanism consumes it
    _run(world, step, range(5, 7))
    assert not world.pending_crisis
    assert world.members.hardship[world.members.stratum == REGULAR].min() > 0.2  # and it hurts


def test_recruits_arrive_at_their_step():
    wave = {"kind": "recruitment", "start": 3, "duration": 2, "magnitude": 0.2, "cohort": "new"}
    world, step = _setup(wave)
    m = world.members
    assert m.size == 500 + 100
    recruits = np.flatnonzero(~m.present)  # slots are numbered by cell, recruits among them
    assert recruits.size == 100
    _run(world, step, range(3))
    assert m.present.sum() == 500
    _run(world, step, range(3, 4))
    first = recruits[m.present[recruits]]
    assert first.size == 50
    assert (m.joined[first] == 3).all()
    _run(world, step, range(4, 5))
    assert m.present[recruits].all()
    assert (m.joined[recruits[~np.isin(recruits, first)]] == 4).all()
    assert (m.cohort[recruits] == 1).all()  # the 'new' cohort
    assert (np.delete(m.joined, recruits) == -1).all()
    assert m.present.sum() == 600
