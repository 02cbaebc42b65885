"""What a run returns: per-step metric series plus the run's identity.

Columnar by design (a metric per column, a step per row) so that the store,
reports and the experiment runner read the same arrays.
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# The headline metrics, in the order the command line and the store show them.
METRICS: tuple[str, ...] = (
    "participation",
    "capacity",
    "apparatus_share",
    "nominated_share",
    "privilege_ratio",
    "gini",
    "abuse_rate",
    "known_abuse_share",
    "sanctioned_share",
    "report_inflation",
    "identification",
    "legitimacy",
    "opposition_share",
    "control_index",
    "mobilization_potential",
)

# Further per-step series recorded alongside the headline metrics.
EXTRA_SERIES: tuple[str, ...] = (
    "turnout",
    "apparatus_size",
    "members_present",
    "expelled_total",
    "deported_total",
    "punished",
    "crisis",
    "mobilised",
    "hardship",
    "fear",
)

METRIC_DOCS: dict[str, str] = {
    "participation": "mean political activity of members present (0..1)",
    "capacity": "mean political capacity, the learned 'art of government' (0..1)",
    "apparatus_share": "share of members present who hold an office or a staff post (0..1)",
    "nominated_share": "share of offices filled by nomination from above (0..1)",
    "privilege_ratio": "mean income in the apparatus / mean income outside it (>= 0; 1 = equal)",
    "gini": "Gini coefficient of income among members present (0..1)",
    "abuse_rate": "abuses committed this step per office holder (0..1)",
    "known_abuse_share": "share of open abuse cases widely known to their electorate (0..1)",
    "sanctioned_share": "share of widely known abuses that were sanctioned, smoothed (0..1)",
    "report_inflation": "output reported at the top / output really produced (>= 1 means inflated)",
    "identification": "mean identification of office holders with the class (0..1)",
    "legitimacy": "mean perceived legitimacy of the regime among members (0..1)",
    "opposition_share": "share of members present in the opposition (0..1)",
    "control_index": (
        "who actually decides: offices weighted by their power (holder and staff) x how far"
        " their holders answer to members (turnout; 0 for a nominee) (0..1)"
    ),
    "mobilization_potential": "share of members who would mobilise in defence of the regime (0..1)",
    "turnout": "mean turnout at elections held this step, or of electorates (0..1)",
    "apparatus_size": "number of members in the apparatus (holders + staff)",
    "members_present": "members in the simulated population (not deported, recruited so far)",
    "expelled_total": "members expelled so far",
    "deported_total": "members deported so far and not returned",
    "punished": "members punished (expelled or deported) this step",
    "crisis": "1 at a crisis step, else 0",
    "mobilised": "share mobilised by the cascade at a crisis step, else NaN",
    "hardship": "mean hardship of members present (0..1)",
    "fear": "mean fear of members present (0..1)",
}


@functools.cache
def computing_versions() -> dict[str, str]:
    """The versions of python, numpy and numba in this process, the one that computes a run
    (thermidor's own is ``Results.version``)."""
    versions = {"python": platform.python_version()}
    for name in ("numpy", "numba"):
        module = sys.modules.get(name)
        try:
            versions[name] = str(
                getattr(module, "__version__", None) or importlib.metadata.version(name)
            )
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


@dataclass(frozen=True)
class Results:
    """One finished run.

    Attributes:
        scenario: the scenario's name.
        seed: the seed the run was started with.
        steps: number of steps simulated (rows of every series).
        members: initial number of members.
        params: the fully resolved scenario (JSON-compatible), what was actually run.
        version: thermidor's version.
        series: metric name -> float64 array of length ``steps``.
        thermidor_step: first step at which Thermidor happened, or None.
        crises: one record per crisis: step, mobilised share, control index, thermidor flag.
        versions: python, numpy and numba versions of the process that computed the run.
    """

    scenario: str
    seed: int
    steps: int
    members: int
    params: dict[str, Any]
    version: str
    series: dict[str, np.ndarray]
    thermidor_step: int | None
    crises: list[dict[str, Any]] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=lambda: dict(computing_versions()))

    def final(self) -> dict[str, float]:
        """The headline metrics at the last step."""
        return {name: float(self.series[name][-1]) for name in METRICS}

    def mean(self) -> dict[str, float]:
        """The headline metrics averaged over the run (NaN steps ignored)."""
        return {name: float(np.nanmean(self.series[name])) for name in METRICS}

    def columns(self) -> dict[str, np.ndarray]:
        """Every series plus a ``step`` column, ready for Arrow/DuckDB."""
        cols: dict[str, np.ndarray] = {"step": np.arange(self.steps, dtype=np.int32)}
        cols.update(self.series)
        return cols
