"""The dashboard form -> validated ``--set`` overrides, with per-field messages."""

from __future__ import annotations

import pytest

from thermidor import load_scenario
from thermidor.dashboard import events, state
from thermidor.engine.seeds import DEFAULT_SEED

NAME = "soviet-1917-1928"


def _form(**changes: str) -> dict[str, str]:
    form = state.defaults(NAME)
    form.update({key.replace("__", "."): value for key, value in changes.items()})
    return form


def test_unedited_form_reproduces_the_scenario() -> None:
    built = state.build(NAME, state.defaults(NAME))
    assert built.ok
    assert built.scenario == load_scenario(NAME)
    # an unchanged headline knob is not set, so it holds back none of the scenario's events
    headline = tuple(f"{f.key}=" for f in state.HEADLINE)
    assert not [o for o in built.overrides if o.startswith(headline)]
    assert built.scenario.suppressed == []
    assert built.summary() == f"{NAME}, seed {DEFAULT_SEED}, as shipped"


def test_the_summary_names_only_what_was_edited() -> None:
    form = _form(institutions__nominated_share="0.4", seed="3")
    form["institutions.branches.1.top.rule"] = "sortition"
    summary = state.build(NAME, form).summary()
    assert summary == (
        f"{NAME}, seed 3, --set institutions.nominated_share=0.4 "
        '--set institutions.branches.1.top.rule="sortition"'
    )


def test_edited_fields_become_overrides() -> None:
    form = _form(
        institutions__nominated_share="0.4",
        institutions__privilege_cap="none",
        institutions__recall="yes",
        institutions__term="6",
        seed="3",
    )
    form["institutions.branches.1.top.rule"] = "sortition"
    built = state.build(NAME, form)
    assert built.ok, built.errors
    assert "institutions.nominated_share=0.4" in built.overrides
    assert "institutions.recall=true" in built.overrides
    assert built.seed == 3
    assert built.scenario is not None
    institutions = built.scenario.institutions
    assert institutions.nominated_share == 0.4
    assert institutions.privilege_cap is None
    assert institutions.recall is True
    assert institutions.term == 6
    assert institutions.branches[1].top.rule == "sortition"


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("institutions.apparatus_cap", "1.5", "institutions.apparatus_cap = 1.5: Input should be"),
        ("repression.intensity", "-0.1", "repression.intensity = -0.1: Input should be"),
        ("institutions.term", "abc", "institutions.term = 'abc': expected a whole number"),
        ("meta.members", "10", "meta.members = 10: Input should be greater than or equal to 100"),
        ("transparency.level", "nan", "transparency.level = 'nan': expected a number"),
        ("institutions.privilege_cap", "__import__('os')", "expected a number"),
        ("seed", "-1", "seed = -1: a seed must be a whole number in 0..4294967295"),
        ("seed", "4294967296", "seed = 4294967296: a seed must be a whole number in 0..4294967295"),
    ],
)
def test_bad_values_name_their_field(key: str, text: str, expected: str) -> None:
    built = state.build(NAME, _form(**{key.replace(".", "__"): text}))
    assert not built.ok
    assert set(built.errors) == {key}
    assert built.errors[key].startswith(expected) or expected in built.errors[key]


def test_recruitment_wave_at_a_year() -> None:
    form = _form(shock__kind="recruitment", shock__year="1925", shock__magnitude="0.3")
    built = state.build(NAME, form)
    assert built.ok, built.errors
    added = built.scenario.shocks[-1]  # type: ignore[union-attr]
    assert (added.kind, added.start, added.magnitude) == ("recruitment", 86, 0.3)
    assert len(built.scenario.shocks) == len(load_scenario(NAME).shocks) + 1  # type: ignore[union-attr]


def test_intervention_and_its_errors() -> None:
    built = state.build(NAME, _form(intervention__kind="term_limits", intervention__value="6"))
    assert built.ok, built.errors
    assert built.scenario.interventions[-1].term == 6  # type: ignore[union-attr]
    outside = state.build(NAME, _form(intervention__kind="purge", intervention__year="1950"))
    assert "year 1950 is outside the run" in outside.errors["intervention.year"]
    too_big = state.build(NAME, _form(intervention__kind="purge", intervention__value="2"))
    assert "Input should be less than or equal to 1" in too_big.errors["intervention.value"]
    shock = state.build(NAME, _form(shock__kind="harvest", shock__magnitude="20"))
    assert "less than or equal to 10" in shock.errors["shock.magnitude"]


def test_year_to_step_and_toml_literals() -> None:
    meta = load_scenario(NAME).meta
    assert events.year_to_step(meta, 1917 + 10 / 12) == 0
    assert events.year_to_step(meta, 1918) == 2
    with pytest.raises(ValueError, match="outside the run"):
        events.year_to_step(meta, 1917)
    assert events.toml_literal({"a": 'x"]\n', "b": [1, 2.5, True], "c": None}) == (
        '{a = "x\\"]\\n", b = [1, 2.5, true]}'
    )
