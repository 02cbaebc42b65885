"""Runs sharing a store: each waits while another holds the file, so that every computed run
is saved; a run whose store stays locked past the wait is kept in the spool (exit 3, one
line saying where) and reaches the store with the next command that reads it."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest
from save_faults_support import (
    BARRIER,
    PYTHON,
    SCENARIO,
    STEPS,
    assert_whole,
    child_env,
    error_line,
    make_store,
    run_args,
    snapshot,
    start_thermidor,
    statuses,
    wait_stopped,
)
from typer.testing import CliRunner

from cli_support import one_json_line
from thermidor.cli import app
from thermidor.experiments import spool
from thermidor.model.run import run as simulate
from thermidor.scenarios import load_scenario
from thermidor.store import Store


def _together(store: Path, count: int) -> list[subprocess.CompletedProcess[str]]:
    """``count`` runs of ``thermidor run --store store``, released at once from a barrier."""
    children = [
        subprocess.Popen(
            [PYTHON, "-c", BARRIER, *run_args(store, seed)],
            env=child_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(count)
    ]
    for child in children:  # every child has imported everything and waits
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    done = []
    for child in children:
        stdout, stderr = child.communicate()
        done.append(subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr))
    return done


@pytest.mark.parametrize(
    ("count", "repeat"),
    [
        (3, 1),
        pytest.param(3, 4, marks=pytest.mark.slow),
        pytest.param(6, 1, marks=pytest.mark.slow),
    ],
)
def test_simultaneous_runs_on_one_store_are_all_saved(
    tmp_path: Path, count: int, repeat: int
) -> None:
    for attempt in range(repeat):
        store = tmp_path / f"shared{attempt}.duckdb"
        done = _together(store, count)
        for child in done:
            assert child.returncode == 0, child.stderr
            assert "Traceback" not in child.stderr
        ids = [json.loads(child.stdout.splitlines()[-1])["run_id"] for child in done]
        assert statuses(store) == dict.fromkeys(ids, "finished")
        assert_whole(store)
        assert spool.pending(store) == []


def test_a_store_locked_past_the_wait_keeps_the_run_in_the_spool(tmp_path: Path) -> None:
    store = tmp_path / "locked.duckdb"
    previous = make_store(store)
    before = snapshot(store, previous)
    # the run records its start, then stops itself before computing
    run = start_thermidor(
        *run_args(store), THERMIDOR_FAULT="run-computing:stop", THERMIDOR_STORE_WAIT="0.2"
    )
    wait_stopped(run)
    (run_id,) = set(statuses(store)) - set(previous)
    # another process takes the store and holds it until the run has given up
    holder = subprocess.Popen(
        [PYTHON, "-c", "import duckdb, sys\n"
         f"con = duckdb.connect({str(store)!r})\n"
         "print('held', flush=True)\nsys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n"
    run.send_signal(signal.SIGCONT)
    stdout, stderr = run.communicate()
    holder.communicate("done\n")

    assert run.returncode == 3, stderr
    assert stdout == ""
    line = error_line(stderr)
    kept = spool.spool_dir(store) / f"{run_id}.arrow"
    assert "locked" in line
    assert f"run {run_id} is kept in {kept}" in line
    assert kept.is_file()
    assert statuses(store)[run_id] == "running"  # until a command ingests the spool

    shown = one_json_line(
        CliRunner().invoke(app, ["show", run_id, "--store", str(store), "--format", "json"])
    )
    assert shown["status"] == "finished"
    assert shown["steps"] == STEPS
    assert shown["final"]["participation"] is not None
    assert not kept.exists()
    listed = one_json_line(CliRunner().invoke(app, ["runs", str(store), "--format", "json"]))
    assert {r["run_id"]: r["status"] for r in listed["runs"]} == {
        **dict.fromkeys(previous, "finished"),
        run_id: "finished",
    }
    assert snapshot(store, previous) == before
    assert_whole(store)


def test_a_spooled_run_replaces_its_unfinished_row_whole(tmp_path: Path) -> None:
    """The row a run left ``running`` (or that ``runs --stale`` marked ``failed``) is
    replaced by the spooled run; a finished run is never replaced."""
    store = tmp_path / "s.duckdb"
    (finished,) = make_store(store, seeds=(1,))
    with Store(store) as opened:
        done = opened.get_run(finished)
        running = opened.start_run("toy", {"a": 1}, seed=7, version="t", steps=3, members=9)
        failed = opened.start_run("toy", {"a": 2}, seed=8, version="t", steps=3, members=9)
        opened.fail_run(failed)
        rows = {run_id: opened.get_run(run_id) for run_id in (running, failed)}
    before = snapshot(store, [finished])
    results = simulate(load_scenario(SCENARIO, ["meta.members=200", f"meta.steps={STEPS}"]), 3)
    for run_id in (running, failed):
        spool.write_run(store, rows[run_id], results)
    spool.write_run(store, done, results)  # a stray copy of a finished run: ignored
    with Store(store) as opened:
        assert spool.settle_into(opened) == 2  # the finished copy is skipped
        for run_id in (running, failed):
            run = opened.get_run(run_id)
            assert run["status"] == "finished"
            assert run["params"] == rows[run_id]["params"]
            assert run["started"] == rows[run_id]["started"]
            assert (run["pid"], run["host"]) == (rows[run_id]["pid"], rows[run_id]["host"])
            assert opened.series(run_id).num_rows == STEPS
    assert snapshot(store, [finished]) == before
    assert spool.pending(store) == []
    assert_whole(store)
