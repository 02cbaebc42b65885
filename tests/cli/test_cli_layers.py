"""The command line's layers: each command module imports only ``_common`` (never another
command module, never ``main`` which assembles them), and the assembled app has every command."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup

import thermidor.cli
from thermidor.cli import app

SRC = Path(__file__).resolve().parents[2] / "src"
SHARED = {"thermidor.cli", "thermidor.cli._common"}
HEAVY = {"numpy", "duckdb", "thermidor.model.run"}
COMMAND_MODULES = sorted(
    f"thermidor.cli.{info.name}"
    for info in pkgutil.iter_modules(thermidor.cli.__path__)
    if info.name not in {"main", "_common"}
)


def loaded_by(statement: str) -> set[str]:
    """The modules of ``thermidor.cli`` and the heavy ones that ``statement`` adds, in a fresh
    interpreter, to what ``import thermidor`` loads."""
    probe = (
        f"import sys, thermidor; before = set(sys.modules); {statement}; "
        "print('\\n'.join(set(sys.modules) - before))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        check=True,
    )
    added = set(done.stdout.split())
    return {m for m in added if m == "thermidor.cli" or m.startswith("thermidor.cli.")} | (
        added & HEAVY
    )


def test_the_command_modules_are_found() -> None:
    assert {"thermidor.cli.run", "thermidor.cli.experiment", "thermidor.cli.ui"} <= set(
        COMMAND_MODULES
    )


def test_the_package_alone_builds_nothing() -> None:
    assert loaded_by("import thermidor.cli") == {"thermidor.cli"}


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_a_command_module_imports_only_common(module: str) -> None:
    loaded = loaded_by(f"import {module}")
    assert module in loaded
    assert loaded <= SHARED | {module}


def test_main_assembles_every_command_module_and_nothing_heavy() -> None:
    assert loaded_by("from thermidor.cli import app") == {
        *SHARED,
        *COMMAND_MODULES,
        "thermidor.cli.main",
    }


def test_the_assembled_command_tree() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    assert list(root.commands) == [
        "scenarios", "timeline", "run", "show", "runs", "export", "plan", "metrics", "report",
        "plot", "agents", "compare", "validity-report", "ui", "classic", "experiment",
        "calibrate", "robustness",
        "ablation",
    ]  # fmt: skip
    classic, experiment = root.commands["classic"], root.commands["experiment"]
    ablation = root.commands["ablation"]
    assert isinstance(classic, TyperGroup)
    assert isinstance(experiment, TyperGroup)
    assert isinstance(ablation, TyperGroup)
    assert list(classic.commands) == ["critical-sd", "golden-rule", "reproduce", "summary"]
    assert list(experiment.commands) == ["run", "summary", "list", "optimize", "sensitivity"]
    robustness = root.commands["robustness"]
    assert isinstance(robustness, TyperGroup)
    assert list(robustness.commands) == ["run", "sensitivity", "summary"]
    assert list(ablation.commands) == ["run", "summary"]
