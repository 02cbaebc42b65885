"""Crisis and Thermidor: when the regime needs the masses and nobody comes.

Letter: Robespierre "experienced this indifference of the Parisian masses in
his own case when, on the tenth of Thermidor, he was led through the streets
of Paris wounded and bleeding, without any fear that the popular masses would
intervene"; and "the power began to pass both formally and effectively into
the hands of an increasingly restricted number of citizens".

Willingness to defend the regime is activity x legitimacy x stake x
(1 - hardship), less fear: engaged members who still see the regime as theirs
(their stake: how many of their offices answer to them, since nominations cut
the Jacobins off "from the working and petty-bourgeois masses"), not worn out
by "an overwhelming moral and physical weariness". Mobilisation is a
threshold cascade on the network (Granovetter 1978): each step one round
updates the standing potential; at a crisis (scheduled, or drawn with a hazard
that rises with hardship) the cascade runs to its fixed point from the
self-starters. Thermidor is the first crisis at
which control has passed to a restricted number (control index below its
threshold) and the cascade fails to reach the share the regime needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from thermidor.engine.kernels import count_flagged_neighbours
from thermidor.mechanisms.base import Params
from thermidor.mechanisms.offices import opportunity
from thermidor.model.world import ELECTION, SORTITION

if TYPE_CHECKING:
    from thermidor.model.world import World


class CrisisParams(Params):
    hazard_hardship: float = Field(
        0.15, ge=0, le=1, description="chance of a crisis per step per unit of mean hardship"
    )
    needed: float = Field(
        0.3, ge=0, le=1, description="share of members the regime must mobilise to survive"
    )
    restricted: float = Field(
        0.3, ge=0, le=1, description="control index below which control has passed to a few"
    )
    stake_floor: float = Field(
        0.25,
        ge=0,
        le=1,
        description="willingness left to members none of whose offices answer to them",
    )
    fear_weight: float = Field(0.5, ge=0, le=10, description="how much fear holds members back")
    commitment: float = Field(
        0.1, ge=0, le=1, description="willingness below which a member is indifferent to any call"
    )
    max_rounds: int = Field(100, ge=1, le=10_000, description="cascade rounds at a crisis")


def willingness(world: World, params: CrisisParams) -> np.ndarray:
    """How ready each member is to defend the regime, before others' example."""
    m = world.members
    stake = params.stake_floor + (1.0 - params.stake_floor) * opportunity(world)
    w = m.activity * m.legitimacy * stake * (1.0 - m.hardship) - params.fear_weight * m.fear
    return np.where(m.present, w, 0.0).astype(np.float32)


def cascade_round(
    world: World, mobilised: np.ndarray, will: np.ndarray, commitment: float
) -> np.ndarray:
    """One synchronous round of the threshold rule from the current mobilised set."""
    net, m = world.network, world.members
    rows = np.flatnonzero(m.present & (will >= commitment))
    share = count_flagged_neighbours(net.indptr, net.indices, mobilised, rows)
    share /= np.maximum(net.degree[rows], 1).astype(np.float32)
    out = np.zeros(m.size, dtype=bool)
    out[rows] = share + will[rows] >= m.threshold[rows]
    return out


def run_cascade(world: World, will: np.ndarray, params: CrisisParams) -> np.ndarray:
    """Cascade to its fixed point from the self-starters; nobody who joins stops."""
    m = world.members
    mobilised = m.present & (will >= m.threshold) & (will >= params.commitment)
    for _ in range(params.max_rounds):
        grown = mobilised | cascade_round(world, mobilised, will, params.commitment)
        if np.array_equal(grown, mobilised):
            break
        mobilised = grown
    return mobilised


def control_index(world: World) -> float:
    """Accountable power (offices answering below, weighted by cells served) x effective voice."""
    off, m = world.offices, world.members
    answers_below = (off.rule == ELECTION) | (off.rule == SORTITION)
    weight = off.tree.cells_served.astype(np.float64)
    power = float((weight * answers_below).sum() / weight.sum())
    present = m.present
    if not present.any():
        return 0.0
    voice = float((m.activity[present] * (1.0 - m.fear[present])).mean())
    holders = float((off.holder >= 0).sum())
    staff = float(off.staff.sum())
    answerable_share = holders / max(holders + staff, 1.0)
    return power * voice * (0.5 + 0.5 * answerable_share)


def step(world: World, params: CrisisParams, rng: np.random.Generator) -> None:
    m, tally = world.members, world.tally
    will = willingness(world, params)
    m.mobilised = cascade_round(world, m.mobilised, will, params.commitment)
    hardship = float(m.hardship[m.present].mean()) if m.present.any() else 0.0
    drawn = rng.random() < params.hazard_hardship * hardship
    tally.crisis = world.pending_crisis or bool(drawn)
    world.pending_crisis = False
    tally.mobilised_at_crisis = float("nan")
    if not tally.crisis:
        return
    mobilised = run_cascade(world, will, params)
    share = float(mobilised.sum() / max(m.present.sum(), 1))
    control = control_index(world)
    fell = share < params.needed and control < params.restricted
    tally.mobilised_at_crisis = share
    tally.crises.append(
        {"step": world.step, "mobilised": share, "control_index": control, "thermidor": fell}
    )
    if fell and tally.thermidor_step is None:
        tally.thermidor_step = world.step
