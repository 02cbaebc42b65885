"""The spool: a spooled run is whole, reaches the store with its crises and links, and is
never inserted twice (an ingest killed between its commit and its deletions is harmless); it
records the versions of python, numpy and numba of the worker that computed it."""

from __future__ import annotations

import json
import platform
import shutil
from dataclasses import replace

import numba
import numpy as np
import pytest
from pyarrow import feather

import thermidor
from experiment_support import SWEEP, write
from thermidor.experiments import load_experiment, records, run_experiment, spool
from thermidor.experiments.executors import Task, simulate
from thermidor.experiments.spec import Experiment
from thermidor.store import Store

HERE = {
    "python_version": platform.python_version(),
    "numpy_version": np.__version__,
    "numba_version": numba.__version__,
}

TASK = Task("soviet-1917-1928", ("meta.members=300", "meta.steps=60"), 2)


@pytest.fixture(scope="module")
def outcome():
    return simulate(TASK)


def _experiment() -> Experiment:
    return Experiment.model_validate(
        {
            "name": "spooled",
            "scenario": "soviet-1917-1928",
            "parameters": [{"name": "institutions.term", "values": [12]}],
        }
    )


def test_spooled_runs_reach_the_store_whole_and_once(tmp_path, outcome):
    path = tmp_path / "s.duckdb"
    copies = [replace(outcome, results=replace(outcome.results, seed=s)) for s in range(3)]
    with Store(path) as store:
        eid = records.register(store, _experiment(), [{"institutions.term": 12}])
        for k, copy in enumerate(copies):
            spool.write(path, f"run{k}", copy, eid, [(0, k)])
        assert [p.stem for p in spool.pending(path)] == ["run0", "run1", "run2"]
        kept = tmp_path / "kept"
        shutil.copytree(spool.spool_dir(path), kept)
        assert spool.ingest(store) == 3
        assert spool.pending(path) == []
        # the files come back, as if an ingest died after its commit: nothing is doubled
        shutil.copytree(kept, spool.spool_dir(path), dirs_exist_ok=True)
        assert spool.ingest(store) == 0
        assert spool.pending(path) == []
        con = store.connection
        assert con.execute("SELECT count(*) FROM runs").fetchone() == (3,)
        assert con.execute("SELECT count(*) FROM steps").fetchone() == (3 * 60,)
        crises = len(outcome.results.crises)
        assert con.execute("SELECT count(*) FROM crises").fetchone() == (3 * crises,)
        assert records.linked(store, eid) == {(0, 0), (0, 1), (0, 2)}
        run = store.get_run("run1")
        assert run["status"] == "finished"
        assert run["seed"] == 1
        assert run["params"] == outcome.results.params
        series = store.series("run1")
        for name in ("participation", "control_index", "gini"):
            np.testing.assert_array_equal(series[name].to_numpy(), outcome.results.series[name])


def test_settle_ingests_what_a_killed_run_left(tmp_path, outcome):
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        eid = records.register(store, _experiment(), [{"institutions.term": 12}])
    spool.write(path, "left", outcome, eid, [(0, 2)])
    spool.settle(path)
    assert spool.pending(path) == []
    with Store(path, read_only=True) as store:
        assert store.get_run("left")["status"] == "finished"
        assert records.linked(store, eid) == {(0, 2)}


def _versions(run: dict) -> dict:
    return {key: run[key] for key in HERE}


def test_a_spooled_run_records_the_versions_that_computed_it(tmp_path, outcome):
    path = tmp_path / "s.duckdb"
    elsewhere = {"python": "3.99.0", "numpy": "9.1.0", "numba": "0.99.1"}
    remote = replace(outcome, results=replace(outcome.results, seed=7, versions=elsewhere))
    with Store(path) as store:
        eid = records.register(store, _experiment(), [{"institutions.term": 12}])
        spool.write(path, "here", outcome, eid, [(0, 2)])
        spool.write(path, "there", remote, eid, [(0, 7)])
        assert spool.ingest(store) == 2
        here, there = store.get_run("here"), store.get_run("there")
    assert _versions(here) == HERE
    assert here["version"] == thermidor.__version__
    assert _versions(there) == {f"{key}_version": value for key, value in elsewhere.items()}


def test_a_run_spooled_before_versions_were_recorded_has_none(tmp_path, outcome):
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        eid = records.register(store, _experiment(), [{"institutions.term": 12}])
    spool.write(path, "old", outcome, eid, [(0, 2)])
    (file,) = spool.pending(path)
    table = feather.read_table(file)
    meta = dict(table.schema.metadata)
    row = json.loads(meta[b"run"])
    meta[b"run"] = json.dumps({k: v for k, v in row.items() if k not in HERE}).encode()
    feather.write_feather(table.replace_schema_metadata(meta), file, compression="uncompressed")
    spool.settle(path)
    with Store(path, read_only=True) as store:
        run = store.get_run("old")
        assert run["status"] == "finished"
        assert _versions(run) == dict.fromkeys(HERE)
        assert store.series("old").num_rows == outcome.results.steps


def test_an_experiment_records_its_workers_versions(tmp_path):
    store = tmp_path / "sweep.duckdb"
    run_experiment(load_experiment(write(tmp_path, SWEEP)), workers=1, store_path=str(store))
    with Store(store, read_only=True) as db:
        runs = db.list_runs()
    assert len(runs) == 4 * 2
    for run in runs:
        assert run["status"] == "finished"
        assert run["version"] == thermidor.__version__
        assert _versions(run) == HERE
