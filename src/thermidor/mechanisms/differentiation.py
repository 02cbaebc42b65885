"""Differentiation: function becomes a social position, then a psychology.

Letter: "this differentiation begins as a functional one; it later becomes a
social one ... a car, a nice apartment, regular holidays, and receiving the
maximum salary authorized by the party", against "a salary of fifty or sixty
rubles per month"; and "the psychology of those who are charged with the
diverse tasks of direction ... has changed to such a point that ... they have
ceased to be a part of this very same working class".

Privilege accrues to members of the apparatus toward a ceiling (the party
maximum when a cap is in force, an unchecked 'new nobility' level otherwise),
faster for those who identify less. Identification decays with tenure and
with the privilege gap, and recovers slowly toward one's cohort level once
out of office.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from thermidor.mechanisms.base import Params
from thermidor.model.world import MEMBER

if TYPE_CHECKING:
    from thermidor.model.world import World


class DifferentiationParams(Params):
    privilege_growth: float = Field(
        0.04, ge=0, le=1, description="share of the gap to the ceiling closed per step"
    )
    uncapped_ratio: float = Field(
        10.0, ge=1, le=1000, description="income / mean member income an unchecked apparatus seeks"
    )
    tenure_decay: float = Field(
        0.0005, ge=0, le=1, description="identification lost per step in the apparatus"
    )
    privilege_decay: float = Field(
        0.008, ge=0, le=1, description="identification lost per step per unit of log privilege"
    )
    recovery: float = Field(
        0.01, ge=0, le=1, description="rate back to the cohort's level outside the apparatus"
    )


def privilege_ceiling(
    wage: np.ndarray, mean_wage: float, cap: float | None, params: DifferentiationParams
) -> np.ndarray:
    """Largest privilege multiplier for each wage: income may reach ``cap`` x mean income."""
    ratio = params.uncapped_ratio if cap is None else cap
    return np.maximum(1.0, ratio * mean_wage / wage).astype(np.float32)


def identification_loss(privilege: np.ndarray, params: DifferentiationParams) -> np.ndarray:
    """Identification lost in one step of apparatus life at a given privilege."""
    return (params.tenure_decay + params.privilege_decay * np.log(privilege)).astype(np.float32)


def step(world: World, params: DifferentiationParams, rng: np.random.Generator) -> None:
    del rng  # deterministic
    m = world.members
    in_apparatus = m.present & (m.role != MEMBER)
    rank_and_file = m.present & (m.role == MEMBER)
    if not rank_and_file.any():
        return
    mean_wage = float(m.wage[rank_and_file].mean())
    app = np.flatnonzero(in_apparatus)
    ceiling = privilege_ceiling(m.wage[app], mean_wage, world.policy.privilege_cap, params)
    priv = m.privilege[app]
    greed = 1.0 - m.identification[app]
    priv = priv + params.privilege_growth * greed * (ceiling - priv)
    m.privilege[app] = np.minimum(priv, ceiling)  # a cap binds at once
    m.identification[app] = np.maximum(
        0.0, m.identification[app] - identification_loss(m.privilege[app], params)
    )
    out = np.flatnonzero(rank_and_file)
    m.privilege[out] = 1.0
    ident = m.identification[out]
    m.identification[out] = ident + params.recovery * (m.base_identification[out] - ident)
