"""Voice: members who know of an abuse speak out when grievance outweighs fear; some of
those who know and spoke in vain form an opposition.

Letter: "Workers witnessed these, but let them pass without protest, or
contented themselves with a few remarks, through fear of those who are in
power or because of political indifference"; and of the opposition, "the
expulsion of hundreds and hundreds of comrades": a minority that the same
knowledge and the same dead ends made, and fear held back.

A threshold model (Granovetter 1978) with preference falsification (Kuran):
a member speaks when the share of neighbours who spoke last step, plus the
member's own net motive (activity times grievance, less fear), reaches the
member's threshold. Members of the opposition speak out more readily.

The opposition forms from three of the letter's causes: knowledge of abuses
left unpunished (one's own office's abuse widely known and standing, or a
scandal elsewhere heard of), voice that met a dead end (the futile voices
accountability counts), and the example of neighbours already in it; fear
holds each member back. Members leave it out of fear, or when voice works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from thermidor.engine.kernels import recount_flagged
from thermidor.engine.rng import step_key
from thermidor.model.kernels import opposition_round, voice_round
from thermidor.model.mechanisms.base import ParamsBase
from thermidor.model.mechanisms.knowledge import standing_bits

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
    scandal_grievance: float = Field(
        0.5, ge=0, le=10, description="grievance from abuses heard of beyond one's own offices"
    )
    futile_voices: float = Field(
        6.0, gt=0, le=10_000, description="futile voices that make voice's futility certain"
    )
    futility_weight: float = Field(
        0.5, ge=0, le=10, description="cause to join the opposition from futile voice"
    )
    contagion: float = Field(
        3.0, ge=0, le=10, description="drive from a neighbourhood wholly in the opposition"
    )
    join_rate: float = Field(
        0.05, ge=0, le=1, description="chance per step to join at full drive and no fear"
    )
    leave_fear: float = Field(
        0.02, ge=0, le=1, description="chance per step to leave the opposition at full fear"
    )
    leave_idle: float = Field(
        0.05, ge=0, le=1, description="chance per step to leave the opposition with no cause left"
    )
    leave_success: float = Field(
        0.5, ge=0, le=1, description="chance to leave the opposition when voice worked"
    )


def net_motive(
    activity: np.ndarray,
    knows_any: np.ndarray,
    hardship: np.ndarray,
    fear: np.ndarray,
    opposition: np.ndarray,
    params: VoiceParams,
    heard: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Motive to speak (activity x grievance) less fear, plus the opposition's resolve.

    ``heard`` (abuses known beyond one's own offices) adds to the grievance only."""
    grievance = (
        params.abuse_grievance * knows_any
        + params.hardship_grievance * hardship
        + params.scandal_grievance * heard
    )
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


def opposition_cause(
    unpunished: np.ndarray,
    heard: np.ndarray,
    voice_count: np.ndarray,
    params: VoiceParams,
) -> np.ndarray:
    """Cause to join (0..1): abuses known unpunished (one's own office's, 1; heard of
    elsewhere, ``heard`` weighted) and the futility of one's own voice, capped at 1."""
    known = np.minimum(unpunished + params.scandal_grievance * heard, 1.0)
    futile = np.minimum(voice_count / params.futile_voices, 1.0)
    return np.minimum(known + params.futility_weight * futile, 1.0)


def join_probability(
    cause: np.ndarray,
    activity: np.ndarray,
    opposition_share: np.ndarray,
    fear: np.ndarray,
    params: VoiceParams,
) -> np.ndarray:
    """Chance per step a member not in the opposition joins it.

    The drive is the cause times activity plus the neighbours' example (the share of
    neighbours in the opposition, times ``contagion``): without a cause no example
    suffices. Fear holds it back: the chance is scaled by ``1 - fear_weight x fear``."""
    drive = np.minimum(cause * (activity + params.contagion * opposition_share), 1.0)
    held = np.maximum(1.0 - params.fear_weight * fear, 0.0)
    return params.join_rate * drive * held


def leave_probability(
    cause: np.ndarray, fear: np.ndarray, success: np.ndarray, params: VoiceParams
) -> np.ndarray:
    """Chance per step a member of the opposition leaves it: fear, a cause that faded
    (abuses no longer known, voice no longer futile), or voice that worked."""
    return np.minimum(
        params.leave_fear * fear
        + params.leave_idle * (1.0 - cause)
        + params.leave_success * success,
        1.0,
    )


Params = VoiceParams


def step(world: World, params: VoiceParams, rng: np.random.Generator) -> None:
    m, net = world.members, world.network
    degree = world.present_degree()
    coef = np.array(
        [
            params.abuse_grievance,
            params.hardship_grievance,
            params.fear_weight,
            params.opposition_motive,
            params.scandal_grievance,
        ]
    )
    # speaks(net_motive(...), share of neighbours who spoke, ...) for the rank and file with a
    # cause (an abuse known, or the opposition's), fused
    spoke, opposed = world.voicing_neighbours, world.opposition_neighbours
    recount_flagged(net.indptr, net.indices, m.voicing, spoke.flags, spoke.count)
    recount_flagged(net.indptr, net.indices, m.opposition & m.present, opposed.flags, opposed.count)
    m.voicing = voice_round(
        spoke.count,
        degree,
        m.present,
        m.knows,
        m.role,
        m.activity,
        m.hardship,
        m.heard,
        m.fear,
        m.threshold,
        m.opposition,
        coef,
    )
    # then who joins and leaves the opposition, from the state at the start of the step:
    # join_probability(opposition_cause(...), ...) and leave_probability(...), fused
    opposition_round(
        opposed.count,
        degree,
        m.present,
        m.cell,
        m.serial,
        m.knows,
        standing_bits(world),
        m.role,
        m.activity,
        m.heard,
        m.fear,
        m.voice_count,
        m.success,
        m.opposition,
        step_key(rng),
        np.array(
            [
                params.scandal_grievance,
                params.futile_voices,
                params.futility_weight,
                params.contagion,
                params.fear_weight,
                params.join_rate,
                params.leave_fear,
                params.leave_idle,
                params.leave_success,
            ]
        ),
    )
