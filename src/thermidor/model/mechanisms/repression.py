"""Repression: the apparatus punishes voice and opposition, and fear spreads.

Letter: "The struggle of the opposition, the expulsion of hundreds and hundreds
of comrades, the imprisonments, the deportations"; and Paris, where the
"liquidation of revolutionary cadres" left "an overwhelming moral and physical
weariness of the masses".

Each member who speaks out is punished with a probability set by the regime's
intensity (higher for the opposition): expelled from the party (activity
falls) or deported (removed from the population, and from any post).
Punishment raises the fear of the victim's workmates; fear relaxes toward a
level set by the intensity itself.

Letter: "the expulsion of hundreds and hundreds of comrades, the imprisonments,
the deportations, while having done little as yet for the communist education
of our party, have in any case had more effect than the whole apparatus taken
together". Those who witness a punishment (the victim's workmates and network
neighbours) also learn from it: they come to know of the abuse (``heard``, a
grievance voice and legitimacy read) and their capacity rises a little, the
more the more active and the less afraid they are. Fear still rises; whether a
witness is silenced or joins the opposition is decided in ``voice`` by the
member's own fear and activity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np
from pydantic import Field

from thermidor.engine.aggregate import group_sum
from thermidor.engine.blocks import block_count, block_rows, per_row
from thermidor.model.mechanisms.apparatus import dismiss_staff
from thermidor.model.mechanisms.base import ParamsBase
from thermidor.model.mechanisms.offices import vacate
from thermidor.model.state import HOLDER, STAFF

if TYPE_CHECKING:
    from thermidor.model.state import World


NAME = "repression"
SUMMARY = "voice and opposition punished: expulsion, deportation, fear"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset(
    (
        "activity",
        "capacity",
        "deported",
        "expelled",
        "fear",
        "heard",
        "knows",
        "party",
        "post",
        "present",
        "role",
        "voicing",
    )
)


class RepressionParams(ParamsBase):
    punish_rate: float = Field(
        0.1, ge=0, le=1, description="chance per step a speaker is punished at intensity 1"
    )
    opposition_multiplier: float = Field(
        3.0, ge=1, le=100, description="how much more the opposition is targeted"
    )
    silent_opposition: float = Field(
        0.2, ge=0, le=1, description="relative chance for opposition members who kept quiet"
    )
    fear_jump: float = Field(
        0.1, ge=0, le=1, description="fear added to workmates per member punished in the cell"
    )
    fear_level: float = Field(
        0.6, ge=0, le=1, description="fear members settle at under intensity 1"
    )
    fear_relax: float = Field(0.02, ge=0, le=1, description="rate fear relaxes to its level")
    expulsion_activity_loss: float = Field(
        0.5, ge=0, le=1, description="share of activity an expelled member loses"
    )
    witness_learning: float = Field(
        0.05,
        ge=0,
        le=1,
        description="share of the capacity gap a fearless, fully active witness closes",
    )
    witness_grievance: float = Field(
        0.5, ge=0, le=1, description="memory of abuse (heard) a witness of a punishment keeps"
    )


def punishment_probability(
    voicing: np.ndarray, opposition: np.ndarray, intensity: float, params: RepressionParams
) -> np.ndarray:
    """Chance each member is punished this step."""
    target = np.where(opposition, params.opposition_multiplier, 1.0)
    exposure = np.where(voicing, 1.0, np.where(opposition, params.silent_opposition, 0.0))
    return np.clip(intensity * params.punish_rate * target * exposure, 0.0, 1.0)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _spread_fear_rows(
    hits: np.ndarray, present: np.ndarray, fear: np.ndarray, jump: float, level: float, relax: float
) -> None:
    """``_spread_fear`` over contiguous rows, ``hits`` given per row (branch-free)."""
    lv, rate = np.float32(level), np.float32(relax)
    for i in range(fear.size):
        old = fear[i]
        f = (old + rate * (lv - old)) + jump * hits[i]
        fear[i] = np.float32(min(max(f, 0.0), 1.0)) if present[i] else old


@numba.njit(cache=True, nogil=True, parallel=True)
def _spread_fear(
    cell: np.ndarray,
    present: np.ndarray,
    fear: np.ndarray,
    hits: np.ndarray,
    jump: float,
    level: float,
    relax: float,
) -> None:
    """In place, for those present: fear relaxes toward ``level``, jumps by ``jump`` per
    workmate punished."""
    n = cell.size
    for k in numba.prange(block_count(n)):
        lo, hi = block_rows(n, k)
        _spread_fear_rows(
            per_row(hits, cell, lo, hi), present[lo:hi], fear[lo:hi], jump, level, relax
        )


def witness_learning_gain(
    capacity: np.ndarray, activity: np.ndarray, fear: np.ndarray, params: RepressionParams
) -> np.ndarray:
    """Capacity a witness of a punishment gains: ``witness_learning x a x (1 - f) x (1 - c)``."""
    return params.witness_learning * activity * (1.0 - fear) * (1.0 - capacity)


@numba.njit(cache=True, nogil=True)
def _neighbours_of(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """One byte per member: a network neighbour of one of ``rows`` (the graph is symmetric,
    so pushing from the few punished marks whom gathering over every member's ties would)."""
    out = np.zeros(n, dtype=np.uint8)
    for j in rows:
        for e in range(indptr[j], indptr[j + 1]):
            out[indices[e]] = 1
    return out


@numba.njit(cache=True, nogil=True, parallel=True)
def _witness(
    cell: np.ndarray,
    present: np.ndarray,
    near: np.ndarray,
    hits: np.ndarray,
    activity: np.ndarray,
    fear: np.ndarray,
    capacity: np.ndarray,
    heard: np.ndarray,
    learning: float,
    grievance: float,
) -> None:
    """In place, for those present who witnessed a punishment (a workmate punished: ``hits``
    per cell; or a network neighbour of one punished: ``near``, from ``_neighbours_of``):
    ``witness_learning_gain`` and ``heard`` raised to ``grievance``."""
    rate, known = np.float32(learning), np.float32(grievance)
    one = np.float32(1.0)
    for i in numba.prange(present.size):
        if present[i] and (hits[cell[i]] > 0 or near[i] != 0):
            c = capacity[i]
            capacity[i] = c + rate * activity[i] * (one - fear[i]) * (one - c)
            heard[i] = max(heard[i], known)


Params = RepressionParams


def step(world: World, params: RepressionParams, rng: np.random.Generator) -> None:
    m, tally, policy = world.members, world.tally, world.policy
    candidates = np.flatnonzero(m.present & (m.voicing | m.opposition))
    p = punishment_probability(
        m.voicing[candidates], m.opposition[candidates], policy.repression, params
    )
    punished = candidates[rng.random(candidates.size) < p]
    deport = rng.random(punished.size) < policy.deport_share
    deported, expelled = punished[deport], punished[~deport]

    holders = punished[m.role[punished] == HOLDER]
    vacate(world, m.post[holders])
    dismiss_staff(world, punished[m.role[punished] == STAFF])

    m.present[deported] = False
    m.deported[deported] = True
    m.voicing[deported] = False
    m.knows[deported] = 0
    tally.expelled_total += int(np.count_nonzero(~m.expelled[expelled]))  # members, not acts
    m.party[expelled] = False
    m.expelled[expelled] = True
    m.activity[expelled] *= 1.0 - params.expulsion_activity_loss
    tally.deported_total += int(deported.size)
    tally.punished_this_step = int(punished.size)

    hits = group_sum(m.cell[punished], None, world.n_cells)
    _spread_fear(
        m.cell,
        m.present,
        m.fear,
        hits,
        params.fear_jump,
        params.fear_level * policy.repression,
        params.fear_relax,
    )
    if punished.size:
        net = world.network
        _witness(
            m.cell,
            m.present,
            _neighbours_of(net.indptr, net.indices, punished, m.size),
            hits,
            m.activity,
            m.fear,
            m.capacity,
            m.heard,
            params.witness_learning,
            params.witness_grievance,
        )
