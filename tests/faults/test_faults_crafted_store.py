"""Names read from a store or a spool are data, never SQL: a crafted store or spool folder
opened by ``experiment summary``, ``report``, ``show`` or ``sensitivity`` never runs what a
name holds (here a ``COPY ... TO`` that would write a file, which works even on a read-only
connection). A metric the experiment's spec names but the model does not record is refused
in one line (exit 2); a spool file with a column the model does not record is quarantined
with one warning line and the rest is read."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from pyarrow import feather
from storeread_support import error_line, experiment_store, invoke, warning_lines

from thermidor.experiments import records, spool
from thermidor.store import Store, StoreError


def _payloads(target: Path) -> dict[str, str]:
    """Names that, formatted into the summary's query, end it and run ``COPY ... TO target``:
    the first closes the whole select (the statements before the last run at once), the
    second is the plain one of the issue."""
    copy = f"COPY (SELECT 1) TO '{target}'"
    return {
        "closing the select": (
            'control_index", s.step) AS z FROM experiment_runs l JOIN runs r USING (run_id) '
            f"JOIN steps s USING (run_id) GROUP BY ALL; {copy}; SELECT ? --"
        ),
        "plain": f'x" ; {copy}; --',
    }


PAYLOADS = ["closing the select", "plain"]


def _store_with_spec_metric(folder: Path, name: str) -> tuple[Path, str, list[str]]:
    """A store whose experiment's spec keeps ``name`` among its metrics (as if edited)."""
    path, eid, run_ids = experiment_store(folder)
    spool.settle(path)
    with duckdb.connect(str(path)) as con:
        row = con.execute("SELECT spec FROM experiments WHERE experiment_id = ?", [eid]).fetchone()
        assert row is not None
        spec = json.loads(row[0])
        spec["metrics"] = ["control_index", name]
        con.execute(
            "UPDATE experiments SET spec = ? WHERE experiment_id = ?", [json.dumps(spec), eid]
        )
    return path, eid, run_ids


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("command", ["summary", "summary json", "report", "sensitivity"])
def test_a_metric_name_in_the_stored_spec_never_runs(tmp_path, payload, command):
    target = tmp_path / "pwned.csv"
    name = _payloads(target)[payload]
    store, eid, _ = _store_with_spec_metric(tmp_path, name)
    before = store.read_bytes()
    args = {
        "summary": ["experiment", "summary", store],
        "summary json": ["experiment", "summary", store, "--format", "json"],
        "report": ["report", eid, "--store", store, "--out", tmp_path / "r.html"],
        "sensitivity": ["experiment", "sensitivity", store, "--metric", "control_index"],
    }[command]
    result = invoke(*args)
    assert not target.exists()
    error_line(result, 2, str(store), "unknown metric", "allowed: participation")
    assert not (tmp_path / "r.html").exists()
    assert store.read_bytes() == before


@pytest.mark.parametrize("payload", PAYLOADS)
def test_outcomes_refuses_a_name_the_model_does_not_record(tmp_path, payload):
    target = tmp_path / "pwned.csv"
    store, eid, _ = experiment_store(tmp_path)
    spool.settle(store)
    with Store(store, read_only=True) as db, pytest.raises(StoreError, match="unknown metric"):
        records.outcomes(db, eid, [_payloads(target)[payload]])
    assert not target.exists()


@pytest.mark.parametrize(
    "spec",
    [
        "[1, 2]",  # not an object
        '{"metrics": "control_index"}',  # not a list
        '{"metrics": [["control_index"]]}',  # not a name
    ],
)
def test_a_spec_not_written_by_thermidor_is_one_line(tmp_path, spec):
    store, eid, _ = experiment_store(tmp_path)
    spool.settle(store)
    with duckdb.connect(str(store)) as con:
        con.execute("UPDATE experiments SET spec = ?", [spec])
    result = invoke("experiment", "summary", store)
    error_line(result, 2, str(store), eid)


def test_odd_names_and_values_in_a_store_are_read_as_data(tmp_path):
    """A steps column and runs values holding SQL are shown, never run (a regression guard:
    the store quotes what it reads)."""
    target = tmp_path / "pwned.csv"
    name = _payloads(target)["plain"]
    store, eid, run_ids = experiment_store(tmp_path)
    spool.settle(store)
    with duckdb.connect(str(store)) as con:
        con.execute(f'ALTER TABLE steps ADD COLUMN "{name.replace(chr(34), chr(34) * 2)}" DOUBLE')
        con.execute("ALTER TABLE runs ADD COLUMN odd VARCHAR")
        con.execute("UPDATE runs SET version = ?, odd = ?", [name, name])
    for args in (
        ["show", run_ids[0], "--store", store, "--format", "json"],
        ["experiment", "summary", store, "--format", "json"],
        ["report", run_ids[0], "--store", store, "--out", tmp_path / "run.html"],
        ["report", eid, "--store", store, "--out", tmp_path / "exp.html"],
    ):
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
    assert not target.exists()


def _spool_with_column(store: Path, run_id: str, name: str) -> tuple[Path, bytes]:
    path = spool.spool_dir(store) / f"{run_id}{spool.SUFFIX}"
    table = feather.read_table(path)
    table = table.append_column(name, pa.array([1.0] * table.num_rows))
    feather.write_feather(table, path, compression="uncompressed")
    return path, path.read_bytes()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_spool_column_name_is_never_made_a_column_nor_run(tmp_path, payload):
    target = tmp_path / "pwned.csv"
    name = _payloads(target)[payload]
    store, _, run_ids = experiment_store(tmp_path)
    bad, data = _spool_with_column(store, run_ids[0], name)
    result = invoke("show", run_ids[1], "--store", store, "--format", "json")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert not target.exists()
    (warning,) = warning_lines(result)
    assert str(bad) in warning
    assert "unknown column" in warning
    assert (spool.spool_dir(store) / spool.QUARANTINE / bad.name).read_bytes() == data
    with duckdb.connect(str(store), read_only=True) as con:
        columns = {row[0] for row in con.execute("DESCRIBE steps").fetchall()}
        runs = {row[0] for row in con.execute("SELECT run_id FROM runs").fetchall()}
    assert name not in columns
    assert runs == set(run_ids[1:])


@pytest.mark.parametrize("where", ["run", "crises"])
def test_a_key_in_a_spool_files_metadata_is_never_a_column(tmp_path, where):
    target = tmp_path / "pwned.csv"
    name = _payloads(target)["plain"]
    store, _, run_ids = experiment_store(tmp_path)
    path = spool.spool_dir(store) / f"{run_ids[0]}{spool.SUFFIX}"
    table = feather.read_table(path)
    meta = {k.decode(): json.loads(v) for k, v in table.schema.metadata.items()}
    if where == "run":
        meta["run"][name] = 1
    else:
        meta["crises"] = [{"step": 1, name: 1}]
    table = table.replace_schema_metadata({k: json.dumps(v) for k, v in meta.items()})
    feather.write_feather(table, path, compression="uncompressed")
    result = invoke("experiment", "summary", store, "--format", "json")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert not target.exists()
    (warning,) = warning_lines(result)
    assert str(path) in warning
    assert json.loads(result.stdout)["points"][0]["runs"] == len(run_ids) - 1
