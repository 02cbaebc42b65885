"""What the fault tests of saving runs share: a store with finished runs made in-process,
``thermidor run`` in a child process, its store snapshot row for row, and the check that
no run in a store is half-written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from thermidor.model.run import run as simulate
from thermidor.scenarios import load_scenario
from thermidor.store import Store

SRC = Path(__file__).resolve().parents[2] / "src"
SCENARIO = "soviet-1917-1928"
SMALL = ("--set", "meta.members=200", "--set", "meta.steps=10")
STEPS = 10
PYTHON = sys.executable

# a child waits at this barrier (one line on stdin) with everything imported, so that the
# runs of a test start their work together
BARRIER = """
import sys
from thermidor.cli.main import app
import thermidor.experiments.spool, thermidor.model.run, thermidor.scenarios, thermidor.store
print("ready", flush=True)
sys.stdin.readline()
app(args=sys.argv[1:], prog_name="thermidor")
"""


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a child ``thermidor``: this source tree, none of the fault and
    wait variables of the caller unless given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("THERMIDOR_")}
    env.update(PYTHONPATH=str(SRC), OMP_WAIT_POLICY="PASSIVE", **extra)
    return env


def run_args(store: Path, seed: int = 0) -> list[str]:
    """``thermidor run`` of a small scenario into ``store``, as JSON."""
    return ["run", SCENARIO, *SMALL, "--seed", str(seed), "--store", str(store), "--format", "json"]


def thermidor(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m thermidor ARGS`` to its end."""
    return subprocess.run(
        [PYTHON, "-m", "thermidor", *args],
        env=child_env(**env),
        capture_output=True,
        text=True,
        check=False,
    )


def start_thermidor(*args: str, **env: str) -> subprocess.Popen[str]:
    """Start ``python -m thermidor ARGS``, its output piped."""
    return subprocess.Popen(
        [PYTHON, "-m", "thermidor", *args],
        env=child_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_stopped(process: subprocess.Popen[str]) -> None:
    """Wait until the child stops itself (``THERMIDOR_FAULT=point:stop``)."""
    _, status = os.waitpid(process.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), f"the child did not stop at its fault point ({status})"


def make_store(path: Path, seeds: tuple[int, ...] = (1, 2)) -> list[str]:
    """A store holding one finished run of the small scenario per seed; their ids."""
    scenario = load_scenario(SCENARIO, ["meta.members=200", f"meta.steps={STEPS}"])
    ids = []
    with Store(path) as store:
        for seed in seeds:
            run_id = store.start_run(
                scenario.meta.name,
                scenario.model_dump(mode="json"),
                seed=seed,
                version="test",
                steps=STEPS,
                members=200,
            )
            store.finish_run(run_id, simulate(scenario, seed))
            ids.append(run_id)
    return ids


def copy_store(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target


def rows(path: Path, table: str, run_ids: list[str]) -> list[tuple[str, ...]]:
    """The rows of ``table`` for ``run_ids``, in order, each value as its repr (so that NaN
    equals NaN)."""
    with duckdb.connect(str(path), read_only=True) as con:
        order = "run_id" if table == "runs" else "run_id, step"
        fetched = con.execute(
            f"SELECT * FROM {table} WHERE list_contains(?, run_id) ORDER BY {order}", [run_ids]
        ).fetchall()
    return [tuple(repr(value) for value in row) for row in fetched]


def snapshot(path: Path, run_ids: list[str]) -> dict[str, Any]:
    """Every row of ``run_ids`` in the three tables of runs."""
    return {table: rows(path, table, run_ids) for table in ("runs", "steps", "crises")}


def statuses(path: Path) -> dict[str, str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return dict(con.execute("SELECT run_id, status FROM runs").fetchall())


def assert_whole(path: Path) -> None:
    """No run is half-written: series and crises rows belong to finished runs only, and a
    finished run has one series row per step."""
    with duckdb.connect(str(path), read_only=True) as con:
        orphans = con.execute(
            "SELECT DISTINCT s.run_id FROM steps s LEFT JOIN runs r USING (run_id) "
            "WHERE r.status IS DISTINCT FROM 'finished' "
            "UNION SELECT DISTINCT c.run_id FROM crises c LEFT JOIN runs r USING (run_id) "
            "WHERE r.status IS DISTINCT FROM 'finished'"
        ).fetchall()
        short = con.execute(
            "SELECT r.run_id FROM runs r LEFT JOIN steps s USING (run_id) "
            "WHERE r.status = 'finished' GROUP BY r.run_id, r.steps "
            "HAVING count(s.step) <> r.steps"
        ).fetchall()
    assert orphans == [], f"series without a finished run: {orphans}"
    assert short == [], f"finished runs missing series rows: {short}"


def error_line(stderr: str) -> str:
    """The one ``error:`` line of a failed command (notes aside), with no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    assert all(line.startswith(("error: ", "note: ")) for line in lines), stderr
    return errors[0]
