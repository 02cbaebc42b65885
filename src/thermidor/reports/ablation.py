"""The ablation table read back from the store: per condition and history, the share of the
stored runs that reach Thermidor and the quartiles of its date among them.

Only stored runs count (``thermidor ablation run`` computes them), so the table is the
same whoever reads it and says how many runs it rests on. Thermidor is reported over the
ensemble, never from one seed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from thermidor.reports.panels import step_date
from thermidor.store import StoreError

if TYPE_CHECKING:
    import pandas as pd

    from thermidor.store import Store

COLUMNS = (
    "condition",
    "history",
    "members",
    "seeds",
    "separable",
    "runs",
    "reached",
    "share",
    "q25",
    "median",
    "q75",
)

_ROWS = """
SELECT a.position, a.condition, a.history, a.members, a.seeds, a.experiment_id,
       list(r.thermidor_step ORDER BY l.seed) FILTER (WHERE r.run_id IS NOT NULL),
       count(r.run_id), min(r.params::VARCHAR)
FROM ablation_conditions a
LEFT JOIN experiment_runs l ON l.experiment_id = a.experiment_id
LEFT JOIN runs r ON r.run_id = l.run_id AND r.status = 'finished'
WHERE a.members = ? AND a.seeds = ? AND a.steps = ?
GROUP BY ALL
ORDER BY a.position, a.history
"""


def has_ablation(store: Store) -> bool:
    tables = {row[0] for row in store.connection.execute("SHOW TABLES").fetchall()}
    return {"ablation_conditions", "experiment_runs"} <= tables


def sizes(store: Store) -> list[tuple[int, int, int]]:
    """The (members, seeds, steps) of every ablation in the store (steps 0: the whole
    history), the latest recorded first."""
    if not has_ablation(store):
        return []
    rows = store.connection.execute(
        "SELECT members, seeds, steps FROM ablation_conditions GROUP BY ALL "
        "ORDER BY max(created) DESC, members DESC, seeds DESC, steps"
    ).fetchall()
    return [(int(m), int(s), int(t)) for m, s, t in rows]


def ablation_table(
    store: Store, members: int | None = None, seeds: int | None = None
) -> pd.DataFrame:
    """One row per (condition, history) of the ablation at ``members`` and ``seeds`` (by
    default those of the latest ablation recorded), from the stored runs alone.

    Columns: ``condition``, ``history``, ``members``, ``seeds`` (asked), ``separable`` (False
    where the cause has no events of its own in that history), ``runs`` (stored, finished),
    ``reached`` (runs reaching Thermidor), ``share`` (reached / runs, NaN without runs),
    and ``q25``, ``median``, ``q75``: the quartiles of its date among the runs that reach
    it (``YYYY-MM``, the nearest stored run's date; None when none does).

    Raises:
        StoreError: the store holds no ablation (at that size).
    """
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    found = sizes(store)
    if not found:
        msg = f"no ablation in {store.path}: run `thermidor ablation run --store {store.path}`"
        raise StoreError(msg)
    matching = [
        size
        for size in found
        if (members is None or size[0] == members) and (seeds is None or size[1] == seeds)
    ]
    if not matching:
        shown = ", ".join(f"{m} members x {s} seeds" for m, s, _ in found)
        msg = (
            f"no ablation of {members or 'any'} members x {seeds or 'any'} seeds in "
            f"{store.path}; it holds: {shown}"
        )
        raise StoreError(msg)
    members, seeds, cut = matching[0]
    rows: list[dict[str, Any]] = []
    for _pos, condition, history, m, s, eid, found_steps, runs, params in store.connection.execute(
        _ROWS, [members, seeds, cut]
    ).fetchall():
        reached = sorted(int(step) for step in found_steps or [] if step is not None)
        dates: list[str | None] = [None, None, None]
        if reached:
            meta = json.loads(params) if params else {}
            quartiles = np.quantile(reached, [0.25, 0.5, 0.75], method="nearest")
            dates = [step_date(meta, int(q)) for q in quartiles]
        rows.append(
            {
                "condition": condition,
                "history": history,
                "members": int(m),
                "seeds": int(s),
                "separable": eid is not None,
                "runs": int(runs),
                "reached": len(reached),
                "share": len(reached) / runs if runs else float("nan"),
                "q25": dates[0],
                "median": dates[1],
                "q75": dates[2],
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def cell(row: Any) -> str:
    """One history's cell of the Markdown table: 'P = 0.83; 1794-07 / 1794-07 / 1794-08'."""
    if not row["separable"]:
        return "(not separable)"
    if row["runs"] == 0:
        return "(no runs stored)"
    share = f"P = {row['share']:.2f}"
    if row["reached"] == 0:
        return share
    return f"{share}; {row['q25']} / {row['median']} / {row['q75']}"


def ablation_markdown(frame: pd.DataFrame) -> str:
    """The table of docs/model.md section 7.16: a row per condition, a column per history."""
    histories = list(dict.fromkeys(frame["history"]))
    lines = [
        "| condition | " + " | ".join(histories) + " |",
        "| --- " * (len(histories) + 1) + "|",
    ]
    for condition, group in frame.groupby("condition", sort=False):
        by_history = {row["history"]: cell(row) for _, row in group.iterrows()}
        cells = [by_history.get(h, "") for h in histories]
        lines.append(f"| {condition} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
