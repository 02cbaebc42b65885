"""``thermidor run`` and ``thermidor show``: run a scenario (or a classic model) with one seed
into the store, and summarise or export a stored run.

Heavy modules (the model, numpy, the scenario schema, DuckDB) are imported inside the
commands so that ``thermidor --help`` stays fast. Every user error (a bad scenario, an
override, an unknown run id, an export suffix) is one ``error: ...`` line on stderr and
exit status 2, before the store is touched.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any, Self

import typer
from rich.console import Console
from rich.table import Table

from thermidor.cli._common import (
    EXPORT_SUFFIXES,
    Format,
    FormatOption,
    SetOption,
    WithoutOption,
    fail,
    note_suppressed,
    number,
    progress_bar,
    seed_option,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from rich.progress import Progress, TaskID

    from thermidor.classic.base import ClassicModel

PROGRESS_DELAY = 1.0  # seconds a run must last before its progress bar appears


def _shown(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _version() -> str:
    import importlib.metadata  # noqa: PLC0415

    import thermidor  # noqa: PLC0415

    version = getattr(thermidor, "__version__", None)
    if version is not None:
        return str(version)
    try:
        return importlib.metadata.version("thermidor")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class _LazyProgress:
    """A progress callback whose rich bar (on stderr) appears only once a run is slow."""

    def __init__(self, label: str, delay: float = PROGRESS_DELAY) -> None:
        self._label = label
        self._delay = delay
        self._started = time.monotonic()
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if time.monotonic() - self._started < self._delay:
                return
            self._bar = progress_bar(Console(stderr=True))
            self._bar.start()
            self._task = self._bar.add_task(self._label, total=total, completed=done)
        assert self._task is not None
        self._bar.update(self._task, completed=done, total=total)

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


def _stored_summary(
    columns: Mapping[str, Any], names: Sequence[str] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Final and mean (NaN ignored) of each metric in ``names`` (default: the headline
    metrics), as ``Results.final/mean`` do."""
    import warnings  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415

    from thermidor.model.results import METRICS  # noqa: PLC0415

    final: dict[str, Any] = {}
    mean: dict[str, Any] = {}
    for name in METRICS if names is None else names:
        values = np.asarray(columns[name], dtype=np.float64)
        final[name] = number(float(values[-1])) if values.size else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN series has no mean
            mean[name] = number(float(np.nanmean(values))) if values.size else None
    return final, mean


def _report(summary: dict[str, Any], fmt: Format, title: str, *, thermidor: bool = True) -> None:
    """Print a run summary: one JSON object on stdout, or a header and a metrics table
    (with the Thermidor line for a scenario, not for a classic model)."""
    if fmt is Format.json:
        typer.echo(json.dumps(summary, allow_nan=False))
        return
    console = Console(markup=False)
    step = summary["thermidor_step"]
    console.print(
        f"{title} {summary['run_id']}  scenario {summary['scenario']}  seed {summary['seed']}  "
        f"{summary['steps']} steps  {summary['members']} members",
        style="bold",
    )
    if thermidor:
        console.print(
            "no Thermidor" if step is None else f"Thermidor at step {step}",
            style="green" if step is None else "red",
        )
    table = Table()
    table.add_column("metric", no_wrap=True)
    table.add_column("final", justify="right")
    table.add_column("mean", justify="right")
    for name, final in summary["final"].items():
        table.add_row(name, _shown(final), _shown(summary["mean"][name]))
    console.print(table)
    extra = f"  status {summary['status']}" if "status" in summary else ""
    console.print(f"store {summary['store']}{extra}")


def run_command(
    scenario: Annotated[
        str, typer.Argument(help="A shipped scenario's name or the path of a TOML file.")
    ],
    *,
    seed: Annotated[int, seed_option("Seed of every random stream")] = 0,
    steps: Annotated[int | None, typer.Option(help="Sugar for --set meta.steps=N.")] = None,
    members: Annotated[int | None, typer.Option(help="Sugar for --set meta.members=N.")] = None,
    overrides: SetOption = None,
    without: WithoutOption = None,
    out: Annotated[Path, typer.Option(help="The results store (a DuckDB file).")] = Path(
        "results.duckdb"
    ),
    fmt: FormatOption = Format.table,
) -> None:
    """Run a scenario (or a classic model by name) with one seed, store the run, and print
    its metrics."""
    classic = _classic_model(scenario)
    if classic is not None:
        if without:
            fail(f"--without {without[0]}: the classic model {classic.name} has no events")
        _run_classic(classic, seed, steps, members, list(overrides or []), out, fmt)
        return
    from thermidor.scenarios import load_scenario  # noqa: PLC0415

    settings = list(overrides or [])
    settings += [f"meta.steps={steps}"] if steps is not None else []
    settings += [f"meta.members={members}"] if members is not None else []
    try:
        resolved = load_scenario(scenario, settings, without)
    except (ValueError, OSError) as exc:  # ScenarioError is a ValueError
        fail(str(exc))
    note_suppressed(resolved)

    from thermidor.model.run import run as simulate  # noqa: PLC0415

    meta = resolved.meta
    from thermidor.store import Store, StoreError  # noqa: PLC0415

    try:
        with Store(out) as store:
            run_id = store.start_run(
                meta.name,
                resolved.model_dump(mode="json"),
                seed=seed,
                version=_version(),
                steps=meta.steps,
                members=meta.members,
            )
    except StoreError as exc:
        fail(str(exc))
    try:
        with _LazyProgress(f"{meta.name} seed {seed}") as progress:
            results = simulate(resolved, seed, progress=progress)
    except BaseException:
        try:
            with Store(out) as store:
                store.fail_run(run_id)
        except StoreError:  # the store is locked or gone; the run stays 'running'
            pass
        raise
    with Store(out) as store:
        store.finish_run(run_id, results)

    final, mean = _stored_summary(results.series)
    summary = {
        "run_id": run_id,
        "scenario": results.scenario,
        "seed": results.seed,
        "steps": results.steps,
        "members": results.members,
        "thermidor_step": results.thermidor_step,
        "final": final,
        "mean": mean,
        "store": str(out.resolve()),
    }
    _report(summary, fmt, "run")


def _classic_model(name: str) -> ClassicModel | None:
    """The classic model called ``name``, or None when it names a scenario."""
    from thermidor.classic import get_model  # noqa: PLC0415

    try:
        return get_model(name)
    except KeyError:
        return None


def _run_classic(
    model: ClassicModel,
    seed: int,
    steps: int | None,
    members: int | None,
    overrides: list[str],
    out: Path,
    fmt: Format,
) -> None:
    """``thermidor run NAME`` for a classic model: same store, same JSON contract."""
    from thermidor.model.results import Results  # noqa: PLC0415
    from thermidor.store import Store, StoreError  # noqa: PLC0415

    fields = model.params.model_fields
    if steps is not None:
        overrides.append(f"steps={steps}")
    if members is not None:
        if "n" not in fields:
            fail(f"--members: {model.name} has no population size 'n'; use --set")
        overrides.append(f"n={members}")
    try:
        params = model.resolve(overrides)
    except ValueError as exc:
        fail(str(exc))
    resolved = params.model_dump(mode="json")
    agents = int(model.agents(params))
    try:
        with Store(out) as store:
            run_id = store.start_run(
                model.name,
                resolved,
                seed=seed,
                version=_version(),
                steps=int(resolved.get("steps", 0)),
                members=agents,
            )
    except StoreError as exc:
        fail(str(exc))
    try:
        with Console(stderr=True).status(f"{model.name} seed {seed}"):
            series = model.simulate(params, seed)
    except BaseException:
        try:
            with Store(out) as store:
                store.fail_run(run_id)
        except StoreError:
            pass
        raise
    length = len(next(iter(series.values())))
    results = Results(
        scenario=model.name,
        seed=seed,
        steps=length,
        members=agents,
        params=resolved,
        version=_version(),
        series={name: values.astype("float64") for name, values in series.items()},
        thermidor_step=None,
    )
    with Store(out) as store:
        store.finish_run(run_id, results)
    final, mean = _stored_summary(results.series, model.metrics)
    summary = {
        "run_id": run_id,
        "scenario": model.name,
        "seed": seed,
        "steps": length,
        "members": agents,
        "thermidor_step": None,
        "final": final,
        "mean": mean,
        "store": str(out.resolve()),
    }
    _report(summary, fmt, "run", thermidor=False)


def show(
    run_id: Annotated[str, typer.Argument(help="The id printed by `thermidor run`.")],
    *,
    out: Annotated[
        Path | None,
        typer.Option(help="Export the run's series to this .csv or .parquet file."),
    ] = None,
    store_path: Annotated[
        Path, typer.Option("--store", help="The results store (a DuckDB file).")
    ] = Path("results.duckdb"),
    fmt: FormatOption = Format.table,
) -> None:
    """Summarise a stored run and optionally export its per-step series."""
    if out is not None and out.suffix.lower() not in EXPORT_SUFFIXES:
        fail(f"--out {out}: suffix must be one of {', '.join(EXPORT_SUFFIXES)}")

    from thermidor.experiments.spool import settle  # noqa: PLC0415
    from thermidor.store import Store, StoreError  # noqa: PLC0415

    try:
        settle(store_path)  # runs a killed experiment left waiting beside the store
        with Store(store_path, read_only=True) as store:
            run = store.get_run(run_id)
            series = store.series(run_id)
            if out is not None:
                store.export(run_id, out)
    except StoreError as exc:
        fail(str(exc))

    classic = None if "meta" in run["params"] else _classic_model(run["scenario"])
    final, mean = _stored_summary(
        {name: series.column(name).to_numpy() for name in series.column_names},
        None if classic is None else classic.metrics,
    )
    summary = {
        "run_id": run["run_id"],
        "scenario": run["scenario"],
        "seed": run["seed"],
        "steps": run["steps"],
        "members": run["members"],
        "thermidor_step": run["thermidor_step"],
        "final": final,
        "mean": mean,
        "store": str(store_path.resolve()),
        "status": run["status"],
        "export": None if out is None else str(out.resolve()),
    }
    if out is not None:
        Console(stderr=True, markup=False).print(f"wrote {series.num_rows} steps to {out}")
    _report(summary, fmt, "run", thermidor=classic is None)
