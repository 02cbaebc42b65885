"""Activity and capacity: the art of government is learned only by exercising it.

Letter: "No class has been born in possession of the art of government. This
art can only be acquired by experience"; the bureaucracy "has reduced this
participation to an empty phrase, the workers are unable to acquire any part
of this education"; and Babeuf: "It is more difficult to re-educate the people
in the love of liberty than to conquer it".

Activity rises where voice works and where members have offices to elect, and
falls with futility, fear, hardship and disuse (nominations "kill popular
initiative": nothing is left for the members to do). Capacity grows with activity exercised
in elective institutions (faster for those who already have some: learning
builds on learning), with holding office and with education, and decays when
unused. Rights restored are taken up only as far as members know how to use
them ("No Soviet constitution, be it ideal, can ensure to the working class an
exercise without obstacle of its dictatorship ... if the proletariat does not
know how to utilise its rights"): the gain of activity from opportunity is
gated by capacity. That asymmetry (decay proportional and immediate, recovery
conditional on a capacity that must first be relearned) is what makes recovery
slower than decline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from thermidor.mechanisms.base import Params
from thermidor.mechanisms.offices import opportunity
from thermidor.model.world import HOLDER

if TYPE_CHECKING:
    from thermidor.model.world import World


class ActivityParams(Params):
    success_gain: float = Field(0.1, ge=0, le=1, description="activity gained when voice works")
    futility_loss: float = Field(0.05, ge=0, le=1, description="activity lost when voice fails")
    fear_loss: float = Field(0.03, ge=0, le=1, description="activity lost per step per unit fear")
    hardship_loss: float = Field(0.05, ge=0, le=1, description="activity lost per unit hardship")
    disuse_loss: float = Field(
        0.03, ge=0, le=1, description="activity lost per step with no office answering to members"
    )
    opportunity_gain: float = Field(
        0.05, ge=0, le=1, description="activity gained per step with elective offices to use"
    )
    capacity_gate: float = Field(
        1.0,
        ge=0,
        le=1,
        description="how far taking up offered rights needs capacity (0 = not at all)",
    )
    learn: float = Field(0.02, ge=0, le=1, description="capacity learned per step of exercise")
    office_learn: float = Field(0.02, ge=0, le=1, description="capacity learned by holding office")
    education_gain: float = Field(
        0.01, ge=0, le=1, description="capacity gained per step at full education intensity"
    )
    decay: float = Field(0.006, ge=0, le=1, description="share of unused capacity lost per step")


def capacity_change(
    capacity: np.ndarray,
    exercise: np.ndarray,
    in_office: np.ndarray,
    education: float,
    params: ActivityParams,
) -> np.ndarray:
    """One step's change of capacity: learning by doing, office, education, minus decay."""
    learning = params.learn * exercise * (0.2 + capacity) * (1.0 - capacity)
    office = params.office_learn * in_office * (1.0 - capacity)
    taught = params.education_gain * education * (1.0 - capacity)
    decay = params.decay * capacity * (1.0 - exercise)
    return learning + office + taught - decay


def activity_change(
    activity: np.ndarray,
    capacity: np.ndarray,
    opportunity_: np.ndarray,
    success: np.ndarray,
    futility: np.ndarray,
    fear: np.ndarray,
    hardship: np.ndarray,
    params: ActivityParams,
) -> np.ndarray:
    """One step's change of activity."""
    gain = (
        params.success_gain * success
        + params.opportunity_gain
        * opportunity_
        * (1.0 - params.capacity_gate + params.capacity_gate * capacity)
        * (1.0 - fear)
    ) * (1.0 - activity)
    loss = (
        params.futility_loss * futility
        + params.fear_loss * fear
        + params.hardship_loss * hardship
        + params.disuse_loss * (1.0 - opportunity_)
    ) * activity
    return gain - loss


def step(world: World, params: ActivityParams, rng: np.random.Generator) -> None:
    del rng
    m = world.members
    opp = opportunity(world)
    exercise = m.activity * opp
    in_office = (m.role == HOLDER).astype(np.float32)
    present = m.present  # members not yet recruited keep the levels their cohort gives them
    capacity = np.clip(
        m.capacity
        + capacity_change(m.capacity, exercise, in_office, world.policy.education, params),
        0.0,
        1.0,
    )
    m.capacity = np.where(present, capacity, m.capacity).astype(np.float32)
    activity = np.clip(
        m.activity
        + activity_change(
            m.activity, m.capacity, opp, m.success, m.futility, m.fear, m.hardship, params
        ),
        0.0,
        1.0,
    )
    m.activity = np.where(present, activity, m.activity).astype(np.float32)
