"""Activity and capacity: the art of government is learned only by exercising it.

Letter: "No class has been born in possession of the art of government. This
art can only be acquired by experience"; the bureaucracy "has reduced this
participation to an empty phrase, the workers are unable to acquire any part
of this education"; and Babeuf: "It is more difficult to re-educate the people
in the love of liberty than to conquer it".

Activity rises where voice works and with practice (the decisions a member
took part in lately: elections held in its cell, voice answered; set by accountability),
and falls with futility, fear, hardship and idleness: nominations "kill popular
initiative" because under them there are no elections to take part in and
voice meets a dead end, not by any term of the rule itself. Capacity grows with
activity exercised in practice (faster for those who already have some:
learning builds on learning), with holding office and with education, and
decays when unused. Rights restored are taken up only as far as members know
how to use them ("No Soviet constitution, be it ideal, can ensure to the working class an
exercise without obstacle of its dictatorship ... if the proletariat does not
know how to utilise its rights"): the gain of activity from practice is
gated by capacity. That asymmetry (decay proportional and immediate, recovery
conditional on a capacity that must first be relearned) is what makes recovery
slower than decline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np
from pydantic import Field

from thermidor.engine.blocks import block_count, block_rows
from thermidor.model.mechanisms.base import ParamsBase
from thermidor.model.state import HOLDER

if TYPE_CHECKING:
    from thermidor.model.state import World

__all__ = ["ActivityParams", "activity_change", "capacity_change", "step"]


NAME = "activity"
SUMMARY = "activity and capacity grow with working voice, decay unused"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset(("activity", "capacity"))


class ActivityParams(ParamsBase):
    success_gain: float = Field(0.1, ge=0, le=1, description="activity gained when voice works")
    futility_loss: float = Field(0.05, ge=0, le=1, description="activity lost when voice fails")
    fear_loss: float = Field(0.03, ge=0, le=1, description="activity lost per step per unit fear")
    hardship_loss: float = Field(0.05, ge=0, le=1, description="activity lost per unit hardship")
    idle_loss: float = Field(
        0.03,
        ge=0,
        le=1,
        description="activity lost per step without practice (no decision taken part in)",
    )
    practice_gain: float = Field(
        0.05, ge=0, le=1, description="activity gained per step at full practice"
    )
    capacity_gate: float = Field(
        1.0,
        ge=0,
        le=1,
        description="how far turning practice into activity needs capacity (0 = not at all)",
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
    """One step's change of capacity: learning by doing (``exercise`` = activity x
    practice), office, education, minus decay."""
    learning = params.learn * exercise * (0.2 + capacity) * (1.0 - capacity)
    office = params.office_learn * in_office * (1.0 - capacity)
    taught = params.education_gain * education * (1.0 - capacity)
    decay = params.decay * capacity * (1.0 - exercise)
    return learning + office + taught - decay


def activity_change(
    activity: np.ndarray,
    capacity: np.ndarray,
    practice: np.ndarray,
    success: np.ndarray,
    futility: np.ndarray,
    fear: np.ndarray,
    hardship: np.ndarray,
    params: ActivityParams,
) -> np.ndarray:
    """One step's change of activity."""
    gain = (
        params.success_gain * success
        + params.practice_gain
        * practice
        * (1.0 - params.capacity_gate + params.capacity_gate * capacity)
        * (1.0 - fear)
    ) * (1.0 - activity)
    loss = (
        params.futility_loss * futility
        + params.fear_loss * fear
        + params.hardship_loss * hardship
        + params.idle_loss * (1.0 - practice)
    ) * activity
    return gain - loss


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _exercise_rows(
    practice: np.ndarray,
    present: np.ndarray,
    role: np.ndarray,
    activity: np.ndarray,
    capacity: np.ndarray,
    success: np.ndarray,
    futility: np.ndarray,
    fear: np.ndarray,
    hardship: np.ndarray,
    coef: np.ndarray,
    education: float,
    holder: int,
) -> None:
    """``_exercise`` over contiguous rows: branch-free so that it vectorises (absent rows
    keep their values by a select)."""
    c = coef.astype(np.float32)
    success_gain, futility_loss, fear_loss, hardship_loss = c[0], c[1], c[2], c[3]
    idle_loss, practice_gain, gate, learn = c[4], c[5], c[6], c[7]
    office_learn, education_gain, decay = c[8], c[9], c[10]
    taught_rate = education_gain * np.float32(education)
    one, zero = np.float32(1.0), np.float32(0.0)
    for i in range(activity.size):
        done = practice[i]
        act, cap = activity[i], capacity[i]
        exercise = act * done
        in_office = np.float32(role[i] == holder)
        change = (
            learn * exercise * (np.float32(0.2) + cap) * (one - cap)
            + office_learn * in_office * (one - cap)
            + taught_rate * (one - cap)
            - decay * cap * (one - exercise)
        )
        new_cap = min(max(cap + change, zero), one)
        f = fear[i]
        gain = (
            success_gain * np.float32(success[i])
            + practice_gain * done * (one - gate + gate * new_cap) * (one - f)
        ) * (one - act)
        loss = (
            futility_loss * np.float32(futility[i])
            + fear_loss * f
            + hardship_loss * hardship[i]
            + idle_loss * (one - done)
        ) * act
        new_act = min(max(act + (gain - loss), zero), one)
        here = present[i]
        capacity[i] = new_cap if here else cap
        activity[i] = new_act if here else act


@numba.njit(cache=True, nogil=True, parallel=True)
def _exercise(
    present: np.ndarray,
    role: np.ndarray,
    practice: np.ndarray,
    activity: np.ndarray,
    capacity: np.ndarray,
    success: np.ndarray,
    futility: np.ndarray,
    fear: np.ndarray,
    hardship: np.ndarray,
    coef: np.ndarray,
    education: float,
    holder: int,
) -> None:
    """In place: ``capacity_change`` then ``activity_change`` (with the new capacity), clipped,
    for present members (float32, as numpy). ``coef`` holds ActivityParams in field order."""
    n = present.size
    for k in numba.prange(block_count(n)):
        lo, hi = block_rows(n, k)
        _exercise_rows(
            practice[lo:hi],
            present[lo:hi],
            role[lo:hi],
            activity[lo:hi],
            capacity[lo:hi],
            success[lo:hi],
            futility[lo:hi],
            fear[lo:hi],
            hardship[lo:hi],
            coef,
            education,
            holder,
        )


Params = ActivityParams


def step(world: World, params: ActivityParams, rng: np.random.Generator) -> None:
    del rng
    m = world.members
    coef = np.array(
        [
            params.success_gain,
            params.futility_loss,
            params.fear_loss,
            params.hardship_loss,
            params.idle_loss,
            params.practice_gain,
            params.capacity_gate,
            params.learn,
            params.office_learn,
            params.education_gain,
            params.decay,
        ]
    )
    # members not yet recruited keep the levels their cohort gives them
    _exercise(
        m.present,
        m.role,
        m.practice,
        m.activity,
        m.capacity,
        m.success,
        m.futility,
        m.fear,
        m.hardship,
        coef,
        world.policy.education,
        HOLDER,
    )
