"""Hostile input on the command line: one ``error:`` line naming the option or file, the
value (shortened when huge) and what is allowed; exit 2 for the input, 3 for the
environment; never a traceback, and nothing written.

Covers a 5,000-character path given to every command that takes one, scenario and
experiment files nested 3,000 levels deep or not UTF-8, outputs onto a directory, into a
missing folder or a folder that refuses new files, a disk full while writing, and the
classic commands' numbers (their limits are the models' own).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from cli_support import assert_one_error, one_json_line
from experiment_support import TINY, InProcess
from thermidor import outputs
from thermidor.classic.base import bounds
from thermidor.classic.granovetter import GranovetterParams
from thermidor.classic.parliament import ParliamentParams
from thermidor.cli import app
from thermidor.experiments.runner import run_experiment
from thermidor.experiments.spec import ExperimentError, load_experiment
from thermidor.reports import static
from thermidor.scenarios import ScenarioError, load_scenario

SCENARIO = "soviet-1917-1928"
SMALL = ["--members", "100", "--steps", "3"]
LONG = "a" * 5000  # one name of 5,000 characters: ENAMETOOLONG everywhere
DEPTH = 3000

runner = CliRunner()


def invoke(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A store holding one run and one experiment, its experiment file, and the run id."""
    folder = tmp_path_factory.mktemp("stored")
    store = folder / "results.duckdb"
    experiment = folder / "tiny.toml"
    experiment.write_text(TINY, encoding="utf-8")
    run_experiment(load_experiment(experiment), executor=InProcess(), store_path=str(store))
    run = one_json_line(invoke("run", SCENARIO, *SMALL, "--store", store, "--format", "json"))
    return {"store": store, "experiment": experiment, "run_id": run["run_id"]}


def files_in(folder: Path) -> list[Path]:
    return sorted(folder.iterdir())


# --- a 5,000-character path, to every command that takes a path ---------------------------

# (label the error names, arguments given the stored dict and the long path's folder)
LONG_PATHS: dict[str, tuple[str, Callable[[dict[str, Any], Path], list[str | Path]]]] = {
    "run --store": ("--store", lambda s, d: ["run", SCENARIO, *SMALL, "--store",
                                            d / f"{LONG}.duckdb"]),
    "run FILE": ("", lambda s, d: ["run", d / f"{LONG}.toml", *SMALL]),
    "timeline FILE": ("", lambda s, d: ["timeline", d / f"{LONG}.toml"]),
    "show --out": ("--out", lambda s, d: ["show", s["run_id"], "--store", s["store"],
                                         "--out", d / f"{LONG}.csv"]),
    "show --store": ("--store", lambda s, d: ["show", s["run_id"], "--store", d / LONG]),
    "report --out": ("--out", lambda s, d: ["report", s["run_id"], "--store", s["store"],
                                           "--out", d / f"{LONG}.html"]),
    "report --store": ("--store", lambda s, d: ["report", s["run_id"], "--store", d / LONG,
                                               "--out", d / "r.html"]),
    "plot --out": ("--out", lambda s, d: ["plot", s["run_id"], "--store", s["store"],
                                         "--out", d / f"{LONG}.png"]),
    "plot --store": ("--store", lambda s, d: ["plot", s["run_id"], "--store", d / LONG,
                                             "--out", d / "r.png"]),
    "experiment run FILE": ("", lambda s, d: ["experiment", "run", d / f"{LONG}.toml"]),
    "experiment run --store": ("--store", lambda s, d: ["experiment", "run", s["experiment"],
                                                       "--store", d / f"{LONG}.duckdb"]),
    "experiment optimize FILE": ("", lambda s, d: ["experiment", "optimize", d / f"{LONG}.toml"]),
    "experiment summary STORE": ("store", lambda s, d: ["experiment", "summary", d / LONG]),
    "experiment summary --out": ("--out", lambda s, d: ["experiment", "summary", s["store"],
                                                       "--out", d / f"{LONG}.csv"]),
    "experiment list STORE": ("store", lambda s, d: ["experiment", "list", d / LONG]),
    "experiment sensitivity STORE": ("store", lambda s, d: ["experiment", "sensitivity",
                                                           d / LONG, "--metric", "gini"]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(LONG_PATHS))
def test_a_5000_character_path_is_one_short_line(
    case: str, stored: dict[str, Any], tmp_path: Path
) -> None:
    label, arguments = LONG_PATHS[case]
    line = assert_one_error(invoke(*arguments(stored, tmp_path)), 2, "file name too long")
    assert line.startswith(f"error: {label}"), line
    assert re.search(r"a\.\.\.\(50\d\d characters\)\.\.\.a", line), line  # shortened
    assert files_in(tmp_path) == []


def test_a_long_scenario_name_is_refused_by_the_loader() -> None:
    with pytest.raises(ScenarioError, match="file name too long") as caught:
        load_scenario(LONG)
    assert len(str(caught.value)) < 400
    with pytest.raises(ExperimentError, match="file name too long"):
        load_experiment(LONG)


# --- arguments that are not UTF-8 (undecodable bytes reach Python as lone surrogates) -------

NOT_UTF8 = "caf\udce9"  # what b"caf\xe9" on the command line becomes in sys.argv

NOT_UTF8_ARGUMENTS: dict[str, Callable[[dict[str, Any], Path], list[str | Path]]] = {
    "show RUN_ID": lambda s, d: ["show", NOT_UTF8, "--store", s["store"]],
    "summary --experiment": lambda s, d: ["experiment", "summary", s["store"],
                                          "--experiment", NOT_UTF8],
    "run --set": lambda s, d: ["run", SCENARIO, *SMALL, "--set", f"meta.title={NOT_UTF8}",
                               "--store", d / "r.duckdb"],
    "run --store": lambda s, d: ["run", SCENARIO, *SMALL, "--store", d / f"{NOT_UTF8}.duckdb"],
    "report --out": lambda s, d: ["report", s["run_id"], "--store", s["store"],
                                  "--out", d / f"{NOT_UTF8}.html"],
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(NOT_UTF8_ARGUMENTS))
def test_an_argument_not_utf8_is_one_line(
    case: str, stored: dict[str, Any], tmp_path: Path
) -> None:
    result = invoke(*NOT_UTF8_ARGUMENTS[case](stored, tmp_path))
    assert_one_error(result, 2, "not UTF-8 text (byte 0xe9)", "caf\\udce9")
    assert files_in(tmp_path) == []


# --- files nested 3,000 levels deep, or not UTF-8 ------------------------------------------

DEEP = {
    "array": "x = " + "[" * DEPTH + "]" * DEPTH + "\n",
    "inline table": "x = " + "{a = " * DEPTH + "1" + "}" * DEPTH + "\n",
}


@pytest.mark.parametrize("kind", sorted(DEEP))
@pytest.mark.parametrize("command", ["run", "timeline", "experiment run", "experiment optimize"])
def test_a_file_nested_3000_deep_is_one_line(tmp_path: Path, kind: str, command: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(DEEP[kind], encoding="utf-8")
    assert_one_error(invoke(*command.split(), path), 2, str(path), "nested too deeply")
    assert files_in(tmp_path) == [path]


@pytest.mark.parametrize(
    ("arguments", "key"),
    [
        (["run", SCENARIO, *SMALL, "--store", "r.duckdb"], "meta.steps"),
        (["timeline", SCENARIO], "meta.steps"),
        (["run", "parliament", "--steps", "3", "--store", "r.duckdb"], "n"),  # a classic model
    ],
)
def test_a_set_value_nested_3000_deep_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, arguments: list[str], key: str
) -> None:
    monkeypatch.chdir(tmp_path)
    deep = "[" * DEPTH + "]" * DEPTH
    assert_one_error(invoke(*arguments, "--set", f"{key}={deep}"), 2, "nested too deeply")
    assert files_in(tmp_path) == []


def test_the_loaders_refuse_deep_files(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(DEEP["array"], encoding="utf-8")
    with pytest.raises(ScenarioError, match="nested too deeply"):
        load_scenario(str(path))
    with pytest.raises(ExperimentError, match="nested too deeply"):
        load_experiment(path)


@pytest.mark.parametrize("command", ["run", "timeline", "experiment run"])
def test_a_file_not_utf8_is_one_line(tmp_path: Path, command: str) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[meta]\nname = "café"\n'.encode("latin-1"))
    assert_one_error(invoke(*command.split(), path), 2, str(path), "not UTF-8", "0xe9", "line 2")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(str(path))
    with pytest.raises(ExperimentError, match="not UTF-8"):
        load_experiment(path)


# --- outputs: onto a directory, into a missing folder, into a folder refusing new files -----

OUTPUTS: dict[str, Callable[[dict[str, Any], Path], list[str | Path]]] = {
    "experiment summary": lambda s, out: ["experiment", "summary", s["store"], "--out", out],
    "report": lambda s, out: ["report", s["run_id"], "--store", s["store"], "--out", out],
    "plot": lambda s, out: ["plot", s["run_id"], "--store", s["store"], "--out", out],
    "show": lambda s, out: ["show", s["run_id"], "--store", s["store"], "--out", out],
    "run": lambda s, out: ["run", SCENARIO, *SMALL, "--store", out],
}
# the option each command's output is given with: a file it writes, or the store
LABEL = {"run": "--store"}
SUFFIX = {"experiment summary": ".csv", "report": ".html", "plot": ".png", "show": ".parquet",
          "run": ".duckdb"}  # fmt: skip


@pytest.fixture
def unwritable(tmp_path: Path) -> Iterator[Path]:
    """A folder in which no file can be created. A folder of mode 0o555 for an ordinary
    user; root ignores modes, so for root /sys, where the kernel refuses new files (EACCES),
    or a skip if even that accepts one."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    try:
        tempfile.TemporaryFile(dir="/sys").close()
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            yield Path("/sys")
            return
    pytest.skip("root here may create files in /sys, and modes do not stop root")


@pytest.mark.parametrize("command", sorted(OUTPUTS))
def test_output_onto_a_directory(command: str, stored: dict[str, Any], tmp_path: Path) -> None:
    folder = tmp_path / f"results{SUFFIX[command]}"
    folder.mkdir()
    result = invoke(*OUTPUTS[command](stored, folder))
    assert_one_error(result, 2, LABEL.get(command, "--out"), str(folder), "is a directory")
    assert files_in(folder) == []


@pytest.mark.parametrize("command", sorted(OUTPUTS))
def test_output_into_a_missing_folder(command: str, stored: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "missing" / f"results{SUFFIX[command]}"
    label = LABEL.get(command, "--out")
    assert_one_error(invoke(*OUTPUTS[command](stored, out)), 2, label, "no folder")
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("command", sorted(OUTPUTS))
def test_output_into_a_folder_refusing_files_is_the_environment(
    command: str, stored: dict[str, Any], unwritable: Path
) -> None:
    out = unwritable / f"thermidor-results{SUFFIX[command]}"
    before = files_in(unwritable)
    label = LABEL.get(command, "--out")
    assert_one_error(invoke(*OUTPUTS[command](stored, out)), 3, label, "permission denied")
    assert files_in(unwritable) == before


def in_read_only_mount(folder: Path, *command: str | Path) -> subprocess.CompletedProcess[str]:
    """``command`` run with a read-only tmpfs mounted on ``folder``, in a mount namespace of
    its own (a user namespace too for an ordinary user); the rest of the system unchanged."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("no unshare(1) to mount a read-only file system in a private namespace")
    namespace = [unshare, "-m", *([] if os.geteuid() == 0 else ["-r"])]
    probe = subprocess.run(
        [*namespace, "mount", "-t", "tmpfs", "-o", "ro", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip(f"this system allows no private read-only mount: {probe.stderr!r}")
    script = 'mount -t tmpfs -o ro tmpfs "$0" && exec "$@"'
    return subprocess.run(
        [*namespace, "sh", "-c", script, str(folder), *map(str, command)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("command", ["report", "run"])
def test_output_onto_a_read_only_file_system_is_the_environment(
    command: str, stored: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    out = folder / f"r{SUFFIX[command]}"
    done = in_read_only_mount(
        folder, sys.executable, "-m", "thermidor", *OUTPUTS[command](stored, out)
    )
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    line = f"error: {LABEL.get(command, '--out')} {out}: cannot write it: read-only file system"
    assert done.stderr.splitlines() == [line]
    assert files_in(folder) == []


def test_a_disk_full_while_writing_is_the_environment(
    stored: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writes after the checks: a disk filling up meanwhile is one line and exit 3."""

    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(outputs, "write_text", full)  # every page a command writes
    monkeypatch.setattr(static, "save", full)
    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    for command in ("report", "plot", "experiment summary"):
        out = tmp_path / f"r{SUFFIX[command]}"
        result = invoke(*OUTPUTS[command](stored, out))
        assert_one_error(result, 3, "--out", "no space left on device")
    assert files_in(tmp_path) == []


# --- the classic commands: the models' limits, finite numbers ------------------------------


def test_golden_rule_refuses_n_beyond_the_models_limit() -> None:
    low, high = bounds(ParliamentParams, "n")
    assert_one_error(invoke("classic", "golden-rule", "--n", "20000"), 2, "--n 20000", f"{high:g}")
    for n in (low - 1, high + 1):
        assert_one_error(invoke("classic", "golden-rule", "--n", str(n)), 2, f"--n {n}")


@pytest.mark.parametrize("end", [0, 1])
def test_golden_rule_accepts_the_models_whole_range(end: int) -> None:
    """The command line's limits are the model's: both ends of them run."""
    n = int(bounds(ParliamentParams, "n")[end])
    answer = one_json_line(
        invoke("classic", "golden-rule", "--n", str(n), "--step", "100000", "--legislatures",
               "1", "--format", "json")
    )  # fmt: skip
    assert answer["n"] == n


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "-5", "1e308", "1e400"])
@pytest.mark.parametrize("option", ["--n", "--mean", "--p", "--legislatures"])
def test_classic_numbers_out_of_range_are_one_line(option: str, value: str) -> None:
    command = "critical-sd" if option in ("--n", "--mean") else "golden-rule"
    if option == "--legislatures" and value in ("inf", "-inf", "nan", "1e308", "1e400"):
        value = str(10**30) if value != "-inf" else "-1"  # an integer option: huge or negative
    if option == "--mean" and value == "-5":
        value = "-2e9"  # the model allows a negative mean, not one below -1e9
    result = invoke("classic", command, option, value)
    assert_one_error(result, 2, option)


def test_critical_sd_without_a_jump_is_one_line() -> None:
    low, _ = bounds(GranovetterParams, "n")
    line = assert_one_error(invoke("classic", "critical-sd", "--n", f"{low:g}"), 2, "--n")
    assert "no critical sd" in line
