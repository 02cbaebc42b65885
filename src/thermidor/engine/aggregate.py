"""O(n) reductions over index arrays: group sums, and the binned Gini (the kernels' reference)."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _sum_by_group(groups: np.ndarray, weights: np.ndarray, n_groups: int) -> np.ndarray:
    out = np.zeros(n_groups)
    for k in range(groups.size):
        out[groups[k]] += weights[k]
    return out


@numba.njit(cache=True, nogil=True)
def _count_by_group(groups: np.ndarray, n_groups: int) -> np.ndarray:
    out = np.zeros(n_groups)
    for k in range(groups.size):
        out[groups[k]] += 1.0
    return out


def group_sum(groups: np.ndarray, weights: np.ndarray | None, n_groups: int) -> np.ndarray:
    """Sum of ``weights`` per group id (count when weights is None), float64, length n_groups.

    Summed in input order, as ``np.bincount`` sums, at a fraction of its cost on the
    tens of thousands of offices a step aggregates many times over.
    """
    groups = np.asarray(groups)
    if groups.size and (groups.min() < 0 or groups.max() >= n_groups):
        msg = f"group ids must lie in 0..{n_groups - 1}"
        raise ValueError(msg)
    if weights is None:
        return _count_by_group(groups, n_groups)
    return _sum_by_group(groups, np.asarray(weights, dtype=np.float64), n_groups)


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
