"""An experiment's size (points x seeds) is counted from the file before any point is built:
above the limit it is one line naming the count and the limit, exit 2, nothing written; the
count is what the design then draws."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_support import assert_usage_error
from experiment_support import write
from thermidor.cli import app
from thermidor.experiments import load_experiment
from thermidor.experiments.design import points
from thermidor.experiments.spec import MAX_RUNS

runner = CliRunner()

HEAD = """
name = "big"
scenario = "soviet-1917-1928"
steps = 20
members = 300
seeds = {seeds}
"""
GRID = """
[[parameters]]
name = "institutions.nominated_share"
range = {{start = 0.0, stop = 1.0, num = {num}}}

[[parameters]]
name = "institutions.privilege_cap"
range = {{start = 1.5, stop = 4.0, num = {num}}}

[[parameters]]
name = "education.intensity"
range = {{start = 0.0, stop = 1.0, num = {num}}}
"""
SAMPLED = """
[[parameters]]
name = "institutions.nominated_share"
low = 0.0
high = 1.0

[[parameters]]
name = "institutions.privilege_cap"
low = 1.5
high = 4.0
integer = true

[design]
kind = "{kind}"
samples = {samples}
{extra}
"""


def grid(num: int, seeds: int = 1) -> str:
    return HEAD.format(seeds=seeds) + GRID.format(num=num)


def sampled(kind: str, samples: int, seeds: int = 1, extra: str = "") -> str:
    return HEAD.format(seeds=seeds) + SAMPLED.format(kind=kind, samples=samples, extra=extra)


TOO_BIG = {
    "3 axes x 500 values": (grid(500), "125000000 runs (125000000 points x 1 seed)"),
    "points x seeds": (grid(100, seeds=2), "2000000 runs (1000000 points x 2 seeds)"),
    "sobol": (
        sampled("sobol", 262144, extra="second_order = true"),
        "1572864 runs (1572864 points x 1 seed)",
    ),
    "morris": (sampled("morris", 400000), "1200000 runs"),
    "latin x seeds": (sampled("latin", 500001, seeds=2), "1000002 runs"),
    # the design of a file with an [optimize] table is checked when `experiment run` uses it
    "optimize file run": (grid(500) + "\n[optimize]\ntarget = 0.5\n", "125000000 runs"),
}


@pytest.mark.parametrize("case", list(TOO_BIG))
def test_an_experiment_over_the_limit_is_refused_before_anything(tmp_path: Path, case: str) -> None:
    text, needle = TOO_BIG[case]
    store = tmp_path / "untouched.duckdb"
    result = runner.invoke(
        app, ["experiment", "run", str(write(tmp_path, text)), "--store", str(store)]
    )
    assert_usage_error(result, needle, f"the limit of {MAX_RUNS} runs")
    assert "Traceback" not in result.stderr
    assert not store.exists()
    assert not Path(f"{store}.spool").exists()


def test_an_experiment_at_the_limit_is_accepted(tmp_path: Path) -> None:
    experiment = load_experiment(write(tmp_path, grid(100)))  # 100**3 = MAX_RUNS
    assert experiment.point_count() * experiment.seeds == MAX_RUNS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (grid(3, seeds=2), 27),
        (sampled("latin", 7), 7),
        (sampled("sobol", 8), 8 * 4),
        (sampled("sobol", 8, extra="second_order = true"), 8 * 6),
        (sampled("morris", 5, extra="levels = 4"), 5 * 3),
    ],
    ids=["grid", "latin", "sobol", "sobol second order", "morris"],
)
def test_the_count_is_what_the_design_draws(tmp_path: Path, text: str, expected: int) -> None:
    experiment = load_experiment(write(tmp_path, text))
    assert experiment.point_count() == len(points(experiment)) == expected
