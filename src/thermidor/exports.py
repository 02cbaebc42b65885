"""Stored runs as tables for other tools: a run's series with its calendar dates
(``thermidor show --out``), and the long table of many runs (``thermidor export``).

The long table has one row per run, step and metric: ``run_id, scenario, seed, step,
date, metric, value``, then the run's parameters, one column per dotted key (a list, such
as the scenario's shocks, as its JSON text). It is the shape R, Stata and pandas group and
plot without reshaping; parameters as columns let a regression take them as covariates.

Stata limits what a file may hold, so the Stata export renames: a variable name is at most
32 characters of ``[A-Za-z0-9_]``, not starting with a digit, unique, and no reserved word.
The original (dotted) name is the variable's label, so that nothing is lost. Short texts
are fixed-width ``str`` variables (at most 2,045 characters are allowed); longer ones (a
scenario's assumptions run to several thousand) are ``strL``, which Stata reads whole and
stores once however many rows repeat them.

Dates come from the run's own calendar (``meta.start``, ``meta.time_step``) through
``engine.calendar``; a classic model's run has none, and its dates are empty.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from thermidor.engine.calendar import CalendarError, step_dates
from thermidor.outputs import write_atomically

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from thermidor.store import Store

__all__ = [
    "FORMATS",
    "LEADING",
    "ExportError",
    "dated_series",
    "format_of",
    "long_table",
    "stata_names",
    "write_series",
    "write_table",
]

FORMATS = {"csv": ".csv", "parquet": ".parquet", "stata": ".dta"}
LEADING = ("run_id", "scenario", "seed", "step", "date", "metric", "value")
STATA_NAME = 32  # characters of a Stata variable name
STATA_LABEL = 80  # characters of a variable label
STATA_STR = 2045  # characters of a fixed-width string variable (strL beyond)
# a text longer than this is written as strL even below STATA_STR: a strL value repeated on
# every row of a run (its parameters are) is stored once, a fixed-width one on every row
STATA_SHORT_STR = 244
STATA_VERSION = 118  # Stata 14+: UTF-8 text, strL
_STATA_VALID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")


class ExportError(ValueError):
    """What cannot be exported (one line naming the value and what is allowed)."""


def format_of(path: Path, fmt: str | None) -> str:
    """The format to write ``path`` in: ``fmt`` if given (its suffix must agree), else the
    one its suffix names."""
    suffix = path.suffix.lower()
    by_suffix = {s: f for f, s in FORMATS.items()}
    allowed = ", ".join(FORMATS.values())
    if fmt is None:
        if suffix not in by_suffix:
            msg = f"--out {path}: suffix must be one of {allowed} (or give --format)"
            raise ExportError(msg)
        return by_suffix[suffix]
    if fmt not in FORMATS:
        msg = f"--format {fmt!r}: one of {', '.join(FORMATS)}"
        raise ExportError(msg)
    if suffix != FORMATS[fmt]:
        msg = f"--out {path}: a {fmt} file ends in {FORMATS[fmt]}"
        raise ExportError(msg)
    return fmt


def run_dates(params: Any, steps: int) -> list[str | None]:
    """The dates of steps ``0 .. steps - 1`` of a run with these parameters (Nones when the
    run has no calendar)."""
    meta = params.get("meta") if isinstance(params, dict) else None
    if isinstance(meta, dict):
        start, unit = meta.get("start"), meta.get("time_step")
        if isinstance(start, str) and isinstance(unit, str):
            try:
                return list(step_dates(start, unit, steps))
            except (CalendarError, ValueError, OverflowError):
                pass
    return [None] * steps


def dated_series(run: dict[str, Any], series: pa.Table) -> pa.Table:
    """A run's per-step series with a ``date`` column after ``step``."""
    import pyarrow as pa  # noqa: PLC0415

    steps = series.column("step").to_pylist()
    dates = run_dates(run["params"], max(steps) + 1 if steps else 0)
    column = pa.array([dates[s] if s >= 0 else None for s in steps], type=pa.string())
    return series.add_column(series.column_names.index("step") + 1, "date", column)


def write_series(table: pa.Table, path: Path) -> Path:
    """A run's series to ``path``, CSV or Parquet by its suffix, written whole."""
    import pyarrow.csv as pacsv  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    if path.suffix.lower() == ".csv":
        return write_atomically(path, lambda partial: pacsv.write_csv(table, partial))
    return write_atomically(path, lambda partial: pq.write_table(table, partial))


def _flat(params: Any, prefix: str = "") -> dict[str, Any]:
    """Nested parameters as dotted keys; a list as its JSON text."""
    found: dict[str, Any] = {}
    if not isinstance(params, dict):
        return found
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            found.update(_flat(value, f"{name}."))
        elif isinstance(value, list):
            found[name] = json.dumps(value, ensure_ascii=False)
        else:
            found[name] = value
    return found


def long_table(
    store: Store,
    run_ids: list[str] | None = None,
    scenarios: list[str] | None = None,
    metrics: list[str] | None = None,
) -> pd.DataFrame:
    """The long table of the store's finished runs (those named, or of these scenarios,
    or all), one row per run, step and metric. ExportError when a run named is not
    finished, or when nothing is chosen."""
    import pandas as pd  # noqa: PLC0415

    listed = store.list_runs()
    known = {run["run_id"]: run for run in listed}
    for run_id in run_ids or []:
        if run_id not in known:
            msg = f"--run {run_id!r}: no such run in {store.path}"
            raise ExportError(msg)
        if known[run_id]["status"] != "finished":
            msg = f"--run {run_id}: its status is {known[run_id]['status']}, not finished"
            raise ExportError(msg)
    stored = {run["scenario"] for run in listed}
    for name in scenarios or []:
        if name not in stored:
            shown = ", ".join(sorted(stored)) or "none"
            msg = f"--scenario {name!r}: no run of it in {store.path} (scenarios: {shown})"
            raise ExportError(msg)
    chosen = [
        run
        for run in listed
        if run["status"] == "finished"
        and (not run_ids or run["run_id"] in run_ids)
        and (not scenarios or run["scenario"] in scenarios)
    ]
    if not chosen:
        msg = f"{store.path}: no finished run to export"
        raise ExportError(msg)
    frames = []
    for listed_run in chosen:
        run = store.get_run(listed_run["run_id"])
        series = dated_series(run, store.series(run["run_id"])).to_pandas()
        names = [c for c in series.columns if c not in ("step", "date")]
        if metrics:
            lacking = [m for m in metrics if m not in names]
            if lacking:
                msg = f"--metric {lacking[0]!r}: run {run['run_id']} has no such series"
                raise ExportError(msg)
            names = list(metrics)
        long = series.melt(
            id_vars=["step", "date"], value_vars=names, var_name="metric", value_name="value"
        )
        long.insert(0, "seed", run["seed"])
        long.insert(0, "scenario", run["scenario"])
        long.insert(0, "run_id", run["run_id"])
        params = {k: [v] * len(long) for k, v in _flat(run["params"]).items() if k not in LEADING}
        frames.append(pd.concat([long, pd.DataFrame(params, index=long.index)], axis=1))
    table = pd.concat(frames, ignore_index=True, sort=False)
    table["value"] = table["value"].astype("float64")
    return _uniform(table)


def _uniform(table: pd.DataFrame) -> pd.DataFrame:
    """Each parameter column of one kind: a column whose runs hold different kinds (a
    number in one run, text or a list in another) becomes text, so that Parquet and Stata
    can hold it."""
    for column in table.columns[len(LEADING) :]:
        kinds = {type(v) for v in table[column] if not _missing(v)}
        numbers = {int, float, bool}
        if len(kinds) > 1 and not (kinds <= numbers and bool not in kinds):
            table[column] = [None if v is None else str(v) for v in table[column]]
    return table


def stata_names(columns: list[str]) -> dict[str, str]:
    """A valid, unique Stata name for each column: ``[A-Za-z_][A-Za-z0-9_]*``, at most 32
    characters, no reserved word. A long dotted name keeps its last part whole and shortens
    the parts before it (``mechanisms.abuse.temptation_weight`` -> ``mec_abu_temptation_weight``);
    a clash gets a number."""
    from pandas.io.stata import StataParser  # noqa: PLC0415

    # Stata's reserved words, as pandas lists them (it would rename such a column itself)
    reserved = {word.lower() for word in getattr(StataParser(), "RESERVED_WORDS", ())}
    taken: set[str] = set()
    names: dict[str, str] = {}
    for column in columns:
        parts = [re.sub(r"[^A-Za-z0-9_]", "_", part) for part in column.split(".")]
        name = "_".join(parts)
        if len(name) > STATA_NAME:
            name = "_".join([*(part[:3] for part in parts[:-1]), parts[-1]])
        if not name or name[0].isdigit():
            name = f"_{name}"
        if name.lower() in reserved:
            name = f"{name}_"
        name = name[:STATA_NAME]
        candidate, number = name, 1
        while candidate.lower() in taken:
            number += 1
            tail = f"_{number}"
            candidate = name[: STATA_NAME - len(tail)] + tail
        assert _STATA_VALID.match(candidate), candidate
        taken.add(candidate.lower())
        names[column] = candidate
    return names


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _write_stata(table: pd.DataFrame, partial: Path) -> None:
    """The table as a Stata 14+ file: valid names, the original names as labels, booleans
    as 0/1, missing text as empty, strings over 2,045 characters as strL."""
    import pandas as pd  # noqa: PLC0415
    from pandas.api.types import is_bool_dtype, is_numeric_dtype  # noqa: PLC0415

    names = stata_names(list(table.columns))
    frame = table.rename(columns=names)
    labels: dict[str, str] = {}
    for original, name in names.items():
        label = original if len(original) <= STATA_LABEL else original[: STATA_LABEL - 3] + "..."
        labels[name] = label
        column = frame[name]
        if is_bool_dtype(column.dtype):
            frame[name] = column.astype("int8")
        elif not is_numeric_dtype(column.dtype):
            values = list(column)
            if all(_missing(v) or isinstance(v, bool) for v in values):
                frame[name] = [math.nan if _missing(v) else float(v) for v in values]
            else:
                frame[name] = pd.Series(
                    ["" if _missing(v) else str(v) for v in values], dtype=object
                )
    strl = [
        name
        for name in frame.columns
        if frame[name].dtype == object and frame[name].map(len).max() > STATA_SHORT_STR
    ]
    with warnings.catch_warnings():
        # int64 seeds beyond int32 are stored as doubles (exact below 2**53)
        warnings.simplefilter("ignore")
        frame.to_stata(
            partial,
            write_index=False,
            version=STATA_VERSION,
            variable_labels=labels,
            convert_strl=strl,
            data_label="thermidor export: one row per run, step and metric",
        )


def write_table(table: pd.DataFrame, path: Path, fmt: str) -> Path:
    """The long table to ``path`` in ``fmt`` (csv, parquet or stata), written whole."""
    if fmt == "csv":
        return write_atomically(path, lambda partial: table.to_csv(partial, index=False))
    if fmt == "parquet":
        return write_atomically(path, lambda partial: table.to_parquet(partial, index=False))
    return write_atomically(path, lambda partial: _write_stata(table, partial))
