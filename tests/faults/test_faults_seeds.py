"""Every seed a user gives lies in one range, 0..2**32-1, checked before anything is written:
outside it, one line naming the option or key, the value and the range, exit 2, no store."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_support import assert_usage_error, one_json_line
from experiment_support import SWEEP, write
from thermidor.cli import app
from thermidor.engine.seeds import SEED_MAX, SEED_RANGE
from thermidor.experiments import load_experiment

runner = CliRunner()
RANGE = "0..4294967295"
assert SEED_RANGE == RANGE

SCENARIO = ["run", "soviet-1917-1928", "--steps", "2", "--members", "300"]
OPTIMIZE = Path(__file__).resolve().parents[2] / "examples/experiments/optimize-institutions.toml"
SAMPLED = SWEEP.replace("values = [0.0, 1.0]", "low = 0.0\nhigh = 1.0").replace(
    "range = {start = 2.0, stop = 4.0, num = 2}", "low = 2.0\nhigh = 4.0"
)

OPTIONS = {
    "run 2**63": ([*SCENARIO, "--seed", str(2**63)], f"--seed {2**63}"),
    "run 2**32": ([*SCENARIO, "--seed", str(2**32)], f"--seed {2**32}"),
    "run -1": ([*SCENARIO, "--seed", "-1"], "--seed -1"),
    "run a classic model": (["run", "granovetter", "--seed", str(2**32)], f"--seed {2**32}"),
}


@pytest.mark.parametrize("case", list(OPTIONS))
def test_a_seed_option_out_of_range_is_refused_before_the_store(tmp_path: Path, case: str) -> None:
    args, needle = OPTIONS[case]
    store = tmp_path / "untouched.duckdb"
    result = runner.invoke(app, [*args, "--store", str(store)])
    assert_usage_error(result, needle, RANGE)
    assert "Traceback" not in result.stderr
    assert not store.exists()


def test_the_sweep_seed_option_out_of_range_is_refused() -> None:
    result = runner.invoke(app, ["classic", "golden-rule", "--seed", str(2**32)])
    assert_usage_error(result, f"--seed {2**32}", RANGE)


def test_the_largest_seed_runs_and_is_stored(tmp_path: Path) -> None:
    store = tmp_path / "max.duckdb"
    args = ["run", "granovetter", "--seed", str(SEED_MAX), "--steps", "3", "--store", str(store)]
    assert one_json_line(runner.invoke(app, [*args, "--format", "json"]))["seed"] == SEED_MAX


FILES = {
    "base_seed 2**63-1": (
        SWEEP.replace("base_seed = 3", f"base_seed = {2**63 - 1}"),
        f"base_seed = {2**63 - 1}",
    ),
    # the first seed fits, the last (base_seed + seeds - 1) does not
    "base_seed + seeds": (
        SWEEP.replace("base_seed = 3", f"base_seed = {SEED_MAX}"),
        f"base_seed = {SEED_MAX} with 2 seeds",
    ),
    "base_seed -1": (SWEEP.replace("base_seed = 3", "base_seed = -1"), "base_seed = -1"),
    "design.seed": (
        SAMPLED + f'\n[design]\nkind = "latin"\nseed = {2**32}\n',
        f"design.seed = {2**32}",
    ),
}


@pytest.mark.parametrize("case", list(FILES))
def test_an_experiment_seed_out_of_range_is_refused_before_the_store(
    tmp_path: Path, case: str
) -> None:
    text, needle = FILES[case]
    store = tmp_path / "untouched.duckdb"
    result = runner.invoke(
        app, ["experiment", "run", str(write(tmp_path, text)), "--store", str(store)]
    )
    assert_usage_error(result, needle, RANGE)
    assert "Traceback" not in result.stderr
    assert not store.exists()


def test_an_experiment_whose_last_seed_is_the_largest_is_accepted(tmp_path: Path) -> None:
    text = SWEEP.replace("base_seed = 3", f"base_seed = {SEED_MAX - 1}")  # seeds = 2
    assert load_experiment(write(tmp_path, text)).base_seed == SEED_MAX - 1


def test_a_sampler_seed_out_of_range_is_refused_before_the_store(tmp_path: Path) -> None:
    text = OPTIMIZE.read_text(encoding="utf-8")
    assert "\nsampler_seed = 0\n" in text
    text = text.replace("\nsampler_seed = 0\n", "\nsampler_seed = 99999999999999\n")
    store = tmp_path / "untouched.duckdb"
    result = runner.invoke(
        app, ["experiment", "optimize", str(write(tmp_path, text)), "--store", str(store)]
    )
    assert_usage_error(result, "optimize.sampler_seed = 99999999999999", RANGE)
    assert "Traceback" not in result.stderr
    assert not store.exists()
