"""One spool file read back and checked: everything in it is data to fit the store's columns.

A spool file (``spool.write``) holds a run's per-step series as Arrow columns
and, as schema metadata, its ``runs`` row, its crises and its links to an
experiment. Anything may be found in such a file (a write cut short, bit rot, a
file made by hand), so reading it is two checks:

- ``read`` checks the shape, in Python and cheaply, file by file: the metadata
  is there and is JSON of the right kinds, the run is the file's own, every
  column is a series the model records (a name is never made a column), every
  field is one the store has and every required one is present, seeds and
  points fit their columns;
- ``tables`` converts many files at once to the store's column types (a value
  of the wrong type or beyond a column's range fails there); the caller tries
  the files one by one only when the batch fails, to find which.

Either failure is a ``SpoolFileError`` saying why in one line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import feather

from thermidor.model.results import EXTRA_SERIES, METRICS
from thermidor.store import _CRISIS, FINISHED_RUN, MAX_SEED, StoreError, shown_name

SUFFIX = ".arrow"
SERIES = frozenset((*METRICS, *EXTRA_SERIES))  # the per-step columns a spool file may hold
CRISIS_KEYS = ("step", "mobilised", "control_index", "thermidor")
_KEYS = ("run_id", "step")
_META_KEYS = ("run", "crises", "links")
_MAX_POINT = 2**31 - 1  # experiment_runs.point is an INTEGER
# what converting values to the store's types raises when one does not fit
_UNFIT = (StoreError, ValueError, TypeError, KeyError, OverflowError, pa.ArrowException)


class SpoolFileError(StoreError):
    """A spool file that cannot go into the store, and why (one line)."""


@dataclass(frozen=True)
class Spooled:
    """One spool file whose shape is checked (``read``); its values are converted to the
    store's types by ``tables``."""

    path: Path
    steps: pa.Table  # run_id, step and series columns, as found
    run: dict[str, Any]
    crises: list[dict[str, Any]]
    links: list[list[Any]]


@dataclass(frozen=True)
class Tables:
    """Spooled runs as the store takes them (``Store.add_runs``) and their links."""

    runs: pa.Table
    steps: pa.Table
    crises: pa.Table | None
    links: pa.Table


def read(path: Path) -> Spooled:
    """The spool file at ``path`` with its shape checked; SpoolFileError says why not."""
    try:
        table = feather.read_table(path)
    except (OSError, ValueError, pa.ArrowException) as exc:  # zero bytes, truncated, random
        msg = f"not a readable Arrow file ({' '.join(str(exc).split())})"
        raise SpoolFileError(msg) from exc
    try:
        meta = _metadata(table)
    except ValueError as exc:  # JSON
        msg = f"metadata: not JSON ({exc})"
        raise SpoolFileError(msg) from exc
    spooled = Spooled(
        path, table.replace_schema_metadata(None), meta["run"], meta["crises"], meta["links"]
    )
    check(spooled)
    return spooled


def _metadata(table: pa.Table) -> dict[str, Any]:
    raw = table.schema.metadata or {}
    meta: dict[str, Any] = {}
    for key in _META_KEYS:
        if key.encode() not in raw:
            msg = f"metadata: no {key}"
            raise SpoolFileError(msg)
        meta[key] = json.loads(raw[key.encode()])
    return meta


def check(spooled: Spooled) -> None:
    """SpoolFileError unless the file's contents have the shape the store needs (see the
    module's docstring); ``spool.write`` checks what it is about to write the same way."""
    run, crises, links = spooled.run, spooled.crises, spooled.links
    if not isinstance(run, dict) or not isinstance(crises, list) or not isinstance(links, list):
        msg = "metadata: run must be an object, crises and links lists"
        raise SpoolFileError(msg)
    run_id = run.get("run_id")
    if run_id != spooled.path.name.removesuffix(SUFFIX):
        msg = f"metadata: run_id {shown_name(str(run_id))} is not the file's name"
        raise SpoolFileError(msg)
    _fields(run, FINISHED_RUN, "its run row")
    seed = run["seed"]
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        msg = f"its run row: seed {str(seed)[:40]}: a seed is between 0 and {MAX_SEED}"
        raise SpoolFileError(msg)
    for crisis in crises:
        if not isinstance(crisis, dict) or not set(crisis) <= set(CRISIS_KEYS):
            msg = f"crises: each one an object of {', '.join(CRISIS_KEYS)}"
            raise SpoolFileError(msg)
        _fields({**crisis, "run_id": run_id}, _CRISIS, "crises")
    for link in links:
        _link(link, run_id)
    _columns(spooled.steps.column_names)


def _fields(record: dict[str, Any], schema: pa.Schema, what: str) -> None:
    """Only fields of ``schema``, and every required one (not NULL)."""
    unknown = [key for key in record if key not in schema.names]
    if unknown:
        msg = f"{what}: unknown field {shown_name(str(unknown[0]))}"
        raise SpoolFileError(msg)
    for field in schema:
        if not field.nullable and record.get(field.name) is None:
            msg = f"{what}: {field.name} is missing"
            raise SpoolFileError(msg)


def _link(link: Any, run_id: str) -> None:
    """[experiment id, point, seed, this run], each fitting its column."""

    def whole(x: Any, top: int) -> bool:
        return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= top

    fits = (
        isinstance(link, list)
        and len(link) == 4
        and isinstance(link[0], str)
        and whole(link[1], _MAX_POINT)
        and whole(link[2], MAX_SEED)
        and link[3] == run_id
    )
    if not fits:
        msg = f"links: {shown_name(json.dumps(link))} is not [experiment, point, seed, this run]"
        raise SpoolFileError(msg)


def _columns(names: list[str]) -> None:
    """``run_id``, ``step`` and series the model records, each once: a name from a file is
    data, and one the model does not record never becomes a column of the store."""
    if len(set(names)) != len(names):
        msg = "a column appears twice"
        raise SpoolFileError(msg)
    unknown = [n for n in names if n not in SERIES and n not in _KEYS]
    if unknown:
        msg = f"unknown column {shown_name(unknown[0])}: a spool file holds the model's series"
        raise SpoolFileError(msg)
    if not set(_KEYS) <= set(names):
        msg = "no run_id or step column"
        raise SpoolFileError(msg)


def tables(spooled: list[Spooled]) -> Tables:
    """Checked spool files (``read``) as the store's rows, converted all at once;
    SpoolFileError when a value does not fit its column (which file: try them one by one)."""
    try:
        return _tables(spooled)
    except SpoolFileError:
        raise
    except _UNFIT as exc:
        raise SpoolFileError(" ".join(str(exc).split()) or type(exc).__name__) from exc


def _tables(spooled: list[Spooled]) -> Tables:
    ids = [s.run["run_id"] for s in spooled]
    crises = [{**c, "run_id": s.run["run_id"]} for s in spooled for c in s.crises]
    links = [link for s in spooled for link in s.links]
    return Tables(
        runs=_rows([s.run for s in spooled], FINISHED_RUN),
        steps=_steps([s.steps for s in spooled], ids),
        crises=_rows(crises, _CRISIS) if crises else None,
        links=pa.table(
            {
                "experiment_id": pa.array([x[0] for x in links], pa.string()),
                "point": pa.array([x[1] for x in links], pa.int32()),
                "seed": pa.array([x[2] for x in links], pa.int64()),
                "run_id": pa.array([x[3] for x in links], pa.string()),
            }
        ),
    )


def _rows(records: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """``records`` as a table of exactly ``schema`` (a field a record lacks is NULL; ISO
    text is a timestamp); a value of another type raises."""
    arrays = []
    for field in schema:
        values = [record.get(field.name) for record in records]
        if pa.types.is_timestamp(field.type):
            values = [None if v is None else datetime.fromisoformat(v) for v in values]
        arrays.append(pa.array(values, field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _typed(steps: pa.Table) -> pa.Table:
    """One file's per-step rows with the store's types (cast only where they differ)."""
    types = {"run_id": pa.string(), "step": pa.int32()}
    schema = pa.schema([pa.field(n, types.get(n, pa.float64())) for n in steps.column_names])
    return steps if steps.schema.equals(schema) else steps.cast(schema)


def _steps(steps: list[pa.Table], ids: list[str]) -> pa.Table:
    """The files' per-step rows in one table: ``run_id``, ``step`` (never NULL) and each
    series as float64 (NULL in the rows of a file that lacks it); every row of a file is of
    that file's run."""
    table = pa.concat_tables([_typed(s) for s in steps], promote_options="default")
    expected = pa.array(np.repeat(np.array(ids, dtype=object), [s.num_rows for s in steps]))
    same = pc.equal(table.column("run_id"), expected)
    if same.null_count or not pc.all(same).as_py():
        msg = "its rows are not all of its run"
        raise SpoolFileError(msg)
    if table.column("step").null_count:
        msg = "a step is missing"
        raise SpoolFileError(msg)
    return table
