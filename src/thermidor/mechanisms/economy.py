"""The economy and shocks: hardship, market temptation, recruitment waves and crises.

Letter: in Paris "the economic crisis and even more ... the shortage of food",
"two years of bad crops"; in the USSR "the workless, who constitute an ever
increasing danger", "the masses reduced to penury", "the nefarious influence
of the NEP"; and recruits who "entered it for the most part after 1923 (the
Lenin promotion); they have no idea of what the party régime was like".

Hardship moves toward its stratum's level plus the active shocks (a harvest
failure hits the vulnerable, unemployment hits the low-paid hardest); market
shocks raise the temptations of office; recruitment waves bring new members
of a named cohort into the population, spread over the shock's duration; a
crisis shock schedules a crisis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from thermidor.mechanisms.base import Params

if TYPE_CHECKING:
    from thermidor.model.world import World
    from thermidor.scenarios.schema import Scenario


class EconomyParams(Params):
    hardship_relax: float = Field(
        0.15, ge=0, le=1, description="share of the gap to the hardship target closed per step"
    )


def active(shock_start: int, duration: int, step: int) -> bool:
    return shock_start <= step < shock_start + duration


def make_step(scenario: Scenario, recruit_queue: dict[int, np.ndarray]):
    """Bind the scenario's shock schedule into a step function."""
    strata = scenario.society.strata
    base_hardship = np.array([s.hardship for s in strata], dtype=np.float32)
    vulnerability = np.array([s.vulnerability for s in strata], dtype=np.float32)
    base_temptation = scenario.economy.market_temptation
    categories = scenario.society.wage_categories

    def step(world: World, params: EconomyParams, rng: np.random.Generator) -> None:
        del rng
        m, t = world.members, world.step
        target = base_hardship[m.stratum].copy()
        temptation = base_temptation
        low_paid = 1.0 - (m.wage_category - 1) / max(categories - 1, 1)
        for shock in scenario.shocks:
            if not active(shock.start, shock.duration, t):
                continue
            if shock.kind in ("harvest", "crisis"):
                target += shock.magnitude * vulnerability[m.stratum]
            elif shock.kind == "unemployment":
                target += shock.magnitude * vulnerability[m.stratum] * low_paid
            elif shock.kind == "market":
                temptation += shock.magnitude
            if shock.kind == "crisis" and t == shock.start:
                world.pending_crisis = True
        world.policy.market_temptation = float(min(temptation, 1.0))
        np.clip(target, 0.0, 1.0, out=target)
        m.hardship = (m.hardship + params.hardship_relax * (target - m.hardship)).astype(np.float32)
        arriving = recruit_queue.get(t)
        if arriving is not None:
            m.present[arriving] = True
            m.joined[arriving] = t

    return step
