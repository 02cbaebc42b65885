"""Crisis and Thermidor: when the regime needs the masses and nobody comes.

Letter: Robespierre "experienced this indifference of the Parisian masses in
his own case when, on the tenth of Thermidor, he was led through the streets
of Paris wounded and bleeding, without any fear that the popular masses would
intervene"; and "the power began to pass both formally and effectively into
the hands of an increasingly restricted number of citizens".

Willingness to defend the regime is activity x legitimacy x (1 - weariness x
hardship), less fear: engaged members who still see the regime as theirs, not
worn out by "an overwhelming moral and physical weariness". How offices are
filled reaches it only through the mechanisms that move activity, legitimacy
and fear. Mobilisation is a threshold cascade on the network (Granovetter
1978): each step one round updates the standing potential; at a crisis
(scheduled, or drawn with a hazard that rises with hardship, discontent and
the opposition) the cascade runs to its fixed point from the self-starters.

Thermidor is the first crisis at which control has passed to an increasingly
restricted number (the control index has fallen below a share of the highest
it ever reached: a process, not a level, so a member-run body that never had
much participation is not flagged) and the cascade fails to reach the share
the regime needs. It lasts: the reaction takes the apparatus (the elected
offices are nominated from then on and members can no longer win them back),
lifts the cap on privilege (the Thermidorians repealed the Maximum) and
frightens those who would have defended the regime.

The control index measures who actually decides: each occupied office weighs
by the power it carries (its holder and the staff who carry out its
decisions), times how far its holder answers to the members in fact: the
turnout of its electorate at its last election for an elected bottom office,
the mean answerability of the offices whose holders elect it for an elected
higher office (delegates answer for their electors only as far as they are
answerable themselves), 1 for a holder drawn by lot from the members, 0 for a
nominee, who answers upward.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np
from pydantic import Field

from thermidor.engine.blocks import block_count, block_rows
from thermidor.engine.kernels import (
    neighbour_share,
    recount_flagged,
    threshold_cascade,
    threshold_round,
)
from thermidor.model.census import StateCensus
from thermidor.model.kernels import census_rows, census_total, state_census
from thermidor.model.mechanisms.base import ParamsBase
from thermidor.model.state import ELECTION, NOMINATION, SORTITION

if TYPE_CHECKING:
    from thermidor.model.state import World


NAME = "crisis"
SUMMARY = "mobilisation cascade; at a crisis, Thermidor if it fails"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset(("fear", "mobilised"))


class CrisisParams(ParamsBase):
    hazard_hardship: float = Field(
        0.05, ge=0, le=1, description="chance of a crisis per step per unit of mean hardship"
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
    hazard_discontent: float = Field(
        0.0, ge=0, le=1, description="chance of a crisis per step per unit of mean lost legitimacy"
    )
    hazard_opposition: float = Field(
        0.5, ge=0, le=1, description="chance of a crisis per step per unit of opposition share"
    )
    weariness: float = Field(
        1.0, ge=0, le=1, description="how far hardship wears out the will to defend the regime"
    )
    aftermath_fear: float = Field(
        0.3, ge=0, le=1, description="fear added after Thermidor to those who would have defended"
    )
    aftermath_nominate: bool = Field(
        True, description="after Thermidor the reaction nominates to every elected office"
    )
    aftermath_uncap: bool = Field(
        True, description="after Thermidor the cap on privilege is lifted"
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
    weariness: np.float32,
    fear_weight: np.float32,
) -> np.float32:
    """One member's willingness: activity x legitimacy x (1 - weariness x hardship) - fear
    (float32)."""
    one = np.float32(1.0)
    return activity * legitimacy * (one - weariness * hardship) - fear_weight * fear


@numba.njit(cache=True, nogil=True, parallel=True)
def _willingness(
    present: np.ndarray,
    activity: np.ndarray,
    legitimacy: np.ndarray,
    hardship: np.ndarray,
    fear: np.ndarray,
    weariness: float,
    fear_weight: float,
) -> np.ndarray:
    """Willingness of each member (0 for the absent)."""
    out = np.zeros(present.size, dtype=np.float32)
    worn, fw = np.float32(weariness), np.float32(fear_weight)
    for i in numba.prange(present.size):
        if present[i]:
            out[i] = _will(activity[i], legitimacy[i], hardship[i], fear[i], worn, fw)
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _standing_rows(
    degree: np.ndarray,
    neighbours: np.ndarray,
    present: np.ndarray,
    activity: np.ndarray,
    legitimacy: np.ndarray,
    hardship: np.ndarray,
    fear: np.ndarray,
    threshold: np.ndarray,
    worn: np.float32,
    fw: np.float32,
    commit: np.float32,
    out: np.ndarray,
) -> None:
    """``_standing_round``'s threshold rule over contiguous rows (branch-free: vectorises)."""
    for i in range(present.size):
        will = _will(activity[i], legitimacy[i], hardship[i], fear[i], worn, fw)
        share = neighbour_share(neighbours[i], degree[i])
        out[i] = present[i] & (will >= commit) & (share + will >= threshold[i])


@numba.njit(cache=True, nogil=True, parallel=True)
def _standing_round(
    degree: np.ndarray,
    neighbours: np.ndarray,
    present: np.ndarray,
    activity: np.ndarray,
    capacity: np.ndarray,
    legitimacy: np.ndarray,
    hardship: np.ndarray,
    fear: np.ndarray,
    opposition: np.ndarray,
    threshold: np.ndarray,
    weariness: float,
    fear_weight: float,
    commitment: float,
) -> tuple[np.ndarray, np.ndarray]:
    """``_willingness`` and one ``threshold_round`` (given each member's count of mobilised
    neighbours), then the ``state_census`` of the members with the new potential, block by
    block while the block's rows are in cache."""
    n = present.size
    out = np.empty(n, dtype=np.bool_)
    worn, fw = np.float32(weariness), np.float32(fear_weight)
    commit = np.float32(commitment)
    part = np.zeros((block_count(n), 9), dtype=np.int64)
    for k in numba.prange(block_count(n)):
        lo, hi = block_rows(n, k)
        _standing_rows(
            degree[lo:hi],
            neighbours[lo:hi],
            present[lo:hi],
            activity[lo:hi],
            legitimacy[lo:hi],
            hardship[lo:hi],
            fear[lo:hi],
            threshold[lo:hi],
            worn,
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
    activity x legitimacy x (1 - weariness x hardship) - fear."""
    m = world.members
    return _willingness(
        m.present,
        m.activity,
        m.legitimacy,
        m.hardship,
        m.fear,
        params.weariness,
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


def answerability(world: World) -> np.ndarray:
    """How far each office's holder answers to the members in fact (0..1; 0 if vacant).

    An elected bottom office: the turnout of its electorate at its last election. An
    elected higher office: the mean answerability of the occupied offices directly below,
    whose holders elect it. Drawn by lot: 1 (its holder is a member like any other).
    Nominated: 0 (it answers upward). Computed level by level from the bottom up.
    """
    off = world.offices
    tree = off.tree
    occupied = off.holder >= 0
    bottom = tree.cell >= 0
    out = np.where(off.rule == SORTITION, 1.0, 0.0)
    elected = off.rule == ELECTION
    out[bottom & elected] = off.turnout[bottom & elected]
    child = np.flatnonzero((tree.parent >= 0) & occupied)
    for level in range(int(tree.level.max()) - 1, -1, -1):  # a loop over levels, not offices
        below = child[tree.level[child] == level + 1]
        parents = tree.parent[below]
        total = np.bincount(parents, weights=out[below], minlength=off.size)
        count = np.bincount(parents, minlength=off.size)
        here = (tree.level == level) & elected & ~bottom
        out[here] = np.divide(
            total[here], count[here], out=np.zeros(int(here.sum())), where=count[here] > 0
        )
    return np.where(occupied, out, 0.0)


def control_index(world: World) -> float:
    """Who actually decides: the power-weighted mean answerability of the occupied offices,
    the power of an office being its holder and its staff (the apparatus that carries out
    its decisions). 0 with no office occupied."""
    off = world.offices
    power = np.where(off.holder >= 0, 1.0 + off.staff, 0.0)
    total = float(power.sum())
    return float((power * answerability(world)).sum() / total) if total > 0 else 0.0


def census(world: World) -> StateCensus:
    """``state_census`` of the members: sums over those present (see the kernel)."""
    m = world.members
    return StateCensus(
        state_census(
            m.present,
            m.activity,
            m.capacity,
            m.hardship,
            m.fear,
            m.legitimacy,
            m.opposition,
            m.mobilised,
        )
    )


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
        m.present,
        m.activity,
        m.capacity,
        m.legitimacy,
        m.hardship,
        m.fear,
        m.opposition,
        m.threshold,
        params.weariness,
        params.fear_weight,
        params.commitment,
    )
    taken = StateCensus(sums)
    control = control_index(world)
    tally.peak_control = max(tally.peak_control, control)
    world.censuses.put(taken, stage=NAME, step=world.step)
    n_present = int(taken.present)
    hardship = taken.hardship / n_present if n_present > 0 else 0.0
    discontent = 1.0 - taken.legitimacy / n_present if n_present > 0 else 0.0
    opposed = taken.opposition / n_present if n_present > 0 else 0.0
    hazard = (
        params.hazard_hardship * hardship
        + params.hazard_discontent * discontent
        + params.hazard_opposition * opposed
    )
    drawn = rng.random() < hazard
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
        _aftermath(world, params, mobilised)


def _aftermath(world: World, params: CrisisParams, defenders: np.ndarray) -> None:
    """What Thermidor leaves behind: the reaction holds the apparatus (every elected office
    nominated, unless the rules are entrenched; ``rules`` no longer lets members win one
    back once ``thermidor_step`` is set), privilege without a cap, and fear among those who
    would have defended the regime (the willing who stood, and the active who did not
    come)."""
    off, m = world.offices, world.members
    if params.aftermath_nominate and not world.policy.entrenched:
        off.rule[off.rule == ELECTION] = NOMINATION
    if params.aftermath_uncap:
        world.policy.privilege_cap = None
    hit = m.present & (defenders | (m.activity >= np.float32(0.5)))
    m.fear[hit] = np.minimum(m.fear[hit] + np.float32(params.aftermath_fear), np.float32(1.0))
    world.censuses.put(census(world), stage=NAME, step=world.step)  # fear moved: count again
