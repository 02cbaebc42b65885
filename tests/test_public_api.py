"""The public API: a light import, the names it exports, and what ``run`` hands back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import thermidor
from thermidor.model.results import EXTRA_SERIES, METRIC_DOCS

# the directory holding the thermidor imported here, so a child process runs the same code
SRC = Path(thermidor.__file__).resolve().parents[1]
HEAVY = ("duckdb", "typer", "rich", "plotly", "ray", "solara")
SHIPPED = (
    "paris-1789-1794",
    "soviet-1917-1928",
    "rakovsky-remedies-1928",
    "purge-1928",
    "present-day-union",
)


def imported_by(code: str) -> set[str]:
    """Top-level packages in sys.modules after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    child = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    assert child.returncode == 0, child.stderr
    return {name.split(".")[0] for name in json.loads(child.stdout.strip().splitlines()[-1])}


def test_import_loads_no_front_end_or_cluster_library():
    loaded = imported_by("import thermidor")
    assert "thermidor" in loaded
    assert not loaded.intersection(HEAVY), sorted(loaded.intersection(HEAVY))


def test_loading_and_running_loads_no_front_end_library():
    loaded = imported_by(
        "import thermidor\n"
        "thermidor.run(thermidor.load_scenario('soviet-1917-1928', "
        "['meta.members=200', 'meta.steps=3']), 0)"
    )
    assert not loaded.intersection(HEAVY), sorted(loaded.intersection(HEAVY))


def test_all_names_exist():
    assert thermidor.__all__
    assert len(set(thermidor.__all__)) == len(thermidor.__all__)
    for name in thermidor.__all__:
        assert hasattr(thermidor, name), name
    for name in ("run", "load_scenario", "list_scenarios", "Results", "METRICS", "Scenario"):
        assert name in thermidor.__all__
    assert isinstance(thermidor.__version__, str)


def test_shipped_scenarios_are_listed():
    listed = thermidor.list_scenarios()
    assert set(SHIPPED) <= set(listed)
    assert all(isinstance(text, str) and text for text in listed.values())


def test_metrics_are_fifteen_and_documented():
    assert len(thermidor.METRICS) == 15
    assert len(set(thermidor.METRICS)) == 15
    assert set(thermidor.METRICS) <= set(METRIC_DOCS)
    assert not set(thermidor.METRICS) & set(EXTRA_SERIES)


@pytest.mark.parametrize("name", SHIPPED)
def test_run_returns_results(name: str):
    scenario = thermidor.load_scenario(name, ["meta.members=300", "meta.steps=10"])
    assert isinstance(scenario, thermidor.Scenario)
    results = thermidor.run(scenario, 4)
    assert isinstance(results, thermidor.Results)
    assert (results.scenario, results.seed, results.steps, results.members) == (name, 4, 10, 300)
    assert results.version == thermidor.__version__
    assert len(thermidor.METRICS) == 15
    for metric in (*thermidor.METRICS, *EXTRA_SERIES):
        assert results.series[metric].shape == (10,), metric
    assert set(results.final()) == set(thermidor.METRICS)
    assert set(results.mean()) == set(thermidor.METRICS)
    assert np.isfinite(list(results.final().values())).all()
    columns = results.columns()
    np.testing.assert_array_equal(columns["step"], np.arange(10))

    text = json.dumps(results.params)  # JSON-serialisable as it stands
    assert json.loads(text) == results.params
    assert results.params["meta"]["members"] == 300
    assert results.params["meta"]["steps"] == 10
    # the params are the whole resolved scenario: they load back into the same scenario
    assert thermidor.Scenario.model_validate(results.params) == scenario
    json.dumps(results.crises)


def test_progress_is_called_once_per_step():
    calls: list[tuple[int, int]] = []
    scenario = thermidor.load_scenario("soviet-1917-1928", ["meta.members=200", "meta.steps=5"])
    thermidor.run(scenario, 0, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(t, 5) for t in range(1, 6)]


def test_bad_override_is_a_scenario_error():
    with pytest.raises(thermidor.ScenarioError, match="members"):
        thermidor.load_scenario("soviet-1917-1928", ["meta.members=5"])
    with pytest.raises(thermidor.ScenarioError, match="no shipped scenario"):
        thermidor.load_scenario("no-such-scenario")
