"""The results store: one embedded DuckDB file holding every run, its series and its crises.

A run is recorded in two moves so that the file never lies about a run:
``start_run`` inserts its ``runs`` row as ``'running'`` before the simulation
starts (a killed run stays visibly ``'running'``), and ``finish_run`` writes the
per-step series and crises through Arrow and flips the status to
``'finished'`` inside one transaction (a kill mid-write leaves no half-written
finished run). Rows are keyed by ``run_id`` and carry a hash of the resolved
parameters, so identical configurations can be found across runs, and the
versions of thermidor, python, numpy and numba that computed them.

This module is the only writer of the ``runs``, ``steps`` and ``crises`` tables:
a run of the command line goes through ``start_run``/``finish_run``, the runs of
an experiment (spooled by its workers) through ``add_runs`` in bulk. Every insert
names its columns; values are bound as parameters or read from Arrow tables,
and the one kind of name that reaches SQL from data, a series' column, is
quoted by ``quoted`` (the spool, which reads names from files, lets in only the model's
series). A file made before a column was added gets it on opening (NULL for its old runs).

Opening is bounded and says why it fails, in one line naming the file: a file
another process holds (DuckDB's lock) is waited for up to ``THERMIDOR_STORE_WAIT``
seconds (30 by default) and is then an environment fault; a truncated, bit-rotted
or foreign file is a ``StoreError``.

Several processes may share a file, each holding it only while it reads or writes. A
write the machine refuses (a full disk, a file-size limit, no permission) is a
``StoreEnvironmentError`` carrying the real cause, and rolls back whole: the file keeps
the rows it had. ``fault_point`` is the test hook that kills the process at named points
of a save (``THERMIDOR_FAULT``).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from thermidor.model.results import EXTRA_SERIES, METRICS, computing_versions

if TYPE_CHECKING:
    from thermidor.model.results import Results

__all__ = [
    "DEFAULT_PATH",
    "FINISHED_RUN",
    "MAX_SEED",
    "VERSION_COLUMNS",
    "WAIT_VARIABLE",
    "Store",
    "StoreEnvironmentError",
    "StoreError",
    "check_seed",
    "failure",
    "fault_point",
    "params_hash",
    "quoted",
    "store_wait",
]

DEFAULT_PATH = Path("results.duckdb")

# How long opening waits for a store another process holds open (DuckDB's file lock), in
# seconds: this environment variable, else DEFAULT_WAIT.
WAIT_VARIABLE = "THERMIDOR_STORE_WAIT"
DEFAULT_WAIT = 30.0
_POLL = 0.1  # seconds between attempts to take the lock
_LOCKED = "Could not set lock on file"  # DuckDB's message when another process holds the file

# What DuckDB (or the OS under it) says when the machine, not the file, is at fault.
_DISK_FULL = ("No space left on device", "File too large", "Disk quota exceeded")
_NO_PERMISSION = ("Permission denied", "Read-only file system")
_ENVIRONMENT = _DISK_FULL + _NO_PERMISSION

# The ``seed`` columns are BIGINT: a seed outside this range cannot be stored.
MAX_SEED = 2**63 - 1


def quoted(name: str) -> str:
    """A SQL identifier for any name (a series read from a file, say): double-quoted, its
    double quotes doubled, so that it can only ever name a column."""
    return '"' + name.replace('"', '""') + '"'


def shown_name(name: str, limit: int = 60) -> str:
    """A name read from a file, for a one-line message: its repr, cut at ``limit``
    characters (a crafted name can be long, or hold newlines)."""
    return repr(name if len(name) <= limit else name[:limit] + "...")


def check_seed(seed: int) -> None:
    """StoreError unless ``seed`` fits the store's ``seed`` column (0 to 2**63 - 1)."""
    if not 0 <= seed <= MAX_SEED:
        msg = f"seed {seed}: a stored seed is between 0 and {MAX_SEED} (2**63 - 1)"
        raise StoreError(msg)


def _columns(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(quoted(name) for name in names)


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
    "python_version",
    "numpy_version",
    "numba_version",
    "pid",
    "host",
)

# Columns added to ``runs`` after files were made without them: name -> type. Opening a file
# adds those it lacks; its old runs hold NULL there.
_ADDED_RUN_COLUMNS = {
    "python_version": "VARCHAR",
    "numpy_version": "VARCHAR",
    "numba_version": "VARCHAR",
    "pid": "BIGINT",
    "host": "VARCHAR",
}

# The versions of what computed a run (``Results.versions`` keys) -> their ``runs`` column.
VERSION_COLUMNS = {
    "python": "python_version",
    "numpy": "numpy_version",
    "numba": "numba_version",
}

FINISHED_RUN = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("scenario", pa.string(), nullable=False),
        pa.field("params", pa.string(), nullable=False),
        pa.field("params_hash", pa.string(), nullable=False),
        pa.field("seed", pa.int64(), nullable=False),
        pa.field("version", pa.string(), nullable=False),
        pa.field("steps", pa.int32(), nullable=False),
        pa.field("members", pa.int64(), nullable=False),
        pa.field("thermidor_step", pa.int32()),
        pa.field("started", pa.timestamp("us"), nullable=False),
        pa.field("finished", pa.timestamp("us"), nullable=False),
        pa.field("python_version", pa.string()),
        pa.field("numpy_version", pa.string()),
        pa.field("numba_version", pa.string()),
        pa.field("pid", pa.int64()),
        pa.field("host", pa.string()),
    ]
)
"""The ``runs`` row of a finished run as ``add_runs`` takes it (``params`` its JSON text);
a nullable column may be left out (NULL)."""

_CRISIS = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("step", pa.int32(), nullable=False),
        pa.field("mobilised", pa.float64()),
        pa.field("control_index", pa.float64()),
        pa.field("thermidor", pa.bool_()),
    ]
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
    status VARCHAR NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
    python_version VARCHAR,
    numpy_version VARCHAR,
    numba_version VARCHAR,
    pid BIGINT,
    host VARCHAR
);
CREATE TABLE IF NOT EXISTS steps (
    run_id VARCHAR NOT NULL,
    step INTEGER NOT NULL,
    {", ".join(f"{quoted(name)} DOUBLE" for name in (*METRICS, *EXTRA_SERIES))}
);
CREATE TABLE IF NOT EXISTS crises (
    run_id VARCHAR NOT NULL,
    step INTEGER NOT NULL,
    mobilised DOUBLE,
    control_index DOUBLE,
    thermidor BOOLEAN
);
"""

_SERIES = "SELECT * EXCLUDE (run_id) FROM steps WHERE run_id = ? ORDER BY step"

_EXPORT_FORMATS = {".csv": "FORMAT csv, HEADER", ".parquet": "FORMAT parquet"}


class StoreError(Exception):
    """The store cannot do what was asked (unknown run, bad path, locked file), in one line."""


class StoreEnvironmentError(StoreError):
    """The machine, not the input, stopped the store: a full disk, a file-size limit, no
    permission, a read-only file system, or the store still locked after the bounded wait.
    The command line exits with ``EXIT_ENVIRONMENT`` (3) for these, 2 for the rest."""


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (DuckDB's span several)."""
    return " ".join(str(exc).split())


def failure(path: Path, exc: duckdb.Error, doing: str = "read") -> StoreError:
    """The StoreError for a DuckDB error met on the store at ``path``: naming the file, on
    one line; a ``StoreEnvironmentError`` when the machine is at fault (no permission, a
    read-only file system, a full disk, a file-size limit), else the file is (corrupt,
    truncated, not a DuckDB file, not a thermidor store)."""
    reason = one_line(exc)
    kind = StoreEnvironmentError if any(s in reason for s in _ENVIRONMENT) else StoreError
    return kind(f"cannot {doing} results store {path}: {reason}")


def store_error(exc: duckdb.Error, doing: str) -> StoreError:
    """DuckDB's error while ``doing`` something, as the store's one-line error: a
    ``StoreEnvironmentError`` named after its cause when the machine refused the write."""
    detail = one_line(exc)
    if any(marker in detail for marker in _DISK_FULL):
        return StoreEnvironmentError(f"disk full or file-size limit: {doing}: {detail}")
    if any(marker in detail for marker in _NO_PERMISSION):
        return StoreEnvironmentError(f"no permission or read-only file system: {doing}: {detail}")
    return StoreError(f"{doing}: {detail}")


# --- the test hook of the fault tests (tests/faults) ----------------------------------------

FAULT_VARIABLE = "THERMIDOR_FAULT"
_FAULT = os.environ.get(FAULT_VARIABLE)  # read once: an unset hook costs one comparison


def fault_point(name: str) -> None:
    """Kill this process here, with SIGKILL, when ``THERMIDOR_FAULT`` is ``name`` (or stop it,
    with SIGSTOP, when it is ``name:stop``), so that tests can die at a named point of a
    save exactly as a power cut or ``kill -9`` would. Unset, it does nothing.

    The points: ``run-computing`` (``thermidor run``: the run's row is stored, the store
    closed, the simulation not started), ``save-begun``, ``save-steps-written``,
    ``save-before-commit`` and ``save-committed`` (inside ``finish_run``), and
    ``ingest-committed`` (the spool: committed, its files not yet deleted); in a
    calibration, ``calibrate-generation-T`` (generation T about to be sampled, the ones
    before it stored) and ``calibrate-batch-T-B`` (batch B of generation T simulated).
    """
    if _FAULT is not None and _FAULT.partition(":")[0] == name:
        stop = _FAULT.endswith(":stop")
        os.kill(os.getpid(), signal.SIGSTOP if stop else signal.SIGKILL)


def store_wait() -> float:
    """Seconds to wait for a store another process holds: ``THERMIDOR_STORE_WAIT`` or 30."""
    text = os.environ.get(WAIT_VARIABLE)
    if text is None or not text.strip():
        return DEFAULT_WAIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not 0 <= seconds < float("inf"):
        msg = f"{WAIT_VARIABLE}={text!r}: a number of seconds >= 0"
        raise StoreError(msg)
    return seconds


def _connect(path: Path, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """A connection to ``path``, waiting up to ``wait`` seconds while another process holds
    the file (one line on stderr when the wait starts); StoreEnvironmentError when it still
    does, a ``failure`` for anything else DuckDB refuses."""
    deadline: float | None = None
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if _LOCKED not in str(exc):
                raise failure(path, exc, "open") from exc
            now = time.monotonic()
            if deadline is None:
                deadline = now + wait
                if wait > 0:
                    print(
                        f"note: waiting for the store {path}: locked by another process "
                        f"(up to {wait:g} s, {WAIT_VARIABLE} sets it)",
                        file=sys.stderr,
                        flush=True,
                    )
            if now >= deadline:
                msg = (
                    f"results store {path} is still locked by another process after "
                    f"{wait:g} s ({WAIT_VARIABLE} sets the wait): {one_line(exc)}"
                )
                raise StoreEnvironmentError(msg) from exc
            time.sleep(min(_POLL, deadline - now))


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


def _conformed(table: pa.Table, schema: pa.Schema, what: str) -> pa.Table:
    """``table`` with exactly ``schema``'s columns, in its order and types: a missing
    nullable column is all NULL; a missing required column or an unknown one is an error."""
    unknown = sorted(set(table.column_names) - set(schema.names))
    if unknown:
        msg = f"{what}: unknown column(s) {', '.join(unknown)}"
        raise StoreError(msg)
    columns = []
    for field in schema:
        if field.name in table.column_names:
            columns.append(table.column(field.name).cast(field.type))
        elif field.nullable:
            columns.append(pa.nulls(table.num_rows, field.type))
        else:
            msg = f"{what}: missing column {field.name}"
            raise StoreError(msg)
    return pa.Table.from_arrays(columns, schema=schema)


def _crisis_table(run_id: str, crises: list[dict[str, Any]]) -> pa.Table:
    """A run's crises (``Results.crises``) as rows of the ``crises`` table (DuckDB casts
    each column to the table's type as it inserts)."""
    return pa.table(
        {
            f.name: [run_id if f.name == "run_id" else _plain(c.get(f.name)) for c in crises]
            for f in _CRISIS
        }
    )


class Store:
    """A results store in a DuckDB file; use as a context manager so the file is released.

    Args:
        path: the DuckDB file; created (with its tables) unless ``read_only``.
        read_only: open an existing file without write access; it must exist and hold the
            tables of a results store.
        wait: seconds to wait while another process holds the file (default
            ``THERMIDOR_STORE_WAIT``, else 30).

    Raises:
        StoreEnvironmentError: the file is still locked after the wait, or the machine
            refuses it (permission, read-only file system, full disk).
        StoreError: the file is corrupt, truncated, not a DuckDB file or (read-only) not a
            results store.
    """

    def __init__(
        self,
        path: str | Path = DEFAULT_PATH,
        *,
        read_only: bool = False,
        wait: float | None = None,
    ) -> None:
        self.path = Path(path)
        if read_only and not self.path.is_file():
            msg = f"no results store at {self.path}"
            raise StoreError(msg)
        self._steps_columns: set[str] | None = None
        self._runs_columns: set[str] | None = None
        self._in_transaction = False
        self._con = _connect(self.path, read_only, store_wait() if wait is None else wait)
        try:
            if read_only:
                self._check_tables()
            else:
                self._con.execute(_SCHEMA)
                self._add_missing_run_columns()
        except BaseException as exc:
            self._con.close()  # a connection left open would hold the file in this process
            if isinstance(exc, duckdb.Error):
                raise failure(self.path, exc, "open") from exc
            raise

    def _check_tables(self) -> None:
        """StoreError unless the file holds the tables of a results store (a DuckDB file of
        something else is refused here, not by the first query)."""
        tables = {row[0] for row in self._con.execute("SHOW TABLES").fetchall()}
        missing = [name for name in ("runs", "steps", "crises") if name not in tables]
        if missing:
            msg = (
                f"{self.path} is not a thermidor results store: it has no table "
                f"{', '.join(missing)}"
            )
            raise StoreError(msg)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
            return
        with suppress(StoreError):  # the error on its way out is the one to report
            self.close()

    def close(self) -> None:
        """Release the file (and checkpoint it)."""
        try:
            self._con.close()
        except duckdb.Error as exc:
            raise store_error(exc, f"cannot close results store {self.path}") from exc

    def _run_columns_present(self) -> set[str]:
        if self._runs_columns is None:
            rows = self._con.execute("DESCRIBE runs").fetchall()
            self._runs_columns = {row[0] for row in rows}
        return self._runs_columns

    def _add_missing_run_columns(self) -> None:
        """Give a file made by an older schema the ``runs`` columns added since (NULL)."""
        present = self._run_columns_present()
        for name, kind in _ADDED_RUN_COLUMNS.items():
            if name not in present:
                self._con.execute(f"ALTER TABLE runs ADD COLUMN {quoted(name)} {kind}")
                present.add(name)

    def _run_select(self, columns: tuple[str, ...] | list[str]) -> str:
        """The select list of ``columns`` of ``runs``; NULL for a column this file lacks
        (an older file opened read-only, so not upgraded)."""
        present = self._run_columns_present()
        return ", ".join(
            quoted(name) if name in present else f"NULL AS {quoted(name)}" for name in columns
        )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything written inside commits together, or not at all (rolled back on any
        exception). Nested uses join the outer transaction.

        A write or a commit the machine refuses (full disk, file-size limit) raises
        ``StoreEnvironmentError`` with that cause: DuckDB has then already aborted the
        transaction, and the ROLLBACK's own complaint ("no transaction is active") must
        not hide the reason. Other errors inside propagate unchanged.
        """
        if self._in_transaction:
            yield
            return
        con = self._con
        self._execute("BEGIN TRANSACTION", doing="cannot begin a transaction")
        self._in_transaction = True
        try:
            try:
                yield
            except duckdb.Error as exc:
                self._rollback()
                error = store_error(exc, f"cannot write to results store {self.path}")
                if isinstance(error, StoreEnvironmentError):
                    raise error from exc
                raise
            except BaseException:
                self._rollback()
                raise
            try:
                con.execute("COMMIT")
            except duckdb.Error as exc:
                self._rollback()
                raise store_error(exc, f"cannot commit to results store {self.path}") from exc
        finally:
            self._in_transaction = False

    def _rollback(self) -> None:
        """Roll back, if DuckDB has not already aborted the transaction itself (a failed
        commit or write does); the error being raised is the one that matters."""
        with suppress(duckdb.Error):
            self._con.execute("ROLLBACK")

    def _execute(self, sql: str, params: list[Any] | None = None, *, doing: str) -> None:
        """Run one statement that writes, its DuckDB error as the store's (see
        ``store_error``)."""
        try:
            self._con.execute(sql, params)
        except duckdb.Error as exc:
            raise store_error(exc, doing) from exc

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
        check_seed(seed)
        run_id = uuid.uuid4().hex[:12]
        row = {
            "run_id": run_id,
            "scenario": scenario,
            "params": json.dumps(params, sort_keys=True, ensure_ascii=False),
            "params_hash": params_hash(params),
            "seed": seed,
            "version": version,
            "steps": steps,
            "members": members,
            "started": _now(),
            "status": "running",
            # this process computes the run; finish_run records what did, from the results
            **{column: computing_versions()[key] for key, column in VERSION_COLUMNS.items()},
            # who computes it, so that a run whose process died can be told from one still
            # computing (``thermidor runs --stale``)
            "pid": os.getpid(),
            "host": socket.gethostname(),
        }
        names = tuple(row)
        self._execute(
            f"INSERT INTO runs ({_columns(names)}) VALUES ({', '.join('?' * len(names))})",
            list(row.values()),
            doing=f"cannot record a run in results store {self.path}",
        )
        return run_id

    def finish_run(self, run_id: str, results: Results) -> None:
        """Write a run's series and crises and mark it finished, all in one transaction; the
        run records the versions that computed it (``results.version`` and
        ``results.versions``)."""
        status = self.get_run(run_id)["status"]
        if status != "running":
            msg = f"run {run_id} is {status}, not running; it cannot be finished again"
            raise StoreError(msg)
        versions = [results.versions.get(key) for key in VERSION_COLUMNS]
        assignments = ", ".join(f"{quoted(column)} = ?" for column in VERSION_COLUMNS.values())
        with self.transaction():
            fault_point("save-begun")
            self._write_steps(run_id, results)
            fault_point("save-steps-written")
            self._write_crises(run_id, results)
            self._con.execute(
                "UPDATE runs SET status = 'finished', finished = ?, thermidor_step = ?, "
                f"steps = ?, version = ?, {assignments} WHERE run_id = ?",
                [
                    _now(),
                    results.thermidor_step,
                    results.steps,
                    results.version,
                    *versions,
                    run_id,
                ],
            )
            fault_point("save-before-commit")
        fault_point("save-committed")

    def add_runs(
        self, runs: pa.Table, steps: pa.Table, crises: pa.Table | None = None
    ) -> list[str]:
        """Insert finished runs computed elsewhere (an experiment's workers), in bulk, and
        return the ids of those inserted: a run whose ``run_id`` is already in the store as
        finished is skipped with its steps and crises, so adding the same runs twice is
        harmless; one there as ``'running'`` or ``'failed'`` (a ``thermidor run`` that could
        not save and spooled its run instead, then perhaps found stale) is replaced whole.

        Args:
            runs: one row per run, the columns of ``FINISHED_RUN`` by name (types are cast;
                ISO text is a timestamp); ``status`` is ``'finished'``.
            steps: their per-step rows, as ``insert_steps`` takes them.
            crises: their crises (``run_id``, ``step``, ``mobilised``, ``control_index``,
                ``thermidor``), if any.

        All of it is one transaction, or part of the caller's ``transaction()``.
        """
        runs = _conformed(runs, FINISHED_RUN, "runs to add")
        ids = runs.column("run_id").to_pylist()
        if len(set(ids)) != len(ids):
            msg = "runs to add: a run_id appears twice"
            raise StoreError(msg)
        statuses = dict(
            self._con.execute(
                "SELECT run_id, status FROM runs WHERE list_contains(?, run_id)", [ids]
            ).fetchall()
        )
        crises = _conformed(crises, _CRISIS, "crises to add") if crises is not None else None
        present = {run_id for run_id, status in statuses.items() if status == "finished"}
        if present:
            fresh = pa.array([i for i in ids if i not in present], pa.string())
            runs = runs.filter(pc.is_in(runs.column("run_id"), value_set=fresh))
            steps = steps.filter(pc.is_in(steps.column("run_id"), value_set=fresh))
            if crises is not None:
                crises = crises.filter(pc.is_in(crises.column("run_id"), value_set=fresh))
        if runs.num_rows == 0:
            return []
        unfinished = [run_id for run_id, status in statuses.items() if status != "finished"]
        with self.transaction():
            for table in ("steps", "crises", "runs") if unfinished else ():
                self._con.execute(
                    f"DELETE FROM {table} WHERE list_contains(?, run_id)", [unfinished]
                )
            self._insert_runs(runs)
            self.insert_steps(steps)
            if crises is not None:
                self._insert_crises(crises)
        return runs.column("run_id").to_pylist()

    def _insert_runs(self, runs: pa.Table) -> None:
        """Insert finished runs' rows (conformed to ``FINISHED_RUN``)."""
        new_runs = runs  # DuckDB reads the local Arrow table by its name (a replacement scan)
        names = _columns(FINISHED_RUN.names)
        self._con.execute(
            f"INSERT INTO runs ({names}, status) SELECT {names}, 'finished' FROM new_runs"
        )
        del new_runs

    def _insert_crises(self, crises: pa.Table) -> None:
        """Insert crises' rows (the columns of ``_CRISIS``)."""
        if crises.num_rows == 0:
            return
        new_crises = crises
        names = _columns(_CRISIS.names)
        self._con.execute(f"INSERT INTO crises ({names}) SELECT {names} FROM new_crises")
        del new_crises

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
                self._con.execute(f"ALTER TABLE steps ADD COLUMN {quoted(name)} DOUBLE")
                self._steps_columns.add(name)
        new_steps = table  # DuckDB reads the local Arrow table by its name (a replacement scan)
        names = _columns(table.column_names)
        self._con.execute(f"INSERT INTO steps ({names}) SELECT {names} FROM new_steps")
        del new_steps

    def _write_crises(self, run_id: str, results: Results) -> None:
        if results.crises:
            self._insert_crises(_crisis_table(run_id, results.crises))

    def fail_run(self, run_id: str) -> None:
        """Mark a run that raised as ``'failed'`` (it keeps no series)."""
        self.get_run(run_id)
        self._execute(
            "UPDATE runs SET status = 'failed', finished = ? WHERE run_id = ?",
            [_now(), run_id],
            doing=f"cannot mark run {run_id} failed in results store {self.path}",
        )

    def fail_running(self, run_ids: list[str]) -> list[str]:
        """Mark as ``'failed'`` those of ``run_ids`` still ``'running'`` (runs whose process
        is gone) and return them; a run that finished meanwhile is left alone."""
        with self.transaction():
            rows = self._con.execute(
                "SELECT run_id FROM runs WHERE list_contains(?, run_id) AND status = 'running' "
                "ORDER BY started, run_id",
                [run_ids],
            ).fetchall()
            marked = [row[0] for row in rows]
            self._con.execute(
                "UPDATE runs SET status = 'failed', finished = ? WHERE list_contains(?, run_id)",
                [_now(), marked],
            )
        return marked

    def get_run(self, run_id: str) -> dict[str, Any]:
        """A run's row, with ``params`` decoded; StoreError if there is no such run."""
        rows = self._con.execute(
            f"SELECT {self._run_select(_RUN_COLUMNS)} FROM runs WHERE run_id = ?", [run_id]
        ).fetchall()
        if not rows:
            msg = f"no run {run_id!r} in {self.path}"
            raise StoreError(msg)
        run = dict(zip(_RUN_COLUMNS, rows[0], strict=True))
        try:
            run["params"] = json.loads(run["params"])
        except (TypeError, ValueError) as exc:
            msg = f"run {run_id!r} in {self.path}: its params are not JSON ({exc})"
            raise StoreError(msg) from exc
        return run

    def list_runs(self) -> list[dict[str, Any]]:
        """Every run, oldest first, without its parameters (see ``get_run``)."""
        columns = [c for c in _RUN_COLUMNS if c != "params"]
        rows = self._con.execute(
            f"SELECT {self._run_select(columns)} FROM runs ORDER BY started, run_id"
        ).fetchall()
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def calendars(self) -> dict[str, dict[str, Any]]:
        """Each run's ``meta`` parameters with the calendar (``start``, ``time_step``), by
        run id, for dating its steps; a run without them (a classic model's, or parameters
        that are not JSON) is left out."""
        found: dict[str, dict[str, Any]] = {}
        for run_id, params in self._con.execute("SELECT run_id, params FROM runs").fetchall():
            try:
                meta = json.loads(params).get("meta")
            except (TypeError, ValueError, AttributeError):
                continue
            if isinstance(meta, dict):
                found[run_id] = {"meta": {k: meta.get(k) for k in ("start", "time_step")}}
        return found

    def series(self, run_id: str) -> pa.Table:
        """A run's per-step series, a column per series plus ``step``, ordered by step."""
        self.get_run(run_id)
        return self._con.sql(_SERIES, params=[run_id]).to_arrow_table()

    def crises(self, run_id: str) -> pa.Table:
        """A run's crises, ordered by step."""
        self.get_run(run_id)
        return self._con.sql(
            "SELECT * EXCLUDE (run_id) FROM crises WHERE run_id = ? ORDER BY step",
            params=[run_id],
        ).to_arrow_table()

    def export(self, run_id: str, path: str | Path) -> Path:
        """Write a run's series to ``path`` as CSV or Parquet, chosen by its suffix."""
        path = Path(path)
        options = _EXPORT_FORMATS.get(path.suffix.lower())
        if options is None:
            msg = f"cannot export to {path}: suffix must be one of {', '.join(_EXPORT_FORMATS)}"
            raise StoreError(msg)
        self.get_run(run_id)
        try:
            self._con.execute(f"COPY ({_SERIES}) TO ? ({options})", [run_id, str(path)])
        except duckdb.Error as exc:
            msg = f"cannot export to {path}: {' '.join(str(exc).split())}"
            raise StoreError(msg) from exc
        return path
