"""Reporting: output is reported upward, and inflated where that pays and goes unseen.

Letter: "It is high time to put an end to this statistical charlatanism ...
statistics, more statistics and again more statistics. And this was being
said at the time when there were in the files of the Central Committee
documents proving the terrible disintegration of the apparatus".

Each bottom office's real output follows its cell's capacity and hardship and
its holder's competence; each office multiplies what it passes up by its own
inflation. Any holder may inflate, elected or not, when it has the motive and
the impunity. The motive comes from whoever judges it: a superior who weighs
reported results rewards inflation; voters who watch the real output of their
own cell do not, and only those who do not watch judge by the report. A holder
who identifies with the class does not cheat it. Impunity is the chance of not
being caught over the steps the holder weighs: audits and a free press look at
every office, and an electorate that watches the real output finds inflation
out at its elections. Whoever is caught is dismissed and the figures corrected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np
from pydantic import Field

from thermidor.engine.aggregate import group_sum
from thermidor.engine.kernels import gather
from thermidor.model.kernels import bottom_electorates, cell_productivity
from thermidor.model.mechanisms.base import ParamsBase
from thermidor.model.mechanisms.offices import fill_vacancies, vacate
from thermidor.model.state import ELECTION, NOMINATION

if TYPE_CHECKING:
    from thermidor.model.state import World


NAME = "reporting"
SUMMARY = "output reported upward; inflated where it pays and is not caught"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset(("party", "post", "role"))


class ReportingParams(ParamsBase):
    inflation_drift: float = Field(
        0.02,
        ge=0,
        le=1,
        description="growth per step of inflation at full motive and impunity, identification 0",
    )
    superior_reward: float = Field(
        1.0, ge=0, le=1, description="motive of a holder whose superior weighs reported results"
    )
    voter_reward: float = Field(
        1.0,
        ge=0,
        le=1,
        description="motive of an elected holder whose electorate judges by the report alone",
    )
    voter_catch: float = Field(
        1.0,
        ge=0,
        le=1,
        description="chance an election exposes inflation, per unit of the electorate watching",
    )
    press_catch: float = Field(
        0.05,
        ge=0,
        le=1,
        description="chance per step the press exposes inflation at transparency 1",
    )
    horizon: int = Field(
        12, ge=1, le=1000, description="steps of risk of being caught a holder weighs"
    )
    max_inflation: float = Field(
        20.0, ge=1, le=1e6, description="ceiling on any one office's factor"
    )
    tolerance: float = Field(
        1.05, ge=1, le=10, description="inflation below which an audit finds nothing to punish"
    )


def motive(rule: np.ndarray, watched: np.ndarray, params: ReportingParams) -> np.ndarray:
    """What inflating earns a holder from whoever judges it: a superior reads only reports;
    an electorate judges by the report only as far as it does not watch the real output
    (``watched``, the share of it that does); a lot judges nobody."""
    voters = params.voter_reward * (1.0 - watched)
    return np.where(
        rule == NOMINATION, params.superior_reward, np.where(rule == ELECTION, voters, 0.0)
    )


def catch_probability(
    rule: np.ndarray,
    watched: np.ndarray,
    term: np.ndarray,
    audit_rate: float,
    transparency: float,
    params: ReportingParams,
) -> np.ndarray:
    """Chance per step that an inflating holder is caught: audits and the press for every
    office; for an elected one also the share of its electorate that watches the output,
    which checks the figures against it at each election (one every ``term`` steps)."""
    voters = params.voter_catch * watched / np.maximum(term, 1)
    p = audit_rate + params.press_catch * transparency + np.where(rule == ELECTION, voters, 0.0)
    return np.clip(p, 0.0, 1.0)


def impunity(catch: np.ndarray, params: ReportingParams) -> np.ndarray:
    """Chance of not being caught over the ``horizon`` steps a holder weighs."""
    return (1.0 - catch) ** params.horizon


def inflation_growth(
    inflation: np.ndarray,
    identification: np.ndarray,
    gain: np.ndarray,
    safe: np.ndarray,
    params: ReportingParams,
) -> np.ndarray:
    """Next step's inflation: it grows with the ``gain`` (motive), the holder's detachment
    from the class and its impunity (``safe``); it never falls by itself."""
    rate = params.inflation_drift * gain * (1.0 - identification) * safe
    return np.minimum(inflation * (1.0 + rate), np.maximum(inflation, params.max_inflation))


def watching(world: World) -> np.ndarray:
    """Per office, the share of its electorate that watches the real output: at the bottom the
    turnout of its cell's voters (party members for the party's office), who see their own
    cell's output; above, the delegates (holders below) who still identify with the class and
    check the figures against their own (as they act on what they know, Section 7.8)."""
    m, off, tree = world.members, world.offices, world.offices.tree
    out = np.zeros(off.size)
    sums = bottom_electorates(world)
    # mean activity of each bottom electorate (0 where there is none): its turnout
    bottom = tree.cell >= 0
    out[bottom] = np.divide(
        sums[bottom, 2], sums[bottom, 0], out=np.zeros(int(bottom.sum())), where=sums[bottom, 0] > 0
    )
    child = np.flatnonzero((tree.parent >= 0) & (off.holder >= 0))
    parent = tree.parent[child]
    delegates = group_sum(parent, None, off.size)
    checking = group_sum(parent, gather(m.identification, off.holder[child]), off.size)
    upper = tree.cell < 0
    out[upper] = np.divide(
        checking[upper],
        delegates[upper],
        out=np.zeros(int(upper.sum())),
        where=delegates[upper] > 0,
    )
    return out


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
    m, off, tree, policy = world.members, world.offices, world.offices.tree, world.policy
    occupied = off.holder >= 0
    holder = np.maximum(off.holder, 0)
    ident = np.where(occupied, gather(m.identification, holder), 1.0)
    watched = watching(world)
    catch = catch_probability(
        off.rule, watched, off.term, policy.audit_rate, policy.transparency, params
    )
    gain = np.where(occupied, motive(off.rule, watched, params), 0.0)
    off.inflation = inflation_growth(
        off.inflation, ident, gain, impunity(catch, params), params
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

    caught = occupied & (off.inflation > params.tolerance) & (rng.random(off.size) < catch)
    off.inflation[caught] = 1.0
    vacate(world, np.flatnonzero(caught))
    if caught.any():
        fill_vacancies(world, rng)
