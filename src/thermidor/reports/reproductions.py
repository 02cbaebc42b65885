"""The classic models' reproductions against their papers, read back from the store.

``thermidor classic reproduce`` stores one row per claim and seed (``classic_measures``,
with the claim, its paper, the paper's value and the interval of agreement); this table
reads those rows alone, so it shows what was measured, at which sizes and by which
version, and nothing the code merely claims.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from thermidor.store import StoreError

if TYPE_CHECKING:
    import pandas as pd

    from thermidor.store import Store

COLUMNS = (
    "model",
    "paper",
    "claim",
    "paper_value",
    "reproduced",
    "value",
    "spread",
    "seeds",
    "tolerance",
    "agrees",
    "unit",
    "sizes",
    "version",
)

# per claim, the rows of its latest measurement (sizes and version measured last)
_ROWS = """
WITH latest AS (
    SELECT claim, arg_max(sizes::VARCHAR, measured) AS sizes, arg_max(version, measured) AS version
    FROM classic_measures GROUP BY claim
)
SELECT m.reproduction, m.claim, any_value(m.model), any_value(m.paper), any_value(m.statement),
       any_value(m.paper_value), any_value(m.accept_low), any_value(m.accept_high),
       any_value(m.tolerance), any_value(m.unit), l.sizes, l.version,
       list(m.value ORDER BY m.seed), min(m.measured)
FROM classic_measures m JOIN latest l
  ON m.claim = l.claim AND m.sizes::VARCHAR = l.sizes AND m.version = l.version
GROUP BY m.reproduction, m.claim, l.sizes, l.version
ORDER BY min(m.measured), m.reproduction, m.claim
"""


def has_reproductions(store: Store) -> bool:
    tables = {row[0] for row in store.connection.execute("SHOW TABLES").fetchall()}
    return "classic_measures" in tables


def shown(mean: float, spread: float, seeds: int) -> str:
    """'-7.76 ± 0.12 (sd, 3 seeds)', or the value alone for one seed."""
    if math.isnan(mean):
        return "—"
    if seeds < 2:
        return f"{mean:.4g}"
    return f"{mean:.4g} ± {spread:.2g} (sd, {seeds} seeds)"


def agrees(mean: float, low: float | None, high: float | None) -> bool:
    """The mean over seeds lies in [low, high] (None: unbounded on that side)."""
    if math.isnan(mean):
        return False
    return (low is None or mean >= low) and (high is None or mean <= high)


def classic_table(store: Store) -> pd.DataFrame:
    """One row per claim of the latest stored measurement (its sizes and version).

    Columns: ``model``, ``paper`` (the citation), ``claim``, ``paper_value`` (as the paper
    or its documentation states it), ``reproduced`` (mean ± sd over seeds, as text),
    ``value`` (mean over seeds), ``spread`` (their sd; 0 for one seed), ``seeds``,
    ``tolerance`` (the rule of agreement), ``agrees`` ("yes" or "no": the mean lies in the
    stored interval), ``unit``, ``sizes`` (dict) and ``version``.

    Raises:
        StoreError: the store holds no reproduction.
    """
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    if not has_reproductions(store):
        msg = (
            f"no classic reproductions in {store.path}: run "
            f"`thermidor classic reproduce --store {store.path}`"
        )
        raise StoreError(msg)
    rows: list[dict[str, Any]] = []
    for (
        _reproduction, _claim, model, paper, statement, paper_value, low, high, tolerance,
        unit, sizes, version, values, _first,
    ) in store.connection.execute(_ROWS).fetchall():  # fmt: skip
        measured = np.array([np.nan if v is None else v for v in values], dtype=float)
        seeds = int(measured.size)
        mean = float(measured.mean()) if seeds else float("nan")
        spread = float(measured.std(ddof=1)) if seeds > 1 else 0.0
        rows.append(
            {
                "model": model,
                "paper": paper,
                "claim": statement,
                "paper_value": paper_value,
                "reproduced": shown(mean, spread, seeds),
                "value": mean,
                "spread": spread,
                "seeds": seeds,
                "tolerance": tolerance,
                "agrees": "yes" if agrees(mean, low, high) else "no",
                "unit": unit,
                "sizes": json.loads(sizes),
                "version": version,
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))
