"""The spool: each finished run of an experiment lands at once as one Arrow file beside the
store, and is moved into the store's tables in bulk.

An embedded analytical database pays several milliseconds per transaction, more
than a small run's whole cost to store; an Arrow IPC file takes under one. So a
run is made durable by writing ``<store>.spool/<run_id>.arrow`` (written aside,
then renamed: a file there is always whole), and ``ingest`` hands every spooled
run to the store (``Store.add_runs``, which alone writes the ``runs``, ``steps``
and ``crises`` tables) and links them to their experiment in ``experiment_runs``,
in one transaction, before deleting the files. A run already in the store is
never inserted twice, so an ingest killed between its commit and its deletions
is harmless. The runner ingests when it starts, every few hundred runs and at
the end; the read commands ingest what a killed experiment left before they
read. A run records the versions of python, numpy and numba of the worker that
computed it (a file spooled before they were recorded leaves them NULL).

``thermidor run`` spools its run the same way (``write_run``, no links) when the store
cannot take it (still locked by another process after the wait, a full disk): its
``running`` row is then replaced by the finished run at the next ingest, which the next
``thermidor run`` or read command performs.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pyarrow import feather

from thermidor.store import VERSION_COLUMNS, Store, _plain, fault_point

if TYPE_CHECKING:
    from thermidor.experiments.executors import Outcome
    from thermidor.model.results import Results

SUFFIX = ".arrow"
CRISIS_KEYS = ("step", "mobilised", "control_index", "thermidor")


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
    links = [(experiment_id, point, seed, run_id) for point, seed in pairs]
    _write(folder, row, results, links)


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
    return _write(folder, row, results, [])


def _now_iso() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat()


def _write(folder: Path, row: dict[str, Any], results: Results, links: list[Any]) -> Path:
    """One run's file: its series, and as metadata its row, crises and links; written
    aside, then renamed, so that a file in the spool is always whole."""
    run_id = row["run_id"]
    crises = [{k: _plain(c.get(k)) for k in CRISIS_KEYS} for c in results.crises]
    table = pa.table({"run_id": pa.array([run_id] * results.steps), **results.columns()})
    table = table.replace_schema_metadata(
        {"run": json.dumps(row), "crises": json.dumps(crises), "links": json.dumps(links)}
    )
    final = folder / f"{run_id}{SUFFIX}"
    aside = folder / f".{run_id}.tmp"
    try:
        feather.write_feather(table, aside, compression="uncompressed")
        os.replace(aside, final)
    except BaseException:
        aside.unlink(missing_ok=True)  # no partial file left behind (a full disk, say)
        raise
    return final


def ingest(store: Store) -> int:
    """Move every spooled run into the store in one transaction; return how many were new."""
    files = pending(store.path)
    if not files:
        return 0
    steps: list[pa.Table] = []
    rows: list[dict[str, Any]] = []
    crises: list[dict[str, Any]] = []
    links: list[list[Any]] = []
    for path in files:
        table = feather.read_table(path)
        meta = {k.decode(): json.loads(v) for k, v in (table.schema.metadata or {}).items()}
        steps.append(table.replace_schema_metadata(None))
        rows.append(meta["run"])
        crises.extend({"run_id": meta["run"]["run_id"], **c} for c in meta["crises"])
        links.extend(meta["links"])
    with store.transaction():
        added = store.add_runs(
            _columnar(rows), pa.concat_tables(steps), _columnar(crises) if crises else None
        )
        if links:
            new_links = pa.table(
                {
                    "experiment_id": pa.array([x[0] for x in links], pa.string()),
                    "point": pa.array([x[1] for x in links], pa.int32()),
                    "seed": pa.array([x[2] for x in links], pa.int64()),
                    "run_id": pa.array([x[3] for x in links], pa.string()),
                }
            )
            store.connection.execute(
                "INSERT OR IGNORE INTO experiment_runs (experiment_id, point, seed, run_id) "
                "SELECT experiment_id, point, seed, run_id FROM new_links"
            )
            del new_links
    fault_point("ingest-committed")
    for path in files:
        path.unlink(missing_ok=True)
    return len(added)


def _columnar(records: list[dict[str, Any]]) -> pa.Table:
    """Records as an Arrow table, a column per key any of them has (None where one lacks
    it); the store casts each column to its type."""
    keys = dict.fromkeys(key for record in records for key in record)
    return pa.table({key: [record.get(key) for record in records] for key in keys})


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
