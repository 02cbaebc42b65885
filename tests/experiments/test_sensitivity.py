"""Sensitivity analysis: known indices of test functions recovered through the model's own code
path (``indices``), a negligible parameter found on the model, and the command's contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner, Result

from cli_support import assert_usage_error, one_json_line
from thermidor.cli import app
from thermidor.cli._common import jsonable as _jsonable
from thermidor.cli.sensitivity import _print_indices
from thermidor.experiments import Experiment, ExperimentError, parse_experiment, records
from thermidor.experiments.design import points, sample_matrix
from thermidor.experiments.runner import run_experiment
from thermidor.experiments.sensitivity import from_store, indices
from thermidor.scenarios import load_scenario
from thermidor.store import Store

runner = CliRunner()

# --- known answers ------------------------------------------------------------------------

A, B = 7.0, 0.1  # the Ishigami function's usual constants


def ishigami_truth() -> tuple[np.ndarray, np.ndarray]:
    """Analytical first and total order indices of x1, x2, x3 (Ishigami & Homma 1990)."""
    v1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = 8 * B**2 * np.pi**8 / 225
    var = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / var, np.array([v1 + v13, v2, v13]) / var


def design_experiment(kind: str, bounds: dict[str, tuple[float, float]], **design: Any):
    """An experiment over abstract inputs (not model parameters), so it is built with
    ``model_validate``: ``parse_experiment`` would check the names against the scenario."""
    return Experiment.model_validate(
        {
            "name": f"{kind}-test-function",
            "scenario": "soviet-1917-1928",
            "parameters": [{"name": n, "low": lo, "high": hi} for n, (lo, hi) in bounds.items()],
            "design": {"kind": kind, **design},
        }
    )


def by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in result["parameters"]}


def test_sobol_recovers_the_ishigami_indices() -> None:
    """x4 is a dummy input: its indices are zero and it alone is negligible. x3 has no first
    order effect but a total one (through x1): it must not be called negligible."""
    names = ("x4", "x3", "x2", "x1")  # not in rank order: the ranking must be computed
    exp = design_experiment("sobol", dict.fromkeys(names, (-np.pi, np.pi)), samples=1024, seed=1)
    x = {name: np.array([p[name] for p in points(exp)]) for name in names}
    y = np.sin(x["x1"]) + A * np.sin(x["x2"]) ** 2 + B * x["x3"] ** 4 * np.sin(x["x1"])

    result = indices(exp, y, metric="ishigami")

    assert result["method"] == "sobol"
    assert [row["name"] for row in result["parameters"]] == ["x1", "x2", "x3", "x4"]
    assert [row["rank"] for row in result["parameters"]] == [1, 2, 3, 4]
    rows = by_name(result)
    s1, st = ishigami_truth()
    for i, name in enumerate(("x1", "x2", "x3")):
        row = rows[name]
        assert row["S1"] == pytest.approx(s1[i], abs=0.05)
        assert row["ST"] == pytest.approx(st[i], abs=0.05)
        assert abs(row["S1"] - s1[i]) <= row["S1_conf"]
        assert abs(row["ST"] - st[i]) <= row["ST_conf"]
        assert not row["negligible"]
    assert rows["x4"]["ST"] == pytest.approx(0.0, abs=1e-12)
    assert rows["x4"]["negligible"]


def test_second_order_finds_the_one_ishigami_interaction(capsys: pytest.CaptureFixture) -> None:
    """The only interaction of the Ishigami function is x1 with x3 (S2 = ST3 - S1_3 = 0.244);
    every other pair's S2 is zero within its interval. The command prints the pairs."""
    names = ("x3", "x1", "x2")
    exp = design_experiment(
        "sobol", dict.fromkeys(names, (-np.pi, np.pi)), samples=1024, second_order=True, seed=2
    )
    x = {name: np.array([p[name] for p in points(exp)]) for name in names}
    y = np.sin(x["x1"]) + A * np.sin(x["x2"]) ** 2 + B * x["x3"] ** 4 * np.sin(x["x1"])

    result = indices(exp, y, metric="ishigami")

    pairs = {frozenset((pair["a"], pair["b"])): pair for pair in result["second_order"]}
    assert len(pairs) == 3
    s13 = pairs.pop(frozenset(("x1", "x3")))
    assert abs(s13["S2"] - ishigami_truth()[1][2]) <= s13["S2_conf"]
    assert s13["S2"] - s13["S2_conf"] > 0.1
    for pair in pairs.values():
        assert abs(pair["S2"]) <= pair["S2_conf"]

    stored_as = {"experiment_id": "e", "name": "ishigami", "stat": "final", "seeds": 1}
    _print_indices({**result, **stored_as})
    printed = capsys.readouterr().out
    assert "second order" in printed
    assert f"{s13['S2']:.3f}" in printed


def test_morris_recovers_the_elementary_effects_of_a_linear_function() -> None:
    """For f = 4 a + b + 0 c every elementary effect is exact: mu* = |slope| x range (4, 2
    and 0: b's range is 2), sigma = 0, and the dummy c alone is negligible."""
    exp = design_experiment(
        "morris", {"c": (0.0, 1.0), "b": (0.0, 2.0), "a": (0.0, 1.0)}, samples=10, seed=3
    )
    x = sample_matrix(exp)  # columns c, b, a
    result = indices(exp, 0 * x[:, 0] + x[:, 1] + 4 * x[:, 2])

    assert result["method"] == "morris"
    assert [row["name"] for row in result["parameters"]] == ["a", "b", "c"]
    rows = by_name(result)
    for name, mu_star in (("a", 4.0), ("b", 2.0), ("c", 0.0)):
        assert rows[name]["mu_star"] == pytest.approx(mu_star, abs=1e-9)
        assert rows[name]["sigma"] == pytest.approx(0.0, abs=1e-9)
    assert [rows[n]["negligible"] for n in "abc"] == [False, False, True]


@pytest.mark.parametrize("kind", ["sobol", "morris"])
def test_the_intervals_are_reproducible(kind: str) -> None:
    """The bootstrap is seeded, also for a design seed of 0 (which SALib's sobol.analyze
    would take for no seed): the same store gives the same report."""
    exp = design_experiment(kind, {"a": (0.0, 1.0), "b": (0.0, 1.0)}, samples=16, seed=0)
    x = sample_matrix(exp)
    y = x[:, 0] + x[:, 0] * x[:, 1] ** 2
    assert indices(exp, y) == indices(exp, y)


def test_outputs_that_do_not_fit_the_design_are_refused() -> None:
    exp = design_experiment("morris", {"a": (0.0, 1.0), "b": (0.0, 1.0)}, samples=4)
    n = len(sample_matrix(exp))
    with pytest.raises(ExperimentError, match=f"3 outputs for the {n} points"):
        indices(exp, np.zeros(3))
    with pytest.raises(ExperimentError, match="no variation"):
        indices(exp, np.ones(n))
    with pytest.raises(ExperimentError, match="no finite value at 1 of"):
        indices(exp, np.r_[np.nan, np.arange(n - 1.0)])
    latin = design_experiment("latin", {"a": (0.0, 1.0)}, samples=8)
    with pytest.raises(ExperimentError, match="sobol or morris design"):
        indices(latin, np.arange(8.0))


# --- on the model -------------------------------------------------------------------------

SCENARIO = "soviet-1917-1928"
STEPS, MEMBERS = 40, 400
# Intervention 9 of the scenario is the party maximum (cap_privilege) of June 1921, step 43:
# with a 40-step horizon it never fires, so its cap cannot move any metric. It is the
# parameter the analysis must call negligible, whatever the seed. institutions.nominated_share
# decides who fills the offices from the start and drives control_index (0.08 with none
# nominated, 0 with all) and must not be; education.intensity has a small real effect.
DEAD = "interventions.9.cap"
DRIVER = "institutions.nominated_share"
MORRIS_RUNS = 4 * (3 + 1)  # trajectories x (parameters + 1), one seed
SOBOL_RUNS = 4 * (2 + 2)  # base N x (parameters + 2), one seed


def model_experiment(store: Path, design: dict[str, Any], *extra: dict[str, Any]) -> Experiment:
    return parse_experiment(
        {
            "name": f"{design['kind']}-soviet",
            "scenario": SCENARIO,
            "steps": STEPS,
            "members": MEMBERS,
            "metrics": ["control_index", "participation"],
            "parameters": [  # not in rank order: the ranking must be computed
                {"name": DEAD, "low": 1.5, "high": 3.0},
                *extra,
                {"name": DRIVER, "low": 0.0, "high": 1.0},
            ],
            "design": design,
            "store": str(store),
        }
    )


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A Morris and a Sobol' experiment on the model, run into one store."""
    store = tmp_path_factory.mktemp("sensitivity") / "results.duckdb"
    morris = model_experiment(
        store,
        {"kind": "morris", "samples": 4, "levels": 4, "seed": 0},
        {"name": "education.intensity", "low": 0.0, "high": 0.5},
    )
    sobol = model_experiment(store, {"kind": "sobol", "samples": 4, "seed": 0})
    ids = {e.design.kind: run_experiment(e, workers=2) for e in (morris, sobol)}
    return {"store": store, "ids": ids}


def test_the_parameter_that_cannot_act_is_negligible_on_the_model(stored: dict) -> None:
    party_maximum = load_scenario(SCENARIO).interventions[9]
    assert party_maximum.kind == "cap_privilege"
    assert party_maximum.start >= STEPS
    with Store(stored["store"], read_only=True) as db:
        result = from_store(db, stored["ids"]["morris"], "control_index")
        sobol = from_store(db, stored["ids"]["sobol"], "control_index", "mean")

    assert result["runs"] == MORRIS_RUNS
    rows = by_name(result)
    assert result["parameters"][0]["name"] == DRIVER
    assert not rows[DRIVER]["negligible"]
    assert rows[DEAD]["negligible"]
    assert rows[DEAD]["mu_star"] == 0.0  # the same seed and a cap never applied: same run
    assert rows[DRIVER]["mu_star"] > 0.02  # control_index at the horizon spans about 0.08

    assert sobol["runs"] == SOBOL_RUNS
    assert sobol["stat"] == "mean"
    assert by_name(sobol)[DEAD]["ST"] == 0.0
    assert by_name(sobol)[DEAD]["negligible"]
    assert sobol["parameters"][0]["name"] == DRIVER


def test_a_metric_the_experiment_did_not_keep_is_refused(stored: dict) -> None:
    with (
        Store(stored["store"], read_only=True) as db,
        pytest.raises(ExperimentError, match="its metrics: control_index, participation"),
    ):
        from_store(db, stored["ids"]["morris"], "gini")


# --- the command --------------------------------------------------------------------------


def invoke(*args: str, columns: int = 80) -> Result:
    args = ("experiment", "sensitivity", *map(str, args))
    return runner.invoke(app, list(args), env={"COLUMNS": str(columns)})


def ranked(table: str) -> list[str]:
    """The parameter column of a printed table, top to bottom (rows whose rank is a number)."""
    cells = [line.split("│") for line in table.splitlines()]
    return [row[1].strip() for row in cells if len(row) > 2 and row[0].strip().isdigit()]


def test_command_prints_the_ranking(stored: dict) -> None:
    morris = ("--experiment", stored["ids"]["morris"])
    result = invoke(stored["store"], "--metric", "control_index", *morris, columns=120)
    assert result.exit_code == 0, result.stderr
    assert "Morris indices of control_index" in result.stdout
    assert "mu*" in result.stdout
    with Store(stored["store"], read_only=True) as db:
        analysis = from_store(db, stored["ids"]["morris"], "control_index")
    assert ranked(result.stdout) == [row["name"] for row in analysis["parameters"]]
    assert ranked(result.stdout)[0] == DRIVER
    dead = next(line for line in result.stdout.splitlines() if DEAD in line)
    assert dead.rstrip().endswith("yes")  # the negligible column

    sobol = invoke(stored["store"], "--metric", "participation")  # the latest: Sobol'
    assert sobol.exit_code == 0, sobol.stderr
    assert "Sobol' indices of participation" in sobol.stdout
    assert "ST + ST_conf < 0.05" in sobol.stdout
    assert len(ranked(sobol.stdout)) == 2  # at 80 columns a long name folds onto a 2nd line


def test_command_json_is_the_analysis(stored: dict) -> None:
    eid = stored["ids"]["morris"]
    args = ("--metric", "control_index", "--experiment", eid, "--stat", "mean")
    data = one_json_line(invoke(stored["store"], *args, "--format", "json"))
    with Store(stored["store"], read_only=True) as db:
        expected = _jsonable(from_store(db, eid, "control_index", "mean"))
    assert data == json.loads(json.dumps(expected))
    assert data["experiment_id"] == eid
    assert data["method"] == "morris"
    assert [row["rank"] for row in data["parameters"]] == [1, 2, 3]


def test_command_refuses_bad_arguments(stored: dict, tmp_path: Path) -> None:
    store = stored["store"]
    assert_usage_error(
        invoke(store, "--metric", "nonsense"), "nonsense", "control_index, participation"
    )
    assert_usage_error(invoke(store), "--metric is required", "control_index")
    assert_usage_error(
        invoke(store, "--metric", "control_index", "--experiment", "nope"), "no experiment"
    )
    assert_usage_error(invoke(tmp_path / "missing.duckdb", "--metric", "gini"), "no results store")


def test_command_refuses_a_grid_and_an_unfinished_experiment(tmp_path: Path) -> None:
    """Registered but not run: the design is refused before any run is read, and a sampling
    design with runs missing is refused rather than analysed on a partial sample."""
    store = tmp_path / "results.duckdb"
    grid = parse_experiment(
        {
            "name": "grid",
            "scenario": SCENARIO,
            "parameters": [{"name": DRIVER, "values": [0.0, 1.0]}],
        }
    )
    unfinished = model_experiment(store, {"kind": "morris", "samples": 2})
    with Store(store) as db:
        grid_id = records.register(db, grid, points(grid))
        unfinished_id = records.register(db, unfinished, points(unfinished))
    assert_usage_error(
        invoke(store, "--metric", "control_index", "--experiment", grid_id),
        "grid design",
        "sobol or morris",
    )
    assert_usage_error(
        invoke(store, "--metric", "control_index", "--experiment", unfinished_id),
        f"incomplete: 0 of {2 * (2 + 1)} runs",  # 2 trajectories x (2 parameters + 1)
    )
