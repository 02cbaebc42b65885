"""The facts' evaluations in the results store: one row per (study, point, fact, version).

``fact_studies`` holds each study (a posterior's points, a sample of a box, a Morris or
Sobol' design over one) with what made its points; ``fact_robustness`` holds every verdict:
the point's parameters, weight, the fact, whether it held, its margin and clauses, the
seeds and the version that computed it. Rows are only appended; a study run again skips
the (point, fact) pairs it already has for this version, so an interrupted study resumes.
Every value is bound as a parameter; the tables' names and columns are the constants
below, never data.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from thermidor._version import __version__
from thermidor.store import StoreError, _now

if TYPE_CHECKING:
    from thermidor.store import Store
    from thermidor.validity.clauses import FactResult
    from thermidor.validity.points import Point

SCHEMA = """
CREATE TABLE IF NOT EXISTS fact_studies (
    study_id VARCHAR PRIMARY KEY,
    region VARCHAR NOT NULL,
    spec JSON NOT NULL,
    points INTEGER NOT NULL,
    created TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS fact_robustness (
    study_id VARCHAR NOT NULL,
    point INTEGER NOT NULL,
    region VARCHAR NOT NULL,
    params JSON NOT NULL,
    weight DOUBLE NOT NULL,
    fact VARCHAR NOT NULL,
    holds BOOLEAN NOT NULL,
    margin DOUBLE,
    clauses JSON NOT NULL,
    seeds JSON NOT NULL,
    version VARCHAR NOT NULL,
    created TIMESTAMP NOT NULL,
    PRIMARY KEY (study_id, point, fact, version)
);
"""
TABLES = ("fact_studies", "fact_robustness")


def create(store: Store) -> None:
    """The two tables, if missing."""
    store.connection.execute(SCHEMA)


def has_tables(store: Store) -> bool:
    names = {row[0] for row in store.connection.execute("SHOW TABLES").fetchall()}
    return all(name in names for name in TABLES)


def register(store: Store, study_id: str, region: str, spec: dict[str, Any], points: int) -> None:
    store.connection.execute(
        "INSERT OR IGNORE INTO fact_studies (study_id, region, spec, points, created) "
        "VALUES (?, ?, ?, ?, ?)",
        [study_id, region, json.dumps(spec, sort_keys=True), points, _now()],
    )


def done(store: Store, study_id: str, version: str = __version__) -> set[tuple[int, str]]:
    """(point, fact) pairs of the study already stored for ``version``."""
    rows = store.connection.execute(
        "SELECT point, fact FROM fact_robustness WHERE study_id = ? AND version = ?",
        [study_id, version],
    ).fetchall()
    return {(int(point), str(fact)) for point, fact in rows}


def add(
    store: Store,
    study_id: str,
    region: str,
    index: int,
    point: Point,
    seeds: tuple[int, ...],
    results: list[FactResult],
) -> None:
    """The verdicts of one point, in one transaction (a kill leaves the point whole or
    absent). A NaN margin is stored as NULL."""
    created = _now()
    rows = [
        [
            study_id,
            index,
            region,
            json.dumps(point.params),
            point.weight,
            result.fact,
            result.holds,
            None if math.isnan(result.margin) else result.margin,
            json.dumps(result.as_dicts(), allow_nan=True),
            json.dumps(list(seeds)),
            __version__,
            created,
        ]
        for result in results
    ]
    with store.transaction():
        store.connection.executemany(
            "INSERT OR IGNORE INTO fact_robustness (study_id, point, region, params, weight, "
            "fact, holds, margin, clauses, seeds, version, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def studies(store: Store) -> list[dict[str, Any]]:
    """Every study, oldest first: id, region, spec (parsed), points, created."""
    if not has_tables(store):
        return []
    rows = store.connection.execute(
        "SELECT study_id, region, spec, points, created FROM fact_studies "
        "ORDER BY created, study_id"
    ).fetchall()
    found = []
    for study_id, region, spec, points, created in rows:
        try:
            parsed = json.loads(spec)
        except ValueError as exc:
            msg = f"study {study_id} in {store.path}: its spec is not JSON"
            raise StoreError(msg) from exc
        found.append(
            {
                "study_id": str(study_id),
                "region": str(region),
                "spec": parsed,
                "points": int(points),
                "created": created,
            }
        )
    return found


def verdicts(store: Store, study_id: str) -> list[dict[str, Any]]:
    """The study's rows (every version): point, weight, fact, holds, margin, version."""
    rows = store.connection.execute(
        "SELECT point, weight, fact, holds, margin, version FROM fact_robustness "
        "WHERE study_id = ? ORDER BY point, fact",
        [study_id],
    ).fetchall()
    return [
        {
            "point": int(point),
            "weight": float(weight),
            "fact": str(fact),
            "holds": bool(holds),
            "margin": math.nan if margin is None else float(margin),
            "version": str(version),
        }
        for point, weight, fact, holds, margin, version in rows
    ]
