"""``thermidor calibrate``: run or resume an ABC-SMC calibration, summarise its posterior
with posterior predictive checks, and export its points and presets."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from thermidor.cli._common import (
    AddressOption,
    ExecutorKind,
    ExecutorOption,
    Format,
    FormatOption,
    WorkersOption,
    check_address,
    fail,
    fail_input,
    jsonable,
    sigterm_exits,
)

if TYPE_CHECKING:
    from thermidor.calibration.posterior import Posterior

FolderArgument = Annotated[Path, typer.Argument(help="A calibration's output folder.")]
DrawsOption = Annotated[
    int, typer.Option("--draws", min=1, max=100_000, help="Posterior predictive runs.")
]


def _executor(executor: ExecutorKind, workers: int | None, address: str | None) -> Any:
    from thermidor.experiments.executors import make_executor  # noqa: PLC0415

    check_address(executor, address)
    return make_executor(executor.value, workers, address)


def run_command(
    file: Annotated[Path, typer.Argument(help="Calibration file (TOML).")],
    *,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: calibration-NAME).")
    ] = None,
    executor: ExecutorOption = ExecutorKind.local,
    workers: WorkersOption = None,
    address: AddressOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Run ABC-SMC on a calibration file; rerun the same command to resume after a kill."""
    from thermidor.calibration.inference import ResumeError, calibrate  # noqa: PLC0415
    from thermidor.calibration.posterior import read_posterior  # noqa: PLC0415
    from thermidor.calibration.spec import CalibrationError, load_calibration  # noqa: PLC0415

    try:
        calibration = load_calibration(file)
    except CalibrationError as exc:
        fail_input(exc)
    folder = out or Path(f"calibration-{calibration.name}")
    started = time.monotonic()
    pool = _executor(executor, workers, address)
    try:
        with sigterm_exits():
            calibrate(calibration, folder, pool, getattr(pool, "workers", workers or 1), _progress)
    except ResumeError as exc:
        fail(str(exc))
    finally:
        pool.close()
    seconds = time.monotonic() - started
    posterior = read_posterior(folder)
    generations = posterior.generations
    result = {
        "folder": str(folder),
        "generations": len(generations),
        "simulations": int(generations["samples"].sum()),
        "epsilon": float(generations["epsilon"].iloc[-1]),
        "seconds": round(seconds, 3),
    }
    if fmt is Format.json:
        typer.echo(json.dumps(jsonable(result)))
        return
    Console(markup=False).print(
        f"calibration {calibration.name}: {result['generations']} generations, "
        f"{result['simulations']} simulations, epsilon {result['epsilon']:.4g}, "
        f"{seconds:.1f} s; folder {folder}"
    )


def _progress(t: int, accepted: int, evaluated: int) -> None:
    typer.echo(f"generation {t}: {accepted} accepted of {evaluated} runs", err=True)


def _posterior(folder: Path) -> Posterior:
    from thermidor.calibration.posterior import HistoryError, read_posterior  # noqa: PLC0415

    try:
        return read_posterior(folder)
    except HistoryError as exc:
        fail(str(exc))


def summary_command(
    folder: FolderArgument,
    *,
    draws: DrawsOption = 100,
    refresh: Annotated[bool, typer.Option(help="Recompute the predictive runs.")] = False,
    executor: ExecutorOption = ExecutorKind.local,
    workers: WorkersOption = None,
    address: AddressOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Posterior medians with 90% intervals, and each target against its 90% predictive
    band (the predictive runs are made once and kept in the folder)."""
    from thermidor.calibration import predictive  # noqa: PLC0415

    posterior = _posterior(folder)
    table = None if refresh else predictive.load(folder)
    if table is None or len(table) != draws:
        pool = _executor(executor, workers, address)
        try:
            with sigterm_exits():
                table = predictive.predictive_runs(
                    posterior, pool, draws, posterior.calibration.seed
                )
        finally:
            pool.close()
        predictive.save(table, folder)
    summary = _summary(posterior, predictive.checks(posterior, table))
    if fmt is Format.json:
        typer.echo(json.dumps(jsonable(summary), allow_nan=False))
        return
    _print(summary)


def _summary(posterior: Posterior, checks: list) -> dict[str, Any]:
    parameters = []
    for prior in posterior.calibration.parameters:
        low, median, high = posterior.quantiles(prior.name, (0.05, 0.5, 0.95))
        parameters.append(
            {
                "name": prior.name,
                "prior": [prior.low, prior.high],
                "median": median,
                "low": low,
                "high": high,
            }
        )
    return {
        "calibration": posterior.calibration.name,
        "generations": posterior.generations.to_dict(orient="records"),
        "parameters": parameters,
        "targets": [
            {
                "name": c.target,
                "held_out": c.held_out,
                "observed": c.observed.value,
                "observed_low": c.observed.low,
                "observed_high": c.observed.high,
                "band_low": c.low,
                "median": c.median,
                "band_high": c.high,
                "inside": c.inside,
            }
            for c in checks
        ],
    }


def _cell(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else "—"


def _print(summary: dict[str, Any]) -> None:
    console = Console(markup=False)
    last = summary["generations"][-1]
    console.print(
        f"calibration {summary['calibration']}: {len(summary['generations'])} generations, "
        f"last epsilon {_cell(last['epsilon'])}"
    )
    table = Table("parameter", "median", "90% interval", "prior", title="posterior")
    for p in summary["parameters"]:
        table.add_row(
            p["name"],
            _cell(p["median"]),
            f"{_cell(p['low'])} .. {_cell(p['high'])}",
            f"{_cell(p['prior'][0])} .. {_cell(p['prior'][1])}",
        )
    console.print(table)
    table = Table("target", "observed", "90% predictive", "inside", title="predictive check")
    for t in summary["targets"]:
        name = f"{t['name']} (held out)" if t["held_out"] else t["name"]
        observed = (
            f"{_cell(t['observed'])} [{_cell(t['observed_low'])}, {_cell(t['observed_high'])}]"
        )
        band = f"{_cell(t['band_low'])} .. {_cell(t['band_high'])}"
        table.add_row(name, observed, band, "yes" if t["inside"] else "no")
    console.print(table)


def points_command(
    folder: FolderArgument,
    *,
    out: Annotated[Path, typer.Option("--out", help="CSV file of points to write.")],
    draws: DrawsOption = 100,
    mechanisms_only: Annotated[
        bool,
        typer.Option(help="Only the model-wide mechanisms.* columns, for any scenario."),
    ] = False,
) -> None:
    """Write posterior draws as a CSV of points (a weight column, one column per
    parameter), the input of `thermidor robustness run --points`."""
    posterior = _posterior(folder)
    points = posterior.draw(draws, posterior.calibration.seed)
    if mechanisms_only:
        points = points[[c for c in points.columns if c.startswith("mechanisms.")]]
        if points.empty:
            fail(f"{folder}: --mechanisms-only: the calibration frees no mechanisms.* parameter")
    # a point drawn twice is one point with twice the weight: each is costly to evaluate
    points = points.assign(weight=1.0 / draws)
    points = points.groupby(list(points.columns[:-1]), as_index=False, sort=False)["weight"].sum()
    points = points[["weight", *points.columns[:-1]]]
    partial = out.with_name(f".{out.name}.tmp")
    try:
        points.to_csv(partial, index=False)
        partial.replace(out)
    except OSError as exc:
        fail(f"--out {out}: cannot be written ({exc.strerror})")
    typer.echo(f"{len(points)} posterior points ({draws} draws) written to {out}")


def preset_command(
    folder: FolderArgument,
    *,
    out: Annotated[Path, typer.Option("--out", help="Preset file (TOML) to write.")],
    mechanisms_only: Annotated[
        bool,
        typer.Option(help="Only the model-wide mechanisms.* values, for any scenario."),
    ] = False,
) -> None:
    """Write the posterior medians as a preset (`--set preset=FILE`), with provenance."""
    from thermidor.calibration.presets import preset_text  # noqa: PLC0415

    posterior = _posterior(folder)
    if mechanisms_only and not any(
        p.name.startswith("mechanisms.") for p in posterior.calibration.parameters
    ):
        fail(f"{folder}: --mechanisms-only: the calibration frees no mechanisms.* parameter")
    text = preset_text(posterior, folder, mechanisms_only)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"--out {out}: cannot be written ({exc.strerror})")
    typer.echo(f"preset written to {out}")
