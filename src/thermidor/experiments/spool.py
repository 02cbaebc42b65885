"""The spool: each finished run of an experiment lands at once as one Arrow file beside the
store, and is moved into the store's tables in bulk.

An embedded analytical database pays several milliseconds per transaction, more
than a small run's whole cost to store; an Arrow IPC file takes under one. So a
run is made durable by writing ``<store>.spool/<run_id>.arrow`` (written aside,
flushed to the disk, then renamed: a file there is always whole, even after a
power cut), and ``ingest`` hands every spooled run to the store (``Store.add_runs``,
which alone writes the ``runs``, ``steps`` and ``crises`` tables) and links them to
their experiment in ``experiment_runs``, in one transaction, before deleting the
files. A run already in the store is never inserted twice, so an ingest killed
between its commit and its deletions is harmless. The runner ingests when it
starts, every few hundred runs and at the end; the read commands ingest what a
killed experiment left before they read. A run records the versions of python,
numpy and numba of the worker that computed it (a file spooled before they were
recorded leaves them NULL).

Everything in a spool file is data: its column names must be series the model
records, its run row, crises and links must fit the store's columns (``spoolfile``
checks them). ``write`` checks a run as ``ingest`` does, so the program never spools
what it cannot ingest; a file that is unreadable or does not fit anyway (truncated, zero bytes,
random, another schema, a crafted name) is moved to ``<store>.spool/quarantine/``,
named in one ``warning:`` line on stderr, and never deleted: one bad file costs
one run, not the store.

``thermidor run`` spools its run the same way (``write_run``, no links) when the store
cannot take it (still locked by another process after the wait, a full disk): its
``running`` row is then replaced by the finished run at the next ingest, which the next
``thermidor run`` or read command performs.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pyarrow import feather

from thermidor.experiments.spoolfile import (
    CRISIS_KEYS,
    SUFFIX,
    Spooled,
    SpoolFileError,
    Tables,
    check,
    read,
    tables,
)
from thermidor.store import VERSION_COLUMNS, Store, StoreError, _plain, fault_point

if TYPE_CHECKING:
    from thermidor.experiments.executors import Outcome
    from thermidor.model.results import Results

QUARANTINE = "quarantine"  # the folder in the spool where files that cannot be ingested go


def spool_dir(store_path: str | Path) -> Path:
    return Path(f"{store_path}.spool")


def pending(store_path: str | Path) -> list[Path]:
    """Spooled runs not yet in the store, oldest name first."""
    folder = spool_dir(store_path)
    return sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


def write(store_path: str | Path, run_id: str, outcome: Outcome, experiment_id: str,
          pairs: list[tuple[int, int]]) -> None:  # fmt: skip
    """Make one finished run durable: its series, and as metadata its ``runs`` row, its
    crises and its links to the experiment's (point, seed) pairs it answers."""
    results = outcome.results
    folder = spool_dir(store_path)
    folder.mkdir(exist_ok=True)
    row = {
        "run_id": run_id,
        "scenario": results.scenario,
        "params": outcome.params_json,
        "params_hash": outcome.params_hash,
        "seed": results.seed,
        "version": results.version,
        "steps": results.steps,
        "members": results.members,
        "thermidor_step": results.thermidor_step,
        "started": outcome.started.isoformat(),
        "finished": _now_iso(),
        # the worker's, which computed the run (``Results.versions`` is filled where it runs)
        **{column: results.versions.get(key) for key, column in VERSION_COLUMNS.items()},
    }
    links = [[experiment_id, point, seed, run_id] for point, seed in pairs]
    # an experiment's run whose rename a power cut lost is computed again when the
    # experiment resumes (exactly), so its folder is not synced: that sync would double
    # the spool's cost per run (benchmarks/README_experiments.md)
    _write(folder, row, results, links, durable_name=False)


def write_run(store_path: str | Path, run: dict[str, Any], results: Results) -> Path:
    """Keep a run of ``thermidor run`` that the store could not take, and return its file.

    Args:
        store_path: the store the run belongs to.
        run: its ``runs`` row as ``Store.get_run`` read it when the run started (its id,
            scenario, parameters, start, process).
        results: what the simulation computed.
    """
    folder = spool_dir(store_path)
    folder.mkdir(exist_ok=True)
    row = {
        "run_id": run["run_id"],
        "scenario": run["scenario"],
        "params": json.dumps(run["params"], sort_keys=True, ensure_ascii=False),
        "params_hash": run["params_hash"],
        "seed": run["seed"],
        "version": results.version,
        "steps": results.steps,
        "members": run["members"],
        "thermidor_step": results.thermidor_step,
        "started": run["started"].isoformat(),
        "finished": _now_iso(),
        **{column: results.versions.get(key) for key, column in VERSION_COLUMNS.items()},
        "pid": run.get("pid"),
        "host": run.get("host"),
    }
    return _write(folder, row, results, [], durable_name=True)  # nothing else would redo it


def _now_iso() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat()


def _write(
    folder: Path, row: dict[str, Any], results: Results, links: list[Any], *, durable_name: bool
) -> Path:
    """One run's file: its series, and as metadata its row, crises and links; written
    aside, flushed to the disk, then renamed, so that a file in the spool is always whole.
    With ``durable_name`` the folder is synced too, so that the rename itself survives a
    power cut."""
    run_id = row["run_id"]
    crises = [{k: _plain(c.get(k)) for k in CRISIS_KEYS} for c in results.crises]
    table = pa.table({"run_id": pa.array([run_id] * results.steps), **results.columns()})
    final = folder / f"{run_id}{SUFFIX}"
    try:  # never spool what ingest would refuse (a seed beyond BIGINT, say)
        check(Spooled(final, table, row, crises, links))
    except SpoolFileError as exc:
        msg = f"run {run_id} (seed {results.seed}) cannot be stored: {exc}"
        raise StoreError(msg) from exc
    table = table.replace_schema_metadata(
        {"run": json.dumps(row), "crises": json.dumps(crises), "links": json.dumps(links)}
    )
    aside = folder / f".{run_id}.tmp"
    try:
        with aside.open("wb") as sink:
            feather.write_feather(table, sink, compression="uncompressed")
            sink.flush()
            os.fsync(sink.fileno())  # the bytes on disk before the name points to them
        os.replace(aside, final)
    except BaseException:
        aside.unlink(missing_ok=True)  # no partial file left behind (a full disk, say)
        raise
    if durable_name:
        _sync_folder(folder)
    return final


def _sync_folder(folder: Path) -> None:
    """fsync a folder, so that a rename in it survives a power cut (where the system
    cannot sync a folder, there is nothing more to do)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def ingest(store: Store) -> int:
    """Move every spooled run into the store in one transaction; return how many were new.
    A file that cannot be ingested is moved to the quarantine folder with one warning line
    on stderr (never deleted), and the others go in."""
    files = pending(store.path)
    if not files:
        return 0
    good: list[Spooled] = []
    for path in files:
        try:
            good.append(read(path))
        except SpoolFileError as exc:
            quarantine(path, str(exc))
    try:
        rows = tables(good) if good else None
    except SpoolFileError:  # a value that does not fit its column: find whose, one by one
        rows, good = _one_by_one(good)
    if rows is None:
        return 0
    with store.transaction():
        added = store.add_runs(rows.runs, rows.steps, rows.crises)
        new_links = rows.links  # DuckDB reads the local Arrow table by its name
        store.connection.execute(
            "INSERT OR IGNORE INTO experiment_runs (experiment_id, point, seed, run_id) "
            "SELECT experiment_id, point, seed, run_id FROM new_links"
        )
        del new_links
    fault_point("ingest-committed")
    for spooled in good:
        spooled.path.unlink(missing_ok=True)
    return len(added)


def _one_by_one(spooled: list[Spooled]) -> tuple[Tables | None, list[Spooled]]:
    """The tables of the files whose values fit the store, each converted alone; the others
    quarantined."""
    kept = []
    for one in spooled:
        try:
            tables([one])
        except SpoolFileError as exc:
            quarantine(one.path, str(exc))
        else:
            kept.append(one)
    return (tables(kept) if kept else None), kept


def quarantine(path: Path, reason: str) -> Path | None:
    """Move a spool file that cannot be ingested to the quarantine folder (never delete
    it: it may be all that is left of a run) and say so in one line on stderr; where the
    move is refused, leave it and say that. Return where it went."""
    folder = path.parent / QUARANTINE
    target = folder / path.name
    try:
        folder.mkdir(exist_ok=True)
        number = 0
        while target.exists():  # an earlier file of that name is kept too
            number += 1
            target = folder / f"{path.name}.{number}"
        os.replace(path, target)
        _sync_folder(path.parent)
    except OSError as exc:
        _warn(f"spool file {path} cannot be ingested ({reason}) nor moved aside ({exc}): left")
        return None
    _warn(f"spool file {path} cannot be ingested ({reason}): moved to {target}")
    return target


def _warn(message: str) -> None:
    with contextlib.suppress(OSError):  # a closed stderr must not stop the ingest
        print(f"warning: {' '.join(message.split())}", file=sys.stderr, flush=True)


def settle(store_path: str | Path) -> None:
    """Ingest what a killed experiment, or a ``thermidor run`` that could not save, left in
    the spool (a no-op when there is none)."""
    if pending(store_path):
        with Store(store_path) as store:
            settle_into(store)


def settle_into(store: Store) -> int:
    """``settle`` for a store already open for writing; return how many runs were new."""
    if not pending(store.path):
        return 0
    from thermidor.experiments.records import SCHEMA  # noqa: PLC0415

    store.connection.execute(SCHEMA)
    return ingest(store)
