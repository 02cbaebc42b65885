"""Experiments in the results store: which runs make up which experiment.

An experiment's runs are ordinary runs (the ``runs``, ``steps`` and ``crises``
tables); ``experiments`` holds each experiment's file and points, and
``experiment_runs`` links every (point, seed) to the run that answers it. A run
already in the store with the same resolved parameters, seed and version
answers any experiment that needs it: it is linked, never computed twice.

What a store says about an experiment is data, read from a file anyone can
write: ``experiment`` checks its shape and that its metrics are the model's
before anything uses them, and the metrics reach SQL only as quoted identifiers.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from thermidor.model.results import EXTRA_SERIES, METRICS
from thermidor.store import StoreError, _now, quoted, shown_name

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

SERIES = (*METRICS, *EXTRA_SERIES)  # the per-step series the model records

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
    where = f"experiment {eid} in {store.path}"
    try:
        spec, points = json.loads(spec), json.loads(points)
    except (TypeError, ValueError) as exc:
        msg = f"{where}: its spec or points are not JSON ({exc})"
        raise StoreError(msg) from exc
    _check_spec(spec, points, where)
    return {
        "experiment_id": eid,
        "name": name,
        "spec": spec,
        "points": points,
        "created": created,
    }


def _check_spec(spec: Any, points: Any, where: str) -> None:
    """StoreError unless the stored spec keeps a list of the model's metrics and the points
    are objects with the same parameters (as ``register`` wrote them): anything else was
    not written by this program, and a name in it must never reach SQL."""
    if not isinstance(spec, dict) or not isinstance(spec.get("metrics"), list):
        msg = f"{where}: its spec has no list of metrics; not written by thermidor"
        raise StoreError(msg)
    for metric in spec["metrics"]:
        check_metric(metric, where, METRICS)  # what an experiment file may keep
    if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
        msg = f"{where}: its points are not a list of objects; not written by thermidor"
        raise StoreError(msg)
    if points and any(p.keys() != points[0].keys() for p in points):
        msg = f"{where}: its points do not all set the same parameters"
        raise StoreError(msg)


def check_metric(metric: Any, where: str, allowed: tuple[str, ...] = SERIES) -> None:
    """StoreError unless ``metric`` is one of ``allowed`` (by default every series the
    model records): read from a store, a name is data, and only a known one is ever put
    into a query."""
    if metric not in allowed:
        msg = f"{where}: unknown metric {shown_name(str(metric))}; allowed: {', '.join(allowed)}"
        raise StoreError(msg)


def outcomes(store: Store, experiment_id: str, metrics: list[str]) -> pa.Table:
    """One row per run of the experiment: point, seed, run id, thermidor step, and for each
    metric its value at the last step (``NAME``) and its mean over the run (``NAME_mean``).
    A metric must be a series the model records (StoreError otherwise)."""
    for metric in metrics:
        check_metric(metric, f"experiment {experiment_id} in {store.path}")
    finals = ", ".join(f"arg_max(s.{quoted(m)}, s.step) AS {quoted(m)}" for m in metrics)
    means = ", ".join(f"avg(s.{quoted(m)}) AS {quoted(m + '_mean')}" for m in metrics)
    query = (
        "SELECT l.point, l.seed, l.run_id, r.thermidor_step, "
        f"{finals}, {means} "
        "FROM experiment_runs l JOIN runs r USING (run_id) JOIN steps s USING (run_id) "
        "WHERE l.experiment_id = ? GROUP BY ALL ORDER BY l.point, l.seed"
    )
    return store.connection.sql(query, params=[experiment_id]).to_arrow_table()
