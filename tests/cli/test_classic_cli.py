"""Classic models from the command line: the same JSON contract and store as scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from cli_support import assert_usage_error, one_json_line
from thermidor.classic import get_model, model_names
from thermidor.classic.base import parse_overrides
from thermidor.cli import app
from thermidor.store import Store

CONTRACT = {
    "run_id", "scenario", "seed", "steps", "members", "thermidor_step", "thermidor_date", "final",
    "mean",
}  # fmt: skip

runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def run_json(store: Path, name: str, *extra: str) -> dict[str, Any]:
    return one_json_line(invoke("run", name, "--store", str(store), "--format", "json", *extra))


def test_every_classic_model_ships() -> None:
    assert model_names() == ["granovetter", "epstein", "peter", "parliament"]
    for name in model_names():
        model = get_model(name)
        assert model.name == name
        assert set(model.metrics) <= set(model.simulate(model.resolve(["steps=3"]), 0))
    with pytest.raises(KeyError):
        get_model("soviet-1917-1928")


def test_granovetter_riot_reproduces_the_paper_through_the_cli(tmp_path: Path) -> None:
    store = tmp_path / "r.duckdb"
    out = run_json(store, "granovetter", "--set", "preset=riot-100", "--seed", "3")
    assert out.keys() >= CONTRACT
    assert out["scenario"] == "granovetter"
    assert out["seed"] == 3
    assert out["thermidor_step"] is None
    assert set(out["final"]) == set(get_model("granovetter").metrics)
    assert out["final"]["acting"] == 100  # thresholds 0..99: everyone riots
    broken = run_json(store, "granovetter", "--set", "preset=riot-100-broken")
    assert broken["final"]["acting"] == 1  # one threshold moved from 1 to 2: one riots
    with Store(store, read_only=True) as db:
        run = db.get_run(out["run_id"])
        assert run["status"] == "finished"
        assert run["params"]["distribution"] == "list"
        assert db.series(out["run_id"]).num_rows == out["steps"]


def test_show_summarises_a_classic_run_with_its_own_metrics(tmp_path: Path) -> None:
    store = tmp_path / "r.duckdb"
    out = run_json(store, "granovetter", "--set", "sd=20", "--seed", "1")
    shown = one_json_line(invoke("show", out["run_id"], "--store", str(store), "--format", "json"))
    assert shown["final"] == out["final"]
    assert shown["mean"] == out["mean"]


def test_same_seed_same_numbers(tmp_path: Path) -> None:
    first = run_json(tmp_path / "a.duckdb", "granovetter", "--set", "sd=15", "--seed", "7")
    again = run_json(tmp_path / "b.duckdb", "granovetter", "--set", "sd=15", "--seed", "7")
    other = run_json(tmp_path / "c.duckdb", "granovetter", "--set", "sd=15", "--seed", "8")
    assert first["final"] == again["final"]
    assert first["mean"] == again["mean"]
    assert first["mean"] != other["mean"]


@pytest.mark.parametrize(
    ("setting", "needles"),
    [
        ("nonsense=1", ("nonsense", "allowed")),
        ("sd=-1", ("sd",)),
        ("preset=zzz", ("preset", "zzz")),
        ("distribution=weird", ("distribution",)),
        ("sd", ("KEY=VALUE",)),
    ],
)
def test_bad_settings_are_usage_errors_and_write_nothing(
    tmp_path: Path, setting: str, needles: tuple[str, ...]
) -> None:
    store = tmp_path / "never.duckdb"
    assert_usage_error(
        invoke("run", "granovetter", "--set", setting, "--store", str(store)), *needles
    )
    assert not store.exists()


def test_members_needs_a_population_size(tmp_path: Path) -> None:
    store = tmp_path / "never.duckdb"
    result = invoke("run", "peter", "--members", "10", "--store", str(store))
    assert_usage_error(result, "--members")
    assert not store.exists()


def test_scenarios_lists_the_classic_models() -> None:
    result = invoke("scenarios")
    assert result.exit_code == 0
    for name in model_names():
        assert name in result.stdout


def test_override_values_are_read_as_toml() -> None:
    assert parse_overrides(["a=1", "b=0.5", "c=true", "d=[1, 2]", "e=word", 'f="x y"']) == {
        "a": 1,
        "b": 0.5,
        "c": True,
        "d": [1, 2],
        "e": "word",
        "f": "x y",
    }


def test_critical_sd_command_prints_granovetters_number() -> None:
    out = one_json_line(invoke("classic", "critical-sd", "--format", "json"))
    assert out["critical_sd"] == 12.22
    assert out["below"] < 10
    assert out["above"] > 90


def test_golden_rule_command_finds_the_formulas_optimum() -> None:
    args = ("classic", "golden-rule", "--step", "20", "--legislatures", "40")
    out = one_json_line(invoke(*args, "--format", "json"))
    assert out["golden_rule"] == pytest.approx(140)
    assert abs(out["simulated_maximum"] - 140) <= 0.05 * 500
    assert len(out["efficiency"]) == len(out["independents"]) == 26


def test_golden_rule_command_refuses_a_minority_majority() -> None:
    result = invoke("classic", "golden-rule", "--p", "0.3")
    assert result.exit_code == 2
    assert "--p" in result.stderr
