"""Reporting: output is reported upward, and inflated where that pays.

Letter: "It is high time to put an end to this statistical charlatanism ...
statistics, more statistics and again more statistics. And this was being
said at the time when there were in the files of the Central Committee
documents proving the terrible disintegration of the apparatus".

Each bottom office's real output follows its cell's capacity and hardship and
its holder's competence; each office multiplies what it passes up by its own
inflation. A nominated holder, judged by a superior on reports, inflates them
the less it identifies with the class; an elected one gains nothing by it (the
campaign exposes the real results). Audits and a free press catch inflation:
the holder is dismissed and the figures corrected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np
from pydantic import Field

from thermidor.engine.kernels import gather
from thermidor.model.kernels import cell_productivity
from thermidor.model.mechanisms.base import ParamsBase
from thermidor.model.mechanisms.offices import fill_vacancies, vacate
from thermidor.model.state import NOMINATION

if TYPE_CHECKING:
    from thermidor.model.state import World


NAME = "reporting"
SUMMARY = "output reported upward; nominees inflate; audits catch some"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset(("party", "post", "role"))


class ReportingParams(ParamsBase):
    inflation_drift: float = Field(
        0.02, ge=0, le=1, description="growth per step of a nominee's inflation at identification 0"
    )
    press_catch: float = Field(
        0.05,
        ge=0,
        le=1,
        description="chance per step the press exposes inflation at transparency 1",
    )
    max_inflation: float = Field(
        20.0, ge=1, le=1e6, description="ceiling on any one office's factor"
    )
    tolerance: float = Field(
        1.05, ge=1, le=10, description="inflation below which an audit finds nothing to punish"
    )


def inflation_growth(
    inflation: np.ndarray,
    identification: np.ndarray,
    nominated: np.ndarray,
    params: ReportingParams,
) -> np.ndarray:
    """Next step's inflation: only holders who answer upward gain by inflating."""
    grown = inflation * (1.0 + params.inflation_drift * (1.0 - identification))
    return np.where(nominated, np.minimum(grown, params.max_inflation), inflation)


@numba.njit(cache=True, nogil=True)
def _roll_up(
    level: np.ndarray,
    parent: np.ndarray,
    depth: int,
    real: np.ndarray,
    reported: np.ndarray,
    inflation: np.ndarray,
) -> None:
    """In place, deepest level first: an office's real output gains its children's, and
    it reports what its children report times its own inflation (where they report any)."""
    from_real = np.zeros(real.size)
    from_reports = np.zeros(real.size)
    for d in range(depth - 1, 0, -1):
        for o in range(level.size):
            if level[o] == d:
                from_real[parent[o]] += real[o]
                from_reports[parent[o]] += reported[o]
        for o in range(level.size):
            if level[o] == d - 1:
                real[o] += from_real[o]
                if from_reports[o] > 0:
                    reported[o] = from_reports[o] * inflation[o]


Params = ReportingParams


def step(world: World, params: ReportingParams, rng: np.random.Generator) -> None:
    m, off, tree = world.members, world.offices, world.offices.tree
    occupied = off.holder >= 0
    holder = np.maximum(off.holder, 0)
    ident = np.where(occupied, gather(m.identification, holder), 1.0)
    off.inflation = inflation_growth(
        off.inflation, ident, occupied & (off.rule == NOMINATION), params
    ).astype(np.float32)

    # mean over each cell's present members of (0.5 + 0.5 capacity)(1 - 0.5 hardship)
    cell_output = cell_productivity(world.cell_start, m.present, m.capacity, m.hardship)
    competence = np.where(occupied, 0.5 + 0.5 * gather(m.capacity, holder), 0.5)
    real = np.zeros(off.size)
    reported = np.zeros(off.size)
    for b in range(world.n_branches):
        bottom = tree.bottom_of[b]
        real[bottom] = cell_output * competence[bottom]
        reported[bottom] = real[bottom] * off.inflation[bottom]
    _roll_up(tree.level, tree.parent, tree.depth, real, reported, off.inflation)
    off.real_output = real.astype(np.float32)
    off.reported_output = reported.astype(np.float32)

    chance = world.policy.audit_rate + params.press_catch * world.policy.transparency
    caught = occupied & (off.inflation > params.tolerance) & (rng.random(off.size) < chance)
    off.inflation[caught] = 1.0
    vacate(world, np.flatnonzero(caught))
    if caught.any():
        fill_vacancies(world, rng)
