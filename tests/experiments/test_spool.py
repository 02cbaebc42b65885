"""The spool: a spooled run is whole, reaches the store with its crises and links, and is
never inserted twice (an ingest killed between its commit and its deletions is harmless)."""

from __future__ import annotations

import shutil
from dataclasses import replace

import numpy as np
import pytest

from thermidor.experiments import records, spool
from thermidor.experiments.executors import Task, simulate
from thermidor.experiments.spec import Experiment
from thermidor.store import Store

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
