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


def hire_staff(world: World, offices: np.ndarray, rng: np.random.Generator) -> None:
    """Give each entry of ``offices`` (repeats allowed) one new staff member from the ranks."""
    m, off = world.members, world.offices
    pool = np.flatnonzero(m.present & (m.role == MEMBER))
    if pool.size == 0 or offices.size == 0:
        return
    picks = pool[rng.integers(0, pool.size, size=min(offices.size, pool.size))]
    picks, first = np.unique(picks, return_index=True)
    offices = offices[first]
    m.role[picks] = STAFF
    m.post[picks] = offices
    m.privilege[picks] = 1.0
    np.add.at(off.staff, offices, 1)


def step(world: World, params: ApparatusParams, rng: np.random.Generator) -> None:
    m, off = world.members, world.offices
    present = int(m.present.sum())
    staff_ids = np.flatnonzero(m.present & (m.role == STAFF))
    leaving = staff_ids[rng.random(staff_ids.size) < params.attrition]
    dismiss_staff(world, leaving)

    apparatus = int((m.present & (m.role != MEMBER)).sum())
    ceiling = int(world.policy.apparatus_cap * present)
    if apparatus > ceiling:
        staff_ids = np.flatnonzero(m.present & (m.role == STAFF))
        excess = min(apparatus - ceiling, staff_ids.size)
        dismiss_staff(world, rng.choice(staff_ids, size=excess, replace=False))
        return
    occupied = np.flatnonzero(off.holder >= 0)
    ident = m.identification[off.holder[occupied]]
    hires = rng.poisson(hiring_rate(off.staff[occupied], ident, params))
    room = ceiling - apparatus
    wanted = np.repeat(occupied, hires)
    if wanted.size > room:
        wanted = rng.choice(wanted, size=room, replace=False)
    hire_staff(world, wanted, rng)
