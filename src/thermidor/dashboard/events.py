"""A shock or an intervention added at a chosen year, as one ``--set`` override of its list.

Values are written as TOML literals (numbers, booleans, JSON-escaped strings) built here,
never copied from user text, so the override can only hold data.
"""

from __future__ import annotations

import json
import math
from typing import Any

from thermidor.engine.calendar import STEPS_PER_YEAR
from thermidor.model.scenario import Meta

SHOCK_KINDS: tuple[str, ...] = ("harvest", "unemployment", "market", "recruitment", "crisis")

# intervention kind -> the one numeric parameter it takes ("" when it takes none)
INTERVENTION_PARAM: dict[str, str] = {
    "restore_elections": "",
    "nominate": "share",
    "sortition": "share",
    "cut_apparatus": "fraction",
    "cap_privilege": "cap",
    "rights_guarantees": "intensity",
    "repression": "intensity",
    "education": "intensity",
    "transparency": "level",
    "audits": "rate",
    "purge": "fraction",
    "readmit": "share",
    "term_limits": "term",
    "bound_functions": "level",
}
INTEGER_PARAMS = frozenset({"term"})


def start_year(meta: Meta) -> float:
    """The calendar date of step 0 as a decimal year (``1917-11`` -> 1917.833...)."""
    year, _, month = meta.start.partition("-")
    fraction = (int(month) - 1) / 12 if month.isdigit() else 0.0
    return int(year) + fraction


def year_range(meta: Meta) -> tuple[float, float]:
    """First and last decimal year covered by the run."""
    first = start_year(meta)
    return first, first + (meta.steps - 1) / STEPS_PER_YEAR[meta.time_step]


def year_to_step(meta: Meta, year: float) -> int:
    """The step at which ``year`` (a decimal year) begins; ValueError if outside the run.

    The offset is checked finite before ``math.ceil``, which raises OverflowError on an
    infinity (``1e308`` years times the steps per year) and on an int too large for a float.
    """
    first, last = year_range(meta)
    try:
        offset = (float(year) - first) * STEPS_PER_YEAR[meta.time_step]
        shown = f"{float(year):g}"
    except OverflowError:  # an int beyond the largest float
        offset = math.inf
        shown = "beyond 1.8e308" if year > 0 else "beyond -1.8e308"
    step = math.ceil(round(offset, 6)) if math.isfinite(offset) else -1
    if step < 0 or step >= meta.steps:
        msg = f"year {shown} is outside the run ({first:.4g} to {last:.4g})"
        raise ValueError(msg)
    return step


def toml_literal(value: Any) -> str:
    """A TOML inline literal of plain data (tables, lists, strings, numbers, booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{key} = {toml_literal(v)}" for key, v in value.items() if v is not None)
        return "{" + ", ".join(items) + "}"
    msg = f"cannot write {type(value).__name__} as TOML"
    raise TypeError(msg)


def append_override(key: str, existing: list[dict[str, Any]], item: dict[str, Any]) -> str:
    """``key=[...existing, item]``: one override that appends ``item`` to a scenario list."""
    return f"{key}={toml_literal([*existing, item])}"
