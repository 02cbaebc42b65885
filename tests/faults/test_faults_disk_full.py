"""A save the file-size limit refuses (as a full disk would): the real error in one line,
exit 3, and a store that still opens with its previous rows untouched; the refused run is
finished whole (spooled, then ingested), or failed or running without series, never half
written.

The limit is ``RLIMIT_FSIZE`` in the child (SIGXFSZ ignored, so that writes fail with EFBIG
instead of killing it). Below one DuckDB block (256 KiB) no checkpoint can write the
database file, so every commit stays in the write-ahead log, whose sizes the test measures
first: after the run's start is recorded, and after the whole run. A limit between the two
lets the start through and refuses the commit of the series.
"""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from save_faults_support import (
    PYTHON,
    assert_whole,
    child_env,
    error_line,
    make_store,
    run_args,
    snapshot,
    statuses,
)
from typer.testing import CliRunner

from cli_support import one_json_line
from thermidor.cli import app
from thermidor.experiments import spool
from thermidor.store import Store

BELOW_A_BLOCK = 200_000  # bytes: no checkpoint fits, the log keeps every commit


def _limited(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _run_limited(store: Path, limit: int, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "thermidor", *run_args(store)],
        env=child_env(**env),
        preexec_fn=_limited(limit),  # the child's own limit, set before it runs
        capture_output=True,
        text=True,
        check=False,
    )


def _log_size(store: Path) -> int:
    log = Path(f"{store}.wal")
    return log.stat().st_size if log.exists() else 0


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("base") / "base.duckdb"
    return path, make_store(path)


def _copy(base: tuple[Path, list[str]], target: Path) -> Path:
    shutil.copyfile(base[0], target)
    return target


def _assert_refused_cleanly(
    done: subprocess.CompletedProcess[str], store: Path, previous: list[str], before: dict
) -> str:
    """Exit 3, one line naming the cause, the store opens with its old rows unchanged."""
    assert done.returncode == 3, done.stderr
    assert done.stdout == ""
    line = error_line(done.stderr)
    assert line.startswith("error: disk full or file-size limit: ")
    assert "File too large" in line
    assert "rollback" not in line.lower()
    with Store(store, read_only=True) as opened:
        assert {run["run_id"] for run in opened.list_runs()} >= set(previous)
    assert snapshot(store, previous) == before
    assert_whole(store)
    return line


def test_a_refused_commit_reports_the_cause_and_keeps_the_store(
    tmp_path: Path, base: tuple[Path, list[str]]
) -> None:
    _, previous = base
    started = _copy(base, tmp_path / "started.duckdb")
    killed = _run_limited(started, BELOW_A_BLOCK, THERMIDOR_FAULT="save-begun")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    after_start = _log_size(started)
    whole = _copy(base, tmp_path / "whole.duckdb")
    assert _run_limited(whole, BELOW_A_BLOCK).returncode == 0
    after_run = _log_size(whole)
    assert 0 < after_start < after_run < BELOW_A_BLOCK

    store = _copy(base, tmp_path / "full.duckdb")
    before = snapshot(store, previous)
    done = _run_limited(store, (after_start + after_run) // 2)
    line = _assert_refused_cleanly(done, store, previous, before)
    assert "cannot commit to results store" in line
    (run_id,) = set(statuses(store)) - set(previous)
    assert f"run {run_id} is " in line
    # the run was spooled if its file fitted, else marked failed (or left to --stale)
    listed = one_json_line(CliRunner().invoke(app, ["runs", str(store), "--format", "json"]))
    status = {run["run_id"]: run["status"] for run in listed["runs"]}[run_id]
    assert status == ("finished" if "is kept in" in line else "failed"), line
    assert spool.pending(store) == []
    assert snapshot(store, previous) == before
    assert_whole(store)


def test_a_refused_start_stores_nothing(tmp_path: Path, base: tuple[Path, list[str]]) -> None:
    _, previous = base
    store = _copy(base, tmp_path / "full.duckdb")
    before = snapshot(store, previous)
    done = _run_limited(store, 1_000)
    line = _assert_refused_cleanly(done, store, previous, before)
    assert "cannot record a run" in line
    assert set(statuses(store)) == set(previous)
