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
which control has passed to an increasingly restricted number (the control
index has fallen below a share of the highest it ever reached: a process, not
a level, so a member-run body that never had much participation is not
flagged) and the cascade fails to reach the share the regime needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np
from pydantic import Field

from thermidor.engine.blocks import block_count, block_rows, per_row
from thermidor.engine.kernels import (
    neighbour_share,
    recount_flagged,
    threshold_cascade,
    threshold_round,
)
from thermidor.model.census import StateCensus
from thermidor.model.kernels import census_rows, census_total, state_census
from thermidor.model.mechanisms.base import ParamsBase
from thermidor.model.mechanisms.offices import cell_opportunity
from thermidor.model.state import ELECTION, SORTITION

if TYPE_CHECKING:
    from thermidor.model.state import World


NAME = "crisis"
SUMMARY = "mobilisation cascade; at a crisis, Thermidor if it fails"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset(("mobilised",))


class CrisisParams(ParamsBase):
    hazard_hardship: float = Field(
        0.15, ge=0, le=1, description="chance of a crisis per step per unit of mean hardship"
    )
    needed: float = Field(
        0.3, ge=0, le=1, description="share of members the regime must mobilise to survive"
    )
    restricted: float = Field(
        0.5,
        ge=0,
        le=1,
        description="control has passed to a few when the index falls below this share of its peak",
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


@numba.njit(cache=True, nogil=True, inline="always")
def _will(
    activity: np.float32,
    legitimacy: np.float32,
    hardship: np.float32,
    fear: np.float32,
    opportunity_: np.float32,
    floor: np.float32,
    fear_weight: np.float32,
) -> np.float32:
    """One member's willingness: activity x legitimacy x stake x (1 - hardship) - fear, the
    stake rising from ``floor`` with the offices that answer to members (float32)."""
    one = np.float32(1.0)
    stake = floor + (one - floor) * opportunity_
    return activity * legitimacy * stake * (one - hardship) - fear_weight * fear


@numba.njit(cache=True, nogil=True, parallel=True)
def _willingness(
    cell_start: np.ndarray,
    present: np.ndarray,
    opportunity_: np.ndarray,
    activity: np.ndarray,
    legitimacy: np.ndarray,
    hardship: np.ndarray,
    fear: np.ndarray,
    stake_floor: float,
    fear_weight: float,
) -> np.ndarray:
    """Willingness of each member (0 for the absent)."""
    out = np.zeros(present.size, dtype=np.float32)
    floor, fw = np.float32(stake_floor), np.float32(fear_weight)
    for c in numba.prange(cell_start.size - 1):
        for i in range(cell_start[c], cell_start[c + 1]):
            if present[i]:
                out[i] = _will(
                    activity[i], legitimacy[i], hardship[i], fear[i], opportunity_[c], floor, fw
                )
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _standing_rows(
    opportunity_: np.ndarray,
    degree: np.ndarray,
    neighbours: np.ndarray,
    present: np.ndarray,
    activity: np.ndarray,
    legitimacy: np.ndarray,
    hardship: np.ndarray,
    fear: np.ndarray,
    threshold: np.ndarray,
    floor: np.float32,
    fw: np.float32,
    commit: np.float32,
    out: np.ndarray,
) -> None:
    """``_standing_round``'s threshold rule over contiguous rows (branch-free: vectorises)."""
    for i in range(present.size):
        will = _will(activity[i], legitimacy[i], hardship[i], fear[i], opportunity_[i], floor, fw)
        share = neighbour_share(neighbours[i], degree[i])
        out[i] = present[i] & (will >= commit) & (share + will >= threshold[i])


@numba.njit(cache=True, nogil=True, parallel=True)
def _standing_round(
    degree: np.ndarray,
    neighbours: np.ndarray,
    cell: np.ndarray,
    present: np.ndarray,
    opportunity_: np.ndarray,
    activity: np.ndarray,
    capacity: np.ndarray,
    legitimacy: np.ndarray,
    hardship: np.ndarray,
    fear: np.ndarray,
    opposition: np.ndarray,
    threshold: np.ndarray,
    stake_floor: float,
    fear_weight: float,
    commitment: float,
) -> tuple[np.ndarray, np.ndarray]:
    """``_willingness`` and one ``threshold_round`` (given each member's count of mobilised
    neighbours), then the ``state_census`` of the members with the new potential, block by
    block while the block's rows are in cache."""
    n = present.size
    out = np.empty(n, dtype=np.bool_)
    floor, fw = np.float32(stake_floor), np.float32(fear_weight)
    commit = np.float32(commitment)
    part = np.zeros((block_count(n), 9), dtype=np.int64)
    for k in numba.prange(block_count(n)):
        lo, hi = block_rows(n, k)
        _standing_rows(
            per_row(opportunity_, cell, lo, hi),
            degree[lo:hi],
            neighbours[lo:hi],
            present[lo:hi],
            activity[lo:hi],
            legitimacy[lo:hi],
            hardship[lo:hi],
            fear[lo:hi],
            threshold[lo:hi],
            floor,
            fw,
            commit,
            out[lo:hi],
        )
        census_rows(
            present[lo:hi],
            activity[lo:hi],
            capacity[lo:hi],
            hardship[lo:hi],
            fear[lo:hi],
            legitimacy[lo:hi],
            opposition[lo:hi],
            out[lo:hi],
            part[k],
        )
    return out, census_total(part)


def willingness(world: World, params: CrisisParams) -> np.ndarray:
    """How ready each member is to defend the regime, before others' example:
    activity x legitimacy x stake x (1 - hardship) - fear, the stake from one's offices."""
    m = world.members
    return _willingness(
        world.cell_start,
        m.present,
        cell_opportunity(world),
        m.activity,
        m.legitimacy,
        m.hardship,
        m.fear,
        params.stake_floor,
        params.fear_weight,
    )


def cascade_round(
    world: World, mobilised: np.ndarray, will: np.ndarray, commitment: float
) -> np.ndarray:
    """One synchronous round of the threshold rule from the current mobilised set."""
    net, m = world.network, world.members
    degree = world.present_degree()
    return threshold_round(
        net.indptr, net.indices, degree, mobilised, m.present, will, m.threshold, commitment
    )


def run_cascade(world: World, will: np.ndarray, params: CrisisParams) -> np.ndarray:
    """Cascade to its fixed point from the self-starters; nobody who joins stops.

    The synchronous rounds of ``cascade_round``, at most ``max_rounds`` of them,
    run as one frontier pass over the edges (``threshold_cascade``).
    """
    m, net = world.members, world.network
    starters = m.present & (will >= m.threshold) & (will >= np.float32(params.commitment))
    return threshold_cascade(
        net.indptr,
        net.indices,
        world.present_degree(),
        starters,
        m.present,
        will,
        m.threshold,
        params.commitment,
        params.max_rounds,
    )


def control_from_census(world: World, census: StateCensus) -> float:
    """``control_index`` given ``census(world)``, the sums over members present."""
    off = world.offices
    answers_below = (off.rule == ELECTION) | (off.rule == SORTITION)
    weight = off.tree.cells_served.astype(np.float64)
    power = float((weight * answers_below).sum() / weight.sum())
    if census.present == 0:
        return 0.0
    voice = float(census.voice / census.present)
    holders = float((off.holder >= 0).sum())
    staff = float(off.staff.sum())
    answerable_share = holders / max(holders + staff, 1.0)
    return power * voice * (0.5 + 0.5 * answerable_share)


def census(world: World) -> StateCensus:
    """``state_census`` of the members: sums over those present (see the kernel)."""
    m = world.members
    return StateCensus(state_census(
        m.present,
        m.activity,
        m.capacity,
        m.hardship,
        m.fear,
        m.legitimacy,
        m.opposition,
        m.mobilised,
    ))


def control_index(world: World) -> float:
    """Accountable power (offices answering below, weighted by cells served) x effective voice."""
    return control_from_census(world, census(world))


Params = CrisisParams


def step(world: World, params: CrisisParams, rng: np.random.Generator) -> None:
    m, tally, net = world.members, world.tally, world.network
    # the standing potential moves one round (cascade_round on the willingness), and the
    # members' census comes from the same pass
    counts = world.mobilised_neighbours
    recount_flagged(net.indptr, net.indices, m.mobilised, counts.flags, counts.count)
    m.mobilised, sums = _standing_round(
        world.present_degree(),
        counts.count,
        m.cell,
        m.present,
        cell_opportunity(world),
        m.activity,
        m.capacity,
        m.legitimacy,
        m.hardship,
        m.fear,
        m.opposition,
        m.threshold,
        params.stake_floor,
        params.fear_weight,
        params.commitment,
    )
    taken = StateCensus(sums)
    control = control_from_census(world, taken)
    tally.peak_control = max(tally.peak_control, control)
    world.censuses.put(taken, stage=NAME, step=world.step)
    n_present = int(taken.present)
    hardship = taken.hardship / n_present if n_present > 0 else 0.0
    drawn = rng.random() < params.hazard_hardship * hardship
    tally.crisis = world.pending_crisis or bool(drawn)
    world.pending_crisis = False
    tally.mobilised_at_crisis = float("nan")
    if not tally.crisis:
        return
    mobilised = run_cascade(world, willingness(world, params), params)
    share = float(np.count_nonzero(mobilised) / max(n_present, 1))
    fell = share < params.needed and control < params.restricted * tally.peak_control
    tally.mobilised_at_crisis = share
    tally.crises.append(
        {"step": world.step, "mobilised": share, "control_index": control, "thermidor": fell}
    )
    if fell and tally.thermidor_step is None:
        tally.thermidor_step = world.step
