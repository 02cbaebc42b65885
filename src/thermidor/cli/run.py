"""``thermidor run`` and ``thermidor show``: run a scenario (or a classic model) with one seed
into the store, and summarise or export a stored run.

Heavy modules (the model, numpy, the scenario schema, DuckDB) are imported inside the
commands so that ``thermidor --help`` stays fast. Every user error (a bad scenario, an
override, an unknown run id, an export suffix) is one ``error: ...`` line on stderr and
exit status 2, before the store is touched.

Several runs may share a store: each opens it only to record its start and to save, and
waits (bounded) while another holds it. A computed run the store cannot take (still
locked after the wait, a full disk) is kept in the store's spool, which the next command
on the store ingests, and the command exits with 3.
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
    DEFAULT_STORE,
    EXIT_ENVIRONMENT,
    EXIT_USAGE,
    EXPORT_SUFFIXES,
    Format,
    FormatOption,
    RetiredOutOption,
    SetOption,
    StoreOption,
    WithoutOption,
    check_output,
    check_store,
    date_of,
    dated,
    fail,
    fail_input,
    fail_os,
    note_suppressed,
    number,
    progress_bar,
    seed_option,
    store_errors,
)
from thermidor.engine.seeds import DEFAULT_SEED

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from rich.progress import Progress, TaskID

    from thermidor.classic.base import ClassicModel
    from thermidor.model.results import Results
    from thermidor.model.snapshots import Snapshot

PROGRESS_DELAY = 1.0  # seconds a run must last before its progress bar appears
SnapshotOption = Annotated[
    list[str] | None,
    typer.Option(
        "--snapshot",
        metavar="WHEN",
        help="Keep the members and offices at the end of this step, for `thermidor agents`: "
        "a date (1924-01) or a step number; repeat for several, or `auto` for five spread "
        "over the run. None by default: each costs about 20 bytes per member in the store "
        "(docs/agents.md).",
        show_default=False,
    ),
]


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
    step, date = summary["thermidor_step"], summary.get("thermidor_date")
    console.print(
        f"{title} {summary['run_id']}  scenario {summary['scenario']}  seed {summary['seed']}  "
        f"{summary['steps']} steps  {summary['members']} members",
        style="bold",
    )
    if thermidor:
        console.print(
            "no Thermidor" if step is None else f"Thermidor at {dated(step, date)}",
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
    if summary.get("stale"):
        extra += (
            f" (its process is gone; `thermidor runs --store {summary['store']} --stale` marks it "
            "failed)"
        )
    console.print(f"store {summary['store']}{extra}")
    if summary.get("snapshots"):
        console.print(
            f"snapshots at {', '.join(summary['snapshots'])}: "
            f"thermidor agents {summary['run_id']} --store {summary['store']}",
            soft_wrap=True,
        )


def run_command(
    scenario: Annotated[
        str, typer.Argument(help="A shipped scenario's name or the path of a TOML file.")
    ],
    *,
    seed: Annotated[int, seed_option("Seed of every random stream")] = DEFAULT_SEED,
    steps: Annotated[
        int | None, typer.Option(help="Steps to run; short for --set meta.steps=N.")
    ] = None,
    members: Annotated[
        int | None, typer.Option(help="Members at the start; short for --set meta.members=N.")
    ] = None,
    overrides: SetOption = None,
    without: WithoutOption = None,
    out: StoreOption = DEFAULT_STORE,
    retired_out: RetiredOutOption = None,
    fmt: FormatOption = Format.table,
    snapshot: SnapshotOption = None,
) -> None:
    """Run a scenario (or a classic model by name) with one seed, store the run, and print
    its metrics."""
    check_output(out, "--store")
    classic = _classic_model(scenario)
    if classic is not None:
        if without:
            fail(f"--without {without[0]}: the classic model {classic.name} has no events")
        if snapshot:
            fail(f"--snapshot {snapshot[0]}: the classic model {classic.name} has no snapshots")
        _run_classic(classic, seed, steps, members, list(overrides or []), out, fmt)
        return
    from thermidor.scenarios import load_scenario  # noqa: PLC0415

    settings = list(overrides or [])
    settings += [f"meta.steps={steps}"] if steps is not None else []
    settings += [f"meta.members={members}"] if members is not None else []
    try:
        resolved = load_scenario(scenario, settings, without)
    except (ValueError, OSError) as exc:  # ScenarioError is a ValueError
        fail_input(exc)
    note_suppressed(resolved)
    from thermidor.model.run import run as simulate  # noqa: PLC0415
    from thermidor.model.snapshots import run_with_snapshots, snapshot_steps  # noqa: PLC0415

    try:
        snapshot_at = snapshot_steps(snapshot or [], resolved)
    except ValueError as exc:
        fail(f"--snapshot {exc}")

    meta = resolved.meta
    params = resolved.model_dump(mode="json")
    run = _start_run(
        out,
        meta.name,
        params,
        seed=seed,
        steps=meta.steps,
        members=meta.members,
    )
    run_id = run["run_id"]
    try:
        with _LazyProgress(f"{meta.name} seed {seed}") as progress:
            if snapshot_at:
                results, taken = run_with_snapshots(resolved, seed, snapshot_at, progress=progress)
            else:
                results, taken = simulate(resolved, seed, progress=progress), []
    except BaseException:
        _fail_run(out, run_id)
        raise
    _save_run(out, run, results, taken)

    final, mean = _stored_summary(results.series)
    summary = {
        "run_id": run_id,
        "scenario": results.scenario,
        "seed": results.seed,
        "steps": results.steps,
        "members": results.members,
        "thermidor_step": results.thermidor_step,
        "thermidor_date": date_of(params, results.thermidor_step),
        "final": final,
        "mean": mean,
        "store": str(out.resolve()),
    }
    if taken:
        summary["snapshots"] = [s.date for s in taken]
    _report(summary, fmt, "run")


def _start_run(
    out: Path, name: str, params: dict[str, Any], *, seed: int, steps: int, members: int
) -> dict[str, Any]:
    """Record the run as ``running`` (ingesting first the runs earlier commands could only
    spool) and return its row; the store is closed again while the run computes."""
    from thermidor.experiments.spool import settle_into  # noqa: PLC0415
    from thermidor.store import Store, fault_point  # noqa: PLC0415

    with store_errors(out, "write to"), Store(out) as store:
        settle_into(store)
        run_id = store.start_run(
            name, params, seed=seed, version=_version(), steps=steps, members=members
        )
        run = store.get_run(run_id)
    fault_point("run-computing")
    return run


def _fail_run(out: Path, run_id: str) -> bool:
    """Mark a run whose simulation raised (or was interrupted), or that could be neither
    saved nor spooled, as failed, if the store lets us, and say whether it did; otherwise
    it stays ``running`` until ``thermidor runs --stale`` finds it."""
    import duckdb  # noqa: PLC0415

    from thermidor.store import Store, StoreError  # noqa: PLC0415

    try:
        with Store(out) as store:
            store.fail_run(run_id)
    except (StoreError, duckdb.Error):
        return False
    return True


def _save_run(
    out: Path, run: dict[str, Any], results: Results, snapshots: Sequence[Snapshot] = ()
) -> None:
    """Write the computed run into the store, its snapshots first (so that a finished run
    has them). If the store cannot take it (still locked after the wait, a full disk), keep
    the run (without its snapshots) in the store's spool, say where in one line and exit
    with 3 (2 when the store itself is at fault, e.g. replaced meanwhile)."""
    import duckdb  # noqa: PLC0415

    from thermidor.experiments.spool import spool_dir, write_run  # noqa: PLC0415
    from thermidor.store import Store, StoreEnvironmentError, StoreError, failure  # noqa: PLC0415

    error: StoreError
    try:
        with Store(out) as store:
            if snapshots:
                from thermidor.snapshot_store import save_snapshots  # noqa: PLC0415

                save_snapshots(store, run["run_id"], snapshots)
            store.finish_run(run["run_id"], results)
    except StoreError as exc:
        error = exc
    except duckdb.Error as exc:  # a block found corrupt only when written
        error = failure(out, exc, "write to")
    else:
        return
    status = EXIT_ENVIRONMENT if isinstance(error, StoreEnvironmentError) else EXIT_USAGE
    run_id = run["run_id"]
    try:
        kept = write_run(out, run, results)
    except OSError as exc:
        then = (
            "it is marked failed"
            if _fail_run(out, run_id)
            else f"`thermidor runs --store {out} --stale` will mark it failed"
        )
        fail(
            f"{error}; run {run_id} is lost: it cannot be kept in {spool_dir(out)} either "
            f"({exc.strerror or exc}); {then}",
            status,
        )
    fail(
        f"{error}; run {run_id} is kept in {kept}: the next command on {out} stores it",
        status,
    )


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
    run = _start_run(
        out, model.name, resolved, seed=seed, steps=int(resolved.get("steps", 0)), members=agents
    )
    run_id = run["run_id"]
    try:
        with Console(stderr=True).status(f"{model.name} seed {seed}"):
            series = model.simulate(params, seed)
    except BaseException:
        _fail_run(out, run_id)
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
    _save_run(out, run, results)
    final, mean = _stored_summary(results.series, model.metrics)
    summary = {
        "run_id": run_id,
        "scenario": model.name,
        "seed": seed,
        "steps": length,
        "members": agents,
        "thermidor_step": None,
        "thermidor_date": None,
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
        typer.Option(help="Export the run's series, with a date column, to .csv or .parquet."),
    ] = None,
    store_path: StoreOption = DEFAULT_STORE,
    fmt: FormatOption = Format.table,
) -> None:
    """Summarise a stored run and optionally export its per-step series, dated."""
    if out is not None and out.suffix.lower() not in EXPORT_SUFFIXES:
        fail(f"--out {out}: suffix must be one of {', '.join(EXPORT_SUFFIXES)}")
    check_store(store_path, "--store")
    if out is not None:
        check_output(out, "--out")

    from thermidor.cli.runs import process_gone  # noqa: PLC0415
    from thermidor.experiments.spool import settle  # noqa: PLC0415
    from thermidor.model.results import METRICS  # noqa: PLC0415
    from thermidor.store import Store  # noqa: PLC0415

    with store_errors(store_path):
        settle(store_path)  # runs a killed experiment left waiting beside the store
        with Store(store_path, read_only=True) as store:
            run = store.get_run(run_id)
            series = store.series(run_id)
    if out is not None:
        from thermidor.exports import dated_series, write_series  # noqa: PLC0415

        try:
            write_series(dated_series(run, series), out)
        except OSError as exc:  # a disk full, or the folder gone read-only since the check
            fail_os("--out", out, exc, "cannot write it")

    classic = None if "meta" in run["params"] else _classic_model(run["scenario"])
    lacking = [
        name
        for name in (METRICS if classic is None else classic.metrics)
        if name not in series.column_names
    ]
    if lacking:
        fail(f"run {run_id} in {store_path}: no series {lacking[0]} stored (a damaged store?)")
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
        "thermidor_date": date_of(run["params"], run["thermidor_step"]),
        "final": final,
        "mean": mean,
        "store": str(store_path.resolve()),
        "status": run["status"],
        # a running run whose process is gone (true), alive (false), or unknown (null)
        "stale": process_gone(run) if run["status"] == "running" else None,
        "export": None if out is None else str(out.resolve()),
    }
    if out is not None:
        Console(stderr=True, markup=False).print(f"wrote {series.num_rows} steps to {out}")
    _report(summary, fmt, "run", thermidor=classic is None)
