"""``thermidor experiment ...``: run an experiment file, summarise it, analyse its sensitivity,
search for institutions.

Errors in the file or the arguments are one ``error:`` line and exit status 2
before any run starts or anything is written.
"""

from __future__ import annotations

import json
import math
import time
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any, Self

import typer
from rich.console import Console
from rich.table import Table

from thermidor.cli import EXPORT_SUFFIXES, Format, FormatOption, _fail, app, progress_bar

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

experiment_app = typer.Typer(
    help="Ensembles, sweeps, sensitivity analysis and policy search, resumable.",
    no_args_is_help=True,
)
app.add_typer(experiment_app, name="experiment")


class ExecutorKind(StrEnum):
    local = "local"
    ray = "ray"


class Stat(StrEnum):
    final = "final"
    mean = "mean"


StoreOption = Annotated[
    Path | None, typer.Option("--out", "--store", help="Results store (DuckDB file).")
]
ExperimentOption = Annotated[
    str | None, typer.Option("--experiment", help="Experiment id (default: the latest).")
]
ExecutorOption = Annotated[
    ExecutorKind, typer.Option(help="local worker processes, or a Ray cluster.")
]
WorkersOption = Annotated[
    int | None, typer.Option(min=1, help="Worker processes (default: every core).")
]
AddressOption = Annotated[
    str | None, typer.Option(help="Ray cluster address (default: start a local one).")
]
StatOption = Annotated[
    Stat, typer.Option("--stat", help="Each metric at the last step, or averaged over the run.")
]


class _RunProgress:
    """done / total, runs per second and time left, on stderr: a live bar on a terminal, a
    plain line at most once a second otherwise (a batch job's log)."""

    def __init__(self, label: str, unit: str = "runs") -> None:
        self._label = label
        self._unit = unit
        self._console = Console(stderr=True)
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._start = time.monotonic()
        self._first: int | None = None
        self._said = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self._first is None:
            self._first, self._start = done, now
        elapsed = now - self._start
        rate = (done - self._first) / elapsed if elapsed > 0 else 0.0
        if not self._console.is_terminal:
            if now - self._said >= 1.0 or done == total:
                left = f", {(total - done) / rate:.0f} s left" if rate > 0 else ""
                self._console.print(
                    f"{self._label}: {done}/{total} {self._unit}, {rate:.1f} {self._unit}/s{left}",
                    markup=False,
                    highlight=False,
                )
                self._said = now
            return
        if self._bar is None:
            self._bar = progress_bar(self._console, rate=True)
            self._bar.start()
            self._task = self._bar.add_task(self._label, total=total, completed=done, rate="")
        assert self._task is not None
        self._bar.update(self._task, completed=done, total=total, rate=f"{rate:.1f} {self._unit}/s")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()


def _load(path: Path):
    from thermidor.experiments.spec import ExperimentError, load_experiment  # noqa: PLC0415

    try:
        return load_experiment(path)
    except ExperimentError as exc:
        _fail(str(exc))


def _open(path: Path, *, read_only: bool):
    from thermidor.experiments.spool import settle  # noqa: PLC0415
    from thermidor.store import Store, StoreError  # noqa: PLC0415

    try:
        if path.is_file():
            settle(path)  # runs a killed experiment left in the spool
        return Store(path, read_only=read_only)
    except StoreError as exc:
        _fail(str(exc))


def interval(stats: dict[str, float], key: str = "mean") -> str:
    """A mean (or share) with its 95% interval, as the summary tables print it."""
    mean, low, high = stats[key], stats["low"], stats["high"]
    if not math.isfinite(mean):
        return "—"
    if not math.isfinite(low):
        return f"{mean:.3f}"
    return f"{mean:.3f} [{low:.3f}, {high:.3f}]"


def _check_address(executor: ExecutorKind, address: str | None) -> None:
    if address is not None and executor is not ExecutorKind.ray:
        _fail(f"--address {address!r}: only with --executor ray")


def _num(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@experiment_app.command("run")
def run_command(
    file: Annotated[Path, typer.Argument(help="Experiment file (TOML).")],
    *,
    executor: ExecutorOption = ExecutorKind.local,
    workers: WorkersOption = None,
    address: AddressOption = None,
    out: StoreOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Run every (point, seed) pair not yet in the store; rerun to resume after a kill."""
    experiment = _load(file)
    _check_address(executor, address)
    from thermidor.experiments.runner import run_experiment  # noqa: PLC0415
    from thermidor.experiments.spec import ExperimentError  # noqa: PLC0415
    from thermidor.store import StoreError  # noqa: PLC0415

    store = out or Path(experiment.store)
    started = time.monotonic()
    done: dict[str, int] = {}

    def counting(progress: _RunProgress):
        def call(answered: int, total: int) -> None:
            done.setdefault("before", answered)
            done["after"], done["total"] = answered, total
            progress(answered, total)

        return call

    try:
        with _RunProgress(experiment.name) as progress:
            experiment_id = run_experiment(
                experiment,
                executor=executor.value,
                workers=workers,
                address=address,
                store_path=str(store),
                progress=counting(progress),
            )
    except (ExperimentError, StoreError) as exc:
        _fail(str(exc))
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


@experiment_app.command("summary")
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
        _fail(f"--out {out}: suffix must be one of {', '.join(EXPORT_SUFFIXES)}")
    from thermidor.experiments.summary import flat, summarize  # noqa: PLC0415
    from thermidor.store import StoreError  # noqa: PLC0415

    with _open(store, read_only=True) as db:
        try:
            summary = summarize(db, experiment, stat.value)
        except StoreError as exc:
            _fail(str(exc))
    if out is not None:
        table = flat(summary)
        if out.suffix.lower() == ".csv":
            table.to_csv(out, index=False)
        else:
            table.to_parquet(out, index=False)
    if fmt is Format.json:
        typer.echo(json.dumps(_jsonable(summary), allow_nan=False))
        return
    _print_summary(summary)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return _num(value)
    return value


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

    for row in summary["points"]:
        table.add_row(
            *(_shown_value(row["params"][n]) for n in summary["parameters"]),
            str(row["runs"]),
            *(interval(row[m]) for m in summary["metrics"]),
            interval(row["thermidor"], "share"),
        )
    console.print(table)


def _shown_value(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


@experiment_app.command("list")
def list_command(
    store: Annotated[Path, typer.Argument(help="Results store (DuckDB file).")],
    *,
    fmt: FormatOption = Format.table,
) -> None:
    """The experiments in a store, with their points and runs stored."""
    from thermidor.experiments import records  # noqa: PLC0415

    with _open(store, read_only=True) as db:
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


# the analysis commands register themselves on `experiment_app` (imported last: they import it)
from thermidor import cli_optimize, cli_sensitivity  # noqa: E402, F401
