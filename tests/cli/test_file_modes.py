"""Files a command writes get the mode the user's umask gives (0666 & ~umask), not the
0600 of the temporary file they are written through: CSV, Parquet, Stata, HTML and the
store itself."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from made_runs import store_run
from thermidor.cli import app
from thermidor.outputs import file_mode, umask, write_text
from thermidor.reports import html


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("modes") / "results.duckdb"
    return path, store_run(path)


def thermidor(mask: int, folder: Path, *args: str | Path) -> None:
    """``thermidor ARGS`` run in ``folder`` under umask ``mask`` (restored after)."""
    before = os.umask(mask)
    cwd = Path.cwd()
    try:
        os.chdir(folder)
        done = CliRunner().invoke(app, [str(a) for a in args])
    finally:
        os.chdir(cwd)
        os.umask(before)
    assert done.exit_code == 0, done.stderr


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600)])
def test_outputs_follow_the_umask(
    stored: tuple[Path, str], tmp_path: Path, mask: int, expected: int
) -> None:
    store, run_id = stored
    thermidor(mask, tmp_path, "show", run_id, "--store", store, "--out", "series.csv")
    thermidor(mask, tmp_path, "show", run_id, "--store", store, "--out", "series.parquet")
    thermidor(mask, tmp_path, "export", "--store", store, "--out", "long.dta")
    before = os.umask(mask)
    try:  # what `thermidor report` writes its page with (building one costs seconds)
        html.write_text(tmp_path / "run.html", "<html></html>")
    finally:
        os.umask(before)
    thermidor(mask, tmp_path, "run", "granovetter", "--steps", "3", "--store", "new.duckdb")
    for name in ("series.csv", "series.parquet", "long.dta", "run.html", "new.duckdb"):
        assert oct(mode(tmp_path / name)) == oct(expected), name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


def test_the_umask_is_read_without_changing_it(tmp_path: Path) -> None:
    before = os.umask(0o027)
    try:
        assert umask() == 0o027
        assert file_mode() == 0o640
        assert umask() == 0o027  # unchanged by reading it
        path = write_text(tmp_path / "note.txt", "text")
        assert mode(path) == 0o640
        assert path.read_text() == "text"
    finally:
        os.umask(before)
