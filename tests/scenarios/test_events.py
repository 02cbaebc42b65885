"""Events by id: every shock and intervention has a stable, unique id; ``--without ID`` removes
exactly that event; ``events.ID.field=value`` changes one; a headline knob set with ``--set``
holds to the end of the run, and the events it holds back are recorded with the run."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter

import thermidor
from thermidor.model.scenario import HEADLINE_KNOBS, SLUG, Intervention, Scenario
from thermidor.scenarios import ScenarioError, apply_overrides, list_scenarios, load_scenario
from thermidor.scenarios.loader import WITHOUT, _read_raw, validate

SOVIET = "soviet-1917-1928"
REMEDIES = "rakovsky-remedies-1928"
SMALL = str(Path(__file__).parents[1] / "data" / "small.toml")
SOVIET_NOMINATIONS = [
    "appointmentism-1919",
    "tsektran-1920",
    "nominate-committees-1921",
    "nominate-unions-1921",
    "secretaries-confirmed-1922",
    "nomenklatura-1923",
    "nominees-to-cells-1926",
    "fifteenth-congress-1927",
]


def _shipped_text(name: str) -> str:
    return resources.files("thermidor.scenarios.data").joinpath(f"{name}.toml").read_text()


def _ids(scenario: Scenario) -> list[str]:
    return [event.id for event in scenario.events()]


def _held(scenario: Scenario) -> list[tuple[str, str]]:
    return [(record.by, record.event.id) for record in scenario.suppressed]


# --- ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(list_scenarios()))
def test_every_shipped_event_is_written_with_its_own_meaningful_id(name: str) -> None:
    raw = tomllib.loads(_shipped_text(name))
    written = [e.get("id") for key in ("shocks", "interventions") for e in raw.get(key, [])]
    assert written, name
    assert None not in written, f"{name}: an event without an id"
    assert all(re.fullmatch(SLUG, i) for i in written)
    assert len(set(written)) == len(written)
    # a name and a year, not the derived kind-step
    derived = {f"{e['kind'].replace('_', '-')}-{e['start']}" for e in raw.get("interventions", [])}
    assert not derived & set(written)
    assert all(re.search(r"-\d{4}$", i) for i in written)


def test_the_soviet_ids_are_the_ones_the_docs_use() -> None:
    ids = _ids(load_scenario(SOVIET))
    assert {
        "lenin-enrolment-1924",
        "famine-1921",
        "nomenklatura-1923",
        "party-maximum-1921",
    } <= set(ids)
    # the scenarios that copy the Soviet history keep its ids
    for copy in (REMEDIES, "purge-1928"):
        assert set(ids) <= set(_ids(load_scenario(copy)))


def test_a_duplicate_id_is_a_one_line_error_naming_the_field_and_the_value() -> None:
    raw = _read_raw(SOVIET)
    raw["interventions"][3]["id"] = "famine-1921"  # a shock's id
    with pytest.raises(ScenarioError) as caught:
        validate(raw)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("interventions.3.id = 'famine-1921': already the id of shocks.3")
    assert SLUG in message


def test_an_id_that_is_not_a_slug_is_refused() -> None:
    raw = _read_raw(SOVIET)
    raw["shocks"][0]["id"] = "Famine 1921"
    with pytest.raises(ScenarioError, match=r"shocks\.0\.id = 'Famine 1921': String should match"):
        validate(raw)


def test_events_written_without_ids_get_ids_from_kind_and_start() -> None:
    raw = _read_raw(SMALL)
    raw["shocks"] = [
        {"kind": "harvest", "start": 3, "magnitude": 0.1},
        {"kind": "harvest", "start": 3, "magnitude": 0.2},
        {"id": "harvest-5", "kind": "harvest", "start": 4, "magnitude": 0.2},
        {"kind": "harvest", "start": 5, "magnitude": 0.2},
    ]
    raw["interventions"] = [{"kind": "cut_apparatus", "start": 12, "fraction": 0.5}]
    ids = _ids(validate(raw))
    assert ids == ["harvest-3", "harvest-3-2", "harvest-5", "harvest-5-2", "cut-apparatus-12"]
    assert _ids(validate(raw)) == ids  # deterministic


# --- --without -----------------------------------------------------------------------------


def test_without_removes_exactly_that_event_and_records_it() -> None:
    base = load_scenario(SOVIET)
    less = load_scenario(SOVIET, without=["lenin-enrolment-1924", "purge-1921"])
    assert _ids(less) == [i for i in _ids(base) if i not in {"lenin-enrolment-1924", "purge-1921"}]
    assert _held(less) == [(WITHOUT, "lenin-enrolment-1924"), (WITHOUT, "purge-1921")]
    assert less.model_dump(exclude={"shocks", "interventions", "suppressed"}) == base.model_dump(
        exclude={"shocks", "interventions", "suppressed"}
    )
    # the --set form is the same removal
    same = load_scenario(SOVIET, ["events.lenin-enrolment-1924=none", "events.purge-1921=none"])
    assert same == less


def _file_without(tmp_path: Path, name: str, event_id: str) -> Path:
    """The shipped file with the ``[[...]]`` table of ``event_id`` cut out of its text."""
    text = _shipped_text(name)
    pattern = rf'\[\[(shocks|interventions)\]\]\nid = "{event_id}"\n(?:(?!\[\[).*\n)*'
    cut, count = re.subn(pattern, "", text)
    assert count == 1
    path = tmp_path / f"{name}.toml"
    path.write_text(cut)
    return path


def test_a_run_without_an_event_differs_from_the_baseline_and_equals_the_file_without_it(
    tmp_path: Path,
) -> None:
    small = ["meta.members=300", "meta.steps=84"]
    event = "lenin-enrolment-1924"  # 1924-02: recruits 30% of the members
    baseline = thermidor.run(load_scenario(SOVIET, small), 0)
    without = thermidor.run(load_scenario(SOVIET, small, [event]), 0)
    edited = thermidor.run(load_scenario(str(_file_without(tmp_path, SOVIET, event)), small), 0)
    assert not np.array_equal(baseline.series["participation"], without.series["participation"])
    assert without.series.keys() == edited.series.keys()
    for name, values in without.series.items():
        np.testing.assert_array_equal(values, edited.series[name], err_msg=name)
    assert without.params["suppressed"][0]["event"]["id"] == event


@pytest.mark.parametrize(
    ("args", "label"),
    [
        ({"without": ["lenin-enrolment"]}, "--without lenin-enrolment"),
        (
            {"overrides": ["events.lenin-enrolment.magnitude=0.5"]},
            "--set events.lenin-enrolment.magnitude",
        ),
        ({"overrides": ["events.lenin-enrolment=none"]}, "--set events.lenin-enrolment"),
    ],
)
def test_an_unknown_id_is_a_one_line_error_listing_the_known_ids(
    args: dict[str, Any], label: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(SOVIET, **args)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{label}: no shock or intervention has id 'lenin-enrolment'")
    known = message.partition("known ids: ")[2].split(", ")
    assert known == _ids(load_scenario(SOVIET))


# --- events.ID.field=value -----------------------------------------------------------------


def test_events_id_field_sets_that_event_only() -> None:
    base = load_scenario(SOVIET)
    changed = load_scenario(
        SOVIET, ["events.nomenklatura-1923.share=0.3", "events.famine-1921.duration=3"]
    )
    by_id = {e.id: e for e in changed.events()}
    assert by_id["nomenklatura-1923"].share == 0.3  # type: ignore[union-attr]
    assert by_id["famine-1921"].duration == 3  # type: ignore[union-attr]
    untouched = {"nomenklatura-1923", "famine-1921"}
    assert [e for e in changed.events() if e.id not in untouched] == [
        e for e in base.events() if e.id not in untouched
    ]
    index = [i.id for i in base.interventions].index("nomenklatura-1923")
    assert (
        changed.interventions
        == load_scenario(
            SOVIET, [f"interventions.{index}.share=0.3", "events.famine-1921.duration=3"]
        ).interventions
    )


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        (
            "events.nomenklatura-1923.share=1.5",
            "share = 1.5: Input should be less than or equal to 1 (event nomenklatura-1923)",
        ),
        (
            "events.nomenklatura-1923.cap=2",
            "--set events.nomenklatura-1923.cap: events.nomenklatura-1923 has no parameter 'cap'",
        ),
        ("events.nomenklatura-1923=0.5", "or none to remove it"),
        (
            "events.lenin-enrolment-1924.cohort=nobody",
            "shocks[6].cohort='nobody' must name a cohort",
        ),
    ],
)
def test_events_id_field_is_validated_like_any_set(override: str, needle: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(SOVIET, [override])
    assert "\n" not in str(caught.value)
    assert needle in str(caught.value)


# --- headline knobs hold -------------------------------------------------------------------


def test_the_knob_table_names_real_parameters_and_intervention_kinds() -> None:
    kinds = set(TypeAdapter(Intervention).json_schema()["discriminator"]["mapping"])
    dumped = load_scenario(SOVIET).model_dump()
    for knob, row in HEADLINE_KNOBS.items():
        section, field = knob.split(".")
        assert field in dumped[section], knob
        assert row.kinds, knob
        assert set(row.kinds) <= kinds, knob


KNOB_VALUES = {"institutions.privilege_cap": "2.5", "institutions.term": "6"}
KNOB_VALUES["institutions.recall"] = "true"


@pytest.mark.parametrize("knob", list(HEADLINE_KNOBS))
def test_a_knob_set_holds_back_exactly_the_interventions_of_its_kinds(knob: str) -> None:
    raw = _read_raw(REMEDIES)  # has an intervention of every kind but term_limits: add one
    raw["interventions"].append(
        {"id": "terms-1929", "kind": "term_limits", "start": 140, "term": 6}
    )
    base = validate(raw)
    held = validate(apply_overrides(raw, [f"{knob}={KNOB_VALUES.get(knob, '0.5')}"]))
    kinds = HEADLINE_KNOBS[knob].kinds
    expected = [i.id for i in base.interventions if i.kind in kinds]
    assert expected, knob  # the scenario has something to hold back
    assert _held(held) == [(knob, i) for i in expected]
    assert [i.id for i in held.interventions] == [
        i.id for i in base.interventions if i.kind not in kinds
    ]
    assert held.shocks == base.shocks


def test_none_holds_a_cap_but_unsets_a_share() -> None:
    assert load_scenario(SOVIET, ["institutions.nominated_share=none"]).suppressed == []
    uncapped = load_scenario(SOVIET, ["institutions.privilege_cap=none"])
    assert _held(uncapped) == [
        ("institutions.privilege_cap", "party-maximum-1921"),
        ("institutions.privilege_cap", "goods-in-kind-1922"),
    ]
    # the last value set counts
    last = load_scenario(
        SOVIET, ["institutions.nominated_share=0.3", "institutions.nominated_share=none"]
    )
    assert last.suppressed == []


def test_list_indices_name_the_events_as_written_even_when_some_are_held_back() -> None:
    index = [i.id for i in load_scenario(SOVIET).interventions].index("party-maximum-1921")
    held = load_scenario(
        SOVIET, ["institutions.nominated_share=0", f"interventions.{index}.cap=2.5"]
    )
    assert {i.id: i for i in held.interventions}["party-maximum-1921"].cap == 2.5  # type: ignore[union-attr]


def test_an_unset_scenario_holds_nothing_back() -> None:
    for name in list_scenarios():
        assert load_scenario(name).suppressed == []
        assert load_scenario(name, ["meta.members=300"]).suppressed == []


@pytest.mark.parametrize("share", [0.0, 0.2])
def test_a_nominated_share_set_holds_to_the_end_of_a_soviet_run(share: float) -> None:
    scenario = load_scenario(SOVIET, ["meta.members=300", f"institutions.nominated_share={share}"])
    assert _held(scenario) == [("institutions.nominated_share", i) for i in SOVIET_NOMINATIONS]
    # nor do the apparatus and the members change rules from inside the run
    rules = scenario.mechanisms.rules  # type: ignore[attr-defined]
    assert (rules.convert_rate, rules.restore_rate) == (0.0, 0.0)
    assert load_scenario(SOVIET).mechanisms.rules.convert_rate > 0  # type: ignore[attr-defined]
    results = thermidor.run(scenario, 0)
    nominated = results.series["nominated_share"]
    assert nominated.size == 130
    assert np.ptp(nominated) == 0.0  # held from the first step to the last
    # the share of offices, rounded to whole offices (27 of them for 300 members)
    assert abs(nominated[-1] - share) <= 0.5 / 27 + 1e-12
    if share == 0.0:
        assert nominated[-1] == 0.0
    stored = results.params["suppressed"]
    assert [(r["by"], r["event"]["id"]) for r in stored] == _held(scenario)
