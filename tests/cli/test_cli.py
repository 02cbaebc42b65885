"""The command line: its JSON contract, its one-line errors (exit 2, store untouched), the store."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from pyarrow import csv
from typer.testing import CliRunner, Result

from cli_support import assert_usage_error, one_json_line
from thermidor.cli import app
from thermidor.cli.run import _LazyProgress, _stored_summary
from thermidor.model.results import EXTRA_SERIES, METRICS
from thermidor.scenarios import list_scenarios
from thermidor.store import Store

SRC = Path(__file__).resolve().parents[2] / "src"
SCENARIO = "soviet-1917-1928"
STEPS, MEMBERS = 24, 500
SMALL = ["--members", str(MEMBERS), "--steps", str(STEPS)]
SHIPPED = ("paris-1789-1794", "soviet-1917-1928", "rakovsky-remedies-1928", "purge-1928")

runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def run_json(store: Path, *extra: str, seed: int = 0) -> dict[str, Any]:
    args = ("run", SCENARIO, *SMALL, "--seed", str(seed), "--store", str(store), *extra)
    return one_json_line(invoke(*args, "--format", "json"))


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """One small finished run, shared by the tests that only read it."""
    store = tmp_path_factory.mktemp("store") / "results.duckdb"
    return store, run_json(store)


@pytest.fixture
def shipped_toml() -> str:
    return resources.files("thermidor.scenarios.data").joinpath(f"{SCENARIO}.toml").read_text()


# --- listing commands -----------------------------------------------------------------------


def test_no_arguments_prints_help() -> None:
    result = invoke()
    assert "Usage" in result.stdout + result.stderr
    for command in ("scenarios", "run", "show", "plan", "metrics"):
        assert command in result.stdout + result.stderr


def test_python_dash_m_and_light_import() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-m", "thermidor", "--help"], env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0
    assert "scenarios" in done.stdout
    probe = (  # the command line adds no model, numpy or DuckDB to what `import thermidor` loads
        "import sys, thermidor; before = set(sys.modules); import thermidor.cli; "
        "print(sorted({'numpy', 'duckdb', 'thermidor.model.run'} & (set(sys.modules) - before)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_scenarios_lists_shipped_scenarios() -> None:
    result = invoke("scenarios")
    assert result.exit_code == 0, result.stderr
    shipped = list_scenarios()
    assert set(SHIPPED) <= set(shipped)
    assert len(shipped) >= 5
    for name in shipped:
        assert name in result.stdout


def test_metrics_lists_every_metric() -> None:
    result = invoke("metrics")
    assert result.exit_code == 0
    for name in METRICS:
        assert name in result.stdout
    result = invoke("metrics", "--all")
    for name in EXTRA_SERIES:
        assert name in result.stdout


def test_plan_lists_every_mechanism() -> None:
    from thermidor.model.plan import PLAN  # noqa: PLC0415

    result = invoke("plan")
    assert result.exit_code == 0, result.stderr
    assert len(PLAN) > 0
    for mechanism in PLAN:
        assert mechanism.NAME in result.stdout


# --- run ------------------------------------------------------------------------------------


def test_run_json_contract(stored: tuple[Path, dict[str, Any]]) -> None:
    store, payload = stored
    assert set(payload) == {
        "run_id", "scenario", "seed", "steps", "members", "thermidor_step", "thermidor_date",
        "final", "mean", "store",
    }  # fmt: skip
    assert isinstance(payload["run_id"], str)
    assert len(payload["run_id"]) == 12
    assert payload["scenario"] == SCENARIO
    assert payload["seed"] == 0
    assert payload["steps"] == STEPS
    assert payload["members"] == MEMBERS
    assert payload["thermidor_step"] is None or isinstance(payload["thermidor_step"], int)
    assert payload["store"] == str(store.resolve())
    for key in ("final", "mean"):
        assert list(payload[key]) == list(METRICS)
        for value in payload[key].values():
            assert value is None or (isinstance(value, float) and math.isfinite(value))
    with Store(store, read_only=True) as db:
        run = db.get_run(payload["run_id"])
        assert run["status"] == "finished"
        assert run["steps"] == STEPS
        assert run["members"] == MEMBERS
        assert run["params"]["meta"]["steps"] == STEPS
        assert db.series(payload["run_id"]).num_rows == STEPS


def test_run_table_format(tmp_path: Path) -> None:
    store = tmp_path / "r.duckdb"
    result = invoke("run", SCENARIO, *SMALL, "--store", str(store))
    assert result.exit_code == 0, result.stderr
    with Store(store, read_only=True) as db:
        (run,) = db.list_runs()
    assert run["run_id"] in result.stdout
    for name in METRICS:
        assert name in result.stdout


def test_same_seed_same_numbers(tmp_path: Path, stored: tuple[Path, dict[str, Any]]) -> None:
    _, first = stored
    again = run_json(tmp_path / "again.duckdb")
    assert again["run_id"] != first["run_id"]
    assert again["final"] == first["final"]
    assert again["mean"] == first["mean"]
    assert again["thermidor_step"] == first["thermidor_step"]


def test_failing_model_marks_run_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("model exploded")

    monkeypatch.setattr("thermidor.model.run.run", boom)
    store = tmp_path / "r.duckdb"
    result = invoke("run", SCENARIO, *SMALL, "--store", str(store))
    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)
    with Store(store, read_only=True) as db:
        (run,) = db.list_runs()
    assert run["status"] == "failed"


# --- run: errors (exit 2, one line, store untouched) -----------------------------------------


@pytest.mark.parametrize(
    ("settings", "needles"),
    [
        (["--set", "institutions.nonsense=1"], ["nonsense"]),
        (["--set", "institutions.apparatus_cap=1.5"], ["institutions.apparatus_cap", "1.5"]),
        (["--set", "institutions.recall=maybe"], ["institutions.recall", "maybe"]),
        (["--set", "no-equals-sign"], ["no-equals-sign"]),
        (["--steps", "0"], ["meta.steps", "0"]),
    ],
)
def test_bad_override_is_a_usage_error(
    tmp_path: Path, settings: list[str], needles: list[str]
) -> None:
    store = tmp_path / "r.duckdb"
    result = invoke("run", SCENARIO, "--store", str(store), *settings)
    assert_usage_error(result, *needles)
    assert not store.exists()


def test_bad_scenario_leaves_an_existing_store_unmodified(
    tmp_path: Path, stored: tuple[Path, dict[str, Any]]
) -> None:
    store, _ = stored
    before = store.read_bytes()
    result = invoke("run", SCENARIO, "--store", str(store), "--set", "institutions.nonsense=1")
    assert_usage_error(result, "nonsense")
    assert store.read_bytes() == before


def test_missing_scenario(tmp_path: Path) -> None:
    store = tmp_path / "r.duckdb"
    result = invoke("run", "no-such-scenario", "--store", str(store))
    assert_usage_error(result, "no-such-scenario")
    assert not store.exists()


def test_malformed_toml_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[meta\nname = = 'x'\n")
    store = tmp_path / "r.duckdb"
    assert_usage_error(invoke("run", str(bad), "--store", str(store)), "malformed TOML")
    assert not store.exists()


def test_unknown_key_in_toml_file(tmp_path: Path, shipped_toml: str) -> None:
    path = tmp_path / "typo.toml"
    path.write_text("typo_key = 1\n" + shipped_toml)
    store = tmp_path / "r.duckdb"
    assert_usage_error(invoke("run", str(path), "--store", str(store)), "typo_key")
    assert not store.exists()


def test_scenario_file_with_override_runs(tmp_path: Path, shipped_toml: str) -> None:
    path = tmp_path / "copy.toml"
    path.write_text(shipped_toml)
    store = tmp_path / "r.duckdb"
    result = invoke("run", str(path), *SMALL, "--set", "institutions.recall=true",
                    "--store", str(store), "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["steps"] == STEPS
    with Store(store, read_only=True) as db:
        params = db.get_run(payload["run_id"])["params"]
    assert params["institutions"]["recall"] is True


def test_bad_format_names_allowed_values(tmp_path: Path) -> None:
    result = invoke("run", SCENARIO, "--store", str(tmp_path / "r.duckdb"), "--format", "xml")
    assert result.exit_code == 2
    assert "table" in result.stderr
    assert "json" in result.stderr
    assert not (tmp_path / "r.duckdb").exists()


# --- show -----------------------------------------------------------------------------------


def test_show_json_matches_run(stored: tuple[Path, dict[str, Any]]) -> None:
    store, payload = stored
    result = invoke("show", payload["run_id"], "--store", str(store), "--format", "json")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["status"] == "finished"
    assert shown["export"] is None
    for key, value in payload.items():
        assert shown[key] == value, key


def test_show_table(stored: tuple[Path, dict[str, Any]]) -> None:
    store, payload = stored
    result = invoke("show", payload["run_id"], "--store", str(store))
    assert result.exit_code == 0, result.stderr
    assert payload["run_id"] in result.stdout
    assert "finished" in result.stdout


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_show_exports_series(
    tmp_path: Path, stored: tuple[Path, dict[str, Any]], suffix: str
) -> None:
    store, payload = stored
    out = tmp_path / f"series{suffix}"
    result = invoke("show", payload["run_id"], "--store", str(store), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    table = csv.read_csv(out) if suffix == ".csv" else pq.read_table(out)
    assert table.num_rows == STEPS
    assert {"step", *METRICS} <= set(table.column_names)
    assert table.column("step").to_pylist() == list(range(STEPS))
    rows = duckdb.sql(f"SELECT count(*) FROM '{out}'").fetchall()
    assert rows == [(STEPS,)]


def test_show_rejects_other_suffixes(tmp_path: Path, stored: tuple[Path, dict[str, Any]]) -> None:
    store, payload = stored
    out = tmp_path / "series.xlsx"
    result = invoke("show", payload["run_id"], "--store", str(store), "--out", str(out))
    assert_usage_error(result, ".csv", ".parquet")
    assert not out.exists()


def test_show_unknown_run(stored: tuple[Path, dict[str, Any]]) -> None:
    store, _ = stored
    assert_usage_error(invoke("show", "deadbeef0000", "--store", str(store)), "deadbeef0000")


def test_show_missing_store(tmp_path: Path) -> None:
    store = tmp_path / "none.duckdb"
    assert_usage_error(invoke("show", "deadbeef0000", "--store", str(store)), str(store))
    assert not store.exists()


# --- helpers --------------------------------------------------------------------------------


def test_nan_becomes_null() -> None:
    columns = {name: np.full(3, np.nan) for name in METRICS}
    columns["gini"] = np.array([0.1, np.nan, 0.3])
    final, mean = _stored_summary(columns)
    assert final["participation"] is None
    assert mean["participation"] is None
    assert final["gini"] == pytest.approx(0.3)
    assert mean["gini"] == pytest.approx(0.2)
    json.dumps({"final": final, "mean": mean}, allow_nan=False)


def test_progress_bar_is_lazy_and_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with _LazyProgress("slow", delay=3600.0) as progress:
        progress(1, 10)
    assert capsys.readouterr() == ("", "")
    with _LazyProgress("fast", delay=0.0) as progress:
        for done in range(1, 11):
            progress(done, 10)
    assert capsys.readouterr().out == ""
