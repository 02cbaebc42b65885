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

import numba
import numpy as np
from pydantic import Field

from thermidor.model.kernels import rank_and_file_wages
from thermidor.model.mechanisms.base import ParamsBase

if TYPE_CHECKING:
    from thermidor.model.state import World


NAME = "differentiation"
SUMMARY = "privilege accrues in the apparatus; identification decays"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset(("identification", "privilege"))


class DifferentiationParams(ParamsBase):
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


@numba.njit(cache=True, nogil=True, parallel=True)
def _differentiate(
    present: np.ndarray,
    role: np.ndarray,
    wage: np.ndarray,
    privilege: np.ndarray,
    identification: np.ndarray,
    base_identification: np.ndarray,
    income_ceiling: float,
    growth: float,
    tenure_decay: float,
    privilege_decay: float,
    recovery: float,
) -> None:
    """In place: ``privilege_ceiling``, growth and ``identification_loss`` in the apparatus;
    privilege 1 and recovery of identification in the ranks (float32, as numpy)."""
    top = np.float32(income_ceiling)
    one = np.float32(1.0)
    g, td, pd, r = (
        np.float32(growth),
        np.float32(tenure_decay),
        np.float32(privilege_decay),
        np.float32(recovery),
    )
    for i in numba.prange(present.size):
        if not present[i]:
            continue
        ident = identification[i]
        if role[i] != 0:
            ceiling = max(one, top / wage[i])
            priv = privilege[i]
            priv = min(priv + g * (one - ident) * (ceiling - priv), ceiling)
            privilege[i] = priv
            identification[i] = max(np.float32(0.0), ident - (td + pd * np.log(priv)))
        else:
            privilege[i] = one
            identification[i] = ident + r * (base_identification[i] - ident)


Params = DifferentiationParams


def step(world: World, params: DifferentiationParams, rng: np.random.Generator) -> None:
    del rng  # deterministic
    m = world.members
    ranks, ranks_wage = rank_and_file_wages(m.present, m.role, m.wage)
    if ranks == 0:  # no rank and file
        return
    mean_wage = ranks_wage / ranks
    ratio = (
        params.uncapped_ratio if world.policy.privilege_cap is None else world.policy.privilege_cap
    )
    _differentiate(
        m.present,
        m.role,
        m.wage,
        m.privilege,
        m.identification,
        m.base_identification,
        ratio * mean_wage,
        params.privilege_growth,
        params.tenure_decay,
        params.privilege_decay,
        params.recovery,
    )
