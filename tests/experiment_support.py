"""Shared helpers of the experiment tests: a small sweep, writing files, comparing stores."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

SWEEP = """
name = "sweep"
scenario = "soviet-1917-1928"
seeds = 2
base_seed = 3
steps = 40
members = 300
metrics = ["control_index", "participation"]
set = ["education.intensity=0.2"]

[[parameters]]
name = "institutions.nominated_share"
values = [0.0, 1.0]

[[parameters]]
name = "institutions.privilege_cap"
range = {start = 2.0, stop = 4.0, num = 2}
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def contents(path: Path) -> dict[str, list[tuple]]:
    """A store's contents, every table in a fixed order, without the wall-clock columns."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {
            "runs": con.execute(
                "SELECT * EXCLUDE (started, finished) FROM runs ORDER BY run_id"
            ).fetchall(),
            "steps": con.execute("SELECT * FROM steps ORDER BY run_id, step").fetchall(),
            "crises": con.execute("SELECT * FROM crises ORDER BY run_id, step").fetchall(),
            "links": con.execute(
                "SELECT * FROM experiment_runs ORDER BY experiment_id, point, seed"
            ).fetchall(),
            "experiments": con.execute(
                "SELECT * EXCLUDE (created) FROM experiments ORDER BY experiment_id"
            ).fetchall(),
        }
    finally:
        con.close()
    return out


def same(a: dict[str, list[tuple]], b: dict[str, list[tuple]]) -> None:
    """Equal contents, NaN equal to NaN (series hold NaN where a metric is undefined)."""
    assert a.keys() == b.keys()
    for table, rows in a.items():
        assert len(rows) == len(b[table]), table
        for row_a, row_b in zip(rows, b[table], strict=True):
            for x, y in zip(row_a, row_b, strict=True):
                both_nan = (
                    isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y)
                )
                assert both_nan or x == y, (table, row_a, row_b)


# the smallest experiment: one point, one seed, three steps of a hundred members
TINY = """
name = "tiny"
scenario = "soviet-1917-1928"
steps = 3
members = 100
metrics = ["control_index"]

[[parameters]]
name = "institutions.nominated_share"
values = [0.0]
"""


class InProcess:
    """An executor running each task here, one after another: an experiment stored without
    starting worker processes (for tests of what reads it, not of the runner)."""

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        return map(fn, tasks)

    def close(self) -> None:
        pass
