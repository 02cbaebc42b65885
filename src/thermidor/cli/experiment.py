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
    OptionalStoreOption,
    RetiredOutOption,
    RunProgress,
    Stat,
    StatOption,
    StoreArgument,
    WorkersOption,
    check_address,
    check_output,
    chosen_store,
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
    retired_out: RetiredOutOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Run every (point, seed) pair not yet in the store; rerun to resume after a kill."""
    experiment = read_experiment(file)
    check_address(executor, address)
    from thermidor.experiments.runner import run_experiment  # noqa: PLC0415
    from thermidor.experiments.spec import ExperimentError  # noqa: PLC0415

    store = out or Path(experiment.store)
    check_output(store, "--store" if out is not None else f"{file}: store")
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
    positional: StoreArgument = None,
    *,
    store_option: OptionalStoreOption = None,
    experiment: ExperimentOption = None,
    stat: StatOption = Stat.final,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the summary as .csv or .parquet.")
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Per point: mean and 95% interval of each metric, and the share reaching Thermidor."""
    store = chosen_store(positional, store_option)
    if out is not None and out.suffix.lower() not in EXPORT_SUFFIXES:
        fail(f"--out {out}: suffix must be one of {', '.join(EXPORT_SUFFIXES)}")
    if out is not None:
        check_output(out, "--out")
    from thermidor.experiments.summary import flat, summarize  # noqa: PLC0415

    with open_store(store, read_only=True) as db, store_errors(store):
        summary = summarize(db, experiment, stat.value)
    if out is not None:
        from thermidor.outputs import write_atomically  # noqa: PLC0415

        table = flat(summary)
        try:
            if out.suffix.lower() == ".csv":
                write_atomically(out, lambda partial: table.to_csv(partial, index=False))
            else:
                write_atomically(out, lambda partial: table.to_parquet(partial, index=False))
        except OSError as exc:  # a disk full, or the folder gone read-only since the check
            fail_os("--out", out, exc, "cannot write it")
    if fmt is Format.json:
        typer.echo(json.dumps(jsonable(summary), allow_nan=False))
        return
    _print_summary(summary)


def _print_summary(summary: dict[str, Any]) -> None:
    """A row per point and a column per metric when that fits the terminal; else each
    point over a table of its measures, which fits 80 columns whatever the number of
    metrics. Headers are never cut: a column is at least as wide as its header."""
    console = Console(markup=False)
    console.print(
        f"experiment {summary['experiment_id']} ({summary['name']}), metrics at "
        f"{'the last step' if summary['stat'] == 'final' else 'their run means'}, "
        "mean [95% interval]",
        style="bold",
    )
    table = _wide_summary(summary)
    unbounded = console.options.update(max_width=100_000)  # its width if nothing limited it
    if console.measure(table, options=unbounded).maximum <= console.width:
        console.print(table)
    else:
        for part in _long_summary(summary):
            console.print(part)
    console.print(
        "Thermidor: the share of runs reaching it [95% Wilson interval]; when: the median "
        "date (step) of those runs, with its quartiles"
    )


def _headed(table: Table, header: str, **options: Any) -> None:
    table.add_column(header, min_width=len(header), **options)


def _wide_summary(summary: dict[str, Any]) -> Table:
    table = Table()
    for name in summary["parameters"]:
        _headed(table, name.rsplit(".", 1)[-1], justify="right")
    _headed(table, "runs", justify="right")
    for m in summary["metrics"]:
        _headed(table, m, justify="right", no_wrap=True)
    _headed(table, "Thermidor", justify="right", no_wrap=True)
    _headed(table, "when", justify="right", no_wrap=True)
    for row in summary["points"]:
        table.add_row(
            *(shown_value(row["params"][n]) for n in summary["parameters"]),
            str(row["runs"]),
            *(interval(row[m]) for m in summary["metrics"]),
            interval(row["thermidor"], "share"),
            _when(row["thermidor"]),
        )
    return table


def _long_summary(summary: dict[str, Any]) -> list[Any]:
    """Each point as a heading line (its parameters and runs) over a table of its
    measures, a row each: three narrow columns, so it fits 80 columns."""
    from rich import box  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    shown: list[Any] = []
    for row in summary["points"]:
        params = ", ".join(
            f"{n.rsplit('.', 1)[-1]} {shown_value(row['params'][n])}" for n in summary["parameters"]
        )
        shown.append(Text(f"point {row['point']}: {params}; {row['runs']} runs", style="bold"))
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        _headed(table, "measure", overflow="fold")
        _headed(table, "mean", justify="right", no_wrap=True)
        _headed(table, "95% interval", no_wrap=True)
        for m in summary["metrics"]:
            table.add_row(m, *_split(interval(row[m])))
        table.add_row("Thermidor share", *_split(interval(row["thermidor"], "share")))
        table.add_row("Thermidor when", *_split(_when(row["thermidor"])))
        shown.append(table)
    return shown


def _split(text: str) -> tuple[str, str]:
    """``mean [low, high]`` as the two cells ``mean`` and ``[low, high]``."""
    mean, _, bounds = text.partition(" ")
    return mean, bounds


def _when(thermidor: dict[str, Any]) -> str:
    """The median date of Thermidor among the runs reaching it, with its quartiles (the
    steps when the runs have no calendar)."""
    if thermidor["median"] is None:
        return "—"
    if thermidor.get("median_date"):
        return f"{thermidor['median_date']} ({thermidor['q1_date']}..{thermidor['q3_date']})"
    return f"step {thermidor['median']:g} ({thermidor['q1']:g}..{thermidor['q3']:g})"


def list_command(
    positional: StoreArgument = None,
    *,
    store_option: OptionalStoreOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List the experiments in a store, with their points and runs stored."""
    store = chosen_store(positional, store_option)
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
