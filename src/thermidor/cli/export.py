"""``thermidor export``: the stored runs as one long table (CSV, Parquet or Stata) for
statistics packages: a row per run, step and metric, with the calendar date and the run's
parameters as columns (``thermidor.exports``).

Everything is checked before anything is written (the format against the suffix, the
store, the runs and scenarios asked for, the folder); the file is written aside and
renamed, so a failure leaves none. Each fault is one ``error:`` line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from thermidor.cli._common import (
    OptionalStoreOption,
    StoreArgument,
    check_output,
    check_store,
    chosen_store,
    fail,
    fail_os,
    open_store,
    store_errors,
)


def export_command(
    positional: StoreArgument = None,
    *,
    store_option: OptionalStoreOption = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="The file to write: .csv, .parquet or .dta (Stata).", show_default=False
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="csv|parquet|stata",
            help="The file's format (default: the one its suffix names).",
        ),
    ] = None,
    run_ids: Annotated[
        list[str] | None,
        typer.Option("--run", metavar="ID", help="Only this run (repeatable; default: all)."),
    ] = None,
    scenarios: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario", metavar="NAME", help="Only the runs of this scenario (repeatable)."
        ),
    ] = None,
    metrics: Annotated[
        list[str] | None,
        typer.Option(
            "--metric", metavar="NAME", help="Only this series (repeatable; default: all)."
        ),
    ] = None,
) -> None:
    """Export the finished runs of a store as one long table: a row per run, step and
    metric, with the date and the run's parameters as columns."""
    from thermidor.exports import ExportError, format_of, long_table, write_table  # noqa: PLC0415

    store = chosen_store(positional, store_option)
    try:
        chosen = format_of(out, fmt)
    except ExportError as exc:
        fail(str(exc))
    check_store(store, "--store")
    check_output(out, "--out")
    with open_store(store, read_only=True) as db, store_errors(store):
        try:
            table = long_table(db, run_ids, scenarios, metrics)
        except ExportError as exc:
            fail(str(exc))
    try:
        write_table(table, out, chosen)
    except OSError as exc:  # a disk full, or the folder gone read-only since the check
        fail_os("--out", out, exc, "cannot write it")
    except ValueError as exc:  # a value the format cannot hold
        fail(f"--out {out}: cannot write it as {chosen}: {exc}")
    runs = table["run_id"].nunique()
    Console(stderr=True, markup=False, highlight=False).print(
        f"wrote {len(table)} rows ({runs} run(s), {table['metric'].nunique()} series, "
        f"{len(table.columns)} columns) to {out}"
    )
