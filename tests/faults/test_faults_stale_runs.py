"""Runs killed mid-way: ``thermidor runs STORE`` lists the runs of a store, and ``--stale``
marks failed the runs left ``running`` by a process that is gone, never a live one; a run
of another host only with ``--older-than``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from save_faults_support import (
    assert_whole,
    error_line,
    make_store,
    run_args,
    snapshot,
    start_thermidor,
    statuses,
    wait_stopped,
)
from typer.testing import CliRunner

from cli_support import assert_usage_error, one_json_line
from thermidor.cli import app
from thermidor.store import Store


def runs(store: Path, *options: str) -> list[dict[str, Any]]:
    """``thermidor runs STORE OPTIONS --format json``: its runs."""
    result = CliRunner().invoke(app, ["runs", str(store), *options, "--format", "json"])
    listed = one_json_line(result)
    assert listed["store"] == str(store.resolve())
    return listed["runs"]


@pytest.fixture
def stopped_run(tmp_path: Path):
    """A store with two finished runs and a ``thermidor run`` whose row is written and
    whose process is stopped before computing; killed at the end if still there."""
    store = tmp_path / "r.duckdb"
    previous = make_store(store)
    run = start_thermidor(*run_args(store), THERMIDOR_FAULT="run-computing:stop")
    wait_stopped(run)
    (run_id,) = set(statuses(store)) - set(previous)
    yield store, previous, run, run_id
    if run.poll() is None:
        run.kill()
        run.communicate()


def test_runs_lists_the_runs_of_a_store(stopped_run) -> None:
    store, previous, run, run_id = stopped_run
    listed = runs(store)
    assert [r["run_id"] for r in listed] == [*previous, run_id]  # oldest first
    mine = listed[-1]
    assert mine["status"] == "running"
    assert mine["pid"] == run.pid
    assert mine["stale"] is False  # its process is alive
    assert mine["scenario"] == "soviet-1917-1928"
    assert mine["seed"] == 0
    assert datetime.fromisoformat(mine["started"]) <= datetime.now(UTC).replace(tzinfo=None)
    assert all(r["status"] == "finished" and r["stale"] is None for r in listed[:-1])
    table = CliRunner().invoke(app, ["runs", str(store)])
    assert table.exit_code == 0, table.stderr
    assert run_id in table.stdout
    assert "3 run(s) in the store" in table.stdout


def test_a_live_run_is_not_marked(stopped_run) -> None:
    store, _, run, run_id = stopped_run
    assert runs(store, "--stale") == []
    assert statuses(store)[run_id] == "running"
    run.send_signal(signal.SIGCONT)
    stdout, stderr = run.communicate()
    assert run.returncode == 0, stderr
    assert json.loads(stdout.splitlines()[-1])["run_id"] == run_id
    assert statuses(store)[run_id] == "finished"
    assert runs(store, "--stale") == []


def test_a_killed_run_is_found_and_marked_failed(stopped_run) -> None:
    store, previous, run, run_id = stopped_run
    before = snapshot(store, previous)
    run.kill()  # kill -9 while it is 'running'
    run.communicate()
    assert run.returncode == -signal.SIGKILL

    shown = one_json_line(
        CliRunner().invoke(app, ["show", run_id, "--store", str(store), "--format", "json"])
    )
    assert shown["status"] == "running"
    assert shown["stale"] is True
    table = CliRunner().invoke(app, ["show", run_id, "--store", str(store)])
    assert "its process is gone" in " ".join(table.stdout.split())
    assert runs(store)[-1]["stale"] is True

    (marked,) = runs(store, "--stale")
    assert marked["run_id"] == run_id
    assert marked["status"] == "failed"
    assert marked["finished"] is not None
    assert statuses(store) == {**dict.fromkeys(previous, "finished"), run_id: "failed"}
    assert runs(store, "--stale") == []  # once
    assert snapshot(store, previous) == before
    assert_whole(store)


def _running(store: Path, **columns: object) -> str:
    """A run recorded as running by this process, its row then given ``columns``."""
    with Store(store) as opened:
        run_id = opened.start_run("toy", {}, seed=1, version="t", steps=3, members=10)
    with duckdb.connect(str(store)) as con:
        for name, value in columns.items():
            con.execute(f"UPDATE runs SET {name} = ? WHERE run_id = ?", [value, run_id])
    return run_id


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_stale_by_process_on_this_host(tmp_path: Path) -> None:
    store = tmp_path / "r.duckdb"
    alive = _running(store)  # this process
    dead = _running(store, pid=_dead_pid())
    # this process's pid, but the run started before this process existed: a reused pid
    reused = _running(store, started=datetime(2000, 1, 1))
    assert [r["run_id"] for r in runs(store, "--stale")] == [reused, dead]
    assert statuses(store) == {alive: "running", dead: "failed", reused: "failed"}


def test_a_run_of_another_host_needs_older_than(tmp_path: Path) -> None:
    store = tmp_path / "r.duckdb"
    now = datetime.now(UTC).replace(tzinfo=None)
    recent = _running(store, host="elsewhere", pid=_dead_pid())
    old = _running(store, host="elsewhere", started=now - timedelta(hours=3))
    unknown = _running(store, pid=None, host=None, started=now - timedelta(hours=4))
    listed = runs(store)
    assert [r["stale"] for r in listed] == [None, None, None]  # cannot be checked from here
    assert runs(store, "--stale") == []
    assert [r["run_id"] for r in runs(store, "--stale", "--older-than", "2")] == [unknown, old]
    assert statuses(store) == {recent: "running", old: "failed", unknown: "failed"}


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        (["--older-than", "2"], "--older-than 2: only with --stale"),
        (["--stale", "--older-than", "0"], "must be a number of hours > 0"),
        (["--stale", "--older-than", "nan"], "must be a number of hours > 0"),
    ],
)
def test_bad_options_are_usage_errors(tmp_path: Path, options: list[str], needle: str) -> None:
    store = tmp_path / "r.duckdb"
    make_store(store, seeds=(1,))
    before = store.read_bytes()
    assert_usage_error(CliRunner().invoke(app, ["runs", str(store), *options]), needle)
    assert store.read_bytes() == before


def test_a_missing_store_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    for options in ([], ["--stale"]):
        result = CliRunner().invoke(app, ["runs", str(missing), *options])
        assert_usage_error(result, f"no results store at {missing}")
        assert not missing.exists()


def test_runs_holds_its_process(tmp_path: Path) -> None:
    """What ``runs`` relies on: a run's row names the process and host that compute it."""
    store = tmp_path / "r.duckdb"
    run_id = _running(store)
    with Store(store, read_only=True) as opened:
        run = opened.get_run(run_id)
    assert run["pid"] == os.getpid()
    assert run["host"]


def test_a_live_run_marked_failed_by_mistake_is_still_kept(stopped_run) -> None:
    """Marked failed while it computes (``--older-than`` on another host, say): its save is
    refused, so the run is spooled, and the ingest replaces the failed row with it."""
    store, previous, run, run_id = stopped_run
    with Store(store) as opened:
        opened.fail_run(run_id)
    run.send_signal(signal.SIGCONT)
    stdout, stderr = run.communicate()
    assert run.returncode == 2, stderr
    assert stdout == ""
    line = error_line(stderr)
    assert f"run {run_id} is failed, not running" in line
    assert f"run {run_id} is kept in" in line
    listed = runs(store)
    assert {r["run_id"]: r["status"] for r in listed} == {
        **dict.fromkeys(previous, "finished"),
        run_id: "finished",
    }
    assert_whole(store)
