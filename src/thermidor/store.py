"""The results store: one embedded DuckDB file holding every run, its series and its crises.

A run is recorded in two moves so that the file never lies about a run:
``start_run`` inserts its ``runs`` row as ``'running'`` before the simulation
starts (a killed run stays visibly ``'running'``), and ``finish_run`` writes the
per-step series and crises through Arrow and flips the status to
``'finished'`` inside one transaction (a kill mid-write leaves no half-written
finished run). Rows are keyed by ``run_id`` and carry a hash of the resolved
parameters, so identical configurations can be found across runs.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import duckdb
import pyarrow as pa

from thermidor.model.results import EXTRA_SERIES, METRICS

if TYPE_CHECKING:
    from thermidor.model.results import Results

__all__ = ["DEFAULT_PATH", "Store", "StoreError", "params_hash"]

DEFAULT_PATH = Path("results.duckdb")

_RUN_COLUMNS = (
    "run_id",
    "scenario",
    "params",
    "params_hash",
    "seed",
    "version",
    "steps",
    "members",
    "thermidor_step",
    "started",
    "finished",
    "status",
)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    scenario VARCHAR NOT NULL,
    params JSON NOT NULL,
    params_hash VARCHAR NOT NULL,
    seed BIGINT NOT NULL,
    version VARCHAR NOT NULL,
    steps INTEGER NOT NULL,
    members BIGINT NOT NULL,
    thermidor_step INTEGER,
    started TIMESTAMP NOT NULL,
    finished TIMESTAMP,
    status VARCHAR NOT NULL CHECK (status IN ('running', 'finished', 'failed'))
);
CREATE TABLE IF NOT EXISTS steps (
    run_id VARCHAR NOT NULL,
    step INTEGER NOT NULL,
    {", ".join(f'"{name}" DOUBLE' for name in (*METRICS, *EXTRA_SERIES))}
);
CREATE TABLE IF NOT EXISTS crises (
    run_id VARCHAR NOT NULL,
    step INTEGER NOT NULL,
    mobilised DOUBLE,
    control_index DOUBLE,
    thermidor BOOLEAN
);
"""

_EXPORT_FORMATS = {".csv": "FORMAT csv, HEADER", ".parquet": "FORMAT parquet"}


class StoreError(Exception):
    """The store cannot do what was asked (unknown run, bad path, locked file), in one line."""


def canonical_json(params: dict[str, Any]) -> str:
    """The canonical JSON of resolved parameters: sorted keys, no spaces."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def hash_of(canonical: str) -> str:
    """SHA-256 of a ``canonical_json``."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def params_hash(params: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of resolved parameters."""
    return hash_of(canonical_json(params))


def _now() -> datetime:
    """Naive UTC, since the columns are TIMESTAMP (without time zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value DuckDB's parameters take."""
    return value.item() if hasattr(value, "item") else value


def _literal(text: str) -> str:
    """A SQL string literal, for the few statements (COPY) that take no parameters."""
    return "'" + text.replace("'", "''") + "'"


class Store:
    """A results store in a DuckDB file; use as a context manager so the file is released.

    Args:
        path: the DuckDB file; created (with its tables) unless ``read_only``.
        read_only: open an existing file without write access; it must exist.
    """

    def __init__(self, path: str | Path = DEFAULT_PATH, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.is_file():
            msg = f"no results store at {self.path}"
            raise StoreError(msg)
        self._steps_columns: set[str] | None = None
        try:
            self._con = duckdb.connect(str(self.path), read_only=read_only)
            if not read_only:
                self._con.execute(_SCHEMA)
        except duckdb.Error as exc:
            msg = f"cannot open results store {self.path}: {' '.join(str(exc).split())}"
            raise StoreError(msg) from exc

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the file (and checkpoint it)."""
        self._con.close()

    def start_run(
        self,
        scenario: str,
        params: dict[str, Any],
        *,
        seed: int,
        version: str,
        steps: int,
        members: int,
    ) -> str:
        """Record a run as ``'running'`` and return its new id (12 hex digits of a uuid4)."""
        run_id = uuid.uuid4().hex[:12]
        self._con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, 'running')",
            [
                run_id,
                scenario,
                json.dumps(params, sort_keys=True, ensure_ascii=False),
                params_hash(params),
                seed,
                version,
                steps,
                members,
                _now(),
            ],
        )
        return run_id

    def finish_run(self, run_id: str, results: Results) -> None:
        """Write a run's series and crises and mark it finished, all in one transaction."""
        status = self.get_run(run_id)["status"]
        if status != "running":
            msg = f"run {run_id} is {status}, not running; it cannot be finished again"
            raise StoreError(msg)
        con = self._con
        con.execute("BEGIN TRANSACTION")
        try:
            self._write_steps(run_id, results)
            self._write_crises(run_id, results)
            con.execute(
                "UPDATE runs SET status = 'finished', finished = ?, thermidor_step = ?, "
                "steps = ?, version = ? WHERE run_id = ?",
                [_now(), results.thermidor_step, results.steps, results.version, run_id],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The open DuckDB connection, for the experiment tables and queries."""
        return self._con

    def _write_steps(self, run_id: str, results: Results) -> None:
        self.insert_steps(
            pa.table({"run_id": pa.array([run_id] * results.steps), **results.columns()})
        )

    def insert_steps(self, table: pa.Table) -> None:
        """Insert per-step rows (``run_id``, ``step``, one column per series), adding the
        column of a series added to the model after this file was created."""
        if self._steps_columns is None:
            self._steps_columns = {row[0] for row in self._con.execute("DESCRIBE steps").fetchall()}
        for name in table.column_names:
            if name not in self._steps_columns:
                self._con.execute(f'ALTER TABLE steps ADD COLUMN "{name}" DOUBLE')
                self._steps_columns.add(name)
        new_steps = table  # DuckDB reads the local Arrow table by its name (a replacement scan)
        self._con.execute("INSERT INTO steps BY NAME SELECT * FROM new_steps")
        del new_steps

    def _write_crises(self, run_id: str, results: Results) -> None:
        if not results.crises:
            return
        keys = ("step", "mobilised", "control_index", "thermidor")
        rows = ", ".join(["(?, ?, ?, ?, ?)"] * len(results.crises))
        values = [_plain(v) for c in results.crises for v in (run_id, *(c.get(k) for k in keys))]
        self._con.execute(f"INSERT INTO crises (run_id, {', '.join(keys)}) VALUES {rows}", values)

    def fail_run(self, run_id: str) -> None:
        """Mark a run that raised as ``'failed'`` (it keeps no series)."""
        self.get_run(run_id)
        self._con.execute(
            "UPDATE runs SET status = 'failed', finished = ? WHERE run_id = ?", [_now(), run_id]
        )

    def get_run(self, run_id: str) -> dict[str, Any]:
        """A run's row, with ``params`` decoded; StoreError if there is no such run."""
        rows = self._con.execute(
            f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs WHERE run_id = ?", [run_id]
        ).fetchall()
        if not rows:
            msg = f"no run {run_id!r} in {self.path}"
            raise StoreError(msg)
        run = dict(zip(_RUN_COLUMNS, rows[0], strict=True))
        run["params"] = json.loads(run["params"])
        return run

    def list_runs(self) -> list[dict[str, Any]]:
        """Every run, oldest first, without its parameters (see ``get_run``)."""
        columns = [c for c in _RUN_COLUMNS if c != "params"]
        rows = self._con.execute(
            f"SELECT {', '.join(columns)} FROM runs ORDER BY started, run_id"
        ).fetchall()
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def _series_query(self, run_id: str) -> str:
        self.get_run(run_id)
        where = f"WHERE run_id = {_literal(run_id)}"
        return f"SELECT * EXCLUDE (run_id) FROM steps {where} ORDER BY step"

    def series(self, run_id: str) -> pa.Table:
        """A run's per-step series, a column per series plus ``step``, ordered by step."""
        return self._con.sql(self._series_query(run_id)).to_arrow_table()

    def crises(self, run_id: str) -> pa.Table:
        """A run's crises, ordered by step."""
        self.get_run(run_id)
        return self._con.sql(
            f"SELECT * EXCLUDE (run_id) FROM crises WHERE run_id = {_literal(run_id)} ORDER BY step"
        ).to_arrow_table()

    def export(self, run_id: str, path: str | Path) -> Path:
        """Write a run's series to ``path`` as CSV or Parquet, chosen by its suffix."""
        path = Path(path)
        options = _EXPORT_FORMATS.get(path.suffix.lower())
        if options is None:
            msg = f"cannot export to {path}: suffix must be one of {', '.join(_EXPORT_FORMATS)}"
            raise StoreError(msg)
        query = self._series_query(run_id)
        try:
            self._con.execute(f"COPY ({query}) TO {_literal(str(path))} ({options})")
        except duckdb.Error as exc:
            msg = f"cannot export to {path}: {' '.join(str(exc).split())}"
            raise StoreError(msg) from exc
        return path
