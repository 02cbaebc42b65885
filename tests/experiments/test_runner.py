"""Experiments: a sweep stores what `thermidor run` computes, bit for bit; runs already in the
store are reused; a killed experiment resumes to the contents of an uninterrupted one; a second
writer is refused; bad files and arguments are one-line errors that write nothing."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner, Result

from cli_support import assert_usage_error, one_json_line
from experiment_support import SWEEP, contents, same, write
from thermidor.cli import app
from thermidor.experiments import load_experiment, results_frame, run_experiment
from thermidor.experiments.design import points
from thermidor.experiments.runner import point_overrides
from thermidor.experiments.spool import pending, settle
from thermidor.scenarios import load_scenario
from thermidor.store import Store

SRC = Path(__file__).resolve().parents[2] / "src"
runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


@pytest.mark.slow  # ~64 s on the shared 2-core machine
def test_a_sweep_stores_what_thermidor_run_computes_bit_for_bit(tmp_path):
    experiment = load_experiment(write(tmp_path, SWEEP))
    store = tmp_path / "sweep.duckdb"
    run_experiment(experiment, workers=2, store_path=str(store))
    frame = results_frame(str(store))
    assert len(frame) == 4 * 2
    assert set(frame["seed"]) == {3, 4}
    single = tmp_path / "single.duckdb"
    with Store(store, read_only=True) as db:
        for row in frame.to_dict("records"):
            nominated = row["institutions.nominated_share"]
            cap = row["institutions.privilege_cap"]
            settings = ["education.intensity=0.2", f"institutions.nominated_share={nominated}"]
            settings.append(f"institutions.privilege_cap={cap}")
            args = ["run", "soviet-1917-1928", "--seed", str(row["seed"]), "--members", "300"]
            args += ["--steps", "40", "--store", str(single), "--format", "json"]
            args += [item for s in settings for item in ("--set", s)]
            alone = one_json_line(invoke(*args))
            with Store(single, read_only=True) as other:
                expected = other.series(alone["run_id"])
                stored = db.get_run(row["run_id"])
                assert other.get_run(alone["run_id"])["params"] == stored["params"]
            got = db.series(row["run_id"])
            assert got.column_names == expected.column_names
            for name in got.column_names:
                np.testing.assert_array_equal(
                    got[name].to_numpy(zero_copy_only=False),
                    expected[name].to_numpy(zero_copy_only=False),
                )
            assert alone["thermidor_step"] == stored["thermidor_step"]


@pytest.mark.slow  # ~40 s on the shared 2-core machine
def test_runs_already_in_the_store_are_linked_not_computed(tmp_path):
    store = tmp_path / "shared.duckdb"
    single = ["run", "soviet-1917-1928", "--seed", "3", "--members", "300", "--steps", "40"]
    fixed = ["--set", "education.intensity=0.2", "--set", "institutions.nominated_share=0.0"]
    fixed += ["--set", "institutions.privilege_cap=2.0"]
    alone = one_json_line(invoke(*single, *fixed, "--store", str(store), "--format", "json"))
    into = ["--store", str(store), "--workers", "2", "--format", "json"]
    result = one_json_line(invoke("experiment", "run", str(write(tmp_path, SWEEP)), *into))
    assert (result["runs"], result["computed"], result["reused"]) == (8, 7, 1)
    frame = results_frame(str(store))
    first = frame[(frame["point"] == 0) & (frame["seed"] == 3)]
    assert list(first["run_id"]) == [alone["run_id"]]
    # a second experiment sharing half of the points computes only the other half
    wider = SWEEP.replace("values = [0.0, 1.0]", "values = [1.0, 0.5]").replace(
        'name = "sweep"', 'name = "wider"'
    )
    again = one_json_line(
        invoke("experiment", "run", str(write(tmp_path, wider, "wider.toml")), *into)
    )
    assert (again["runs"], again["computed"], again["reused"]) == (8, 4, 4)
    # and the same experiment run again computes nothing
    last = one_json_line(invoke("experiment", "run", str(write(tmp_path, SWEEP)), *into))
    assert (last["computed"], last["reused"]) == (0, 8)
    with Store(store, read_only=True) as db:
        assert len(db.list_runs()) == 1 + 7 + 4


KILLABLE = """
name = "killable"
scenario = "soviet-1917-1928"
seeds = 4
steps = 60
members = 400
metrics = ["control_index"]

[[parameters]]
name = "institutions.nominated_share"
range = {start = 0.0, stop = 1.0, num = 8}
"""


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from thermidor.cli import app; app()", *args]


# `thermidor experiment ...` stopped right after its AFTER-th run is spooled (whole on disk,
# the store open and locked, the workers busy with the next runs): "kill" SIGKILLs the
# command and its workers at once, "hold" prints "held" on stdout and waits to be killed.
# The stop is a count of stored runs, never a time, so it lands at the same point of the
# experiment on any machine (as the Dying store of test_store does for one run).
_STOPPING = """
import os, signal, sys

from thermidor.experiments import spool

assert os.getpgrp() == os.getpid(), "start me with start_new_session=True"
AFTER, MODE = int(sys.argv.pop(1)), sys.argv.pop(1)
spooled, write = 0, spool.write

def write_then_stop(*args, **kwargs):
    global spooled
    write(*args, **kwargs)
    spooled += 1
    if spooled == AFTER:
        if MODE == "kill":
            os.killpg(os.getpgrp(), signal.SIGKILL)
        print("held", flush=True)
        signal.pause()

spool.write = write_then_stop
from thermidor.cli import app
app()
"""


def _stopping(after: int, mode: str, *args: str) -> list[str]:
    return [sys.executable, "-c", _STOPPING, str(after), mode, *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))
    return env


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


DEADLINE = 300  # seconds: only a guard against a hung command, never what the test waits for


def _first_line(proc: subprocess.Popen) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], DEADLINE)
    assert ready, f"no line on stdout within {DEADLINE} s"
    return proc.stdout.readline()


@pytest.mark.slow  # ~73 s on the shared 2-core machine
def test_a_killed_experiment_resumes_to_the_uninterrupted_contents(tmp_path):
    file = write(tmp_path, KILLABLE)
    whole, killed = tmp_path / "whole.duckdb", tmp_path / "killed.duckdb"
    run_experiment(load_experiment(file), workers=2, store_path=str(whole))
    total, stored = 32, 6

    args = ("experiment", "run", str(file), "--store", str(killed), "--workers", "2")
    proc = subprocess.Popen(
        _stopping(stored, "kill", *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=DEADLINE)
    finally:
        _kill_group(proc)
    assert proc.returncode == -signal.SIGKILL, (out, err)  # killed, not finished

    assert pending(killed), "the runs stored since the last ingest wait in the spool"
    settle(killed)  # as the read commands do
    assert not pending(killed)
    with Store(killed, read_only=True) as db:
        kept = [r for r in db.list_runs() if r["status"] == "finished"]
    assert len(kept) == stored < total  # the runs spooled before the kill, and only those
    resumed = subprocess.run(
        _cli("experiment", "run", str(file), "--store", str(killed), "--format", "json"),
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
        timeout=DEADLINE,
    )
    assert f'"computed": {total - stored}' in resumed.stdout, resumed.stdout
    same(contents(killed), contents(whole))


def test_a_second_writer_is_refused_with_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("THERMIDOR_STORE_WAIT", "0")  # the lock is held until the test ends
    file = write(tmp_path, KILLABLE)
    store = tmp_path / "busy.duckdb"
    args = ("experiment", "run", str(file), "--store", str(store), "--workers", "1")
    first = subprocess.Popen(
        _stopping(1, "hold", *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,  # a few progress lines at most: the pipe never fills
        text=True,
        env=_env(),
        start_new_session=True,
    )
    try:
        # waits for the first run to be stored: the store is open and locked, and stays so
        if _first_line(first) != "held\n":
            first.wait()
            pytest.fail(f"the first writer ended before a run: {first.stderr.read()}")
        other = write(tmp_path, SWEEP, "other.toml")
        result = invoke("experiment", "run", str(other), "--store", str(store))
        # still locked after the (bounded) wait: the environment's fault, exit 3, one line
        assert result.exit_code == 3, (result.stdout, result.stderr)
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("error: ")
        assert str(store) in line
        assert "locked by another process" in line
    finally:
        _kill_group(first)


BAD = {
    "malformed": ("name = ", "malformed TOML"),
    "unknown key": (SWEEP + "\ncolour = 1\n", "colour"),
    "unknown parameter": (
        SWEEP.replace("institutions.privilege_cap", "institutions.privilege_hat"),
        "privilege_hat",
    ),
    "value out of range": (SWEEP.replace("values = [0.0, 1.0]", "values = [0.0, 2.0]"), "2.0"),
    "unknown metric": (SWEEP.replace('"participation"', '"happiness"'), "happiness"),
    "sobol not a power of 2": (
        SWEEP.replace("values = [0.0, 1.0]", "low = 0.0\nhigh = 1.0").replace(
            "range = {start = 2.0, stop = 4.0, num = 2}", "low = 2.0\nhigh = 4.0"
        )
        + '\n[design]\nkind = "sobol"\nsamples = 12\n',
        "power of 2",
    ),
    "grid bounds": (SWEEP.replace("values = [0.0, 1.0]", "low = 0.0\nhigh = 1.0"), "grid"),
    "no parameters": (SWEEP.split("[[parameters]]", maxsplit=1)[0], "parameters"),
    "unknown scenario": (SWEEP.replace("soviet-1917-1928", "atlantis"), "atlantis"),
    "unknown event id": (
        SWEEP.replace("set = [", 'without = ["lenin"]\nset = ['),
        "no shock or intervention has id 'lenin'; known ids: demobilisation-1918,",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_experiment_file_is_one_line_exit_2_and_writes_nothing(tmp_path, case):
    text, needle = BAD[case]
    store = tmp_path / "untouched.duckdb"
    result = invoke("experiment", "run", str(write(tmp_path, text)), "--store", str(store))
    assert_usage_error(result, needle)
    assert not store.exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--workers", "0"], "--workers"),
        (["--address", "127.0.0.1:1"], "--address"),
        (["--executor", "spark"], "spark"),
    ],
)
def test_bad_arguments_are_exit_2_and_write_nothing(tmp_path, args, needle):
    store = tmp_path / "untouched.duckdb"
    result = invoke("experiment", "run", str(write(tmp_path, SWEEP)), "--store", str(store), *args)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert not store.exists()


def test_a_missing_file_and_store_are_one_line_errors(tmp_path):
    assert_usage_error(invoke("experiment", "run", str(tmp_path / "none.toml")), "none.toml")
    assert_usage_error(invoke("experiment", "summary", str(tmp_path / "none.duckdb")), "none")


def test_sampling_designs_give_the_same_points_every_time(tmp_path):
    text = (
        SWEEP.replace("values = [0.0, 1.0]", "low = 0.0\nhigh = 1.0").replace(
            "range = {start = 2.0, stop = 4.0, num = 2}", "low = 2.0\nhigh = 4.0\ninteger = true"
        )
        + '\n[design]\nkind = "latin"\nsamples = 7\nseed = 5\n'
    )
    experiment = load_experiment(write(tmp_path, text))
    first, second = points(experiment), points(experiment)
    assert first == second
    assert len(first) == 7
    for point in first:
        assert 0.0 <= point["institutions.nominated_share"] <= 1.0
        assert point["institutions.privilege_cap"] in (2, 3, 4)


def test_without_leaves_an_event_out_of_every_run_and_knobs_hold(tmp_path):
    text = SWEEP.replace("set = [", 'without = ["lenin-enrolment-1924", "purge-1921"]\nset = [')
    experiment = load_experiment(write(tmp_path, text))
    assert experiment.identity() != load_experiment(write(tmp_path, SWEEP, "b.toml")).identity()
    for point in points(experiment):
        resolved = load_scenario(experiment.scenario, list(point_overrides(experiment, point)))
        ids = [e.id for e in resolved.events()]
        assert "lenin-enrolment-1924" not in ids
        assert "purge-1921" not in ids
        held = {(r.by, r.event.kind) for r in resolved.suppressed}
        # the varying knobs hold: the scenario's nominations and party maxima do not run
        assert held == {
            ("--without", "recruitment"),
            ("--without", "purge"),
            ("institutions.nominated_share", "nominate"),
            ("institutions.privilege_cap", "cap_privilege"),
        }
        assert not [i for i in resolved.interventions if i.kind in {"nominate", "cap_privilege"}]
