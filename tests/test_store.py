"""The results store: runs are 'running' until a single transaction writes and finishes them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest
from pyarrow import csv

from thermidor.model.results import EXTRA_SERIES, METRICS, Results
from thermidor.store import Store, StoreError, params_hash

SRC = Path(__file__).resolve().parents[1] / "src"
PARAMS = {"meta": {"name": "toy", "steps": 5, "members": 100}, "institutions": {"recall": True}}


def fake_results(steps: int = 5, *, crises: list[dict] | None = None) -> Results:
    rng = np.random.default_rng(0)
    series = {name: rng.random(steps) for name in (*METRICS, *EXTRA_SERIES)}
    series["mobilised"][:] = np.nan
    return Results(
        scenario="toy",
        seed=3,
        steps=steps,
        members=100,
        params=PARAMS,
        version="0.1.0",
        series=series,
        thermidor_step=2,
        crises=crises if crises is not None else [],
    )


def start(store: Store) -> str:
    return store.start_run("toy", PARAMS, seed=3, version="0.1.0", steps=5, members=100)


def count(path: Path, table: str, run_id: str) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute(f"SELECT count(*) FROM {table} WHERE run_id = ?", [run_id]).fetchone()
    assert row is not None
    return int(row[0])


def test_started_run_is_running_without_steps(tmp_path: Path) -> None:
    path = tmp_path / "r.duckdb"
    with Store(path) as store:
        run_id = start(store)
        run = store.get_run(run_id)
    assert len(run_id) == 12
    assert int(run_id, 16) >= 0
    assert run["status"] == "running"
    assert run["finished"] is None
    assert run["thermidor_step"] is None
    assert run["params"] == PARAMS
    assert run["params_hash"] == params_hash(PARAMS)
    assert count(path, "steps", run_id) == 0


def test_killed_run_stays_running(tmp_path: Path) -> None:
    path = tmp_path / "r.duckdb"
    script = textwrap.dedent(
        f"""
        import os, signal
        from thermidor.store import Store
        store = Store({str(path)!r})
        run_id = store.start_run("toy", {{}}, seed=1, version="x", steps=5, members=100)
        print(run_id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == -9
    run_id = done.stdout.strip()
    with Store(path) as store:
        assert store.get_run(run_id)["status"] == "running"
        assert store.series(run_id).num_rows == 0


def test_finish_writes_series_and_crises(tmp_path: Path) -> None:
    crises = [
        {"step": 1, "mobilised": 0.4, "control_index": 0.6, "thermidor": False},
        {"step": 3, "mobilised": np.float64(0.1), "control_index": 0.2, "thermidor": np.True_},
    ]
    results = fake_results(crises=crises)
    with Store(tmp_path / "r.duckdb") as store:
        run_id = start(store)
        store.finish_run(run_id, results)
        run = store.get_run(run_id)
        table = store.series(run_id)
        crisis_table = store.crises(run_id)
    assert run["status"] == "finished"
    assert run["finished"] >= run["started"]
    assert run["thermidor_step"] == 2
    assert table.num_rows == 5
    assert table.column("step").to_pylist() == [0, 1, 2, 3, 4]
    for name in (*METRICS, *EXTRA_SERIES):
        np.testing.assert_array_equal(table.column(name).to_numpy(), results.series[name])
    assert crisis_table.column("thermidor").to_pylist() == [False, True]
    assert crisis_table.column("step").to_pylist() == [1, 3]


def test_finish_adds_columns_for_new_series(tmp_path: Path) -> None:
    results = fake_results()
    results.series["brand_new"] = np.arange(5, dtype=float)
    with Store(tmp_path / "r.duckdb") as store:
        run_id = start(store)
        store.finish_run(run_id, results)
        assert store.series(run_id).column("brand_new").to_pylist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_finish_is_atomic_when_a_write_fails(tmp_path: Path) -> None:
    path = tmp_path / "r.duckdb"
    bad = fake_results(crises=[{"step": "not a step", "thermidor": True}])
    with Store(path) as store:
        run_id = start(store)
        with pytest.raises(duckdb.Error):
            store.finish_run(run_id, bad)
        assert store.get_run(run_id)["status"] == "running"
    assert count(path, "steps", run_id) == 0
    with Store(path) as store:  # the run can still be finished properly afterwards
        store.finish_run(run_id, fake_results())
        assert store.get_run(run_id)["status"] == "finished"


def test_finish_is_atomic_when_killed_mid_write(tmp_path: Path) -> None:
    path = tmp_path / "r.duckdb"
    with Store(path) as store:
        run_id = start(store)
    script = textwrap.dedent(
        f"""
        import os, signal
        import numpy as np
        from thermidor.model.results import EXTRA_SERIES, METRICS, Results
        from thermidor.store import Store

        class Dying(Store):
            def _write_crises(self, run_id, results):  # after the steps were inserted
                os.kill(os.getpid(), signal.SIGKILL)

        series = {{n: np.zeros(5) for n in (*METRICS, *EXTRA_SERIES)}}
        results = Results("toy", 3, 5, 100, {{}}, "0.1.0", series, None)
        Dying({str(path)!r}).finish_run({run_id!r}, results)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", script], env=env, check=False)
    assert done.returncode == -9
    with Store(path) as store:
        assert store.get_run(run_id)["status"] == "running"
    assert count(path, "steps", run_id) == 0


def test_fail_and_refinish(tmp_path: Path) -> None:
    with Store(tmp_path / "r.duckdb") as store:
        run_id = start(store)
        store.fail_run(run_id)
        assert store.get_run(run_id)["status"] == "failed"
        with pytest.raises(StoreError, match="failed"):
            store.finish_run(run_id, fake_results())


def test_unknown_run_id(tmp_path: Path) -> None:
    with Store(tmp_path / "r.duckdb") as store:
        for call in (store.get_run, store.series, store.fail_run):
            with pytest.raises(StoreError, match="no run 'nope'"):
                call("nope")
        with pytest.raises(StoreError, match="no run 'nope'"):
            store.export("nope", tmp_path / "x.csv")


def test_list_runs_and_schema_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "r.duckdb"
    with Store(path) as store:
        first = start(store)
    with Store(path) as store:
        second = start(store)
        runs = store.list_runs()
    assert [r["run_id"] for r in runs] == [first, second]
    assert "params" not in runs[0]


def test_read_only_needs_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.duckdb"
    with pytest.raises(StoreError, match="no results store"):
        Store(path, read_only=True)
    assert not path.exists()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / "r.duckdb"
    with Store(path) as store:
        run_id = start(store)
        store.finish_run(run_id, fake_results())
    out = tmp_path / f"series{suffix}"
    with Store(path, read_only=True) as store:
        store.export(run_id, out)
    table = csv.read_csv(out) if suffix == ".csv" else pq.read_table(out)
    assert table.num_rows == 5
    assert {"step", *METRICS} <= set(table.column_names)
    assert "run_id" not in table.column_names


def test_export_rejects_other_suffixes(tmp_path: Path) -> None:
    with Store(tmp_path / "r.duckdb") as store:
        run_id = start(store)
        with pytest.raises(StoreError, match=r"\.csv, \.parquet"):
            store.export(run_id, tmp_path / "series.xlsx")


def test_params_hash_is_canonical() -> None:
    assert params_hash({"a": 1, "b": [1, 2]}) == params_hash({"b": [1, 2], "a": 1})
    assert params_hash({"a": 1}) != params_hash({"a": 2})
