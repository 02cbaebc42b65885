"""Experiments in the results store: which runs make up which experiment.

An experiment's runs are ordinary runs (the ``runs``, ``steps`` and ``crises``
tables); ``experiments`` holds each experiment's file and points, and
``experiment_runs`` links every (point, seed) to the run that answers it. A run
already in the store with the same resolved parameters, seed and version
answers any experiment that needs it: it is linked, never computed twice.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from thermidor.store import StoreError, _now

if TYPE_CHECKING:
    from thermidor.experiments.spec import Experiment, Value
    from thermidor.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS experiments (
    experiment_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    spec JSON NOT NULL,
    points JSON NOT NULL,
    created TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS experiment_runs (
    experiment_id VARCHAR NOT NULL,
    point INTEGER NOT NULL,
    seed BIGINT NOT NULL,
    run_id VARCHAR NOT NULL,
    PRIMARY KEY (experiment_id, point, seed)
);
"""

LINK = (
    "INSERT OR IGNORE INTO experiment_runs (experiment_id, point, seed, run_id) VALUES (?, ?, ?, ?)"
)


def run_key(params_hash: str, seed: int, version: str) -> str:
    """The id of the run of these resolved parameters, seed and version: the same run gets
    the same id in every store, so an interrupted experiment resumed ends up identical."""
    return hashlib.sha256(f"{params_hash}:{seed}:{version}".encode()).hexdigest()[:12]


def register(store: Store, experiment: Experiment, points: list[dict[str, Value]]) -> str:
    """Create the experiment's tables and row if missing; return its id."""
    con = store.connection
    con.execute(SCHEMA)
    experiment_id = experiment.identity()
    con.execute(
        "INSERT OR IGNORE INTO experiments (experiment_id, name, spec, points, created) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            experiment_id,
            experiment.name,
            experiment.model_dump_json(),
            json.dumps(points),
            _now(),
        ],
    )
    return experiment_id


def finished_runs(store: Store, version: str) -> dict[tuple[str, int], str]:
    """Finished runs of this version: (params hash, seed) -> run id."""
    rows = store.connection.execute(
        "SELECT params_hash, seed, min(run_id) FROM runs "
        "WHERE status = 'finished' AND version = ? GROUP BY params_hash, seed",
        [version],
    ).fetchall()
    return {(h, int(s)): r for h, s, r in rows}


def linked(store: Store, experiment_id: str) -> set[tuple[int, int]]:
    """(point, seed) pairs of the experiment already linked to a finished run."""
    rows = store.connection.execute(
        "SELECT point, seed FROM experiment_runs WHERE experiment_id = ?", [experiment_id]
    ).fetchall()
    return {(int(p), int(s)) for p, s in rows}


def has_tables(store: Store) -> bool:
    tables = {row[0] for row in store.connection.execute("SHOW TABLES").fetchall()}
    return "experiments" in tables


def experiments(store: Store) -> list[dict[str, Any]]:
    """Every experiment in the store, oldest first, with its counts of runs."""
    if not has_tables(store):
        return []
    rows = store.connection.execute(
        "SELECT e.experiment_id, e.name, e.created, json_array_length(e.points), "
        "count(r.run_id) FROM experiments e LEFT JOIN experiment_runs r USING (experiment_id) "
        "GROUP BY ALL ORDER BY e.created, e.experiment_id"
    ).fetchall()
    keys = ("experiment_id", "name", "created", "points", "runs")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def experiment(store: Store, experiment_id: str | None) -> dict[str, Any]:
    """One experiment's row (``spec`` and ``points`` decoded); the latest when ``None``."""
    found = experiments(store)
    if not found:
        msg = f"no experiment in {store.path}"
        raise StoreError(msg)
    if experiment_id is None:
        experiment_id = found[-1]["experiment_id"]
    rows = store.connection.execute(
        "SELECT experiment_id, name, spec, points, created FROM experiments "
        "WHERE experiment_id = ?",
        [experiment_id],
    ).fetchall()
    if not rows:
        ids = ", ".join(e["experiment_id"] for e in found)
        msg = f"no experiment {experiment_id!r} in {store.path}; experiments: {ids}"
        raise StoreError(msg)
    eid, name, spec, points, created = rows[0]
    return {
        "experiment_id": eid,
        "name": name,
        "spec": json.loads(spec),
        "points": json.loads(points),
        "created": created,
    }


def outcomes(store: Store, experiment_id: str, metrics: list[str]) -> pa.Table:
    """One row per run of the experiment: point, seed, run id, thermidor step, and for each
    metric its value at the last step (``NAME``) and its mean over the run (``NAME_mean``)."""
    quoted = [f'"{m}"' for m in metrics]
    finals = ", ".join(f"arg_max(s.{q}, s.step) AS {q}" for q in quoted)
    means = ", ".join(f'avg(s.{q}) AS "{m}_mean"' for q, m in zip(quoted, metrics, strict=True))
    query = (
        "SELECT l.point, l.seed, l.run_id, r.thermidor_step, "
        f"{finals}, {means} "
        "FROM experiment_runs l JOIN runs r USING (run_id) JOIN steps s USING (run_id) "
        "WHERE l.experiment_id = ? GROUP BY ALL ORDER BY l.point, l.seed"
    )
    return store.connection.sql(query, params=[experiment_id]).to_arrow_table()
