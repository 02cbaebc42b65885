"""The results store: runs are 'running' until a single transaction writes and finishes them."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import duckdb
import numba
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyarrow import csv
from typer.testing import CliRunner

import thermidor
from cli_support import one_json_line
from thermidor.cli import app
from thermidor.model.results import EXTRA_SERIES, METRICS, Results
from thermidor.store import Store, StoreError, params_hash, quoted

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


# --- the versions that computed a run ------------------------------------------------------

HERE = {
    "python_version": platform.python_version(),
    "numpy_version": np.__version__,
    "numba_version": numba.__version__,
}


def versions_of(run: dict) -> dict:
    return {key: run[key] for key in HERE}


def test_a_run_records_the_running_interpreters_versions(tmp_path: Path) -> None:
    results = fake_results()
    assert results.versions == {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
    }
    with Store(tmp_path / "r.duckdb") as store:
        run_id = start(store)
        assert versions_of(store.get_run(run_id)) == HERE  # already while running
        store.finish_run(run_id, results)
        run = store.get_run(run_id)
        (listed,) = store.list_runs()
    assert versions_of(run) == HERE
    assert versions_of(listed) == HERE
    assert run["version"] == results.version


def test_a_finished_run_records_what_computed_it(tmp_path: Path) -> None:
    computed = {"python": "3.99.1", "numpy": "9.0.0", "numba": "0.99.0"}
    results = fake_results()
    results = Results(**{**results.__dict__, "version": "9.9.9", "versions": computed})
    with Store(tmp_path / "r.duckdb") as store:
        run_id = start(store)
        store.finish_run(run_id, results)
        run = store.get_run(run_id)
    assert run["version"] == "9.9.9"
    assert versions_of(run) == {f"{key}_version": value for key, value in computed.items()}


def test_thermidor_run_records_the_versions(tmp_path: Path) -> None:
    path = tmp_path / "r.duckdb"
    args = ["run", "soviet-1917-1928", "--members", "200", "--steps", "12", "--store", str(path)]
    payload = one_json_line(CliRunner().invoke(app, [*args, "--format", "json"]))
    with Store(path, read_only=True) as store:
        run = store.get_run(payload["run_id"])
    assert run["status"] == "finished"
    assert run["version"] == thermidor.__version__
    assert versions_of(run) == HERE


# --- a store written by the schema before the versions were recorded ------------------------

# The tables exactly as the previous schema created them (commit aee5c86), with one run.
OLD_SCHEMA = f"""
CREATE TABLE runs (
    run_id VARCHAR PRIMARY KEY,
    scenario VARCHAR NOT NULL,
    params JSON NOT NULL,
    params_hash VARCHAR NOT NULL,
    seed BIGINT NOT NULL,
    version VARCHAR NOT NULL,
    steps INTEGER NOT NULL,
    members BIGINT NOT NULL,
    thermidor_step INTEGER,
    started TIMESTAMP NOT NULL,
    finished TIMESTAMP,
    status VARCHAR NOT NULL CHECK (status IN ('running', 'finished', 'failed'))
);
CREATE TABLE steps (
    run_id VARCHAR NOT NULL,
    step INTEGER NOT NULL,
    {", ".join(f'"{name}" DOUBLE' for name in (*METRICS, *EXTRA_SERIES))}
);
CREATE TABLE crises (
    run_id VARCHAR NOT NULL,
    step INTEGER NOT NULL,
    mobilised DOUBLE,
    control_index DOUBLE,
    thermidor BOOLEAN
);
INSERT INTO runs VALUES ('oldrun', 'toy', '{{}}', 'h', 3, '0.0.9', 2, 100, NULL,
    TIMESTAMP '2025-01-01 00:00:00', TIMESTAMP '2025-01-01 00:00:01', 'finished');
INSERT INTO steps (run_id, step, participation) VALUES ('oldrun', 0, 0.5), ('oldrun', 1, 0.25);
INSERT INTO crises VALUES ('oldrun', 1, 0.1, 0.2, false);
"""


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(OLD_SCHEMA)
    return path


def test_a_store_of_the_old_schema_opens_read_only(old_store: Path) -> None:
    with Store(old_store, read_only=True) as store:
        run = store.get_run("oldrun")
        (listed,) = store.list_runs()
        assert store.series("oldrun").column("participation").to_pylist() == [0.5, 0.25]
        assert store.crises("oldrun").num_rows == 1
    assert run["status"] == "finished"
    assert run["version"] == "0.0.9"
    assert versions_of(run) == dict.fromkeys(HERE)
    assert versions_of(listed) == dict.fromkeys(HERE)


def test_a_store_of_the_old_schema_gains_the_columns_old_runs_null(old_store: Path) -> None:
    with Store(old_store) as store:
        run_id = start(store)
        store.finish_run(run_id, fake_results())
        old, new = store.get_run("oldrun"), store.get_run(run_id)
        assert store.add_runs(*finished_tables("bulk", 3)) == ["bulk"]
        bulk = store.get_run("bulk")
    assert versions_of(old) == dict.fromkeys(HERE)
    assert old["status"] == "finished"
    assert versions_of(new) == HERE
    assert versions_of(bulk) == HERE
    with duckdb.connect(str(old_store), read_only=True) as con:
        columns = [row[0] for row in con.execute("DESCRIBE runs").fetchall()]
    assert columns[-5:] == ["python_version", "numpy_version", "numba_version", "pid", "host"]
    assert (old["pid"], old["host"]) == (None, None)  # who computed it is not known
    with Store(old_store) as store:  # opening it again changes nothing
        assert len(store.list_runs()) == 3


# --- add_runs: finished runs in bulk (what the spool hands over) ----------------------------


def finished_tables(run_id: str, steps: int, **row: object) -> tuple[pa.Table, ...]:
    """The runs, steps and crises tables of one finished run, as the spool builds them."""
    runs = pa.table(
        {
            "run_id": [run_id],
            "scenario": ["toy"],
            "params": [json.dumps(PARAMS)],
            "params_hash": [params_hash(PARAMS)],
            "seed": [3],
            "version": ["0.1.0"],
            "steps": [steps],
            "members": [100],
            "thermidor_step": [None],
            "started": ["2026-01-02T03:04:05.678901"],
            "finished": [datetime(2026, 1, 2, 3, 5)],
            **{key: [value] for key, value in HERE.items()},
            **{key: [value] for key, value in row.items()},
        }
    )
    series = pa.table({"run_id": [run_id] * steps, **fake_results(steps).columns()})
    crises = pa.table(
        {"run_id": [run_id], "step": [1], "mobilised": [0.4], "control_index": [0.6],
         "thermidor": [True]}
    )  # fmt: skip
    return runs, series, crises


def test_add_runs_inserts_finished_runs_once(tmp_path: Path) -> None:
    with Store(tmp_path / "r.duckdb") as store:
        first = finished_tables("a", 4)
        assert store.add_runs(*first) == ["a"]
        again = [
            pa.concat_tables([x, y]) for x, y in zip(first, finished_tables("b", 4), strict=True)
        ]
        assert store.add_runs(*again) == ["b"]  # "a" is already there: skipped, with its rows
        run = store.get_run("a")
        assert store.series("a").num_rows == 4
        assert store.crises("a").column("thermidor").to_pylist() == [True]
        assert [r["run_id"] for r in store.list_runs()] == ["a", "b"]
        assert store.add_runs(*again) == []
    assert run["status"] == "finished"
    assert run["params"] == PARAMS
    assert run["started"] == datetime(2026, 1, 2, 3, 4, 5, 678901)
    assert run["thermidor_step"] is None
    assert versions_of(run) == HERE


def test_add_runs_leaves_unknown_versions_null_and_refuses_bad_tables(tmp_path: Path) -> None:
    runs, steps, _ = finished_tables("a", 2)
    with Store(tmp_path / "r.duckdb") as store:
        assert store.add_runs(runs.drop_columns(list(HERE)), steps) == ["a"]
        assert versions_of(store.get_run("a")) == dict.fromkeys(HERE)
        runs, steps, _ = finished_tables("b", 2, status="running")
        with pytest.raises(StoreError, match=r"unknown column.*status"):
            store.add_runs(runs, steps)
        runs, steps, _ = finished_tables("c", 2)
        with pytest.raises(StoreError, match="missing column seed"):
            store.add_runs(runs.drop_columns(["seed"]), steps)
        runs, steps, _ = finished_tables("d", 2)
        with pytest.raises(StoreError, match="twice"):
            store.add_runs(pa.concat_tables([runs, runs]), steps)
        assert [r["run_id"] for r in store.list_runs()] == ["a"]


def test_add_runs_is_atomic(tmp_path: Path) -> None:
    runs, steps, crises = finished_tables("a", 3)
    bad = crises.set_column(1, "step", pa.array([None], pa.int64()))  # crises.step NOT NULL
    with Store(tmp_path / "r.duckdb") as store:
        with pytest.raises(duckdb.ConstraintException):  # the last insert, after runs and steps
            store.add_runs(runs, steps, bad)
        assert store.list_runs() == []
        assert store.connection.execute("SELECT count(*) FROM steps").fetchone() == (0,)

        def add_then_fail() -> None:
            with store.transaction():  # the caller's transaction, which add_runs joins
                store.add_runs(runs, steps, crises)
                raise RuntimeError

        with pytest.raises(RuntimeError):
            add_then_fail()
        assert store.list_runs() == []


def test_names_from_data_are_quoted_never_sql(tmp_path: Path) -> None:
    assert quoted('a"b') == '"a""b"'
    odd = 'x" DOUBLE); DROP TABLE runs; --'
    results = fake_results()
    results.series[odd] = np.arange(5, dtype=float)
    with Store(tmp_path / "r.duckdb") as store:
        run_id = start(store)
        store.finish_run(run_id, results)
        assert store.series(run_id).column(odd).to_pylist() == [0.0, 1.0, 2.0, 3.0, 4.0]
        assert store.get_run(run_id)["status"] == "finished"
