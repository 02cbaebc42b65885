"""Group sums and means over index arrays, the O(n) reductions every mechanism uses."""

from __future__ import annotations

import numpy as np


def group_sum(groups: np.ndarray, weights: np.ndarray | None, n_groups: int) -> np.ndarray:
    """Sum of ``weights`` per group id (count when weights is None), float64, length n_groups."""
    return np.bincount(groups, weights=weights, minlength=n_groups).astype(np.float64)


def group_mean(
    groups: np.ndarray, values: np.ndarray, mask: np.ndarray, n_groups: int, empty: float = 0.0
) -> np.ndarray:
    """Mean of ``values`` over members with ``mask`` in each group; ``empty`` where none."""
    weight = mask.astype(np.float64)
    total = np.bincount(groups, weights=weight * values, minlength=n_groups)
    count = np.bincount(groups, weights=weight, minlength=n_groups)
    out = np.full(n_groups, empty, dtype=np.float64)
    np.divide(total, count, out=out, where=count > 0)
    return out


def binned_gini(values: np.ndarray, bins: int = 4096) -> float:
    """Gini coefficient from a fine histogram: O(n) where a sort would be O(n log n).

    Values within a bin are summed exactly; the error is at most
    ``(max - min) / (2 * bins * mean)``, under 1e-3 for income-like data at the
    default resolution (heavier tails need more bins).
    """
    n = values.size
    if n == 0:
        return 0.0
    lo, hi = float(values.min()), float(values.max())
    total = float(values.sum(dtype=np.float64))
    if hi <= lo or total <= 0.0:
        return 0.0
    idx = np.minimum(((values - lo) / (hi - lo) * bins).astype(np.int64), bins - 1)
    counts = np.bincount(idx, minlength=bins).astype(np.float64)
    sums = np.bincount(idx, weights=values, minlength=bins)
    # Lorenz curve over bins sorted ascending; trapezoid area under it.
    cum_share = np.cumsum(sums) / total
    prev = np.concatenate(([0.0], cum_share[:-1]))
    area = float(np.sum((counts / n) * (cum_share + prev) / 2.0))
    return max(0.0, min(1.0, 1.0 - 2.0 * area))
