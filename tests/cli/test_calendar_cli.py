"""Calendar dates beside steps in the command line: ``run``/``show`` (table and JSON),
``show --out`` (a ``date`` column), ``runs``; all from ``engine.calendar``."""

from __future__ import annotations

from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from cli_support import one_json_line
from made_runs import STEPS, store_run
from thermidor.cli import app
from thermidor.engine.calendar import step_date, step_dates

runner = CliRunner()
START, UNIT = "1917-11", "month"  # the soviet scenario's calendar


def invoke(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A store with a run reaching Thermidor at step 23 and one that never does."""
    path = tmp_path_factory.mktemp("dated") / "results.duckdb"
    return path, store_run(path, thermidor_step=23), store_run(path, seed=2)


def test_show_prints_the_date_beside_thermidors_step(store: tuple[Path, str, str]) -> None:
    path, reached, _ = store
    result = invoke("show", reached, "--store", path)
    assert result.exit_code == 0, result.stderr
    assert step_date(START, UNIT, 23) == "1919-10"
    assert "Thermidor at step 23 (1919-10)" in result.stdout


def test_show_json_carries_the_date_or_null(store: tuple[Path, str, str]) -> None:
    path, reached, never = store
    shown = one_json_line(invoke("show", reached, "--store", path, "--format", "json"))
    assert (shown["thermidor_step"], shown["thermidor_date"]) == (23, "1919-10")
    shown = one_json_line(invoke("show", never, "--store", path, "--format", "json"))
    assert (shown["thermidor_step"], shown["thermidor_date"]) == (None, None)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_show_out_has_a_date_column(
    store: tuple[Path, str, str], tmp_path: Path, suffix: str
) -> None:
    path, reached, _ = store
    out = tmp_path / f"series{suffix}"
    result = invoke("show", reached, "--store", path, "--out", out)
    assert result.exit_code == 0, result.stderr
    table = pacsv.read_csv(out) if suffix == ".csv" else pq.read_table(out)
    assert table.column_names[:2] == ["step", "date"]
    assert table.column("date").to_pylist() == step_dates(START, UNIT, STEPS)


def test_runs_lists_thermidors_date(store: tuple[Path, str, str]) -> None:
    path, reached, never = store
    listed = one_json_line(invoke("runs", "--store", path, "--format", "json"))["runs"]
    dates = {run["run_id"]: run["thermidor_date"] for run in listed}
    assert dates == {reached: "1919-10", never: None}
    assert all(run["created"] for run in listed)
    table = runner.invoke(app, ["runs", "--store", str(path)], env={"COLUMNS": "80"})
    assert table.exit_code == 0, table.stderr
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    assert "…" not in table.stdout  # nothing cut at 80 columns
    for header in ("run", "scenario", "seed", "status", "Thermidor", "created"):
        assert header in table.stdout
    assert "1919-10" in table.stdout


def test_a_classic_models_run_has_no_date(tmp_path: Path) -> None:
    path = tmp_path / "classic.duckdb"
    run = one_json_line(
        invoke("run", "granovetter", "--steps", "3", "--store", path, "--format", "json")
    )
    assert run["thermidor_date"] is None
    out = tmp_path / "g.csv"
    assert invoke("show", run["run_id"], "--store", path, "--out", out).exit_code == 0
    assert set(pacsv.read_csv(out).column("date").to_pylist()) == {None}


def test_a_run_prints_its_thermidor_date_when_it_comes(tmp_path: Path) -> None:
    """The live path: whatever the run does, its JSON date is its step's date (or null)."""
    path = tmp_path / "r.duckdb"
    run = one_json_line(
        invoke("run", "soviet-1917-1928", "--members", "300", "--steps", "12", "--store", path,
               "--format", "json")
    )  # fmt: skip
    step = run["thermidor_step"]
    assert run["thermidor_date"] == (None if step is None else step_date(START, UNIT, step))
