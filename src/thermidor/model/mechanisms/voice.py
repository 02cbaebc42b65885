"""Voice: members who know of an abuse speak out when grievance outweighs fear.

Letter: "Workers witnessed these, but let them pass without protest, or
contented themselves with a few remarks, through fear of those who are in
power or because of political indifference."

A threshold model (Granovetter 1978) with preference falsification (Kuran):
a member speaks when the share of neighbours who spoke last step, plus the
member's own net motive (activity times grievance, less fear), reaches the
member's threshold. Members of the opposition speak out more readily; those
who have spoken out in vain often (voice that no institution answered) join it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from thermidor.model.kernels import voice_round
from thermidor.model.mechanisms.base import ParamsBase

if TYPE_CHECKING:
    from thermidor.model.state import World


NAME = "voice"
SUMMARY = "members who know speak out past fear and their threshold"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset(("opposition", "voicing"))


class VoiceParams(ParamsBase):
    abuse_grievance: float = Field(1.0, ge=0, le=10, description="grievance from a known abuse")
    hardship_grievance: float = Field(0.3, ge=0, le=10, description="grievance per unit hardship")
    fear_weight: float = Field(1.0, ge=0, le=10, description="how much fear holds voice back")
    opposition_motive: float = Field(
        0.2, ge=0, le=1, description="extra motive of opposition members"
    )
    opposition_after: int = Field(
        6, ge=1, le=10_000, description="times spoken out in vain before joining the opposition"
    )


def net_motive(
    activity: np.ndarray,
    knows_any: np.ndarray,
    hardship: np.ndarray,
    fear: np.ndarray,
    opposition: np.ndarray,
    params: VoiceParams,
) -> np.ndarray:
    """Motive to speak (activity x grievance) less fear, plus the opposition's resolve."""
    grievance = params.abuse_grievance * knows_any + params.hardship_grievance * hardship
    return (
        activity * np.minimum(grievance, 1.0)
        - params.fear_weight * fear
        + params.opposition_motive * opposition
    ).astype(np.float32)


def speaks(
    motive: np.ndarray, neighbour_share: np.ndarray, threshold: np.ndarray, has_cause: np.ndarray
) -> np.ndarray:
    """Threshold rule: speak when others' example plus one's own motive reaches the threshold."""
    return has_cause & (motive > 0.0) & (neighbour_share + motive >= threshold)


Params = VoiceParams


def step(world: World, params: VoiceParams, rng: np.random.Generator) -> None:
    del rng  # deterministic given the state
    m, net = world.members, world.network
    coef = np.array(
        [
            params.abuse_grievance,
            params.hardship_grievance,
            params.fear_weight,
            params.opposition_motive,
        ]
    )
    # speaks(net_motive(...), share of neighbours who spoke, ...) for the rank and file with a
    # cause (an abuse known, or the opposition's), fused; then who has joined the opposition
    m.voicing = voice_round(
        net.indptr,
        net.indices,
        world.present_degree(),
        m.voicing,
        m.present,
        m.knows,
        m.role,
        m.activity,
        m.hardship,
        m.fear,
        m.threshold,
        m.opposition,
        m.voice_count,
        coef,
        params.opposition_after,
    )
