"""The spool: each finished run of an experiment lands at once as one Arrow file beside the
store, and is moved into the store's tables in bulk.

An embedded analytical database pays several milliseconds per transaction, more
than a small run's whole cost to store; an Arrow IPC file takes under one. So a
run is made durable by writing ``<store>.spool/<run_id>.arrow`` (written aside,
then renamed: a file there is always whole), and ``ingest`` moves every spooled
run into the ``runs``, ``steps``, ``crises`` and ``experiment_runs`` tables in
one transaction before deleting the files. A run already in the store is never
inserted twice, so an ingest killed between its commit and its deletions is
harmless. The runner ingests when it starts, every few hundred runs and at the
end; the read commands ingest what a killed experiment left before they read.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from pyarrow import feather

from thermidor.store import Store, _plain

if TYPE_CHECKING:
    from thermidor.experiments.executors import Outcome

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
        "finished": datetime.now(UTC).replace(tzinfo=None).isoformat(),
    }
    links = [(experiment_id, point, seed, run_id) for point, seed in pairs]
    crises = [{k: _plain(c.get(k)) for k in CRISIS_KEYS} for c in results.crises]
    table = pa.table({"run_id": pa.array([run_id] * results.steps), **results.columns()})
    table = table.replace_schema_metadata(
        {"run": json.dumps(row), "crises": json.dumps(crises), "links": json.dumps(links)}
    )
    final = folder / f"{run_id}{SUFFIX}"
    aside = folder / f".{run_id}.tmp"
    feather.write_feather(table, aside, compression="uncompressed")
    os.replace(aside, final)


def ingest(store: Store) -> int:
    """Move every spooled run into the store in one transaction; return how many."""
    files = pending(store.path)
    if not files:
        return 0
    con = store.connection
    tables: list[pa.Table] = []
    rows: list[dict[str, Any]] = []  # the runs' records
    crises: list[dict[str, Any]] = []
    links: list[list[Any]] = []  # [experiment_id, point, seed, run_id]
    for path in files:
        table = feather.read_table(path)
        meta = {k.decode(): json.loads(v) for k, v in (table.schema.metadata or {}).items()}
        tables.append(table.replace_schema_metadata(None))
        rows.append(meta["run"])
        crises.extend({"run_id": meta["run"]["run_id"], **c} for c in meta["crises"])
        links.extend(meta["links"])
    ids = [r["run_id"] for r in rows]
    present = {
        r[0]
        for r in con.execute(
            "SELECT run_id FROM runs WHERE list_contains(?, run_id)", [ids]
        ).fetchall()
    }
    fresh = [k for k, r in enumerate(rows) if r["run_id"] not in present]
    con.execute("BEGIN TRANSACTION")
    try:
        if fresh:
            _insert_runs(store, [rows[k] for k in fresh])
            store.insert_steps(pa.concat_tables([tables[k] for k in fresh]))
            new = {rows[k]["run_id"] for k in fresh}
            _insert_crises(con, [c for c in crises if c["run_id"] in new])
        if links:
            new_links = pa.table(
                {
                    "experiment_id": [x[0] for x in links],
                    "point": pa.array([x[1] for x in links], pa.int32()),
                    "seed": pa.array([x[2] for x in links], pa.int64()),
                    "run_id": [x[3] for x in links],
                }
            )
            con.execute("INSERT OR IGNORE INTO experiment_runs SELECT * FROM new_links")
            del new_links
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    for path in files:
        path.unlink(missing_ok=True)
    return len(fresh)


def _insert_runs(store: Store, rows: list[dict[str, Any]]) -> None:
    columns = {key: [r[key] for r in rows] for key in rows[0]}
    new_runs = pa.table(columns)
    store.connection.execute(
        "INSERT INTO runs SELECT run_id, scenario, params::JSON, params_hash, seed, version, "
        "steps, members, thermidor_step, started::TIMESTAMP, finished::TIMESTAMP, 'finished' "
        "FROM new_runs"
    )
    del new_runs


def _insert_crises(con: Any, crises: list[dict[str, Any]]) -> None:
    if not crises:
        return
    new_crises = pa.table(
        {
            "run_id": [c["run_id"] for c in crises],
            "step": pa.array([c["step"] for c in crises], pa.int32()),
            "mobilised": pa.array([c["mobilised"] for c in crises], pa.float64()),
            "control_index": pa.array([c["control_index"] for c in crises], pa.float64()),
            "thermidor": pa.array([c["thermidor"] for c in crises], pa.bool_()),
        }
    )
    con.execute("INSERT INTO crises BY NAME SELECT * FROM new_crises")
    del new_crises


def settle(store_path: str | Path) -> None:
    """Ingest what a killed experiment left in the spool (a no-op when there is none)."""
    if pending(store_path):
        with Store(store_path) as store:
            from thermidor.experiments.records import SCHEMA  # noqa: PLC0415

            store.connection.execute(SCHEMA)
            ingest(store)
