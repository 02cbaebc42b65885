"""Interventions: rule changes reach offices in a fixed order; cuts, purges, policies at once."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from support import small_scenario, small_world
from thermidor.model.mechanisms import interventions, knowledge
from thermidor.model.mechanisms.interventions import InterventionParams, apply, convert_share, purge
from thermidor.model.scenario import Intervention
from thermidor.model.state import ELECTION, HOLDER, NOMINATION, SORTITION, STAFF, World
from thermidor.scenarios.loader import validate

SHARED = small_world("meta.members=500")  # convert_share touches only rules: reset per example
ALL = np.ones(SHARED.offices.size, dtype=bool)
_adapter: TypeAdapter[Any] = TypeAdapter(Intervention)


def item(**fields: Any) -> Any:
    return _adapter.validate_python({"start": 0, **fields})


def _staff_consistent(world: World) -> None:
    m, off = world.members, world.offices
    staff = m.present & (m.role == STAFF)
    np.testing.assert_array_equal(off.staff, np.bincount(m.post[staff], minlength=off.size))


def _converted(share: float, rule: int = NOMINATION, mask: np.ndarray = ALL) -> np.ndarray:
    SHARED.offices.rule[:] = ELECTION
    convert_share(SHARED, share, rule, mask)
    return SHARED.offices.rule == rule


# --- convert_share --------------------------------------------------------------------------


@settings(max_examples=60)
@given(a=st.floats(0.0, 1.0), b=st.floats(0.0, 1.0))
def test_convert_share_is_nested(a, b):
    low, high = sorted((a, b))
    small, large = _converted(low), _converted(high)
    assert not (small & ~large).any()  # a larger share includes the smaller


@settings(max_examples=60)
@given(share=st.floats(0.0, 1.0))
def test_convert_share_converts_that_share(share):
    assert _converted(share).sum() == round(share * SHARED.offices.size)


def test_convert_share_reaches_the_top_tiers_first():
    tree = SHARED.offices.tree
    chosen = _converted(3 / SHARED.offices.size)
    np.testing.assert_array_equal(chosen, tree.level == 0)  # the three branch tops
    chosen = _converted(0.25)
    assert tree.level[chosen].max() <= tree.level[~chosen].min()


def test_convert_share_counts_offices_already_under_the_rule():
    off = SHARED.offices
    off.rule[:] = ELECTION
    off.rule[-10:] = NOMINATION  # ten bottom offices already nominated
    convert_share(SHARED, 10 / off.size, NOMINATION, ALL)
    assert (off.rule == NOMINATION).sum() == 10
    convert_share(SHARED, 15 / off.size, NOMINATION, ALL)
    assert (off.rule == NOMINATION).sum() == 15
    assert (off.rule[-10:] == NOMINATION).all()


def test_convert_share_respects_the_mask():
    tree = SHARED.offices.tree
    mask = tree.branch == 2
    chosen = _converted(1.0, SORTITION, mask)
    np.testing.assert_array_equal(chosen, mask)


# --- rule interventions ---------------------------------------------------------------------


def test_restore_elections_sets_nominated_offices_to_election(tiny, rng):
    off = tiny.offices
    off.rule[:] = NOMINATION
    off.rule[::5] = SORTITION
    drawn = off.rule == SORTITION
    apply(tiny, item(kind="restore_elections"), rng)
    assert (off.rule[~drawn] == ELECTION).all()
    assert (off.rule[drawn] == SORTITION).all()  # a lot is not a nomination


def test_restore_elections_in_named_branches_only(tiny, rng):
    off = tiny.offices
    off.rule[:] = NOMINATION
    apply(tiny, item(kind="restore_elections", branches=["party", "unions"]), rng)
    soviets = off.tree.branch == tiny.branch_names.index("soviets")
    assert (off.rule[soviets] == NOMINATION).all()
    assert (off.rule[~soviets] == ELECTION).all()


def test_nominate_and_sortition_interventions_convert_their_share(tiny, rng):
    off = tiny.offices
    apply(tiny, item(kind="nominate", share=0.5), rng)
    assert (off.rule == NOMINATION).sum() == round(0.5 * off.size)
    party = off.tree.branch == tiny.party_branch
    apply(tiny, item(kind="sortition", share=1.0, branches=["party"]), rng)
    assert (off.rule[party] == SORTITION).all()
    assert not (off.rule[~party] == SORTITION).any()


def test_term_limits_shorten_terms(tiny, rng):
    off = tiny.offices
    off.term_left[:] = 12
    off.term_left[0] = 1
    apply(tiny, item(kind="term_limits", term=3, recall=True), rng)
    assert (off.term == 3).all()
    assert (off.term_left <= 3).all()
    assert off.term_left[0] == 1
    assert off.recall.all()


def test_bound_functions_set_the_policy_and_leave_the_rules_as_they_are(tiny, rng):
    rules = tiny.offices.rule.copy()
    assert tiny.policy.bounded == 0.0
    apply(tiny, item(kind="bound_functions", level=0.9), rng)
    assert tiny.policy.bounded == 0.9
    np.testing.assert_array_equal(tiny.offices.rule, rules)


# --- the apparatus --------------------------------------------------------------------------


def test_cut_apparatus_removes_that_fraction_of_staff(tiny, rng):
    m = tiny.members
    before = int((m.role == STAFF).sum())
    holders = int((m.role == HOLDER).sum())
    apply(tiny, item(kind="cut_apparatus", fraction=0.75, cap=0.05), rng)
    assert (m.role == STAFF).sum() == before - round(0.75 * before)
    assert (m.role == HOLDER).sum() == holders
    assert tiny.policy.apparatus_cap == 0.05
    _staff_consistent(tiny)


def test_cut_apparatus_without_a_cap_keeps_the_cap(tiny, rng):
    cap = tiny.policy.apparatus_cap
    apply(tiny, item(kind="cut_apparatus", fraction=1.0), rng)
    assert (tiny.members.role == STAFF).sum() == 0
    assert tiny.offices.staff.sum() == 0
    assert tiny.policy.apparatus_cap == cap


def test_purge_replaces_holders_without_changing_rules(tiny, rng):
    off = tiny.offices
    off.rule[::2] = NOMINATION
    rules = off.rule.copy()
    holders = off.holder.copy()
    off.tenure[:] = 5
    purge(tiny, 1.0, rng)
    np.testing.assert_array_equal(off.rule, rules)
    assert (off.tenure == 0).all()  # nobody kept an office through the purge
    occupied = off.holder >= 0
    assert (off.holder[occupied] != holders[occupied]).mean() > 0.8


def test_purge_leaves_no_office_vacant(tiny, rng):
    off = tiny.offices
    purge(tiny, 1.0, rng)
    assert (off.holder >= 0).all()


def test_purge_replaces_staff_and_keeps_counts_consistent(tiny, rng):
    m = tiny.members
    staff = np.flatnonzero(m.role == STAFF)
    purge(tiny, 1.0, rng)
    assert (m.role[staff] == STAFF).mean() < 0.2  # most posts go to others
    assert (m.role == STAFF).sum() > 0.8 * staff.size  # posts refilled by others
    _staff_consistent(tiny)


def test_a_purge_removes_people_not_the_record_of_their_abuses(tiny, rng):
    m, off = tiny.members, tiny.offices
    off.open_abuses[:] = 1
    off.known_age[:] = 5
    off.known_frac[:] = 0.7
    here = m.present
    m.knows[here] = 0b111  # every member knows of the abuses of its cell's three offices
    holders = off.holder.copy()
    purge(tiny, 1.0, rng)
    assert (off.holder != holders).mean() > 0.8
    assert (off.open_abuses == 1).all()  # no case was answered
    assert (off.known_age == 5).all()
    # what the members knew lapses only when a case closes: none did
    silent = knowledge.KnowledgeParams(witness=0, tell=0, press=0, upward_witness=0)
    knowledge.step(tiny, silent, rng)
    assert (m.knows[m.present] == 0b111).all()
    assert (off.known_age[off.tree.cell >= 0] == 6).all()  # still widely known, a step longer


def test_a_zero_purge_changes_nothing(tiny, rng):
    holders, roles = tiny.offices.holder.copy(), tiny.members.role.copy()
    purge(tiny, 0.0, rng)
    np.testing.assert_array_equal(tiny.offices.holder, holders)
    np.testing.assert_array_equal(tiny.members.role, roles)


# --- policies and timing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "attribute", "value"),
    [
        ({"kind": "cap_privilege", "cap": 1.5}, "privilege_cap", 1.5),
        ({"kind": "rights_guarantees", "intensity": 0.0}, "repression", 0.0),
        ({"kind": "repression", "intensity": 0.9}, "repression", 0.9),
        ({"kind": "education", "intensity": 0.6}, "education", 0.6),
        ({"kind": "transparency", "level": 0.8}, "transparency", 0.8),
        ({"kind": "audits", "rate": 0.3}, "audit_rate", 0.3),
    ],
)
def test_policy_interventions_set_the_policy(tiny, rng, fields, attribute, value):
    apply(tiny, item(**fields), rng)
    assert getattr(tiny.policy, attribute) == value


def test_interventions_act_at_their_start_step_only(tiny, rng):
    raw = small_scenario("meta.members=500").model_dump(mode="python")
    raw["interventions"] = [
        {"kind": "nominate", "start": 3, "share": 1.0},
        {"kind": "restore_elections", "start": 5},
    ]
    step = interventions.bind(validate(raw), {})
    off = tiny.offices
    seen = []
    for t in range(7):
        tiny.step = t
        step(tiny, InterventionParams(), rng)
        seen.append(float((off.rule == NOMINATION).mean()))
    assert seen == [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0]


# --- readmission ----------------------------------------------------------------------------


def _punished(world: World) -> tuple[np.ndarray, np.ndarray]:
    m = world.members
    ranks = np.flatnonzero(m.present & (m.role == 0))
    expelled, deported = ranks[:40], ranks[40:60]
    m.party[expelled] = False
    m.expelled[expelled] = True
    m.party[deported] = True
    m.present[deported] = False
    m.deported[deported] = True
    return expelled, deported


def test_readmission_restores_party_membership_and_returns_the_deported():
    world = small_world("meta.members=500")
    expelled, deported = _punished(world)
    apply(world, item(kind="readmit", share=1.0), np.random.default_rng(0))
    m = world.members
    assert m.party[expelled].all()
    assert not m.expelled.any()
    assert m.present[deported].all()
    assert not m.deported.any()
    assert m.party[deported].all()  # as they left


def test_readmission_of_a_share_and_without_the_deported():
    world = small_world("meta.members=500")
    expelled, deported = _punished(world)
    apply(world, item(kind="readmit", share=0.5, deported=False), np.random.default_rng(0))
    m = world.members
    assert 5 < m.party[expelled].sum() < 35
    assert (m.party[expelled] != m.expelled[expelled]).all()
    assert not m.present[deported].any()
    assert m.deported[deported].all()
    apply(world, item(kind="readmit", share=0.0), np.random.default_rng(0))
    assert not m.present[deported].any()
