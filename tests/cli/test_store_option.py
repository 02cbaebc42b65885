"""One meaning for ``--out`` (the file a command writes) and ``--store`` (the results
store), in every command; and one default seed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from cli_support import assert_usage_error, one_json_line
from made_runs import store_run
from thermidor.cli import app
from thermidor.engine.seeds import DEFAULT_SEED

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def invoke(*args: str | Path) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def commands() -> dict[str, typer.main.click.Command]:
    """Every command of the app by its full name (``experiment run``)."""
    found: dict[str, typer.main.click.Command] = {}

    def walk(command: typer.main.click.Command, prefix: str) -> None:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                walk(child, f"{prefix} {name}".strip())
        else:
            found[prefix] = command

    walk(typer.main.get_command(app), "")
    return found


@pytest.mark.parametrize("command", ["run", "experiment run", "experiment optimize"])
def test_out_naming_the_store_is_one_line_pointing_to_store(command: str, tmp_path: Path) -> None:
    store = tmp_path / "X.duckdb"
    first = ["run", "soviet-1917-1928"] if command == "run" else [*command.split(), "e.toml"]
    result = invoke(*first, "--out", store)
    assert_usage_error(result, f"--out {store}", "--store")
    assert not store.exists()


def test_the_store_is_called_store_everywhere() -> None:
    """No visible option names the store other than --store, and --out is never a store."""
    for name, command in commands().items():
        for param in command.params:
            opts = getattr(param, "opts", [])
            if getattr(param, "hidden", False):
                continue
            help_text = (getattr(param, "help", "") or "").lower()
            if "--out" in opts:
                assert "store" not in help_text, (name, help_text)
            if "results store" in help_text and param.param_type_name == "option":
                assert "--store" in opts, (name, opts, help_text)


@pytest.mark.parametrize(
    "command", ["runs", "experiment list", "experiment summary", "experiment sensitivity"]
)
def test_a_store_argument_is_also_store_option(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    for args in ([missing], ["--store", missing]):
        result = invoke(*command.split(), *args)
        assert result.exit_code == 2, result.output
        assert str(missing) in result.stderr
    other = tmp_path / "other.duckdb"
    assert_usage_error(invoke(*command.split(), missing, "--store", other), "once")


def test_runs_defaults_to_results_duckdb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert_usage_error(invoke("runs"), "results.duckdb")
    run_id = store_run(tmp_path / "results.duckdb")
    listed = one_json_line(invoke("runs", "--format", "json"))
    assert [run["run_id"] for run in listed["runs"]] == [run_id]
    positional = one_json_line(invoke("runs", "results.duckdb", "--format", "json"))
    assert positional["runs"] == listed["runs"]


def test_the_default_seed_is_one_constant(tmp_path: Path) -> None:
    assert DEFAULT_SEED == 1
    store = tmp_path / "r.duckdb"
    run = one_json_line(invoke("run", "granovetter", "--steps", "3", "--store", store,
                               "--format", "json"))  # fmt: skip
    assert run["seed"] == DEFAULT_SEED
    for name in ("run", "classic golden-rule"):
        (seed,) = [p for p in commands()[name].params if p.name == "seed"]
        assert seed.default == DEFAULT_SEED, name
    demo = re.search(r"^demo:.*\n\t(.*)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert demo is not None
    assert "--seed" not in demo.group(1) or f"--seed {DEFAULT_SEED}" in demo.group(1)


def test_the_dashboards_seed_field_defaults_to_it() -> None:
    from thermidor.dashboard import state  # noqa: PLC0415

    assert state.defaults("soviet-1917-1928")["seed"] == str(DEFAULT_SEED)


def test_no_doc_or_script_gives_run_an_out() -> None:
    """The old spelling (``run ... --out STORE``) is gone from what users copy."""
    pattern = re.compile(r"thermidor (?:experiment )?(?:run|optimize)\b[^\n`]*--out\b")
    places = [ROOT / "Makefile", ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    places += sorted((ROOT / "examples").rglob("*"))
    offenders = [
        str(path.relative_to(ROOT))
        for path in places
        if path.is_file() and pattern.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []
