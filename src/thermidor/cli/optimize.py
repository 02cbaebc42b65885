"""``thermidor experiment optimize``: the least costly institutions that keep members in control.

The file must have an ``[optimize]`` table; it, the costs and the search space are checked
before the store is opened, so a bad file or argument is one ``error:`` line, exit status 2,
and nothing written.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from thermidor.cli._common import (
    AddressOption,
    ExecutorKind,
    ExecutorOption,
    ExperimentStoreOption,
    Format,
    FormatOption,
    RetiredOutOption,
    RunProgress,
    WorkersOption,
    check_address,
    check_output,
    date_of,
    dated,
    fail,
    interval,
    jsonable,
    read_experiment,
    shown_value,
    sigterm_exits,
)


def optimize_command(
    file: Annotated[Path, typer.Argument(help="Experiment file (TOML) with an optimize table.")],
    *,
    trials: Annotated[
        int | None, typer.Option(min=1, help="Trials (default: the file's optimize.trials).")
    ] = None,
    executor: ExecutorOption = ExecutorKind.local,
    workers: WorkersOption = None,
    address: AddressOption = None,
    out: ExperimentStoreOption = None,
    retired_out: RetiredOutOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Search for the least costly settings keeping control; rerun to resume after a kill.

    The search, its costs and its report: docs/optimize.md.
    """
    experiment = read_experiment(file)
    check_address(executor, address)
    from thermidor.experiments.optimize import prepare, search  # noqa: PLC0415
    from thermidor.experiments.spec import ExperimentError  # noqa: PLC0415
    from thermidor.store import StoreError  # noqa: PLC0415

    try:
        prepare(experiment)
    except ExperimentError as exc:
        fail(f"{file}: {exc}")
    assert experiment.optimize is not None
    if trials is not None:
        objective = experiment.optimize.model_copy(update={"trials": trials})
        experiment = experiment.model_copy(update={"optimize": objective})
    store = out or Path(experiment.store)
    check_output(store, "--store" if out is not None else f"{file}: store")
    started = time.monotonic()
    try:
        with (
            sigterm_exits(),
            RunProgress(f"{experiment.name} (optimize)", unit="trials") as progress,
        ):
            report = search(
                experiment,
                executor=executor.value,
                workers=workers,
                address=address,
                store_path=str(store),
                progress=progress,
            )
    except (ExperimentError, StoreError) as exc:
        fail(str(exc))
    report["seconds"] = round(time.monotonic() - started, 3)
    report["window_dates"] = _window_dates(experiment, report["after"], report["steps"] - 1)
    if fmt is Format.json:
        typer.echo(json.dumps(jsonable(report), allow_nan=False))
        return
    _print_report(report)


def _window_dates(experiment: Any, first: int, last: int) -> list[str | None]:
    """The dates of the target window's first and last steps, from the scenario's
    calendar (Nones if it has none)."""
    from thermidor.scenarios import load_scenario  # noqa: PLC0415

    try:
        params = load_scenario(experiment.scenario, experiment.base_overrides())
    except (ValueError, OSError):  # checked by prepare(); a classic model has no calendar
        return [None, None]
    meta = {"meta": params.meta.model_dump(mode="json")}
    return [date_of(meta, first), date_of(meta, last)]


def _print_report(report: dict[str, Any]) -> None:
    console = Console(markup=False)
    last = report["steps"] - 1
    first_date, last_date = report.get("window_dates") or [None, None]
    window = f"{dated(report['after'], first_date)}..{dated(last, last_date)[5:]}"
    console.print(
        f"search {report['search_id']} ({report['name']}): {report['trials']} trials, "
        f"{report['feasible']} feasible; goal: control_index >= {report['target']:g} at every "
        f"{window} on >= {report['needed']} of {report['seeds']} seeds "
        f"(confidence {report['confidence']:g}); runs: {report['computed']} computed, "
        f"{report['reused']} reused from {report['store']}",
        style="bold",
    )
    trial = report["best"]
    if trial is None:
        trial = report["closest"]
        console.print(
            f"no feasible trial: closest is trial {trial['trial']}, its "
            f"{report['needed']}-th best seed falls {trial['shortfall']:.4f} short of the target"
        )
    else:
        console.print(f"best: trial {trial['trial']}, the least costly feasible trial")
    table = Table()
    table.add_column("parameter", no_wrap=True)
    for column in ("value", "range", "weight", "cost"):
        table.add_column(column, justify="right")
    for name, value in trial["params"].items():
        cost = report["costs"][name]
        table.add_row(
            name,
            shown_value(value),
            f"{cost['low']:.4g}..{cost['high']:.4g}",
            f"{cost['weight']:g} at {cost['costly']}",
            f"{trial['costs'][name]:.3f}",
        )
    table.add_row("total", "", "", "", f"{trial['cost']:.3f}", style="bold")
    console.print(table)
    console.print(
        f"control_index over the window, mean of seeds [95% interval]: "
        f"{interval(trial['control_index'])}; its minimum: {interval(trial['window_min'])}"
    )
    console.print(
        f"seeds keeping control: {trial['kept']} of {trial['runs']}, share "
        f"{interval(trial['share'], 'share')} (Wilson 95%)"
    )
