"""A bad file in the spool costs its run, never the store: whatever the damage (zero bytes,
truncated, random bytes, an Arrow file of another schema), every command that ingests moves
the file to ``STORE.spool/quarantine/`` (never deleted, byte for byte), names it in one
``warning:`` line, and goes on with the other runs. The program never spools a run it could
not ingest (a seed beyond the store's BIGINT), and a spool file is on disk before its name."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pytest
from pyarrow import feather
from storeread_support import (
    SEEDS,
    experiment_store,
    invoke,
    outcome,
    warning_lines,
)

from thermidor.experiments import spool
from thermidor.store import Store, StoreError

MAX_SEED = 2**63 - 1  # the largest seed the store's BIGINT column holds


def _zero_length(good: bytes) -> bytes:
    return b""


def _truncated(good: bytes) -> bytes:
    return good[: len(good) // 2]


def _random(good: bytes) -> bytes:
    return os.urandom(len(good))


def _other_schema(good: bytes) -> bytes:
    sink = pa.BufferOutputStream()
    feather.write_feather(pa.table({"a": [1, 2, 3]}), sink, compression="uncompressed")
    return sink.getvalue().to_pybytes()


DAMAGE = {
    "zero-length": _zero_length,
    "truncated": _truncated,
    "random bytes": _random,
    "another schema": _other_schema,
}


def _damage(store: Path, run_id: str, how: str) -> tuple[Path, bytes]:
    """Damage one spooled run's file in place; return it and its bytes now."""
    path = spool.spool_dir(store) / f"{run_id}{spool.SUFFIX}"
    data = DAMAGE[how](path.read_bytes())
    path.write_bytes(data)
    return path, data


def _commands(store: Path, eid: str, good: str, folder: Path) -> dict[str, list[str]]:
    return {
        "show": ["show", good, "--store", str(store), "--format", "json"],
        "experiment list": ["experiment", "list", str(store), "--format", "json"],
        "experiment summary": ["experiment", "summary", str(store), "--format", "json"],
        "report": ["report", good, "--store", str(store), "--out", str(folder / "r.html")],
        "experiment run": ["experiment", "run", str(folder / "exp.toml"), "--store", str(store)],
    }


def _assert_quarantined(store: Path, bad: Path, data: bytes, result) -> None:
    """Moved aside whole, named in one warning line, gone from the spool, not deleted."""
    kept = spool.spool_dir(store) / spool.QUARANTINE / bad.name
    assert kept.read_bytes() == data
    assert not bad.exists()
    (warning,) = warning_lines(result)
    assert str(bad) in warning
    assert str(kept) in warning
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("how", list(DAMAGE))
@pytest.mark.parametrize(
    "command", ["show", "experiment list", "experiment summary", "report", "experiment run"]
)
def test_a_bad_spool_file_is_quarantined_and_the_others_read(tmp_path, how, command):
    store, eid, run_ids = experiment_store(tmp_path, toml=tmp_path / "exp.toml")
    bad, data = _damage(store, run_ids[0], how)
    result = invoke(*_commands(store, eid, run_ids[1], tmp_path)[command])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    _assert_quarantined(store, bad, data, result)
    assert spool.pending(store) == []
    with Store(store, read_only=True) as db:
        finished = {r["run_id"] for r in db.list_runs() if r["status"] == "finished"}
    if command == "experiment run":  # the quarantined run is computed again: nothing lost
        assert finished > set(run_ids[1:])
        assert len(finished) == SEEDS
    else:
        assert finished == set(run_ids[1:])  # the other runs, whole
    # the next reader has nothing more to say
    again = invoke(*_commands(store, eid, run_ids[1], tmp_path)["show"])
    assert again.exit_code == 0
    assert warning_lines(again) == []


def test_the_summary_counts_the_runs_that_were_ingested(tmp_path):
    store, eid, run_ids = experiment_store(tmp_path)
    _damage(store, run_ids[2], "truncated")
    result = invoke("experiment", "summary", str(store), "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["experiment_id"] == eid
    assert summary["points"][0]["runs"] == SEEDS - 1


def _rewrite(path: Path, **changes) -> bytes:
    """A spool file with its columns or metadata changed (a crafted or foreign file)."""
    table = feather.read_table(path)
    meta = {k.decode(): json.loads(v) for k, v in table.schema.metadata.items()}
    columns = {name: table.column(name) for name in table.column_names}
    columns.update(changes.pop("columns", {}))
    meta.update(changes)
    table = pa.table(columns).replace_schema_metadata(
        {key: json.dumps(value) for key, value in meta.items()}
    )
    feather.write_feather(table, path, compression="uncompressed")
    return path.read_bytes()


def _run_row(path: Path) -> dict:
    return json.loads(feather.read_table(path).schema.metadata[b"run"])


SPOILT = {
    "a seed beyond BIGINT": lambda p: {"run": {**_run_row(p), "seed": MAX_SEED + 1}},
    "a negative seed": lambda p: {"run": {**_run_row(p), "seed": -1}},
    "a missing scenario": lambda p: {"run": {**_run_row(p), "scenario": None}},
    "a timestamp that is not one": lambda p: {"run": {**_run_row(p), "started": "yesterday"}},
    "an unknown run column": lambda p: {"run": {**_run_row(p), "colour": "red"}},
    "another run's id": lambda p: {"run": {**_run_row(p), "run_id": "run000000002"}},
    "an unknown crisis key": lambda p: {"crises": [{"step": 1, "colour": 2}]},
    "a crisis without a step": lambda p: {"crises": [{"mobilised": 0.1}]},
    "a link to another run": lambda p: {"links": [["e", 0, 0, "run000000002"]]},
    "a link with a text seed": lambda p: {"links": [["e", 0, "0", p.stem]]},
    "links not a list": lambda p: {"links": {"a": 1}},
    "a series of text": lambda p: {"columns": {"gini": pa.array(["x"] * 6)}},
    "a missing step": lambda p: {"columns": {"step": pa.array([None] * 6, pa.int32())}},
    "rows of another run": lambda p: {"columns": {"run_id": pa.array(["other"] * 6)}},
}


@pytest.mark.parametrize("how", list(SPOILT))
def test_a_spool_file_that_does_not_fit_the_store_is_quarantined(tmp_path, how):
    store, _, run_ids = experiment_store(tmp_path)
    bad = spool.spool_dir(store) / f"{run_ids[0]}{spool.SUFFIX}"
    data = _rewrite(bad, **SPOILT[how](bad))
    result = invoke("show", run_ids[1], "--store", str(store), "--format", "json")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    _assert_quarantined(store, bad, data, result)
    with Store(store, read_only=True) as db:
        assert {r["run_id"] for r in db.list_runs()} == set(run_ids[1:])


def test_a_second_bad_file_of_the_same_name_is_kept_beside_the_first(tmp_path):
    store, eid, run_ids = experiment_store(tmp_path)
    first, first_data = _damage(store, run_ids[0], "zero-length")
    assert invoke("experiment", "list", str(store)).exit_code == 0
    spool.write(store, run_ids[0], outcome(0), eid, [(0, 0)])
    _, second_data = _damage(store, run_ids[0], "truncated")
    result = invoke("experiment", "list", str(store))
    assert result.exit_code == 0, result.stderr
    quarantine = spool.spool_dir(store) / spool.QUARANTINE
    assert (quarantine / first.name).read_bytes() == first_data
    assert (quarantine / f"{first.name}.1").read_bytes() == second_data
    assert len(warning_lines(result)) == 1


def test_a_bad_file_that_cannot_be_moved_is_left_and_the_others_read(tmp_path):
    store, _, run_ids = experiment_store(tmp_path)
    bad, data = _damage(store, run_ids[0], "random bytes")
    (spool.spool_dir(store) / spool.QUARANTINE).write_text("a file where the folder would go")
    result = invoke("show", run_ids[1], "--store", str(store), "--format", "json")
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert bad.read_bytes() == data  # left where it was, whole
    (warning,) = warning_lines(result)
    assert str(bad) in warning
    assert "left" in warning


def test_a_seed_the_store_cannot_hold_is_refused_before_it_is_spooled(tmp_path):
    store, eid, _ = experiment_store(tmp_path)
    before = spool.pending(store)
    with pytest.raises(StoreError, match=str(MAX_SEED + 1)):
        spool.write(store, "toolarge0001", outcome(MAX_SEED + 1), eid, [(0, MAX_SEED + 1)])
    assert spool.pending(store) == before
    assert not any(spool.spool_dir(store).glob(".*.tmp"))


def test_the_largest_seed_spools_and_ingests(tmp_path):
    store, eid, _ = experiment_store(tmp_path)
    spool.write(store, "largest00001", outcome(MAX_SEED), eid, [(0, MAX_SEED)])
    spool.settle(store)
    assert spool.pending(store) == []
    with Store(store, read_only=True) as db:
        assert db.get_run("largest00001")["seed"] == MAX_SEED
        links = db.connection.execute(
            "SELECT seed FROM experiment_runs WHERE run_id = 'largest00001'"
        ).fetchall()
    assert links == [(MAX_SEED,)]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names an fd through /proc")
def test_a_spool_file_is_on_disk_before_its_name_is(tmp_path, monkeypatch):
    store, eid, _ = experiment_store(tmp_path)
    events: list[tuple[str, str]] = []
    fsync, rename = os.fsync, os.replace

    def logged_fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        fsync(fd)

    def logged_replace(src, dst) -> None:
        events.append(("rename", str(dst)))
        rename(src, dst)

    monkeypatch.setattr(os, "fsync", logged_fsync)
    monkeypatch.setattr(os, "replace", logged_replace)
    spool.write(store, "durable00001", outcome(7), eid, [(0, 7)])
    folder = spool.spool_dir(store)
    final = folder / "durable00001.arrow"
    published = events.index(("rename", str(final)))
    assert ("fsync", str(folder / ".durable00001.tmp")) in events[:published]  # the bytes
    # an experiment's run lost with its name is computed again: its folder is not synced
    assert ("fsync", str(folder)) not in events
