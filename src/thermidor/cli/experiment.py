"""``thermidor experiment run``, ``summary`` and ``list``: run an experiment file (resumable),
summarise a stored experiment, list a store's experiments.

Errors in the file or the arguments are one ``error:`` line and exit status 2
before any run starts or anything is written.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from thermidor.cli._common import (
    EXPORT_SUFFIXES,
    AddressOption,
    ExecutorKind,
    ExecutorOption,
    ExperimentOption,
    ExperimentStoreOption,
    Format,
    FormatOption,
    RunProgress,
    Stat,
    StatOption,
    WorkersOption,
    check_address,
    check_output,
    fail,
    fail_os,
    interval,
    jsonable,
    open_store,
    read_experiment,
    shown_value,
    sigterm_exits,
    store_errors,
)


def run_command(
    file: Annotated[Path, typer.Argument(help="Experiment file (TOML).")],
    *,
    executor: ExecutorOption = ExecutorKind.local,
    workers: WorkersOption = None,
    address: AddressOption = None,
    out: ExperimentStoreOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Run every (point, seed) pair not yet in the store; rerun to resume after a kill."""
    experiment = read_experiment(file)
    check_address(executor, address)
    from thermidor.experiments.runner import run_experiment  # noqa: PLC0415
    from thermidor.experiments.spec import ExperimentError  # noqa: PLC0415

    store = out or Path(experiment.store)
    check_output(store, "--out" if out is not None else f"{file}: store")
    started = time.monotonic()
    done: dict[str, int] = {}

    def counting(progress: RunProgress) -> Callable[[int, int], None]:
        def call(answered: int, total: int) -> None:
            done.setdefault("before", answered)
            done["after"], done["total"] = answered, total
            progress(answered, total)

        return call

    try:
        with (
            store_errors(store, "write to"),
            sigterm_exits(),
            RunProgress(experiment.name) as progress,
        ):
            experiment_id = run_experiment(
                experiment,
                executor=executor.value,
                workers=workers,
                address=address,
                store_path=str(store),
                progress=counting(progress),
            )
    except ExperimentError as exc:
        fail(str(exc))
    seconds = time.monotonic() - started
    computed = done.get("after", 0) - done.get("before", 0)
    result = {
        "experiment_id": experiment_id,
        "name": experiment.name,
        "store": str(store),
        "runs": done.get("total", 0),
        "computed": computed,
        "reused": done.get("before", 0),
        "seconds": round(seconds, 3),
        "runs_per_second": round(computed / seconds, 3) if computed and seconds > 0 else None,
    }
    if fmt is Format.json:
        typer.echo(json.dumps(result))
        return
    Console(markup=False).print(
        f"experiment {experiment_id} ({experiment.name}): {result['runs']} runs, "
        f"{computed} computed, {result['reused']} already in {store}, {seconds:.1f} s"
    )


def summary_command(
    store: Annotated[Path, typer.Argument(help="Results store (DuckDB file).")],
    *,
    experiment: ExperimentOption = None,
    stat: StatOption = Stat.final,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the summary as .csv or .parquet.")
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Per point: mean and 95% interval of each metric, and the share reaching Thermidor."""
    if out is not None and out.suffix.lower() not in EXPORT_SUFFIXES:
        fail(f"--out {out}: suffix must be one of {', '.join(EXPORT_SUFFIXES)}")
    if out is not None:
        check_output(out, "--out")
    from thermidor.experiments.summary import flat, summarize  # noqa: PLC0415

    with open_store(store, read_only=True) as db, store_errors(store):
        summary = summarize(db, experiment, stat.value)
    if out is not None:
        table = flat(summary)
        try:
            if out.suffix.lower() == ".csv":
                table.to_csv(out, index=False)
            else:
                table.to_parquet(out, index=False)
        except OSError as exc:  # a disk full, or the folder gone read-only since the check
            fail_os("--out", out, exc, "cannot write it")
    if fmt is Format.json:
        typer.echo(json.dumps(jsonable(summary), allow_nan=False))
        return
    _print_summary(summary)


def _print_summary(summary: dict[str, Any]) -> None:
    console = Console(markup=False)
    console.print(
        f"experiment {summary['experiment_id']} ({summary['name']}), metrics at "
        f"{'the last step' if summary['stat'] == 'final' else 'their run means'}, "
        "mean [95% interval]",
        style="bold",
    )
    table = Table()
    for name in summary["parameters"]:
        table.add_column(name.rsplit(".", 1)[-1], justify="right")
    table.add_column("runs", justify="right")
    for m in summary["metrics"]:
        table.add_column(m, justify="right")
    table.add_column("Thermidor share", justify="right")
    table.add_column("its step: median (quartiles)", justify="right")

    for row in summary["points"]:
        table.add_row(
            *(shown_value(row["params"][n]) for n in summary["parameters"]),
            str(row["runs"]),
            *(interval(row[m]) for m in summary["metrics"]),
            interval(row["thermidor"], "share"),
            _quartiles(row["thermidor"]),
        )
    console.print(table)


def _quartiles(thermidor: dict[str, Any]) -> str:
    if thermidor["median"] is None:
        return "-"
    return f"{thermidor['median']:g} ({thermidor['q1']:g}-{thermidor['q3']:g})"


def list_command(
    store: Annotated[Path, typer.Argument(help="Results store (DuckDB file).")],
    *,
    fmt: FormatOption = Format.table,
) -> None:
    """The experiments in a store, with their points and runs stored."""
    from thermidor.experiments import records  # noqa: PLC0415

    with open_store(store, read_only=True) as db, store_errors(store):
        found = records.experiments(db)
    if fmt is Format.json:
        typer.echo(json.dumps([{**e, "created": str(e["created"])} for e in found]))
        return
    table = Table()
    for column in ("experiment_id", "name", "created", "points", "runs"):
        table.add_column(column)
    for e in found:
        table.add_row(*(str(e[c]) for c in ("experiment_id", "name", "created", "points", "runs")))
    Console(markup=False).print(table)
