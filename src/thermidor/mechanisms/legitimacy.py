"""Legitimacy: how members judge the regime, from what they see of its apparatus.

Letter: the semi-pauperised "are especially becoming the enemies of the
functionaries of the soviets, of the party and of the trade unions. They can
sometimes be heard speaking of the summits of the working class as the 'new
nobility'"; and Molotov's equation of the dictatorship with "the brutes of
Smolensk ... only succeeds in discrediting the dictatorship".

Each member's legitimacy moves toward a target lowered by known, unpunished
abuses, by the privilege gap between apparatus and ranks, by hardship and by
exclusion ("the elimination of the masses from the leadership of the
country": none of one's offices answers to members), and raised when voice
works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from thermidor.mechanisms.base import Params
from thermidor.mechanisms.offices import opportunity
from thermidor.model.world import MEMBER

if TYPE_CHECKING:
    from thermidor.model.world import World


class LegitimacyParams(Params):
    rate: float = Field(
        0.05, ge=0, le=1, description="share of the gap to the target closed per step"
    )
    abuse_weight: float = Field(0.35, ge=0, le=1, description="loss for a known unpunished abuse")
    privilege_weight: float = Field(
        0.35, ge=0, le=1, description="loss at an infinite privilege gap"
    )
    hardship_weight: float = Field(0.3, ge=0, le=1, description="loss at full hardship")
    voice_weight: float = Field(0.3, ge=0, le=1, description="gain when voice works")
    exclusion_weight: float = Field(
        0.3, ge=0, le=1, description="loss when none of one's offices answers to members"
    )


def legitimacy_target(
    knows_any: np.ndarray,
    privilege_ratio: float,
    hardship: np.ndarray,
    success: np.ndarray,
    params: LegitimacyParams,
    excluded: np.ndarray | float = 0.0,
) -> np.ndarray:
    """The level legitimacy moves toward; the 'new nobility' gap is 1 - 1/ratio."""
    gap = max(0.0, 1.0 - 1.0 / max(privilege_ratio, 1e-9))
    target = (
        1.0
        - params.abuse_weight * knows_any
        - params.privilege_weight * gap
        - params.hardship_weight * hardship
        + params.voice_weight * success
        - params.exclusion_weight * excluded
    )
    return np.clip(target, 0.0, 1.0)


def privilege_ratio(world: World) -> float:
    """Mean income inside the apparatus / mean income outside it (1 with no apparatus)."""
    m = world.members
    income = m.wage * m.privilege
    inside = m.present & (m.role != MEMBER)
    outside = m.present & (m.role == MEMBER)
    if not inside.any() or not outside.any():
        return 1.0
    return float(income[inside].mean() / income[outside].mean())


def step(world: World, params: LegitimacyParams, rng: np.random.Generator) -> None:
    del rng
    m = world.members
    target = legitimacy_target(
        (m.knows > 0).astype(np.float32),
        privilege_ratio(world),
        m.hardship,
        m.success,
        params,
        excluded=1.0 - opportunity(world),
    )
    moved = m.legitimacy + params.rate * (target - m.legitimacy)
    m.legitimacy = np.where(m.present, moved, m.legitimacy).astype(np.float32)
