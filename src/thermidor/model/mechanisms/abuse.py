"""Abuse: holders abuse their office more when they identify less and fear nothing.

Letter: "Thefts, prevarications, violence, orgies, incredible abuse of power,
unlimited despotism, drunkenness, debauchery"; and the temptations of the NEP:
"the corruption of privileges, of favours, of special rights inherent in power".

Each holder abuses with a probability that rises as identification falls, with
the impunity holders of the branch have learned (how rarely known abuses are
sanctioned) and with what office can buy on the market.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from thermidor.engine.kernels import gather
from thermidor.model.mechanisms.base import ParamsBase

if TYPE_CHECKING:
    from thermidor.model.state import World


NAME = "abuse"
SUMMARY = "holders abuse office: more with low identification and impunity"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset()  # it reads members, changes offices and tallies


class AbuseParams(ParamsBase):
    base_rate: float = Field(
        0.04, ge=0, le=1, description="chance per step for a holder with no identification"
    )
    identification_exponent: float = Field(
        2.0, ge=0, le=10, description="how steeply identification restrains abuse"
    )
    impunity_weight: float = Field(
        1.5, ge=0, le=10, description="extra abuse at full impunity (multiplier - 1)"
    )
    temptation_weight: float = Field(
        1.0, ge=0, le=10, description="extra abuse at full market temptation (multiplier - 1)"
    )


def abuse_probability(
    identification: np.ndarray, impunity: np.ndarray, temptation: float, params: AbuseParams
) -> np.ndarray:
    """Chance that a holder abuses the office this step."""
    p = (
        params.base_rate
        * (1.0 - identification) ** params.identification_exponent
        * (1.0 + params.impunity_weight * impunity)
        * (1.0 + params.temptation_weight * temptation)
    )
    return np.clip(p, 0.0, 1.0)


Params = AbuseParams


def step(world: World, params: AbuseParams, rng: np.random.Generator) -> None:
    off = world.offices
    occupied = np.flatnonzero(off.holder >= 0)
    ident = gather(world.members.identification, off.holder[occupied])
    impunity = world.tally.branch_impunity[off.tree.branch[occupied]]
    p = abuse_probability(ident, impunity, world.policy.market_temptation, params)
    abused = occupied[rng.random(occupied.size) < p]
    off.open_abuses[abused] += 1
    world.tally.abuses_this_step = int(abused.size)
