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

import numba
import numpy as np
from pydantic import Field

from thermidor.engine.kernels import CHUNKS, gather
from thermidor.mechanisms.base import Params
from thermidor.model.world import MEMBER, STAFF

if TYPE_CHECKING:
    from thermidor.model.world import World


class ApparatusParams(Params):
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


@numba.njit(cache=True, nogil=True, parallel=True)
def _staff_census(present: np.ndarray, role: np.ndarray, staff: int) -> tuple[int, int, np.ndarray]:
    """Members present, the apparatus among them (role not MEMBER, i.e. 0) and the staff ids
    in order (counted per fixed chunk, then listed at each chunk's offset)."""
    n = present.size
    counts = np.zeros((CHUNKS, 3), dtype=np.int64)
    for k in numba.prange(CHUNKS):
        for i in range(n * k // CHUNKS, n * (k + 1) // CHUNKS):
            if present[i]:
                counts[k, 0] += 1
                counts[k, 1] += role[i] != 0
                counts[k, 2] += role[i] == staff
    first = np.zeros(CHUNKS + 1, dtype=np.int64)
    for k in range(CHUNKS):
        first[k + 1] = first[k] + counts[k, 2]
    ids = np.empty(first[CHUNKS], dtype=np.int64)
    for k in numba.prange(CHUNKS):
        j = first[k]
        for i in range(n * k // CHUNKS, n * (k + 1) // CHUNKS):
            if present[i] and role[i] == staff:
                ids[j] = i
                j += 1
    return counts[:, 0].sum(), counts[:, 1].sum(), ids


def _rank_and_file_draws(
    world: World, count: int, pool: int, rng: np.random.Generator
) -> np.ndarray:
    """``count`` draws, with replacement, uniform over the ``pool`` present rank-and-file
    members.

    Rejection from uniform slots: each kept draw is uniform over the pool, as an index into
    the listed pool would be, without listing a pool of nearly every member each step.
    """
    m = world.members
    if pool == 0 or count == 0:
        return np.empty(0, dtype=np.int64)
    eligible_share = pool / m.size
    kept: list[np.ndarray] = []
    missing = count
    while missing > 0:
        slots = rng.integers(0, m.size, size=int(missing / eligible_share * 1.2) + 16)
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


def step(world: World, params: ApparatusParams, rng: np.random.Generator) -> None:
    m, off = world.members, world.offices
    present, apparatus, staff_ids = _staff_census(m.present, m.role, STAFF)
    leaves = rng.random(staff_ids.size) < params.attrition
    dismiss_staff(world, staff_ids[leaves])
    staff_ids = staff_ids[~leaves]
    apparatus -= int(leaves.sum())

    ceiling = int(world.policy.apparatus_cap * present)
    if apparatus > ceiling:
        excess = min(apparatus - ceiling, staff_ids.size)
        dismiss_staff(world, rng.choice(staff_ids, size=excess, replace=False))
        return
    occupied = np.flatnonzero(off.holder >= 0)
    ident = gather(m.identification, off.holder[occupied])
    room = ceiling - apparatus
    wanted = _poisson_hires(occupied, hiring_rate(off.staff[occupied], ident, params), rng)
    if wanted.size > room:
        wanted = rng.choice(wanted, size=room, replace=False)
    hire_staff(world, wanted, rng, pool=present - apparatus)
