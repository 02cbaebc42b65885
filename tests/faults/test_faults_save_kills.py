"""``kill -9`` at named points of a save (``THERMIDOR_FAULT``, see ``store.fault_point``):
whatever the point, the store opens, its finished runs are unchanged row for row, and the
killed run is ``running`` without series (found by ``runs --stale``) or finished whole,
never half-written."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path
from typing import Any

import pytest
from save_faults_support import (
    SCENARIO,
    STEPS,
    assert_whole,
    make_store,
    run_args,
    snapshot,
    statuses,
    thermidor,
)
from typer.testing import CliRunner

from cli_support import one_json_line
from thermidor.cli import app
from thermidor.experiments import spool
from thermidor.model.results import Results
from thermidor.model.run import run as simulate
from thermidor.scenarios import load_scenario
from thermidor.store import Store

# the point, and the state the killed run is left in
POINTS = [
    ("run-computing", "running"),
    ("save-begun", "running"),
    ("save-steps-written", "running"),
    ("save-before-commit", "running"),
    ("save-committed", "finished"),
]


def runs(store: Path, *options: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(app, ["runs", str(store), *options, "--format", "json"])
    return one_json_line(result)["runs"]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("base") / "base.duckdb"
    return path, make_store(path)


@pytest.mark.parametrize(("point", "left"), POINTS)
def test_a_run_killed_inside_its_save_is_never_half_written(
    tmp_path: Path, base: tuple[Path, list[str]], point: str, left: str
) -> None:
    store = tmp_path / "r.duckdb"
    shutil.copyfile(base[0], store)
    previous = base[1]
    before = snapshot(store, previous)

    killed = thermidor(*run_args(store), THERMIDOR_FAULT=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "Traceback" not in killed.stderr

    with Store(store) as opened:  # opens for writing (replaying its log), then read-only
        opened.list_runs()
    with Store(store, read_only=True) as opened:
        listed = {run["run_id"]: run for run in opened.list_runs()}
    (run_id,) = set(listed) - set(previous)
    assert listed[run_id]["status"] == left
    assert snapshot(store, previous) == before
    assert_whole(store)
    if left == "finished":
        with Store(store, read_only=True) as opened:
            assert opened.series(run_id).num_rows == STEPS
        assert runs(store, "--stale") == []
    else:
        assert [run["run_id"] for run in runs(store, "--stale")] == [run_id]
        assert statuses(store)[run_id] == "failed"
    assert snapshot(store, previous) == before
    assert_whole(store)


def test_an_ingest_killed_after_its_commit_is_harmless(
    tmp_path: Path, base: tuple[Path, list[str]]
) -> None:
    """A run spooled because the store could not take it, ingested by the next ``thermidor
    run``, killed between its commit and the deletion of the file: stored once."""
    store = tmp_path / "r.duckdb"
    shutil.copyfile(base[0], store)
    previous = base[1]
    # a run that could not save: its row is running, its results in the spool
    row, results = _unsaved_run(store)
    spooled = row["run_id"]
    spool.write_run(store, row, results)
    before = snapshot(store, previous)

    killed = thermidor(*run_args(store), THERMIDOR_FAULT="ingest-committed")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert [path.stem for path in spool.pending(store)] == [spooled]  # not yet deleted
    assert statuses(store) == {**dict.fromkeys(previous, "finished"), spooled: "finished"}
    assert_whole(store)

    listed = runs(store)  # ingests the file again: skipped, then deleted
    assert [run["run_id"] for run in listed] == [*previous, spooled]
    assert spool.pending(store) == []
    with Store(store, read_only=True) as opened:
        assert opened.series(spooled).num_rows == STEPS
        assert opened.get_run(spooled)["pid"] == row["pid"]
    assert snapshot(store, previous) == before
    assert_whole(store)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names an fd through /proc")
def test_a_run_kept_in_the_spool_survives_a_power_cut(tmp_path: Path, monkeypatch) -> None:
    """``thermidor run``'s fallback is the only copy of its run: its file is synced before
    the rename that publishes it, and its folder after (an experiment's spool skips the
    folder, its runs being computed again on resume)."""
    import os  # noqa: PLC0415

    store = tmp_path / "r.duckdb"
    row, results = _unsaved_run(store)
    run_id = row["run_id"]
    events: list[tuple[str, str]] = []
    fsync, rename = os.fsync, os.replace

    def logged_fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        fsync(fd)

    def logged_replace(src: Any, dst: Any) -> None:
        events.append(("rename", str(dst)))
        rename(src, dst)

    monkeypatch.setattr(os, "fsync", logged_fsync)
    monkeypatch.setattr(os, "replace", logged_replace)
    kept = spool.write_run(store, row, results)
    folder = spool.spool_dir(store)
    published = events.index(("rename", str(kept)))
    assert ("fsync", str(folder / f".{run_id}.tmp")) in events[:published]
    assert ("fsync", str(folder)) in events[published:]


def _unsaved_run(store: Path) -> tuple[dict[str, Any], Results]:
    """A run of ``store`` recorded as running, and what it computed: one the store could
    not take, as ``thermidor run`` leaves it before spooling."""
    scenario = load_scenario(SCENARIO, ["meta.members=200", f"meta.steps={STEPS}"])
    with Store(store) as opened:
        run_id = opened.start_run(
            SCENARIO, scenario.model_dump(mode="json"), seed=5, version="t", steps=STEPS,
            members=200,
        )  # fmt: skip
        return opened.get_run(run_id), simulate(scenario, 5)
