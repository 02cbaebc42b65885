"""A run's series as CSV text: a ``step`` column, then one column per recorded series."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def series_csv(series: Mapping[str, Sequence[float] | np.ndarray]) -> str:
    """CSV of every series, one row per step (empty cells for steps not run)."""
    names = list(series)
    steps = max((len(v) for v in series.values()), default=0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["step", *names])
    for t in range(steps):
        row = [series[n][t] for n in names]
        writer.writerow([t, *("" if math.isnan(v) else repr(float(v)) for v in row)])
    return out.getvalue()
