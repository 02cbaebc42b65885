"""The scenario loader, called directly: shipped names and paths, ``--set`` overrides, and the
one-line ``ScenarioError`` every bad input becomes (naming the field, the value given and what
is allowed), before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

import thermidor
from thermidor.model.scenario import HEADLINE_KNOBS
from thermidor.scenarios import (
    Scenario,
    ScenarioError,
    apply_overrides,
    list_scenarios,
    load_scenario,
)

SMALL = Path(__file__).resolve().parents[1] / "data" / "small.toml"
SHIPPED = (
    "paris-1789-1794",
    "present-day-union",
    "purge-1928",
    "rakovsky-remedies-1928",
    "soviet-1917-1928",
)
SOVIET = "soviet-1917-1928"


def error_of(name_or_path: str, overrides: list[str] | None = None) -> str:
    """The message of the ScenarioError loading raises; fails if it loads or is not one line."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(name_or_path, overrides)
    message = str(caught.value)
    assert message
    assert "\n" not in message, message
    return message


def small_with(tmp_path: Path, old: str, new: str, name: str = "edited.toml") -> Path:
    """A copy of the tests' small scenario with one piece of text replaced."""
    text = SMALL.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# --- shipped scenarios and list_scenarios ----------------------------------------------------


def test_list_scenarios_names_the_shipped_files_sorted_with_their_descriptions():
    listed = list_scenarios()
    assert set(SHIPPED) <= set(listed)
    assert list(listed) == sorted(listed)  # in name order
    for name, description in listed.items():
        assert description.strip()
        assert "\n" not in description
        assert load_scenario(name).meta.description == description
    assert thermidor.list_scenarios() == listed


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_loads(name: str):
    scenario = load_scenario(name)
    assert isinstance(scenario, Scenario)
    assert scenario.meta.name == name
    assert scenario.meta.steps >= 1
    assert scenario.meta.members >= 100
    # the loaded scenario is complete: its dump validates back into the same scenario
    assert Scenario.model_validate(scenario.model_dump(mode="python")) == scenario
    # the package's top level hands out the same loader
    assert thermidor.load_scenario(name) == scenario


def test_every_listed_scenario_loads():
    """Whatever is shipped, not only the names this file knows, loads."""
    for name in list_scenarios():
        assert load_scenario(name).meta.name == name


# --- a shipped name or a path ------------------------------------------------------------------


def test_a_path_loads_the_file(tmp_path: Path):
    scenario = load_scenario(str(SMALL))
    assert scenario.meta.name == "small"
    assert scenario.meta.members == 2000
    edited = load_scenario(str(small_with(tmp_path, "members = 2000", "members = 750")))
    assert edited.meta.members == 750


def test_a_relative_path_is_read_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    small_with(tmp_path, "steps = 60", "steps = 7", name="mine.toml")
    monkeypatch.chdir(tmp_path)
    assert load_scenario("mine.toml").meta.steps == 7


def test_a_file_named_like_a_shipped_scenario_is_read_as_a_file(tmp_path: Path):
    path = small_with(tmp_path, "members = 2000", "members = 300", name=f"{SOVIET}.toml")
    scenario = load_scenario(str(path))
    assert scenario.meta.name == "small"  # the file's content, not the shipped scenario
    assert scenario.meta.members == 300


def test_a_shipped_name_wins_over_a_file_of_that_name_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    small_with(tmp_path, "members = 2000", "members = 300", name=SOVIET)  # no suffix
    monkeypatch.chdir(tmp_path)
    assert load_scenario(SOVIET).meta.name == SOVIET


@pytest.mark.parametrize("missing", ["no-such-scenario", "no/such/file.toml"])
def test_neither_a_shipped_name_nor_a_file(missing: str):
    message = error_of(missing)
    assert repr(missing) in message
    assert "no shipped scenario or file" in message
    for name in SHIPPED:  # what is allowed: the shipped names
        assert name in message


def test_a_directory_is_not_a_scenario(tmp_path: Path):
    message = error_of(str(tmp_path))
    assert str(tmp_path) in message
    assert "no shipped scenario or file" in message


# --- overrides ---------------------------------------------------------------------------------


def test_overrides_apply_with_their_types():
    base = load_scenario(SOVIET)
    assert base.institutions.recall is not True
    scenario = load_scenario(
        SOVIET,
        [
            "meta.members=300",
            "institutions.recall=true",
            "transparency.level=0.75",
            "institutions.privilege_cap=2",
            "meta.time_step=year",
            "mechanisms.abuse.base_rate=0.05",
        ],
    )
    assert scenario.meta.members == 300
    assert type(scenario.meta.members) is int
    assert scenario.institutions.recall is True
    assert scenario.transparency.level == 0.75
    assert scenario.institutions.privilege_cap == 2.0
    assert type(scenario.institutions.privilege_cap) is float
    assert scenario.meta.time_step == "year"
    assert scenario.mechanisms.abuse.base_rate == 0.05
    # nothing else moved, but the knobs set hold: the scheduled events that would change
    # them are left out, and the run records which
    held = {
        kind
        for knob in ("institutions.recall", "transparency.level", "institutions.privilege_cap")
        for kind in HEADLINE_KNOBS[knob].kinds
    }
    kept = [event for event in base.interventions if event.kind not in held]
    assert scenario.society == base.society
    assert scenario.interventions == kept
    assert len(kept) < len(base.interventions)
    assert {s.event.id for s in scenario.suppressed} == {
        e.id for e in base.interventions if e.kind in held
    }
    assert scenario.meta.steps == base.meta.steps


def test_none_clears_an_optional_parameter():
    capped = load_scenario(SOVIET, ["institutions.privilege_cap=3"])
    assert capped.institutions.privilege_cap == 3.0
    for word in ("none", "None", "null"):
        overrides = ["institutions.privilege_cap=3", f"institutions.privilege_cap={word}"]
        cleared = load_scenario(SOVIET, overrides)
        assert cleared.institutions.privilege_cap is None


def test_quoted_and_bare_strings():
    assert load_scenario(SOVIET, ['meta.title="Two words"']).meta.title == "Two words"
    assert load_scenario(SOVIET, ["meta.title=oneword"]).meta.title == "oneword"


def test_the_last_override_of_a_key_wins():
    assert load_scenario(SOVIET, ["meta.steps=3", "meta.steps=4"]).meta.steps == 4


def test_an_override_reaches_into_a_list_by_index():
    scenario = load_scenario(SOVIET, ["institutions.branches.0.top.rule=sortition"])
    assert scenario.institutions.branches[0].top.rule == "sortition"
    assert scenario.institutions.branches[1:] == load_scenario(SOVIET).institutions.branches[1:]


def test_an_override_may_set_a_table_the_file_leaves_out():
    assert "[repression]" not in SMALL.read_text(encoding="utf-8")
    scenario = load_scenario(str(SMALL), ["repression.intensity=0.5"])
    assert scenario.repression.intensity == 0.5
    assert load_scenario(str(SMALL)).repression.intensity != 0.5


def test_apply_overrides_returns_a_copy():
    raw = load_scenario(SOVIET).model_dump(mode="python")
    before = repr(raw)
    changed = apply_overrides(raw, ["meta.members=300", "institutions.recall=true"])
    assert repr(raw) == before  # the mapping given is left as it was
    assert changed["meta"]["members"] == 300
    assert changed["institutions"]["recall"] is True
    assert Scenario.model_validate(changed).meta.members == 300


@pytest.mark.parametrize(
    ("override", "field", "shown", "allowed"),
    [
        ("meta.members=abc", "meta.members", "'abc'", "valid integer"),
        ("meta.members=1.5", "meta.members", "1.5", "valid integer"),
        ("meta.steps=none", "meta.steps", "None", "valid integer"),
        ("institutions.recall=maybe", "institutions.recall", "'maybe'", "valid boolean"),
        ("meta.time_step=decade", "meta.time_step", "'decade'", "'week', 'month', 'quarter'"),
        (
            "institutions.branches.0.top.rule=monarchy",
            "institutions.branches.0.top.rule",
            "'monarchy'",
            "'election', 'nomination' or 'sortition'",
        ),
        ("meta.name=Bad Name", "meta.name", "'Bad Name'", "pattern"),
    ],
)
def test_an_override_of_the_wrong_type_is_refused(
    override: str, field: str, shown: str, allowed: str
):
    message = error_of(SOVIET, [override])
    assert message.startswith(f"{field} = {shown}:"), message
    assert allowed in message


@pytest.mark.parametrize(
    ("override", "allowed"),
    [
        ("meta.members=5", "greater than or equal to 100"),
        ("meta.steps=0", "greater than or equal to 1"),
        ("institutions.nominated_share=1.5", "less than or equal to 1"),
        ("institutions.privilege_cap=0.5", "greater than or equal to 1"),
        ("transparency.level=-0.1", "greater than or equal to 0"),
        ("mechanisms.abuse.base_rate=-1", "greater than or equal to 0"),
    ],
)
def test_an_override_out_of_range_is_refused(override: str, allowed: str):
    field, _, value = override.partition("=")
    message = error_of(SOVIET, [override])
    assert message.startswith(f"{field} = {value}:"), message
    assert allowed in message


def test_an_override_breaking_a_rule_across_fields_is_refused():
    message = error_of(SOVIET, ["society.cohorts.0.share=0.99"])
    assert "society" in message
    assert "shares must sum to 1" in message


@pytest.mark.parametrize(
    ("override", "prefix", "key", "allowed"),
    [
        (
            "institutions.nope=1",
            "institutions",
            "nope",
            "apparatus_cap, branches, entrenched, nominated_share",
        ),
        ("nope.x=1", "<root>", "nope", "economy, education, institutions"),
        ("meta.colour=red", "meta", "colour", "assumptions, description, members"),
        ("mechanisms.abuse.no_such_rate=0.1", "mechanisms.abuse", "no_such_rate", "base_rate"),
    ],
)
def test_an_override_naming_no_parameter_lists_the_allowed_ones(
    override: str, prefix: str, key: str, allowed: str
):
    message = error_of(SOVIET, [override])
    dotted = override.partition("=")[0]
    assert message.startswith(f"--set {dotted}: {prefix} has no parameter {key!r}"), message
    assert f"allowed: {allowed}" in message


def test_an_override_past_the_end_of_a_list_is_refused():
    message = error_of(SOVIET, ["institutions.branches.7.name=party"])
    assert "institutions.branches.7.name" in message
    assert "'7' is not an index of a 3-item list" in message


def test_an_override_without_a_value_is_refused():
    message = error_of(SOVIET, ["institutions"])
    assert "'institutions'" in message
    assert "expected dotted.key=value" in message


def test_overrides_are_judged_before_anything_is_returned():
    """A good override followed by a bad one is refused whole."""
    message = error_of(SOVIET, ["meta.members=300", "meta.steps=0"])
    assert message.startswith("meta.steps = 0:")


# --- bad files ---------------------------------------------------------------------------------


def test_an_unknown_key_in_a_file_is_refused(tmp_path: Path):
    path = small_with(tmp_path, "apparatus_cap = 0.15", "apparatus_cap = 0.15\nfoo = 1")
    message = error_of(str(path))
    assert message.startswith("institutions.foo = 1: unknown key"), message


def test_an_unknown_table_in_a_file_is_refused(tmp_path: Path):
    path = small_with(tmp_path, "[society]", "[bogus]\nx = 1\n\n[society]")
    message = error_of(str(path))
    assert message.startswith("bogus = "), message
    assert "unknown key" in message


def test_an_unknown_key_in_a_file_names_the_allowed_keys(tmp_path: Path):
    path = small_with(tmp_path, "apparatus_cap = 0.15", "apparatus_cap = 0.15\nfoo = 1")
    message = error_of(str(path))
    assert "nominated_share" in message  # one of the keys [institutions] does accept


def test_a_value_out_of_range_in_a_file_is_refused(tmp_path: Path):
    path = small_with(tmp_path, "apparatus_cap = 0.15", "apparatus_cap = 1.15")
    message = error_of(str(path))
    assert message.startswith("institutions.apparatus_cap = 1.15:"), message
    assert "less than or equal to 1" in message


def test_a_value_of_the_wrong_type_in_a_file_is_refused(tmp_path: Path):
    path = small_with(tmp_path, "members = 2000", 'members = "many"')
    message = error_of(str(path))
    assert message.startswith("meta.members = 'many':"), message
    assert "valid integer" in message


def test_a_missing_required_table_is_refused(tmp_path: Path):
    text = SMALL.read_text(encoding="utf-8")
    path = tmp_path / "no-meta.toml"
    path.write_text(text[text.index("[society]") :], encoding="utf-8")
    message = error_of(str(path))
    assert message.startswith("meta = "), message
    assert "Field required" in message


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("apparatus_cap = 0.15", "apparatus_cap = [0.15", "line"),  # unclosed array
        ("members = 2000", "members = 2000\nmembers = 3000", "line 8"),  # a key given twice
        ('name = "small"', "name = small", "line 2"),  # a bare string
    ],
)
def test_malformed_toml_is_refused_with_file_and_line(
    tmp_path: Path, old: str, new: str, where: str
):
    path = small_with(tmp_path, old, new)
    message = error_of(str(path))
    assert message.startswith(f"{path}: malformed TOML:"), message
    assert where in message


def test_a_file_that_is_not_toml_at_all_is_refused(tmp_path: Path):
    path = tmp_path / "notes.toml"
    path.write_text("this is not toml\nat all\n", encoding="utf-8")
    message = error_of(str(path))
    assert message.startswith(f"{path}: malformed TOML:"), message


def test_scenario_error_is_a_value_error_and_the_same_class_everywhere():
    assert issubclass(ScenarioError, ValueError)
    assert thermidor.ScenarioError is ScenarioError
