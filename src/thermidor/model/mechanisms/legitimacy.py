"""Legitimacy: how members judge the regime, from what they see of its apparatus.

Letter: the semi-pauperised "are especially becoming the enemies of the
functionaries of the soviets, of the party and of the trade unions. They can
sometimes be heard speaking of the summits of the working class as the 'new
nobility'"; and Molotov's equation of the dictatorship with "the brutes of
Smolensk ... only succeeds in discrediting the dictatorship".

Each member's legitimacy moves toward a target lowered by known, unpunished
abuses, by scandals heard of beyond one's own offices (``heard``: Smolensk,
Artemovsk, a comrade punished), by the privilege gap between apparatus and ranks
and by hardship, and raised when voice works. How offices are filled reaches it
only through these: nominees abuse with more impunity, accrue more privilege and
answer voice less.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np
from pydantic import Field

from thermidor.engine.blocks import block_count, block_rows
from thermidor.model.census import IncomeCensus
from thermidor.model.kernels import income_census
from thermidor.model.mechanisms.base import ParamsBase

if TYPE_CHECKING:
    from thermidor.model.state import World


NAME = "legitimacy"
SUMMARY = "legitimacy follows known abuses, privilege gap, hardship"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset(("legitimacy",))


class LegitimacyParams(ParamsBase):
    rate: float = Field(
        0.05, ge=0, le=1, description="share of the gap to the target closed per step"
    )
    abuse_weight: float = Field(0.35, ge=0, le=1, description="loss for a known unpunished abuse")
    privilege_weight: float = Field(
        0.35, ge=0, le=1, description="loss at an infinite privilege gap"
    )
    hardship_weight: float = Field(0.3, ge=0, le=1, description="loss at full hardship")
    voice_weight: float = Field(0.3, ge=0, le=1, description="gain when voice works")
    scandal_weight: float = Field(
        0.15, ge=0, le=1, description="loss for abuses heard of beyond one's own offices"
    )


def legitimacy_target(
    knows_any: np.ndarray,
    privilege_ratio: float,
    hardship: np.ndarray,
    success: np.ndarray,
    params: LegitimacyParams,
    heard: np.ndarray | float = 0.0,
) -> np.ndarray:
    """The level legitimacy moves toward; the 'new nobility' gap is 1 - 1/ratio."""
    gap = max(0.0, 1.0 - 1.0 / max(privilege_ratio, 1e-9))
    target = (
        1.0
        - params.abuse_weight * knows_any
        - params.privilege_weight * gap
        - params.hardship_weight * hardship
        + params.voice_weight * success
        - params.scandal_weight * heard
    )
    return np.clip(target, 0.0, 1.0)


def privilege_ratio(world: World) -> float:
    """Mean income inside the apparatus / mean income outside it (1 with no apparatus)."""
    m = world.members
    return ratio_from_census(IncomeCensus(income_census(m.present, m.role, m.wage, m.privilege)))


def ratio_from_census(census: IncomeCensus) -> float:
    """``privilege_ratio`` from the members' ``IncomeCensus``."""
    if census.apparatus == 0 or census.ranks == 0:
        return 1.0
    return float(
        (census.apparatus_income / census.apparatus) / (census.ranks_income / census.ranks)
    )


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _judge_rows(
    present: np.ndarray,
    knows: np.ndarray,
    heard: np.ndarray,
    hardship: np.ndarray,
    success: np.ndarray,
    legitimacy: np.ndarray,
    coef: np.ndarray,
    gap: float,
) -> None:
    """``_judge`` over contiguous rows (branch-free)."""
    c = coef.astype(np.float32)
    rate, abuse_w, hardship_w, voice_w = c[0], c[1], c[3], c[4]
    scandal_w = c[5]
    one, zero = np.float32(1.0), np.float32(0.0)
    gap_loss = np.float32(coef[2] * gap)
    for i in range(legitimacy.size):
        knows_any = one if knows[i] > 0 else zero
        target = (
            one
            - abuse_w * knows_any
            - gap_loss
            - hardship_w * hardship[i]
            + voice_w * np.float32(success[i])
            - scandal_w * heard[i]
        )
        target = min(max(target, zero), one)
        old = legitimacy[i]
        legitimacy[i] = old + rate * (target - old) if present[i] else old


@numba.njit(cache=True, nogil=True, parallel=True)
def _judge(
    present: np.ndarray,
    knows: np.ndarray,
    heard: np.ndarray,
    hardship: np.ndarray,
    success: np.ndarray,
    legitimacy: np.ndarray,
    coef: np.ndarray,
    gap: float,
) -> None:
    """In place: ``legitimacy_target`` and the move toward it for present members (float32).

    ``coef`` = (rate, abuse, privilege, hardship, voice, scandal weights).
    """
    n = present.size
    for k in numba.prange(block_count(n)):
        lo, hi = block_rows(n, k)
        _judge_rows(
            present[lo:hi],
            knows[lo:hi],
            heard[lo:hi],
            hardship[lo:hi],
            success[lo:hi],
            legitimacy[lo:hi],
            coef,
            gap,
        )


Params = LegitimacyParams


def step(world: World, params: LegitimacyParams, rng: np.random.Generator) -> None:
    del rng
    m = world.members
    census = IncomeCensus(income_census(m.present, m.role, m.wage, m.privilege))
    world.censuses.put(census, stage=NAME, step=world.step)
    ratio = ratio_from_census(census)
    coef = np.array(
        [
            params.rate,
            params.abuse_weight,
            params.privilege_weight,
            params.hardship_weight,
            params.voice_weight,
            params.scandal_weight,
        ]
    )
    _judge(
        m.present,
        m.knows,
        m.heard,
        m.hardship,
        m.success,
        m.legitimacy,
        coef,
        max(0.0, 1.0 - 1.0 / max(ratio, 1e-9)),
    )
