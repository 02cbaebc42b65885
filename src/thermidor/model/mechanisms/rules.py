"""Rules: the apparatus replaces election by nomination, and organised members win it back.

Letter: what cut the Jacobins off from the masses was, with the liquidation of
the left, "the gradual elimination of the elective principle and its
replacement by the principle of nominations"; nominations "accelerated the
action of the other factors" ("a decisive role was played by the difficulties
of supplying food"). The remedy: the remaining apparatus' "tasks ... should
have strictly determined limits. This should apply equally to the tasks, the
functions and the rights of the central organisms", and the members "must
recover their rights".

Why it is a mechanism, not a date: the elective principle was not abolished by
one decree but eliminated office by office, wherever the apparatus had a reason
and an occasion. Here the holder of an office's superior converts an elected
office to nomination when its election falls due (or the office stands vacant)
with a chance that grows with its motive (its own lack of identification with
the class, what its privilege puts at stake, and whether it answers upward
itself) and its means (a pretext: low turnout at the last election, a vacancy
nobody contests, an emergency; and the weakness of the electorate that would
resist: its organised activity, activity x capacity, is low). Bounded functions
(``Policy.bounded``) take that power away from superiors in proportion. The
other way, an organised electorate (activity x capacity above a threshold, or
many speaking out) wins its election back, unless fear or repression stop it;
the sitting nominee then faces the vote at the end of its term.

The electorate is the one ``accountability`` counts: a bottom office's is the
present members of its cell (party members for the party's offices), a higher
office's the holders of the offices below it (its delegates). Top offices have
no superior and are never converted by this path (scripted history still can).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from thermidor.engine.aggregate import group_sum
from thermidor.engine.kernels import gather
from thermidor.model.kernels import bottom_electorates
from thermidor.model.mechanisms.base import ParamsBase
from thermidor.model.state import ELECTION, NOMINATION

if TYPE_CHECKING:
    from thermidor.model.state import World


NAME = "rules"
SUMMARY = "superiors turn elections into nominations; organised members win them back"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset()  # it reads members, changes offices' rules and terms


class RulesParams(ParamsBase):
    convert_rate: float = Field(
        0.5,
        ge=0,
        le=1,
        description="chance a superior with full motive and means converts a due election",
    )
    elected_superior: float = Field(
        0.5,
        ge=0,
        le=1,
        description="motive of a superior who is itself elected, relative to a nominee's",
    )
    resistance_scale: float = Field(
        0.25,
        gt=0,
        le=1,
        description="electorate's mean activity x capacity at which it resists any conversion",
    )
    hardship_floor: float = Field(
        0.3,
        ge=0,
        lt=1,
        description="mean hardship above which a growing emergency serves as a pretext",
    )
    restore_rate: float = Field(
        0.05,
        ge=0,
        le=1,
        description="chance per step a fully organised, fearless electorate wins its election back",
    )
    restore_threshold: float = Field(
        0.5,
        ge=0,
        lt=1,
        description="resistance (0..1) an electorate must exceed before it is organised",
    )


Params = RulesParams


def motive(identification: np.ndarray, privilege: np.ndarray, nominated: np.ndarray,
           params: RulesParams) -> np.ndarray:  # fmt: skip
    """A superior's interest in nominating instead of facing elected subordinates, in [0,1]:
    ``(1 - identification) x (1 + stake) / 2 x answer``, where ``stake = 1 - 1/privilege``
    (what its privilege puts at risk) and ``answer`` is 1 for a superior itself nominated
    (it answers upward) and ``elected_superior`` for an elected one."""
    stake = 1.0 - 1.0 / np.maximum(privilege, 1.0)
    answer = np.where(nominated, 1.0, params.elected_superior)
    return np.clip((1.0 - identification) * 0.5 * (1.0 + stake) * answer, 0.0, 1.0)


def resistance(organised_activity: np.ndarray, params: RulesParams) -> np.ndarray:
    """How far the electorate would resist, in [0,1]: its mean activity x capacity over
    ``resistance_scale``."""
    return np.clip(organised_activity / params.resistance_scale, 0.0, 1.0)


def emergency(crisis: bool, mean_hardship: float, params: RulesParams) -> float:
    """The emergency as a pretext, in [0,1]: 1 in a crisis, else the mean hardship's excess
    over ``hardship_floor`` as a share of what is left above it."""
    if crisis:
        return 1.0
    return float(np.clip((mean_hardship - params.hardship_floor) / (1.0 - params.hardship_floor),
                         0.0, 1.0))  # fmt: skip


def means(turnout: np.ndarray, uncontested: np.ndarray, emergency_: float,
          resistance_: np.ndarray) -> np.ndarray:  # fmt: skip
    """A superior's means to convert, in [0,1]: a pretext (any of low turnout, an uncontested
    vacancy, an emergency: ``1 - (1 - apathy)(1 - uncontested)(1 - emergency)``) times the
    weakness of those who would resist (``1 - resistance``)."""
    apathy = 1.0 - np.clip(turnout, 0.0, 1.0)
    pretext = 1.0 - (1.0 - apathy) * (1.0 - uncontested) * (1.0 - emergency_)
    return np.clip(pretext * (1.0 - resistance_), 0.0, 1.0)


def convert_probability(motive_: np.ndarray, means_: np.ndarray, has_superior: np.ndarray,
                        bounded: float, params: RulesParams) -> np.ndarray:  # fmt: skip
    """Chance a due (or vacant) elected office is turned to nomination this step:
    ``convert_rate x motive x means x (1 - bounded)``; 0 without a superior (top offices,
    or a vacant superior office)."""
    p = params.convert_rate * motive_ * means_ * (1.0 - bounded)
    return np.where(has_superior, np.clip(p, 0.0, 1.0), 0.0)


def restore_probability(resistance_: np.ndarray, voicing: np.ndarray, fear: np.ndarray,
                        repression: float, params: RulesParams) -> np.ndarray:  # fmt: skip
    """Chance a nominated office's electorate wins its election back this step:
    ``restore_rate x organised x (1 - fear) x (1 - repression)``, where ``organised =
    1 - (1 - excess)(1 - voicing)``: the resistance's excess over ``restore_threshold`` (as a
    share of what is left above it) or the share of the electorate speaking out."""
    excess = np.clip(
        (resistance_ - params.restore_threshold) / (1.0 - params.restore_threshold), 0.0, 1.0
    )
    organised = 1.0 - (1.0 - excess) * (1.0 - np.clip(voicing, 0.0, 1.0))
    p = params.restore_rate * organised * (1.0 - fear) * (1.0 - repression)
    return np.clip(p, 0.0, 1.0)


KEYS = ("organised", "activity", "fear", "voicing")


def _electorates(world: World) -> dict[str, np.ndarray]:
    """Per office: the electorate's size and mean activity x capacity, activity, fear and
    share speaking out (0 where it has nobody)."""
    m, off, tree = world.members, world.offices, world.offices.tree
    sums = bottom_electorates(world)
    # a higher office's electorate: the holders of the offices below it
    child = np.flatnonzero((tree.parent >= 0) & (off.holder >= 0))
    parent, delegate = tree.parent[child], off.holder[child]
    upper = tree.cell < 0
    sums[upper, 0] = group_sum(parent, None, off.size)[upper]
    delegate_columns = (
        gather(m.activity, delegate) * gather(m.capacity, delegate),
        gather(m.activity, delegate),
        gather(m.fear, delegate),
        gather(m.voicing, delegate),
    )
    for k, values in enumerate(delegate_columns, start=1):
        sums[upper, k] = group_sum(parent, values.astype(np.float64), off.size)[upper]
    n = sums[:, 0]
    means_ = {
        key: np.divide(sums[:, k], n, out=np.zeros(off.size), where=n > 0)
        for k, key in enumerate(KEYS, start=1)
    }
    return {"n": n, **means_}


def step(world: World, params: RulesParams, rng: np.random.Generator) -> None:
    m, off, tree = world.members, world.offices, world.offices.tree
    # both draws first, one per office, whoever qualifies: the stream never depends on state
    u_convert = rng.random(off.size)
    u_restore = rng.random(off.size)
    if world.policy.entrenched:  # the rules change only by the scenario's dated events
        return
    electorate = _electorates(world)
    resist = resistance(electorate["organised"], params)

    # superiors convert the elected offices whose election falls due at the next
    # accountability step, or that stand vacant (nobody could be found to stand)
    vacant = off.holder < 0
    has_parent = tree.parent >= 0
    parent = np.where(has_parent, tree.parent, 0)
    superior = np.where(has_parent, off.holder[parent], -1)
    has_superior = superior >= 0
    at_stake = (off.rule == ELECTION) & has_parent & ((off.term_left <= 1) | vacant)
    who = np.maximum(superior, 0)
    motive_ = motive(
        gather(m.identification, who), gather(m.privilege, who), off.rule[parent] == NOMINATION,
        params,
    )  # fmt: skip
    present = m.present
    hardship = float(m.hardship[present].mean()) if present.any() else 0.0
    emergency_ = emergency(world.tally.crisis or world.pending_crisis, hardship, params)
    means_ = means(off.turnout, vacant.astype(np.float64), emergency_, resist)
    p_convert = convert_probability(motive_, means_, has_superior, world.policy.bounded, params)
    converted = at_stake & (u_convert < p_convert)

    # organised electorates win their elections back; the nominee faces them at its term's end
    p_restore = restore_probability(
        resist, electorate["voicing"], electorate["fear"], world.policy.repression, params
    )
    restored = (off.rule == NOMINATION) & (electorate["n"] > 0) & (u_restore < p_restore)
    restored &= world.tally.thermidor_step is None  # the reaction holds what it took

    off.rule[converted] = NOMINATION
    off.rule[restored] = ELECTION
    off.term_left[restored] = np.minimum(off.term_left[restored], off.term[restored])
