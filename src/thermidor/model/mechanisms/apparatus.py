"""Apparatus growth: officials multiply posts under them, up to the cap.

Letter: "In my opinion, the first condition necessary to make the leadership
of our party capable of exercising an educative role, is to reduce the size
and functions of this leadership. Three-quarters of the apparatus should be
done away with." Growth follows Parkinson (1955): officials want subordinates,
not rivals, whatever the work.

Each holder adds staff posts at a rate that rises as its identification falls;
staff are drawn from the rank and file. The apparatus (holders and staff) may
not exceed the cap's share of members present: hiring stops at the cap, and
an apparatus above it (after a cut of the cap) sheds staff down to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from thermidor.engine.kernels import gather
from thermidor.model.mechanisms.base import ParamsBase
from thermidor.model.state import MEMBER, STAFF

if TYPE_CHECKING:
    from thermidor.model.state import World


NAME = "apparatus"
SUMMARY = "officials multiply staff posts up to the apparatus cap"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset(("post", "privilege", "role"))


class ApparatusParams(ParamsBase):
    parkinson_rate: float = Field(
        0.01, ge=0, le=1, description="new posts per post per step at identification 0"
    )
    attrition: float = Field(0.002, ge=0, le=1, description="share of staff leaving per step")


def hiring_rate(
    staff: np.ndarray, identification: np.ndarray, params: ApparatusParams
) -> np.ndarray:
    """Expected new staff posts per office this step."""
    return params.parkinson_rate * (staff + 1.0) * (1.0 - identification)


def dismiss_staff(world: World, ids: np.ndarray) -> None:
    """Return staff members ``ids`` to the rank and file."""
    m, off = world.members, world.offices
    np.subtract.at(off.staff, m.post[ids], 1)
    m.role[ids] = MEMBER
    m.post[ids] = -1


def _arrived_draws(world: World, rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` uniform draws (rows) among the members arrived so far, by order of arrival:
    the slots of recruits still to come are never drawn, so they change no draw."""
    return world.arrivals[rng.integers(0, world.arrived, size=size)]


def _some_staff(world: World, count: int, n_staff: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct staff members, a uniform random subset of the ``n_staff``.

    The first ``count`` distinct staff among uniform draws of the members arrived so far
    (rejection) when few are wanted, so no step lists the whole staff; a sample of the
    listed staff otherwise.
    """
    m = world.members
    if count <= 0 or n_staff == 0:
        return np.empty(0, dtype=np.int64)
    if count > n_staff // 4:
        return rng.choice(np.flatnonzero(m.role == STAFF), size=count, replace=False)
    found = np.empty(0, dtype=np.int64)
    arrived = world.arrived
    while True:
        slots = _arrived_draws(world, rng, int(2 * count * arrived / n_staff) + 16)
        found = np.concatenate([found, slots[m.role[slots] == STAFF]])
        distinct, first = np.unique(found, return_index=True)
        if distinct.size >= count:
            return found[np.sort(first)[:count]]


def _rank_and_file_draws(
    world: World, count: int, pool: int, rng: np.random.Generator
) -> np.ndarray:
    """``count`` draws, with replacement, uniform over the ``pool`` present rank-and-file
    members.

    Rejection from uniform draws of the members arrived so far: each kept draw is uniform
    over the pool, as an index into the listed pool would be, without listing a pool of
    nearly every member each step.
    """
    m = world.members
    if pool == 0 or count == 0:
        return np.empty(0, dtype=np.int64)
    eligible_share = pool / world.arrived
    kept: list[np.ndarray] = []
    missing = count
    while missing > 0:
        slots = _arrived_draws(world, rng, int(missing / eligible_share * 1.2) + 16)
        slots = slots[m.present[slots] & (m.role[slots] == MEMBER)][:missing]
        kept.append(slots)
        missing -= slots.size
    return np.concatenate(kept)


def hire_staff(
    world: World, offices: np.ndarray, rng: np.random.Generator, pool: int | None = None
) -> None:
    """Give each entry of ``offices`` (repeats allowed) one new staff member from the ranks
    (``pool``: how many present members are in the ranks, when the caller knows)."""
    m, off = world.members, world.offices
    if pool is None:
        pool = int(np.count_nonzero(m.present & (m.role == MEMBER)))
    picks = _rank_and_file_draws(world, min(offices.size, pool), pool, rng)
    if picks.size == 0:
        return
    picks, first = np.unique(picks, return_index=True)
    offices = offices[first]
    m.role[picks] = STAFF
    m.post[picks] = offices
    m.privilege[picks] = 1.0
    np.add.at(off.staff, offices, 1)


def _poisson_hires(offices: np.ndarray, rates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each office's independent Poisson(rate) new posts, as a sorted list of offices.

    Drawn as one Poisson total split over offices in proportion to their rates (the same
    joint distribution): a handful of draws instead of one per office.
    """
    total_rate = float(rates.sum())
    if total_rate <= 0.0:
        return np.empty(0, dtype=offices.dtype)
    total = rng.poisson(total_rate)
    return np.sort(offices[rng.choice(offices.size, size=total, p=rates / total_rate)])


Params = ApparatusParams


def step(world: World, params: ApparatusParams, rng: np.random.Generator) -> None:
    m, off = world.members, world.offices
    # staff and holders are always present (repression dismisses and vacates): the
    # offices count the apparatus without a pass over the members
    present = int(np.count_nonzero(m.present))
    n_staff = int(off.staff.sum())
    # each staff member leaves with the attrition chance: a binomial number of them,
    # a uniform subset
    leaving = int(rng.binomial(n_staff, params.attrition))
    dismiss_staff(world, _some_staff(world, leaving, n_staff, rng))
    n_staff -= leaving
    apparatus = int(np.count_nonzero(off.holder >= 0)) + n_staff

    ceiling = int(world.policy.apparatus_cap * present)
    if apparatus > ceiling:
        excess = min(apparatus - ceiling, n_staff)
        dismiss_staff(world, _some_staff(world, excess, n_staff, rng))
        return
    occupied = np.flatnonzero(off.holder >= 0)
    ident = gather(m.identification, off.holder[occupied])
    room = ceiling - apparatus
    wanted = _poisson_hires(occupied, hiring_rate(off.staff[occupied], ident, params), rng)
    if wanted.size > room:
        wanted = rng.choice(wanted, size=room, replace=False)
    hire_staff(world, wanted, rng, pool=present - apparatus)
