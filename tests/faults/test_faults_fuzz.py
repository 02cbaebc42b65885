"""Fuzz of the command line and of the files it reads: whatever the arguments or the file,
a command exits 0, 2 (the input) or 3 (the environment), and when it fails it says so in
exactly one ``error:`` line (or click's own usage error, also exit 2), never a traceback.

The commands run in process (``typer.testing.CliRunner``), each example in a fresh working
folder, so that whatever a command writes lands there. What would run a simulation is kept
tiny (``--steps 3 --members 100`` come last and win; a sweep gets one legislature of one
point), and experiment files are only run when they fail validation, so the fuzz spends its
time on input, not on simulating. 100 examples per test by default (seconds);
``THERMIDOR_FUZZ_EXAMPLES=2000`` hunts longer.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from cli_support import one_json_line
from experiment_support import TINY, InProcess
from strategies import (
    hostile_numbers,
    hostile_overrides,
    hostile_paths,
    hostile_text,
    toml_document,
    toml_files,
)
from support import SMALL
from thermidor.cli import app
from thermidor.experiments.runner import run_experiment
from thermidor.experiments.spec import Experiment, ExperimentError, load_experiment
from thermidor.model.scenario import Scenario
from thermidor.scenarios import ScenarioError, load_scenario

# examples are few and slow-ish (a command, sometimes a tiny run): no deadline, no speed checks
FUZZ = settings(
    max_examples=int(os.environ.get("THERMIDOR_FUZZ_EXAMPLES", "100")),  # more to hunt crashes
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# placeholders the strategies draw, replaced by the module's real store, ids and bad files
STORE, RUN, EXPERIMENT = "<store>", "<run>", "<experiment>"
DEEP, LATIN1 = "<deep.toml>", "<latin1.toml>"
SHIPPED = ["soviet-1917-1928", "paris-1789-1794", "granovetter", "parliament", "peter"]
GROUPS = ("classic", "experiment")
TINY_RUN = ["--steps", "3", "--members", "100"]  # appended: the last value of an option wins

SMALL_TREE = tomllib.loads(SMALL.read_text(encoding="utf-8"))  # the bases the files mutate
TINY_TREE = tomllib.loads(TINY)

runner = CliRunner()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What the placeholders stand for: a store with one run and one experiment, the ids,
    and a file nested 3,000 deep and one not in UTF-8."""
    folder = tmp_path_factory.mktemp("fuzz")
    store = folder / "results.duckdb"
    experiment = folder / "tiny.toml"
    experiment.write_text(TINY, encoding="utf-8")
    experiment_id = run_experiment(
        load_experiment(experiment), executor=InProcess(), store_path=str(store)
    )
    run = one_json_line(
        runner.invoke(
            app, ["run", "soviet-1917-1928", *TINY_RUN, "--store", str(store), "--format", "json"]
        )
    )
    for tree in (SMALL_TREE, TINY_TREE):  # the fuzz writes what it means to write
        assert tomllib.loads(toml_document(tree)) == tree
    deep, latin1 = folder / "deep.toml", folder / "latin1.toml"
    deep.write_text("x = " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    latin1.write_bytes('name = "café"\n'.encode("latin-1"))
    return {
        STORE: str(store),
        RUN: run["run_id"],
        EXPERIMENT: experiment_id,
        DEEP: str(deep),
        LATIN1: str(latin1),
    }


@contextmanager
def fresh_folder() -> Iterator[Path]:
    """A new empty working folder for one example (whatever a command writes lands in it)."""
    before = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="thermidor-fuzz-") as folder:
        os.chdir(folder)
        try:
            yield Path(folder)
        finally:
            os.chdir(before)


def invoke(arguments: list[str], world: dict[str, str]) -> Result:
    return runner.invoke(app, [world.get(a, a) for a in arguments])


def assert_clean_exit(result: Result, arguments: list[str]) -> None:
    """0, 2 or 3; when not 0, one ``error:`` line (``note:`` lines aside), or click's usage
    error (exit 2); never a traceback."""
    shown = [a if len(a) < 80 else a[:40] + f"...({len(a)} characters)" for a in arguments]
    usage = result.exit_code == 2 and result.stderr.startswith(("Usage: ", "╭─ Error"))
    command = " ".join(arguments[:2] if arguments[0] in GROUPS else arguments[:1])
    event(f"{command}: exit {result.exit_code}{' (a usage error of click)' if usage else ''}")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{shown}: raised") from result.exception
    output = result.stdout + result.stderr
    assert "Traceback" not in output, (shown, output)
    assert result.exit_code in (0, 2, 3), (shown, result.exit_code, output)
    if result.exit_code == 0:
        return
    if usage:
        return  # click's own usage error: an unknown option, a missing value, a bad choice
    lines = [line for line in result.stderr.splitlines() if not line.startswith("note: ")]
    assert len(lines) == 1, (shown, result.stderr)
    assert lines[0].startswith("error: "), (shown, result.stderr)
    assert len(lines[0]) < 1000, (shown, lines[0])


# --- (a) the arguments of every command ------------------------------------------------------


@st.composite
def options(draw: st.DrawFn, spec: dict[str, st.SearchStrategy[str]]) -> list[str]:
    """A random subset of ``spec``'s options in a random order, each with a drawn value; at
    times an unknown option or one left without its value."""
    chosen = draw(st.lists(st.sampled_from(sorted(spec)), unique=True, max_size=len(spec)))
    out: list[str] = []
    for name in chosen:
        out += [name, draw(spec[name])]
    odd = draw(st.sampled_from(["", "", "", "unknown", "dangling"]))
    if odd == "unknown":
        out.append(draw(st.sampled_from(["--nonsense", "-x", "--"])))
    elif odd == "dangling" and chosen:
        out.append(chosen[0])
    return out


def paths_or(*placeholders: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(placeholders), hostile_paths())


FORMAT = st.one_of(st.sampled_from(["table", "json"]), st.just("json"), hostile_text(8))
# a number option: as often a small valid one (so the command gets past the parser) as not
NUMBERS = st.one_of(st.integers(0, 9).map(str), hostile_numbers())


# every seed option takes one range (engine.seeds): any number is fair game
SEEDS = NUMBERS
SCENARIOS = st.one_of(st.sampled_from([*SHIPPED, DEEP, LATIN1]), hostile_text(), hostile_paths())
IDS = st.lists(st.one_of(st.sampled_from([RUN, EXPERIMENT]), hostile_text()), max_size=3)


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:  # noqa: PLR0911 (one return per command)
    """One command line: a command and hostile arguments (and the tiny sizes, last)."""
    command = draw(
        st.sampled_from(
            ["run", "show", "runs", "report", "plot", "timeline", "critical-sd", "golden-rule",
             "experiment run", "experiment summary", "experiment list", "experiment sensitivity",
             "experiment optimize"]
        )
    )  # fmt: skip
    scenario_options = {
        "--set": hostile_overrides(),
        "--without": hostile_text(),
        "--format": FORMAT,
    }
    if command == "run":
        spec = {
            **scenario_options,
            "--seed": SEEDS,
            "--steps": NUMBERS,
            "--members": NUMBERS,
            "--store": hostile_paths(),
        }
        return ["run", draw(SCENARIOS), *draw(options(spec)), *TINY_RUN]
    if command == "timeline":
        return ["timeline", draw(SCENARIOS), *draw(options(scenario_options))]
    if command == "show":
        spec = {"--out": hostile_paths(), "--store": paths_or(STORE), "--format": FORMAT}
        run_id = draw(st.one_of(st.just(RUN), hostile_text()))
        return ["show", run_id, *draw(options(spec))]
    if command == "runs":  # read only: --older-than without --stale is refused
        spec = {"--older-than": NUMBERS, "--format": FORMAT, "--store": paths_or(STORE)}
        return ["runs", *draw(options(spec))]
    if command in ("report", "plot"):
        spec = {"--out": hostile_paths(), "--store": paths_or(STORE)}
        return [command, *draw(IDS), *draw(options(spec))]
    if command == "critical-sd":
        spec = {"--n": NUMBERS, "--mean": NUMBERS, "--format": FORMAT}
        return ["classic", command, *draw(options(spec))]
    if command == "golden-rule":
        spec = {
            "--n": NUMBERS,
            "--p": st.one_of(st.sampled_from(["0.5", "0.6", "1"]), hostile_numbers()),
            "--seed": NUMBERS,
            "--step": NUMBERS,
            "--legislatures": NUMBERS,
            "--format": FORMAT,
        }
        return ["classic", command, *draw(options(spec)), "--step", "100000", "--legislatures", "1"]
    group, name = command.split()
    if name in ("run", "optimize"):  # never a valid file: what is fuzzed fails before any run
        spec = {
            "--executor": st.one_of(st.sampled_from(["local", "ray"]), hostile_text(8)),
            "--workers": NUMBERS,
            "--address": hostile_text(),
            "--store": hostile_paths(),
            "--format": FORMAT,
        }
        if name == "optimize":
            spec["--trials"] = NUMBERS
        file = draw(st.one_of(st.sampled_from([DEEP, LATIN1]), hostile_paths()))
        return [group, name, file, *draw(options(spec))]
    spec = {"--format": FORMAT}
    if name != "list":
        spec |= {
            "--experiment": st.one_of(st.just(EXPERIMENT), hostile_text()),
            "--stat": st.one_of(st.sampled_from(["final", "mean"]), hostile_text(8)),
        }
    if name == "summary":
        spec["--out"] = hostile_paths()
    if name == "sensitivity":
        spec["--metric"] = st.one_of(st.sampled_from(["gini", "control_index"]), hostile_text())
    return [group, name, draw(paths_or(STORE)), *draw(options(spec))]


@FUZZ
@given(arguments=command_lines())
def test_fuzz_command_line(world: dict[str, str], arguments: list[str]) -> None:
    with fresh_folder():
        assert_clean_exit(invoke(arguments, world), arguments)


# --- (b) scenario and experiment files ---------------------------------------------------------


@FUZZ
@given(content=toml_files(SMALL_TREE), command=st.sampled_from(["run", "timeline"]))
def test_fuzz_scenario_files(world: dict[str, str], content: bytes, command: str) -> None:
    with fresh_folder() as folder:
        path = folder / "scenario.toml"
        path.write_bytes(content)
        with suppress(ScenarioError):  # the one error the loader raises
            assert isinstance(load_scenario(str(path)), Scenario)
        extra = [*TINY_RUN, "--store", "r.duckdb", "--format", "json"] if command == "run" else []
        arguments = [command, str(path), *extra]
        assert_clean_exit(invoke(arguments, world), arguments)


@FUZZ
@given(content=toml_files(TINY_TREE), command=st.sampled_from(["run", "optimize"]))
def test_fuzz_experiment_files(world: dict[str, str], content: bytes, command: str) -> None:
    with fresh_folder() as folder:
        path = folder / "experiment.toml"
        path.write_bytes(content)
        try:
            assert isinstance(load_experiment(path), Experiment)
        except ExperimentError:
            arguments = ["experiment", command, str(path), "--store", "r.duckdb"]
            result = invoke(arguments, world)
            assert_clean_exit(result, arguments)
            assert result.exit_code in (2, 3)
            assert not (folder / "r.duckdb").exists()  # refused before the store is touched
