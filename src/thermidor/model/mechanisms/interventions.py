"""Interventions: institutions changed by decision at a given step.

Letter, the remedies: "Three-quarters of the apparatus should be done away
with. The tasks of the remaining quarter should have strictly determined
limits ... The members of the party must recover their rights which have been
trampled upon and be given worthwhile guarantees"; "It is necessary to
re-educate the working masses ... This process will be long and difficult";
and against a purge alone: "This bureaucracy will not change merely because
it is submitted to a cleansing ... it is not only a question of a change of
personnel but firstly a change in methods".

Each intervention changes the policy in force or the rules of offices from its
start step on; none looks at the outcome. Rule changes reach offices in a
fixed order (top tiers first, a random order within a tier), so a larger
share always includes a smaller one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, assert_never

import numpy as np

from thermidor.model.mechanisms.apparatus import dismiss_staff, hire_staff
from thermidor.model.mechanisms.base import ParamsBase
from thermidor.model.mechanisms.offices import fill_vacancies, vacate
from thermidor.model.state import ELECTION, NOMINATION, SORTITION, STAFF

if TYPE_CHECKING:
    from thermidor.model.mechanisms.base import RecruitQueue, Step
    from thermidor.model.scenario import Intervention, Scenario
    from thermidor.model.state import World


NAME = "interventions"
SUMMARY = "decisions starting this step change rules and policy"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset(
    ("deported", "expelled", "party", "post", "present", "privilege", "role")
)


class InterventionParams(ParamsBase):
    """Interventions carry their own magnitudes in the scenario; nothing model-wide to set."""


def _branch_mask(world: World, branches: Sequence[str] | None) -> np.ndarray:
    if branches is None:
        return np.ones(world.offices.size, dtype=bool)
    wanted = [i for i, name in enumerate(world.branch_names) if name in branches]
    return np.isin(world.offices.tree.branch, wanted)


def convert_share(world: World, share: float, rule: int, mask: np.ndarray) -> None:
    """Switch ``share`` of the offices in ``mask`` to ``rule``, in priority order."""
    off = world.offices
    ids = np.flatnonzero(mask)
    target = round(share * ids.size)
    already = int((off.rule[ids] == rule).sum())
    if target <= already:
        return
    others = ids[off.rule[ids] != rule]
    chosen = others[np.argsort(off.priority[others], kind="stable")[: target - already]]
    off.rule[chosen] = rule


def purge(world: World, fraction: float, rng: np.random.Generator) -> None:
    """Replace a fraction of holders and staff by fresh members; the rules stay as they were.

    A purge removes people, not the record of their abuses: the purged offices' open cases
    stay open and known, and the successors inherit them with the branch's impunity
    (``offices.vacate``). What improves is only who holds office, until differentiation
    makes the new holders like the old."""
    m, off = world.members, world.offices
    occupied = np.flatnonzero(off.holder >= 0)
    vacate(world, occupied[rng.random(occupied.size) < fraction])
    staff = np.flatnonzero(m.present & (m.role == STAFF))
    out = staff[rng.random(staff.size) < fraction]
    employers = m.post[out].copy()
    dismiss_staff(world, out)
    for _ in range(world.offices.tree.depth + 1):  # promotions empty the offices below
        fill_vacancies(world, rng)
    hire_staff(world, employers, rng)


def readmit(world: World, share: float, rng: np.random.Generator, *, deported: bool) -> None:
    """With ``deported``, each deported member returns to its cell with probability
    ``share`` (as it left: a party member if it was one, knowing nothing of the cell's
    open cases); then each expelled member present is readmitted to the party with
    probability ``share``."""
    m = world.members
    if deported:
        away = np.flatnonzero(m.deported & ~m.present)
        home = away[rng.random(away.size) < share]
        m.present[home] = True
        m.deported[home] = False
        world.tally.deported_total -= int(home.size)  # deported and not returned
    expelled = np.flatnonzero(m.present & m.expelled)
    back = expelled[rng.random(expelled.size) < share]
    m.party[back] = True
    m.expelled[back] = False


def apply(world: World, item: Intervention, rng: np.random.Generator) -> None:
    """Carry out one intervention now."""
    off, policy = world.offices, world.policy
    # The scenario's union is discriminated by ``kind``: each case narrows ``item`` to its class.
    match item.kind:
        case "restore_elections":
            off.rule[_branch_mask(world, item.branches) & (off.rule == NOMINATION)] = ELECTION
        case "nominate":
            convert_share(world, item.share, NOMINATION, _branch_mask(world, item.branches))
        case "sortition":
            convert_share(world, item.share, SORTITION, _branch_mask(world, item.branches))
        case "cut_apparatus":
            staff = np.flatnonzero(world.members.present & (world.members.role == STAFF))
            cut = rng.choice(staff, size=round(item.fraction * staff.size), replace=False)
            dismiss_staff(world, cut)
            if item.cap is not None:
                policy.apparatus_cap = item.cap
        case "cap_privilege":
            policy.privilege_cap = item.cap
        case "rights_guarantees" | "repression":
            policy.repression = item.intensity
        case "education":
            policy.education = item.intensity
        case "transparency":
            policy.transparency = item.level
        case "audits":
            policy.audit_rate = item.rate
        case "purge":
            purge(world, item.fraction, rng)
        case "readmit":
            readmit(world, item.share, rng, deported=item.deported)
        case "term_limits":
            off.term[:] = item.term
            off.term_left = np.minimum(off.term_left, item.term)
            if item.recall is not None:
                off.recall[:] = item.recall
        case "bound_functions":
            policy.bounded = item.level
        case _:  # pragma: no cover - the schema admits no other kind (mypy checks it)
            assert_never(item)


Params = InterventionParams


def bind(scenario: Scenario, recruit_queue: RecruitQueue) -> Step:
    """Bind the scenario's interventions into a step function (recruits are the economy's)."""
    del recruit_queue
    by_step: dict[int, list[Intervention]] = {}
    for item in scenario.interventions:
        by_step.setdefault(item.start, []).append(item)

    def step(world: World, params: InterventionParams, rng: np.random.Generator) -> None:
        del params
        for item in by_step.get(world.step, []):
            apply(world, item, rng)

    return step
