"""``experiment summary`` at 80 columns: no header cut, small values in significant
figures (never ``0.000 [0.000, 0.000]``), Thermidor's date with its quartiles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_support import one_json_line
from made_runs import store_experiment
from thermidor.cli import app
from thermidor.cli._common import interval, significant

METRICS = ["control_index", "participation", "abuse_rate", "privilege_ratio", "gini"]
POINTS = [
    {"institutions.nominated_share": share, "institutions.privilege_cap": cap}
    for share in (0.1, 0.9)
    for cap in (1.5, 3.0)
]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.41234, "0.412"),
        (0.0003123, "3.12e-04"),
        (0.004, "0.00400"),
        (41.234, "41.2"),
        (0.0, "0"),
        (1234567.0, "1.23e+06"),
        (float("nan"), "—"),
    ],
)
def test_significant_figures(value: float, shown: str) -> None:
    assert significant(value) == shown


def test_a_small_interval_keeps_its_figures() -> None:
    shown = interval({"mean": 0.00021, "low": 0.00012, "high": 0.0003})
    assert shown == "2.10e-04 [1.20e-04, 3.00e-04]"
    assert "0.000" not in shown


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("summary") / "results.duckdb"
    store_experiment(path, METRICS, POINTS, seeds=2, scale=0.001)
    return path


@pytest.mark.parametrize("columns", [80, 200])
def test_summary_fits_its_terminal_without_cutting_headers(store: Path, columns: int) -> None:
    result = CliRunner().invoke(
        app, ["experiment", "summary", "--store", str(store)], env={"COLUMNS": str(columns)}
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns, result.stdout
    assert "…" not in result.stdout, result.stdout  # rich's mark of a cut cell or header
    for name in (*METRICS, "nominated_share", "privilege_cap", "runs"):
        assert name in result.stdout, name
    assert "0.000 [0.000, 0.000]" not in result.stdout
    assert re.search(r"\d\.\d\de-04\s+\[", result.stdout), result.stdout
    assert re.search(r"19\d\d-\d\d\s+\(19\d\d-\d\d\.\.19\d\d-\d\d\)", result.stdout)


def test_summary_json_dates_thermidors_quartiles(store: Path) -> None:
    summary = one_json_line(
        CliRunner().invoke(app, ["experiment", "summary", str(store), "--format", "json"])
    )
    thermidor = summary["points"][0]["thermidor"]
    assert thermidor["median"] is not None
    assert re.fullmatch(r"19\d\d-\d\d", thermidor["median_date"])
