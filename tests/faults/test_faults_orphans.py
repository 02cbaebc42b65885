"""An experiment's workers end with it: ``kill -9`` or SIGTERM of ``thermidor experiment run``
leaves no worker process nor multiprocessing resource tracker behind, SIGTERM exits 143 with no
traceback, and running the experiment again gives what an uninterrupted run stores."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import select
import selectors
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil
import pytest

from experiment_support import contents, same, write
from thermidor.experiments import load_experiment, run_experiment
from thermidor.experiments.executors import _start_worker

SRC = Path(__file__).resolve().parents[2] / "src"
DEADLINE = 300  # seconds: only a guard against a hung command, never what a test waits for
GONE_WITHIN = 60  # seconds: the failure limit for the workers to end, never a signal

SMALL = """
name = "orphans"
scenario = "soviet-1917-1928"
seeds = 3
steps = 20
members = 300
metrics = ["control_index"]

[[parameters]]
name = "institutions.nominated_share"
values = [0.0, 0.5, 1.0]
"""
RUNS = 9

# `thermidor ...` that prints "held" on stdout once its first run is spooled (the store open,
# the workers started and busy with the next runs) and waits there to be signalled: the test
# synchronises on that line, never on a time.
_HOLDING = """
import signal, sys

from thermidor.experiments import spool

spooled, write = 0, spool.write

def write_then_hold(*args, **kwargs):
    global spooled
    write(*args, **kwargs)
    spooled += 1
    if spooled == 1:
        print("held", flush=True)
        signal.pause()

spool.write = write_then_hold
from thermidor.cli import app
app()
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))
    return env


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _survivors(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``processes`` still running once all have ended or GONE_WITHIN has passed.

    Each is waited for on its pidfd, which the kernel makes readable when the process
    exits: an event, not a poll; GONE_WITHIN only bounds a wait for one that never ends."""
    watched: dict[int, psutil.Process] = {}
    for process in processes:
        try:
            watched[os.pidfd_open(process.pid)] = process
        except ProcessLookupError:
            continue  # gone already
    try:
        with selectors.DefaultSelector() as selector:
            for fd in watched:
                selector.register(fd, selectors.EVENT_READ)
            limit = time.monotonic() + GONE_WITHIN
            waiting = set(watched)
            while waiting and (left := limit - time.monotonic()) > 0:
                for key, _ in selector.select(timeout=left):
                    selector.unregister(key.fd)
                    waiting.discard(key.fd)
    finally:
        for fd in watched:
            os.close(fd)
    return [p for p in processes if _running(p)]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    """The store's contents after the experiment ran without interruption."""
    folder = tmp_path_factory.mktemp("whole")
    store = folder / "whole.duckdb"
    run_experiment(load_experiment(write(folder, SMALL)), workers=2, store_path=str(store))
    return contents(store)


@pytest.mark.slow  # ~25 s each on the shared 2-core machine
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_the_workers_end_with_a_killed_experiment_which_then_resumes(
    tmp_path: Path, uninterrupted: dict[str, list[tuple]], signum: signal.Signals
) -> None:
    file = write(tmp_path, SMALL)
    store = tmp_path / "killed.duckdb"
    args = ["experiment", "run", str(file), "--store", str(store), "--workers", "2"]
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as stderr:
        command = subprocess.Popen(
            [sys.executable, "-c", _HOLDING, *args],
            stdout=subprocess.PIPE,
            stderr=stderr,  # a file: a worker left running would hold a pipe open
            text=True,
            env=_env(),
            start_new_session=True,  # its own group, to clean up whatever the test leaves
        )
    try:
        assert command.stdout is not None
        ready, _, _ = select.select([command.stdout], [], [], DEADLINE)
        assert ready, f"no line on stdout within {DEADLINE} s"
        assert command.stdout.readline() == "held\n", errors.read_text()
        family = psutil.Process(command.pid).children(recursive=True)
        workers = [p for p in family if "spawn_main" in " ".join(p.cmdline())]
        assert len(workers) == 2, [p.cmdline() for p in family]  # and the resource tracker

        os.kill(command.pid, signum)
        status = command.wait(timeout=DEADLINE)
        left = _survivors(family)
        assert not left, [(p.pid, p.cmdline()) for p in left]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(command.pid, signal.SIGKILL)
        command.wait()

    stderr_text = errors.read_text()
    assert "Traceback" not in stderr_text
    assert status == (143 if signum == signal.SIGTERM else -signal.SIGKILL), stderr_text

    resumed = subprocess.run(
        [sys.executable, "-c", "from thermidor.cli import app; app()", *args, "--format", "json"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=DEADLINE,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert (report["runs"], report["computed"]) == (RUNS, RUNS - 1)  # the spooled run kept
    same(contents(store), uninterrupted)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's death signal")
def test_a_worker_outlives_the_thread_that_started_it() -> None:
    """Linux signals a child when the *thread* that started it ends: a pool started from a
    thread that then ends keeps its workers while the process lives."""
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )
    try:
        started: dict[str, int] = {}

        def start() -> None:
            started["thread"] = threading.get_native_id()
            started["worker"] = pool.submit(os.getpid).result(timeout=DEADLINE)

        thread = threading.Thread(target=start)
        thread.start()
        thread.join()
        # the kernel signals the worker as the thread exits, before its /proc entry goes
        task = Path(f"/proc/self/task/{started['thread']}")
        limit = time.monotonic() + GONE_WITHIN
        while task.exists() and time.monotonic() < limit:
            time.sleep(0.01)
        assert not task.exists()
        assert pool.submit(os.getpid).result(timeout=DEADLINE) == started["worker"]
    finally:
        pool.shutdown()
