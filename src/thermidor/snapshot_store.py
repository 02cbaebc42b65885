"""Snapshots in the results store: four tables keyed by run id and step.

``snapshots`` lists each run's snapshots (step, date, and the names behind the codes of
the other tables), ``snapshot_members``, ``snapshot_offices`` and ``snapshot_ties`` hold
their columns (``model.snapshots``). The tables are made from the snapshot's own column
specification, so the store and the model can never disagree on a column; like every
table of the store they are created with ``CREATE TABLE IF NOT EXISTS`` when first
written, every name reaching SQL is quoted (``store.quoted``) and every value is a
parameter or read from an Arrow table.

Codes (rule, role, tier, branch) are stored as small integers, and the names they stand
for beside them in ``snapshots.codes``: a store stays readable if the model's order of
rules ever changes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from thermidor.engine.hierarchy import BOTTOM, MIDDLE, TOP
from thermidor.model.snapshots import (
    MEMBER_COLUMNS,
    OFFICE_COLUMNS,
    TIE_COLUMNS,
    Snapshot,
)
from thermidor.model.state import HOLDER, MEMBER, RULES, STAFF
from thermidor.store import StoreError, quoted

if TYPE_CHECKING:
    from collections.abc import Iterable

    from thermidor.store import Store

__all__ = ["TABLES", "has_snapshots", "load_snapshots", "save_snapshots", "snapshot_steps"]

_SQL_TYPES = {
    np.bool_: "BOOLEAN",
    np.int8: "TINYINT",
    np.int32: "INTEGER",
    np.float32: "FLOAT",
}
# table -> the snapshot's part it holds and that part's columns
TABLES: dict[str, tuple[str, dict[str, type[np.generic]]]] = {
    "snapshot_members": ("members", MEMBER_COLUMNS),
    "snapshot_offices": ("offices", OFFICE_COLUMNS),
    "snapshot_ties": ("ties", TIE_COLUMNS),
}
ROLES = {MEMBER: "member", STAFF: "staff", HOLDER: "holder"}
TIERS = {TOP: "top", MIDDLE: "middle", BOTTOM: "bottom"}


def _table_sql(table: str, columns: dict[str, type[np.generic]]) -> str:
    body = ", ".join(f"{quoted(name)} {_SQL_TYPES[kind]}" for name, kind in columns.items())
    return (
        f"CREATE TABLE IF NOT EXISTS {quoted(table)} "
        f"(run_id VARCHAR NOT NULL, step INTEGER NOT NULL, {body});"
    )


SCHEMA = "\n".join(
    [
        "CREATE TABLE IF NOT EXISTS snapshots (run_id VARCHAR NOT NULL, step INTEGER NOT NULL, "
        "date VARCHAR NOT NULL, codes JSON NOT NULL, PRIMARY KEY (run_id, step));",
        *(_table_sql(table, columns) for table, (_, columns) in TABLES.items()),
    ]
)


def _codes(snapshot: Snapshot) -> dict[str, list[str]]:
    """The names behind each code column, in code order."""
    return {
        "rule": list(RULES),
        "role": [ROLES[code] for code in sorted(ROLES)],
        "tier": [TIERS[code] for code in sorted(TIERS)],
        "branch": list(snapshot.branches),
    }


def save_snapshots(store: Store, run_id: str, snapshots: Iterable[Snapshot]) -> int:
    """Write a run's snapshots (replacing any it had), in one transaction; their count."""
    taken = list(snapshots)
    store.get_run(run_id)
    con = store.connection
    with store.transaction():
        con.execute(SCHEMA)
        for table in ("snapshots", *TABLES):
            con.execute(f"DELETE FROM {quoted(table)} WHERE run_id = ?", [run_id])
        for snapshot in taken:
            con.execute(
                "INSERT INTO snapshots (run_id, step, date, codes) VALUES (?, ?, ?, ?)",
                [run_id, snapshot.step, snapshot.date, json.dumps(_codes(snapshot))],
            )
            for table, (part, columns) in TABLES.items():
                _insert(store, table, run_id, snapshot.step, getattr(snapshot, part), columns)
    return len(taken)


def _insert(
    store: Store,
    table: str,
    run_id: str,
    step: int,
    values: dict[str, np.ndarray],
    columns: dict[str, type[np.generic]],
) -> None:
    rows = len(next(iter(values.values())))
    new_rows = pa.table(
        {
            "run_id": pa.array([run_id] * rows, pa.string()),
            "step": pa.array(np.full(rows, step, dtype=np.int32)),
            **{name: pa.array(values[name]) for name in columns},
        }
    )
    names = ", ".join(quoted(name) for name in new_rows.column_names)
    # DuckDB reads the local Arrow table by its name (a replacement scan)
    store.connection.execute(f"INSERT INTO {quoted(table)} ({names}) SELECT {names} FROM new_rows")
    del new_rows


def has_snapshots(store: Store) -> bool:
    """Whether the store has the snapshot tables at all (an older store has not)."""
    tables = {row[0] for row in store.connection.execute("SHOW TABLES").fetchall()}
    return {"snapshots", *TABLES} <= tables


def snapshot_steps(store: Store, run_id: str) -> list[tuple[int, str]]:
    """(step, date) of each snapshot of a run, by step; empty when it has none."""
    store.get_run(run_id)
    if not has_snapshots(store):
        return []
    rows = store.connection.execute(
        "SELECT step, date FROM snapshots WHERE run_id = ? ORDER BY step", [run_id]
    ).fetchall()
    return [(int(step), str(date)) for step, date in rows]


def load_snapshots(store: Store, run_id: str, steps: Iterable[int] | None = None) -> list[Snapshot]:
    """A run's snapshots (those at ``steps``, or all), by step, as the run took them.

    Raises:
        StoreError: a step asked for has no snapshot, or a stored code names nothing.
    """
    stored = dict(snapshot_steps(store, run_id))
    wanted = sorted(stored) if steps is None else sorted(set(steps))
    missing = [s for s in wanted if s not in stored]
    if missing:
        have = ", ".join(str(s) for s in sorted(stored)) or "none"
        msg = f"run {run_id}: no snapshot at step {missing[0]} (snapshots at steps: {have})"
        raise StoreError(msg)
    return [_load_one(store, run_id, step, stored[step]) for step in wanted]


def _load_one(store: Store, run_id: str, step: int, date: str) -> Snapshot:
    con = store.connection
    found = con.execute(
        "SELECT codes FROM snapshots WHERE run_id = ? AND step = ?", [run_id, step]
    ).fetchall()
    codes = _read_codes(run_id, found[0][0] if found else None)
    parts: dict[str, dict[str, np.ndarray]] = {}
    for table, (part, columns) in TABLES.items():
        names = ", ".join(quoted(name) for name in columns)
        order = quoted(next(iter(columns)))
        arrow = con.sql(
            f"SELECT {names} FROM {quoted(table)} WHERE run_id = ? AND step = ? "
            f"ORDER BY {order}, {quoted(list(columns)[1])}",
            params=[run_id, step],
        ).to_arrow_table()
        parts[part] = {
            name: arrow.column(name).to_numpy(zero_copy_only=False).astype(kind)
            for name, kind in columns.items()
        }
    parts["offices"]["rule"] = _recoded(parts["offices"]["rule"], codes["rule"], list(RULES))
    return Snapshot(
        step=step,
        date=date,
        branches=tuple(codes["branch"]),
        members=parts["members"],
        offices=parts["offices"],
        ties=parts["ties"],
    )


def _read_codes(run_id: str, text: Any) -> dict[str, list[str]]:
    try:
        codes = json.loads(text)
    except (TypeError, ValueError) as exc:
        msg = f"run {run_id}: its snapshots' codes are not JSON ({exc})"
        raise StoreError(msg) from exc
    if not isinstance(codes, dict) or not all(
        isinstance(codes.get(k), list) and all(isinstance(v, str) for v in codes[k])
        for k in ("rule", "role", "tier", "branch")
    ):
        msg = (
            f"run {run_id}: its snapshots' codes lack a list of names for rule, role, tier "
            "or branch"
        )
        raise StoreError(msg)
    return codes


def _recoded(values: np.ndarray, stored: list[str], current: list[str]) -> np.ndarray:
    """Codes written under the ``stored`` names, as codes of the model's ``current`` names."""
    if stored == current:
        return values
    unknown = sorted(set(stored) - set(current))
    if unknown:
        msg = f"snapshot codes name {unknown[0]!r}, which is not one of {', '.join(current)}"
        raise StoreError(msg)
    mapping = np.array([current.index(name) for name in stored], dtype=values.dtype)
    return mapping[values]
