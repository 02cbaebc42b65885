"""Policy search: the best trial is the least costly feasible one and its statistics are those
of its stored runs; an impossible target is reported as such; a rerun or a resumed search
computes nothing already stored and finds the same best; costs are linear between the ends
of the range searched; the command line prints a table or one JSON object, and a file that
cannot be searched is one error line that writes nothing."""

from __future__ import annotations

import json
import math
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import optuna
import pytest
from typer.testing import CliRunner, Result

from cli_support import assert_usage_error, one_json_line
from thermidor.cli import app
from thermidor.experiments import Experiment, ExperimentError, load_experiment, parse_experiment
from thermidor.experiments.objective import DEFAULT_COSTS, Cost, LinearCost, Objective
from thermidor.experiments.optimize import prepare, search, search_id, window
from thermidor.experiments.summary import mean_interval, share_interval
from thermidor.store import Store

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/experiments/optimize-institutions.toml"
runner = CliRunner()

# the nominated share and the term decide control in this window (more nominees and rarer
# elections lose it); with these seeds and counts, some but not all of the 8 trials are
# feasible and the cheapest trial is not
SEARCH = """
name = "search"
scenario = "soviet-1917-1928"
seeds = 2
steps = 40
members = 250
metrics = ["control_index"]

[design]
kind = "latin"

[[parameters]]
name = "institutions.nominated_share"
low = 0.0
high = 0.2

[[parameters]]
name = "institutions.apparatus_cap"
low = 0.05
high = 0.2

[[parameters]]
name = "institutions.term"
low = 3
high = 12
integer = true

[optimize]
target = 0.32
after = 20
trials = 8
startup_trials = 5

[optimize.costs."institutions.nominated_share"]
weight = 3.0  # elections dearer than the default: the cheapest trials lose control
"""

GRID = """
name = "grid"
scenario = "soviet-1917-1928"
seeds = 2
steps = 30
members = 200
metrics = ["control_index"]

[[parameters]]
name = "institutions.nominated_share"
values = [0.0, 0.1, 0.2]

[[parameters]]
name = "institutions.apparatus_cap"
range = {start = 0.05, stop = 0.2, num = 2}

[optimize]
target = 0.04
after = 10
trials = 4
sampler_seed = 3

[optimize.costs."institutions.apparatus_cap"]
weight = 2.0
"""


def experiment_of(text: str) -> Experiment:
    return parse_experiment(tomllib.loads(text), "test")


def with_objective(experiment: Experiment, **changes: Any) -> Experiment:
    assert experiment.optimize is not None
    return experiment.model_copy(
        update={"optimize": experiment.optimize.model_copy(update=changes)}
    )


def run_count(store: Path) -> int:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM runs").fetchone()[0]
    finally:
        con.close()


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def write(tmp_path: Path, text: str, name: str = "search.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Experiment, dict]:
    """One search into a fresh store, shared by the tests that read it or copy its store."""
    store = tmp_path_factory.mktemp("search") / "search.duckdb"
    experiment = experiment_of(SEARCH)
    return store, experiment, search(experiment, workers=2, store_path=str(store))


def expected_cost(experiment: Experiment, params: dict[str, Any]) -> float:
    """The cost rule written out independently of the search's dimensions."""
    assert experiment.optimize is not None
    total = 0.0
    for p in experiment.parameters:
        cost = experiment.optimize.cost_of(p.name)
        low, high = (p.low, p.high) if p.low is not None else (min(p.grid), max(p.grid))
        position = (float(params[p.name]) - low) / (high - low)
        total += cost.weight * (position if cost.costly == "high" else 1 - position)
    return total


# --- the search ---------------------------------------------------------------------------


def test_the_best_is_the_least_costly_feasible_trial(searched):
    _, experiment, report = searched
    history = report["history"]
    assert report["trials"] == len(history) == 8
    feasible = [t for t in history if t["feasible"]]
    assert report["feasible"] == len(feasible)
    assert 2 <= len(feasible) < len(history)  # a choice among several, and a real constraint
    assert (report["computed"], report["reused"]) == (16, 0)
    best = report["best"]
    assert best["feasible"]
    assert report["closest"] is None
    assert all(best["cost"] <= t["cost"] for t in feasible)
    assert any(t["cost"] < best["cost"] for t in history if not t["feasible"])
    for t in history:
        assert t["cost"] == pytest.approx(expected_cost(experiment, t["params"]), abs=1e-12)
        assert t["feasible"] == (t["kept"] >= report["needed"]) == (t["shortfall"] <= 0)
        assert 0.0 <= t["params"]["institutions.nominated_share"] <= 0.2
        assert isinstance(t["params"]["institutions.term"], int)
        assert 3 <= t["params"]["institutions.term"] <= 12
    assert best["cost"] == pytest.approx(sum(best["costs"].values()))
    assert best["params"] == history[best["trial"]]["params"]


def test_the_best_statistics_are_those_of_its_stored_runs(searched):
    store, experiment, report = searched
    best = report["best"]
    means, minima = [], []
    with Store(store, read_only=True) as db:
        links = db.connection.execute(
            "SELECT seed, run_id FROM experiment_runs WHERE experiment_id = ? AND point = ? "
            "ORDER BY seed",
            [report["search_id"], best["trial"]],
        ).fetchall()
        assert links == [(s["seed"], s["run_id"]) for s in best["seeds"]]
        for entry in best["seeds"]:
            run = db.get_run(entry["run_id"])
            assert run["status"] == "finished"
            assert run["seed"] == entry["seed"]
            assert run["params"]["institutions"]["nominated_share"] == pytest.approx(
                best["params"]["institutions.nominated_share"]
            )
            series = db.series(entry["run_id"]).column("control_index").to_numpy()
            assert series.size == experiment.steps
            w = window(series, report["after"])
            assert w.size == experiment.steps - 20
            means.append(w.mean())
            minima.append(w.min())
            assert entry["kept"] == (w.min() >= report["target"])
        points = json.loads(
            db.connection.execute(
                "SELECT points FROM experiments WHERE experiment_id = ?", [report["search_id"]]
            ).fetchone()[0]
        )
    assert points == [t["params"] for t in report["history"]]
    mean, low, high = mean_interval(np.array(means))
    assert (best["control_index"]["mean"], best["control_index"]["low"]) == (mean, low)
    assert best["control_index"]["high"] == high
    assert best["window_min"]["mean"] == pytest.approx(np.mean(minima))
    kept = sum(m >= report["target"] for m in minima)
    share, s_low, s_high = share_interval(kept, len(minima))
    assert (best["kept"], best["share"]) == (kept, {"share": share, "low": s_low, "high": s_high})


def test_a_rerun_computes_no_run_and_finds_the_same_best(searched):
    store, experiment, report = searched
    before = run_count(store)
    calls: list[tuple[int, int]] = []
    again = search(
        experiment, workers=2, store_path=str(store), progress=lambda d, t: calls.append((d, t))
    )
    assert run_count(store) == before
    assert (again["computed"], again["reused"]) == (0, 16)
    assert again["best"] == report["best"]
    assert again["history"] == report["history"]
    assert calls == [(k, 8) for k in range(9)]


def test_the_sampler_is_told_each_trials_shortfall_as_its_constraint(searched, monkeypatch):
    store, experiment, report = searched
    told: list[tuple[str, float]] = []
    original = optuna.trial.Trial.set_constraint

    def spy(self: optuna.trial.Trial, key: str, value: float) -> None:
        told.append((key, value))
        original(self, key, value)

    monkeypatch.setattr(optuna.trial.Trial, "set_constraint", spy)
    search(experiment, workers=2, store_path=str(store))
    assert told == [("shortfall", t["shortfall"]) for t in report["history"]]


@pytest.mark.slow  # ~25 s on the shared 2-core machine
def test_a_killed_search_resumes_to_the_same_trials(searched, tmp_path):
    _, experiment, report = searched
    store = tmp_path / "killed.duckdb"

    def kill_after_three(done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        search(experiment, workers=2, store_path=str(store), progress=kill_after_three)
    assert run_count(store) == 6
    resumed = search(experiment, workers=2, store_path=str(store))
    assert (resumed["computed"], resumed["reused"]) == (10, 6)
    assert resumed["history"] == report["history"]
    assert resumed["best"]["seeds"] == report["best"]["seeds"]  # the same run ids


def test_an_impossible_target_has_no_feasible_trial(searched, tmp_path):
    store, experiment, _ = searched
    copy = tmp_path / "copy.duckdb"
    shutil.copy(store, copy)
    report = search(with_objective(experiment, target=0.99), workers=2, store_path=str(copy))
    assert report["feasible"] == 0
    assert report["best"] is None
    assert report["reused"] >= 10  # the random startup trials are the same points as before
    closest = report["closest"]
    assert closest["shortfall"] == min(t["shortfall"] for t in report["history"]) > 0
    assert closest["kept"] == 0
    assert closest["share"]["share"] == 0.0


def test_a_grid_file_searches_its_values(tmp_path):
    experiment = experiment_of(GRID)
    report = search(experiment, workers=2, store_path=str(tmp_path / "grid.duckdb"))
    assert report["trials"] == 4
    assert report["costs"]["institutions.apparatus_cap"]["weight"] == 2.0
    for t in report["history"]:
        share = t["params"]["institutions.nominated_share"]
        cap = t["params"]["institutions.apparatus_cap"]
        assert share in {0.0, 0.1, 0.2}
        assert min(abs(cap - 0.05), abs(cap - 0.2)) < 1e-12  # the range's grid
        expected = (1 - share / 0.2) + (2.0 if cap < 0.1 else 0.0)
        assert t["cost"] == pytest.approx(expected)


# --- costs --------------------------------------------------------------------------------


@pytest.mark.parametrize("costly", ["low", "high"])
def test_a_linear_cost_is_zero_at_the_cheap_end_and_the_weight_at_the_drastic_end(costly):
    cost = LinearCost(2.5, costly, "why")
    cheap, drastic = (10.0, 2.0) if costly == "low" else (2.0, 10.0)
    assert cost.of(cheap, 2.0, 10.0) == 0.0
    assert cost.of(drastic, 2.0, 10.0) == 2.5
    assert cost.of(4.0, 2.0, 10.0) == pytest.approx(2.5 * (0.25 if costly == "high" else 0.75))
    beyond = drastic + (5.0 if costly == "high" else -5.0)
    assert cost.of(beyond, 2.0, 10.0) == 2.5  # clipped to the range
    assert cost.of(5.0, 5.0, 5.0) == 0.0  # a range of one value costs nothing


def test_every_headline_institution_has_a_documented_default_cost():
    headline = {
        "institutions.nominated_share": "low",
        "institutions.privilege_cap": "low",
        "institutions.apparatus_cap": "low",
        "institutions.term": "low",
        "institutions.recall": "high",
        "repression.intensity": "high",
        "transparency.level": "high",
        "education.intensity": "high",
    }
    for name, costly in headline.items():
        assert DEFAULT_COSTS[name].costly == costly
        assert DEFAULT_COSTS[name].weight > 0
        assert len(DEFAULT_COSTS[name].why) > 20
    doc = (Path(__file__).resolve().parents[2] / "docs/optimize.md").read_text()
    assert all(f"`{name}`" in doc for name in DEFAULT_COSTS)


def test_a_file_overrides_weight_end_and_reason():
    objective = Objective(
        target=0.1,
        costs={
            "institutions.nominated_share": Cost(weight=3.0),
            "transparency.level": Cost(costly="low", why="ink is dear"),
            "meta.members": Cost(weight=0.0),
            "society.cell_size": Cost(weight=1.0, costly="high"),
        },
    )
    default = DEFAULT_COSTS["institutions.nominated_share"]
    assert objective.cost_of("institutions.nominated_share") == LinearCost(3.0, "low", default.why)
    assert objective.cost_of("transparency.level") == LinearCost(1.0, "low", "ink is dear")
    assert objective.cost_of("meta.members").weight == 0.0
    assert objective.cost_of("society.cell_size").costly == "high"
    assert objective.cost_of("education.intensity") == DEFAULT_COSTS["education.intensity"]
    with pytest.raises(ValueError, match="no default cost"):
        objective.cost_of("society.fanout")
    with pytest.raises(ValueError, match="no default cost"):
        Objective(target=0.1, costs={"society.fanout": Cost(weight=1.0)}).cost_of("society.fanout")


def test_the_needed_seeds_reach_the_confidence():
    assert Objective(target=0.1, confidence=0.8).needed(5) == 4
    assert Objective(target=0.1, confidence=0.8).needed(2) == 2
    assert Objective(target=0.1, confidence=0.5).needed(2) == 1
    assert Objective(target=0.1, confidence=1.0).needed(7) == 7
    assert Objective(target=0.1, confidence=0.01).needed(3) == 1


def test_true_false_values_cost_by_their_end():
    text = GRID.replace(
        'name = "institutions.apparatus_cap"\nrange = {start = 0.05, stop = 0.2, num = 2}',
        'name = "institutions.recall"\nvalues = [false, true]',
    ).replace("institutions.apparatus_cap", "institutions.recall")
    recall = {d.name: d for d in prepare(experiment_of(text)).dimensions}["institutions.recall"]
    assert (recall.cost_at(False), recall.cost_at(True)) == (0.0, 2.0)


PLAIN = SEARCH.split("[optimize]", maxsplit=1)[0]  # the search without its [optimize] table


def searching(name: str, bounds: str) -> str:
    """SEARCH with one more parameter, between ``bounds`` (TOML lines)."""
    return SEARCH.replace("[optimize]", f'[[parameters]]\nname = "{name}"\n{bounds}\n[optimize]')


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (PLAIN, "[optimize]"),
        (SEARCH + '\n[optimize.costs."institutions.recall"]\nweight = 1.0\n', "recall"),
        (SEARCH.replace("after = 20", "after = 40"), "optimize.after = 40"),
        (searching("society.fanout", "low = 4\nhigh = 8\ninteger = true\n"), "society.fanout"),
        (searching("meta.steps", "low = 30\nhigh = 50\ninteger = true\n"), "meta.steps"),
    ],
    ids=["no optimize", "cost not searched", "window after the run", "no cost", "steps"],
)
def test_a_file_that_cannot_be_searched_is_refused(text, needle, tmp_path):
    experiment = experiment_of(text)
    store = tmp_path / "never.duckdb"
    with pytest.raises(ExperimentError, match=needle.replace("[", r"\[").replace(".", r"\.")):
        search(experiment, store_path=str(store))
    assert not store.exists()


def test_the_objective_is_strict():
    for bad, needle in [
        ("target = 1.5", "optimize.target"),
        ("target = 0.1\nconfidence = 0.0", "optimize.confidence"),
        ("target = 0.1\ncolour = 1", "optimize.colour"),
        ('target = 0.1\ncosts = {"transparency.level" = {costly = "middle"}}', "costly"),
    ]:
        text = PLAIN + "[optimize]\n" + bad + "\n"
        with pytest.raises(ExperimentError, match=needle):
            experiment_of(text)


def test_the_example_file_validates():
    experiment = load_experiment(EXAMPLE)
    assert experiment.scenario == "soviet-1917-1928"
    space = prepare(experiment)
    assert space.objective is experiment.optimize
    assert {d.name for d in space.dimensions} <= set(DEFAULT_COSTS)


# --- command line -------------------------------------------------------------------------


def test_cli_table(searched, tmp_path):
    store, _, report = searched
    copy = tmp_path / "copy.duckdb"
    shutil.copy(store, copy)
    file = write(tmp_path, SEARCH)
    result = invoke("experiment", "optimize", str(file), "--store", str(copy), "--workers", "2")
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert f"search {report['search_id']} (search): 8 trials, {report['feasible']} feasible" in out
    assert f"best: trial {report['best']['trial']}" in out
    assert "0 computed, 16 reused" in out
    for name in ("institutions.nominated_share", "institutions.apparatus_cap", "total"):
        assert name in out
    assert f"{report['best']['cost']:.3f}" in out
    assert "seeds keeping control: 2 of 2" in out
    # the target window with its dates, from the scenario's calendar
    assert re.search(r"at every step \d+ \(\d{4}-\d\d\)\.\.\d+ \(\d{4}-\d\d\)", out), out


def test_cli_table_without_a_feasible_trial(searched, tmp_path):
    store, _, _ = searched
    copy = tmp_path / "copy.duckdb"
    shutil.copy(store, copy)
    file = write(tmp_path, SEARCH.replace("target = 0.045", "target = 0.99"))
    result = invoke("experiment", "optimize", str(file), "--store", str(copy), "--trials", "3")
    assert result.exit_code == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "3 trials, 0 feasible" in out
    assert "no feasible trial: closest is trial" in out
    assert "seeds keeping control: 0 of 2" in out


def test_cli_json_continues_a_search_with_fewer_trials(searched, tmp_path):
    store, _, report = searched
    copy = tmp_path / "copy.duckdb"
    shutil.copy(store, copy)
    file = write(tmp_path, SEARCH)
    args = ("experiment", "optimize", str(file), "--store", str(copy), "--trials", "3")
    data = one_json_line(invoke(*args, "--format", "json"))
    assert data["search_id"] == report["search_id"] == search_id(experiment_of(SEARCH))
    assert (data["trials"], data["computed"], data["reused"]) == (3, 0, 6)
    assert data["history"] == report["history"][:3]
    assert set(data) >= {"best", "closest", "costs", "feasible", "needed", "seconds"}
    assert all(
        v is None or math.isfinite(v)
        for t in data["history"]
        for v in (t["cost"], t["shortfall"], t["control_index"]["mean"])
    )


def test_cli_errors_write_nothing(tmp_path):
    store = tmp_path / "never.duckdb"
    without = write(tmp_path, PLAIN, "plain.toml")
    into = ("--store", str(store))
    assert_usage_error(invoke("experiment", "optimize", str(without), *into), "[optimize]")
    bad_cost = write(
        tmp_path, SEARCH + '\n[optimize.costs."institutions.recall"]\nweight = 1.0\n', "bad.toml"
    )
    assert_usage_error(invoke("experiment", "optimize", str(bad_cost), *into), "recall")
    good = write(tmp_path, SEARCH)
    assert_usage_error(
        invoke("experiment", "optimize", str(good), *into, "--address", "auto"), "--address"
    )
    result = invoke("experiment", "optimize", str(good), *into, "--trials", "0")
    assert result.exit_code == 2
    assert_usage_error(
        invoke("experiment", "optimize", str(tmp_path / "missing.toml"), *into), "no such file"
    )
    assert not store.exists()
