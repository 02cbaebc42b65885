"""``thermidor export``: the stored runs as one long table (a row per run, step and
metric) in CSV, Parquet or Stata, read back with pandas and pyarrow."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from cli_support import assert_usage_error
from made_runs import STEPS, scenario_params, store_run
from thermidor.engine.calendar import step_dates
from thermidor.exports import LEADING, stata_names
from thermidor.model.results import EXTRA_SERIES, METRICS

runner = CliRunner()
SERIES = len(METRICS) + len(EXTRA_SERIES)


def invoke(*args: str | Path) -> Result:
    from thermidor.cli import app  # noqa: PLC0415

    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("export") / "results.duckdb"
    return path, [store_run(path, seed=seed, thermidor_step=10) for seed in (1, 2)]


def check_long(table: pd.DataFrame, runs: list[str]) -> None:
    assert list(table.columns[: len(LEADING)]) == list(LEADING)
    assert len(table) == len(runs) * STEPS * SERIES
    assert set(table["run_id"]) == set(runs)
    one = table[(table["run_id"] == runs[0]) & (table["metric"] == "control_index")]
    assert list(one["step"]) == list(range(STEPS))
    assert list(one["date"]) == step_dates("1917-11", "month", STEPS)
    assert set(table["seed"]) == {1, 2}


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_csv_and_parquet_read_back(
    store: tuple[Path, list[str]], tmp_path: Path, suffix: str
) -> None:
    path, runs = store
    out = tmp_path / f"long{suffix}"
    result = invoke("export", path, "--out", out)
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv(out) if suffix == ".csv" else pq.read_table(out).to_pandas()
    check_long(table, runs)
    assert (table["meta.members"] == 100).all()
    assert (table["meta.start"] == "1917-11").all()


def test_stata_reads_back_with_valid_names_and_the_original_ones_as_labels(
    store: tuple[Path, list[str]], tmp_path: Path
) -> None:
    path, runs = store
    out = tmp_path / "long.dta"
    result = invoke("export", "--store", path, "--out", out, "--format", "stata")
    assert result.exit_code == 0, result.stderr
    table = pd.read_stata(out)
    check_long(table, runs)
    names = list(table.columns)
    assert len({n.lower() for n in names}) == len(names)
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", n) for n in names)
    with pd.io.stata.StataReader(out) as reader:
        labels = reader.variable_labels()
    originals = set(labels.values())
    assert {
        "institutions.nominated_share",
        "meta.assumptions",
        "mechanisms.abuse.temptation_weight",
    } <= (originals)
    by_label = {label: name for name, label in labels.items()}
    long_text = scenario_params()["meta"]["assumptions"]
    assert len(str(long_text)) > 2045  # a strL: kept whole
    assert set(table[by_label["meta.assumptions"]]) == {json.dumps(long_text, ensure_ascii=False)}


def test_choosing_runs_scenarios_and_metrics(store: tuple[Path, list[str]], tmp_path: Path) -> None:
    path, runs = store
    out = tmp_path / "one.parquet"
    result = invoke(
        "export", path, "--out", out, "--run", runs[1], "--metric", "gini",
        "--scenario", "soviet-1917-1928",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    table = pd.read_parquet(out)
    assert set(table["run_id"]) == {runs[1]}
    assert set(table["metric"]) == {"gini"}
    assert len(table) == STEPS


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--out", "x.xlsx"], ["--out", ".dta"]),
        (["--out", "x.csv", "--format", "stata"], ["x.csv", ".dta"]),
        (["--out", "x.csv", "--format", "sas"], ["--format", "stata"]),
        (["--out", "x.csv", "--run", "deadbeef0000"], ["deadbeef0000"]),
        (["--out", "x.csv", "--scenario", "paris"], ["paris", "soviet-1917-1928"]),
        (["--out", "x.csv", "--metric", "nonsense"], ["nonsense"]),
    ],
)
def test_refusals_are_one_line_and_write_nothing(
    store: tuple[Path, list[str]], tmp_path: Path, args: list[str], needles: list[str]
) -> None:
    path, _ = store
    arguments = [a if not a.startswith("x.") else str(tmp_path / a) for a in args]
    assert_usage_error(invoke("export", "--store", path, *arguments), *needles)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_store_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    assert_usage_error(invoke("export", missing, "--out", tmp_path / "x.csv"), str(missing))


def test_stata_names_are_valid_unique_and_readable() -> None:
    columns = [
        "mechanisms.differentiation.privilege_growth",
        "mechanisms.differentiation.privilege_decay",
        "a" * 40,
        "a" * 41,
        "1st.value",
        "in",
        "run_id",
    ]
    names = stata_names(columns)
    assert names["mechanisms.differentiation.privilege_growth"] == "mec_dif_privilege_growth"
    assert names["1st.value"] == "_1st_value"
    assert names["in"] != "in"  # a reserved word
    assert len(set(names.values())) == len(columns)
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", n) for n in names.values())
