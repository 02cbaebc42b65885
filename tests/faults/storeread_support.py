"""Helpers of the tests of stores and spools read back: a small real store with an experiment,
made without simulating (runs with made-up series go through the spool as a worker's would),
and the checks every fault test makes on a command's result."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from typer.testing import CliRunner, Result

from thermidor.cli import app
from thermidor.experiments import records, spool
from thermidor.experiments.executors import Outcome, Task
from thermidor.experiments.spec import Experiment
from thermidor.model.results import EXTRA_SERIES, METRICS, Results
from thermidor.scenarios import load_scenario
from thermidor.store import Store, canonical_json, hash_of

SCENARIO = "soviet-1917-1928"
STEPS = 6
SEEDS = 3

EXPERIMENT_TOML = f"""
name = "faults"
scenario = "{SCENARIO}"
seeds = {SEEDS}
base_seed = 0
steps = {STEPS}
members = 100
metrics = ["control_index", "participation"]

[[parameters]]
name = "institutions.term"
values = [12]
"""

runner = CliRunner()


def invoke(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


@functools.cache
def _params() -> dict[str, Any]:
    """A real resolved scenario (reports draw its events), without running it."""
    return load_scenario(SCENARIO, [f"meta.steps={STEPS}", "meta.members=100"]).model_dump(
        mode="json"
    )


def outcome(seed: int) -> Outcome:
    """A finished run as a worker hands it over, with made-up series."""
    rng = np.random.default_rng(seed % 2**32)
    series = {name: rng.random(STEPS) for name in (*METRICS, *EXTRA_SERIES)}
    params = _params()
    results = Results(
        scenario=SCENARIO,
        seed=seed,
        steps=STEPS,
        members=100,
        params=params,
        version="0.0.0-test",
        series=series,
        thermidor_step=None,
        crises=[{"step": 2, "mobilised": 0.3, "control_index": 0.5, "thermidor": False}],
    )
    canonical = canonical_json(params)
    task = Task(SCENARIO, (), seed)
    return Outcome(
        task, results, datetime.now(UTC).replace(tzinfo=None), canonical, hash_of(canonical)
    )


def experiment_store(folder: Path, toml: Path | None = None) -> tuple[Path, str, list[str]]:
    """A store holding one experiment (one point, SEEDS seeds), its runs spooled and left in
    the spool for the next reader to ingest; return its path, the experiment id and the run
    ids. With ``toml``, the experiment file is written there too."""
    path = folder / "store.duckdb"
    experiment = Experiment.model_validate(
        {
            "name": "faults",
            "scenario": SCENARIO,
            "seeds": SEEDS,
            "steps": STEPS,
            "members": 100,
            "metrics": ["control_index", "participation"],
            "parameters": [{"name": "institutions.term", "values": [12]}],
        }
    )
    if toml is not None:
        toml.write_text(EXPERIMENT_TOML, encoding="utf-8")
    with Store(path) as store:
        eid = records.register(store, experiment, [{"institutions.term": 12}])
    run_ids = []
    for seed in range(SEEDS):
        run_id = f"run{seed:09d}"
        spool.write(path, run_id, outcome(seed), eid, [(0, seed)])
        run_ids.append(run_id)
    return path, eid, run_ids


def error_line(result: Result, status: int, *needles: str) -> str:
    """The command ended with ``status`` and one ``error:`` line on stderr (another line,
    if any, is the one that said it waits) naming every needle; no traceback."""
    assert result.exit_code == status, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    others = [line for line in result.stderr.splitlines() if not line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert all(line.startswith("note: waiting for the store ") for line in others), result.stderr
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    return errors[0]


def warning_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
