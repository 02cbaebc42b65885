"""``thermidor runs [--store STORE]``: the runs of a store (id, scenario, seed, status,
Thermidor's date, when created), and ``--stale`` to close those whose process died.

A run's row is ``running`` from its start until its series are saved; a run killed in
between (``kill -9``, a power cut, an out-of-memory kill) would stay ``running`` forever.
Each row records the process that computes it (``pid``, ``host``), so on the same host a
run whose process is gone is certain: the pid no longer exists, or it now belongs to a
process created after the run started (the pid was reused). A run of another host, or
one stored before the process was recorded, cannot be checked from here: ``--stale``
marks it only when ``--older-than HOURS`` says how old a run must be to be given up.
"""

from __future__ import annotations

import json
import math
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from thermidor.cli._common import (
    Format,
    FormatOption,
    OptionalStoreOption,
    StoreArgument,
    check_store,
    chosen_store,
    date_of,
    fail,
    store_errors,
)

# a process created this long after its run's row was written is not the run's (the pid was
# reused). The row is written a moment after its process starts; the slack absorbs the wall
# clock being stepped forward since (a process's creation time is read back through the
# boot time, which moves with the clock), so that a live run is never taken for dead
_CREATED_SLACK = 60.0  # seconds


def _process_is(pid: int, started: datetime) -> bool:
    """Whether process ``pid`` of this host exists and was created by the time a run it
    computes started (``started``, naive UTC)."""
    try:
        import psutil  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError:  # psutil comes with the dashboard's dependencies; be safe anyway
        return _pid_exists(pid)
    try:
        created = psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:  # exists, but not ours to inspect
        return True
    return created <= started.replace(tzinfo=UTC).timestamp() + _CREATED_SLACK


def _pid_exists(pid: int) -> bool:
    import os  # noqa: PLC0415

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_gone(run: dict[str, Any]) -> bool | None:
    """Whether the process that computes a ``running`` run is gone: True or False on its
    own host, None when it cannot be checked from here (another host, no pid recorded)."""
    pid, host = run.get("pid"), run.get("host")
    if pid is None or host != socket.gethostname():
        return None
    return not _process_is(int(pid), run["started"])


def is_stale(run: dict[str, Any], older_than: float | None, now: datetime) -> bool:
    """A ``running`` run whose process is gone, or that cannot be checked and started more
    than ``older_than`` hours before ``now`` (naive UTC)."""
    if run["status"] != "running":
        return False
    gone = process_gone(run)
    if gone is not None:
        return gone
    return older_than is not None and now - run["started"] > timedelta(hours=older_than)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(sep=" ", timespec="seconds")


def _record(run: dict[str, Any], params: Any) -> dict[str, Any]:
    """A run as one JSON object: its listed fields, Thermidor's step and date (null when
    it never came, or the run has no calendar), and ``stale`` (a ``running`` run whose
    process is gone: true or false, null when it cannot be checked; null for the others).
    ``created`` is when the run was recorded, ``started`` its older name."""
    step = run.get("thermidor_step")
    return {
        "run_id": run["run_id"],
        "scenario": run["scenario"],
        "seed": run["seed"],
        "steps": run["steps"],
        "members": run["members"],
        "status": run["status"],
        "thermidor_step": step,
        "thermidor_date": date_of(params, step),
        "created": _iso(run["started"]),
        "started": _iso(run["started"]),
        "finished": _iso(run["finished"]),
        "pid": run.get("pid"),
        "host": run.get("host"),
        "stale": process_gone(run) if run["status"] == "running" else None,
    }


def runs_command(
    positional: StoreArgument = None,
    *,
    store_option: OptionalStoreOption = None,
    stale: Annotated[
        bool,
        typer.Option(
            "--stale",
            help="List only the runs still 'running' whose process is gone, and mark them failed.",
        ),
    ] = False,
    older_than: Annotated[
        float | None,
        typer.Option(
            "--older-than",
            metavar="HOURS",
            help="With --stale: also mark the runs whose process cannot be checked from here "
            "(another host, or none recorded) that started more than HOURS ago.",
        ),
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List the runs of a store, oldest first: id, scenario, seed, status, Thermidor's date
    and when each was created.

    With --stale, close the runs left 'running' by a process that died.
    """
    store_path = chosen_store(positional, store_option)
    if older_than is not None:
        if not stale:
            fail(f"--older-than {older_than:g}: only with --stale")
        if not (math.isfinite(older_than) and older_than > 0):
            fail(f"--older-than {older_than}: must be a number of hours > 0")
    check_store(store_path, "--store")

    from thermidor.experiments.spool import pending, settle_into  # noqa: PLC0415
    from thermidor.store import Store  # noqa: PLC0415

    # a run spooled because the store could not take it is finished, not stale: ingest first
    write = stale or bool(pending(store_path))
    with store_errors(store_path), Store(store_path, read_only=not write) as store:
        if write:
            settle_into(store)
        runs = store.list_runs()
        calendars = store.calendars()
        if stale:
            now = datetime.now(UTC).replace(tzinfo=None)
            gone = [run["run_id"] for run in runs if is_stale(run, older_than, now)]
            marked = set(store.fail_running(gone))
            runs = [run for run in store.list_runs() if run["run_id"] in marked]

    records = [_record(run, calendars.get(run["run_id"])) for run in runs]
    if fmt is Format.json:
        typer.echo(json.dumps({"store": str(store_path.resolve()), "runs": records}))
        return
    _print_table(records, store_path, stale=stale)


def _print_table(records: list[dict[str, Any]], store_path: Path, *, stale: bool) -> None:
    console = Console(markup=False, highlight=False)
    table = Table()
    # the process matters while a run is 'running': its column only then
    running = any(record["status"] == "running" for record in records)
    names: tuple[str, ...] = ("run", "scenario", "seed", "status", "Thermidor", "created (UTC)")
    names += ("pid@host",) * running
    for name in names:
        # a long scenario name folds onto a second line rather than being cut
        table.add_column(
            name,
            no_wrap=name not in {"scenario", "status"},
            overflow="fold" if name == "scenario" else "ellipsis",
        )
    for record in records:
        status = record["status"] + (" (process gone)" if record["stale"] else "")
        cells = [record["run_id"], record["scenario"], str(record["seed"]), status]
        step, date = record["thermidor_step"], record["thermidor_date"]
        cells.append("—" if step is None else (date or f"step {step}"))
        cells.append(record["created"][:16])  # to the minute: the table fits 80 columns
        if running:
            unknown = record["pid"] is None or record["status"] != "running"
            cells.append("—" if unknown else f"{record['pid']}@{record['host']}")
        table.add_row(*cells)
    console.print(table)
    what = "marked failed (their process is gone)" if stale else "in the store"
    console.print(f"{len(records)} run(s) {what}: {store_path}")
