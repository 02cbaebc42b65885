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

import numba
import numpy as np
from pydantic import Field

from thermidor.model.mechanisms.base import ParamsBase

if TYPE_CHECKING:
    from thermidor.model.mechanisms.base import RecruitQueue, Step
    from thermidor.model.scenario import Scenario
    from thermidor.model.state import World


NAME = "economy"
SUMMARY = "shocks move hardship and market temptation; recruits arrive"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset(("hardship", "joined", "present"))


class EconomyParams(ParamsBase):
    hardship_relax: float = Field(
        0.15, ge=0, le=1, description="share of the gap to the hardship target closed per step"
    )


def active(shock_start: int, duration: int, step: int) -> bool:
    return shock_start <= step < shock_start + duration


@numba.njit(cache=True, nogil=True, parallel=True)
def _relax_hardship(
    stratum: np.ndarray,
    wage_category: np.ndarray,
    hardship: np.ndarray,
    target: np.ndarray,
    relax: float,
) -> None:
    """In place: hardship moves toward ``target[stratum, wage_category]``."""
    rate = np.float32(relax)
    for i in numba.prange(hardship.size):
        h = hardship[i]
        hardship[i] = h + rate * (target[stratum[i], wage_category[i]] - h)


Params = EconomyParams


def bind(scenario: Scenario, recruit_queue: RecruitQueue) -> Step:
    """Bind the scenario's shock schedule into a step function."""
    strata = scenario.society.strata
    base_hardship = np.array([s.hardship for s in strata], dtype=np.float32)
    vulnerability = np.array([s.vulnerability for s in strata], dtype=np.float32)
    base_temptation = scenario.economy.market_temptation
    categories = scenario.society.wage_categories

    # the target depends on a member only through (stratum, wage category): a small table
    strata_grid = np.repeat(np.arange(len(strata)), categories + 1).reshape(len(strata), -1)
    category_grid = np.tile(np.arange(categories + 1, dtype=np.int8), (len(strata), 1))
    low_paid = 1.0 - (category_grid - 1) / max(categories - 1, 1)

    def step(world: World, params: EconomyParams, rng: np.random.Generator) -> None:
        del rng
        m, t = world.members, world.step
        target = base_hardship[strata_grid].copy()
        temptation = base_temptation
        for shock in scenario.shocks:
            if not active(shock.start, shock.duration, t):
                continue
            if shock.kind in ("harvest", "crisis"):
                target += shock.magnitude * vulnerability[strata_grid]
            elif shock.kind == "unemployment":
                target += shock.magnitude * vulnerability[strata_grid] * low_paid
            elif shock.kind == "market":
                temptation += shock.magnitude
            if shock.kind == "crisis" and t == shock.start:
                world.pending_crisis = True
        world.policy.market_temptation = float(min(temptation, 1.0))
        np.clip(target, 0.0, 1.0, out=target)
        _relax_hardship(m.stratum, m.wage_category, m.hardship, target, params.hardship_relax)
        arriving = recruit_queue.get(t)
        if arriving is not None:
            world.admit(arriving, t)

    return step
