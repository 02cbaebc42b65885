"""Granovetter (1978): threshold models of collective behavior.

Each agent has a threshold: the number of others who must already act (riot,
strike, join) before it acts too. Nobody stops once started. From nobody acting,
the instigators (threshold <= 0) start; in every round all those whose threshold
is reached by the number acting after the previous round join (synchronous).
The outcome hangs on the whole distribution, not its mean: thresholds
``0, 1, ..., 99`` give a riot of 100, and moving the threshold-1 agent to 2 gives
a riot of one.

Population version (everyone sees everyone): the cascade is fixed by the sorted
thresholds, ``r(t+1) = #{i : theta_i <= r(t)}`` from ``r(0) = 0``, computed
exactly in O(N log N) (a sort, then one pointer sweep). The mean-field map
``r(t+1) = N F(r(t))`` (F the CDF of the threshold distribution) is its
continuous counterpart; with normal thresholds of mean 25 and N = 100 its first
fixed point jumps from about 6 to 100 at sd = 12.22 (:func:`critical_sd`).

Network version: an agent counts only its neighbours (their number, or their
share with ``share=True``) on an Erdős–Rényi graph or the project's clustered
acquaintance network, with the same synchronous rounds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import numba
import numpy as np
import numpy.typing as npt
from pydantic import Field, model_validator
from scipy.special import ndtr

from thermidor.classic.base import ClassicModel, ClassicParams
from thermidor.engine.network import Network, clustered_network, neighbourhoods_for

__all__ = [
    "MODEL",
    "GranovetterParams",
    "bisect_critical_sd",
    "cascade",
    "critical_sd",
    "mean_field",
    "network_cascade",
    "normal_cdf",
    "normal_fixed_point",
    "random_network",
    "sample_thresholds",
    "simulate",
    "social_network",
    "uniform_cdf",
]

#: Clustered network: cells (workplaces) and neighbourhoods of these nominal sizes,
#: and the share of the mean degree drawn in each layer (workplace, neighbourhood, random).
CELL_SIZE = 20
NEIGHBOURHOOD_SIZE = 200
LAYER_SHARES = (0.5, 0.3, 0.2)


class GranovetterParams(ClassicParams):
    """Parameters of the threshold model; defaults are the paper's baseline (N = 100,
    normal thresholds of mean 25) with an sd just below the critical 12.22.

    With ``distribution="list"`` the thresholds are given and ``n`` is their number:
    leave ``n`` out (it is set from the list) or give the same number.
    """

    n: int = Field(100, ge=1, le=10_000_000, description="number of agents")
    distribution: Literal["uniform", "normal", "list"] = Field(
        "normal", description="how thresholds are made: sampled uniform or normal, or a list"
    )
    mean: float = Field(
        25.0, ge=-1e9, le=1e9, description="mean threshold (people) of the normal distribution"
    )
    sd: float = Field(
        12.0, ge=0.0, le=1e9, description="standard deviation of the normal thresholds"
    )
    low: float = Field(0.0, ge=-1e9, le=1e9, description="lower end of the uniform thresholds")
    high: float | None = Field(
        None, ge=-1e9, le=1e9, description="upper end of the uniform thresholds (None: n)"
    )
    thresholds: list[float] | None = Field(
        None, description="explicit thresholds (people), only with distribution='list'"
    )
    network: Literal["none", "random", "clustered"] = Field(
        "none", description="who counts: everyone, Erdős–Rényi neighbours or clustered ones"
    )
    mean_degree: float = Field(
        8.0, ge=0.0, le=1000.0, description="mean number of neighbours in the network versions"
    )
    share: bool = Field(
        False,
        description="network threshold as a share of neighbours: theta / (n - 1) of them",
    )
    steps: int = Field(100, ge=1, le=1_000_000, description="rounds recorded (max rounds)")

    @model_validator(mode="before")
    @classmethod
    def _n_from_list(cls, data: Any) -> Any:
        """A list of thresholds fixes the population: take ``n`` from it when not given."""
        if isinstance(data, dict) and data.get("thresholds") is not None and "n" not in data:
            data = {**data, "n": len(data["thresholds"])}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> GranovetterParams:
        """Refuse combinations that would silently mean something else."""
        if self.distribution == "list":
            if self.thresholds is None or len(self.thresholds) == 0:
                msg = "distribution='list' needs a non-empty list of thresholds"
                raise ValueError(msg)
            if self.n != len(self.thresholds):
                msg = f"n ({self.n}) differs from the number of thresholds ({len(self.thresholds)})"
                raise ValueError(msg)
            if not all(math.isfinite(t) for t in self.thresholds):
                msg = "thresholds must be finite"
                raise ValueError(msg)
        elif self.thresholds is not None:
            msg = f"thresholds are given but distribution is {self.distribution!r}, not 'list'"
            raise ValueError(msg)
        if self.distribution == "uniform" and not self.upper > self.low:
            msg = f"uniform thresholds need high > low, got low={self.low}, high={self.upper}"
            raise ValueError(msg)
        return self

    @property
    def upper(self) -> float:
        """Upper end of the uniform thresholds (``high``, or ``n`` when not given)."""
        return float(self.n) if self.high is None else self.high


# --- thresholds and the exact population cascade --------------------------------------------


def sample_thresholds(params: GranovetterParams, rng: np.random.Generator) -> npt.NDArray:
    """The agents' thresholds (counts of people, float64): sampled, or the given list."""
    if params.distribution == "list":
        assert params.thresholds is not None  # guaranteed by the validator
        return np.asarray(params.thresholds, dtype=np.float64)
    if params.distribution == "uniform":
        return rng.uniform(params.low, params.upper, size=params.n)
    return rng.normal(params.mean, params.sd, size=params.n)


@numba.njit(cache=True, nogil=True)
def _sorted_rounds(ordered: np.ndarray) -> np.ndarray:
    """Counts acting after each round, from sorted thresholds: one pointer sweep, O(N)."""
    n = ordered.size
    out = np.empty(n + 1, dtype=np.int64)
    acting = 0
    p = 0
    rounds = 0
    while True:
        while p < n and ordered[p] <= acting:
            p += 1
        if rounds > 0 and p == acting:
            break
        out[rounds] = p
        rounds += 1
        acting = p
        if p == n:
            break
    return out[:rounds]


def cascade(thresholds: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Number acting after each synchronous round, exactly, until nobody more joins.

    Entry ``t`` is ``r(t + 1) = #{theta <= r(t)}`` with ``r(0) = 0``; the last
    entry is the equilibrium (the first fixed point), never repeated. Sorting
    makes it O(N log N) and exact (thresholds compared with integer counts).
    """
    ordered = np.sort(np.asarray(thresholds, dtype=np.float64).ravel())
    if np.isnan(ordered).any():
        msg = "thresholds must not be NaN"
        raise ValueError(msg)
    return _sorted_rounds(ordered)


# --- the mean-field map ---------------------------------------------------------------------


def normal_cdf(mean: float, sd: float) -> Callable[[float], float]:
    """CDF of normal thresholds; sd = 0 is the step at ``mean`` (everyone identical)."""
    if sd == 0:
        return lambda r: float(r >= mean)
    return lambda r: float(ndtr((r - mean) / sd))


def uniform_cdf(low: float, high: float) -> Callable[[float], float]:
    """CDF of thresholds uniform on ``[low, high]``."""
    return lambda r: min(max((r - low) / (high - low), 0.0), 1.0)


def mean_field(
    cdf: Callable[[float], float], n: float, max_iter: int = 100_000, tol: float = 1e-10
) -> tuple[float, npt.NDArray[np.float64]]:
    """Iterate ``r(t+1) = n F(r(t))`` from ``r(0) = 0`` to its first fixed point.

    The map is increasing, so from 0 it climbs monotonically to the smallest
    solution of ``r = n F(r)``. Near a tangency (the critical sd) it crawls
    through a bottleneck for many rounds, hence the tiny ``tol`` and the large
    ``max_iter``.

    Returns:
        The last value (the fixed point when converged within ``max_iter``) and
        the trajectory ``r(1), r(2), ...`` up to it.
    """
    r = 0.0
    path: list[float] = []
    for _ in range(max_iter):
        nxt = n * cdf(r)
        path.append(nxt)
        if abs(nxt - r) <= tol:
            break
        r = nxt
    return path[-1], np.asarray(path, dtype=np.float64)


def normal_fixed_point(n: float = 100, mean: float = 25.0, sd: float = 12.0) -> float:
    """First fixed point from 0 of the map with normal thresholds (Granovetter's Figure 2)."""
    return mean_field(normal_cdf(mean, sd), n)[0]


def critical_sd(
    n: float = 100, mean: float = 25.0, lo: float = 1.0, hi: float = 25.0, tol: float = 1e-7
) -> float:
    """The sd at which the map's equilibrium jumps from a few instigators to nearly all.

    Bisection on "the first fixed point exceeds n / 2" (below the jump it stays
    near the instigators, above it is near n), so ``lo`` must be below the
    jump and ``hi`` above it.
    """

    def high(sd: float) -> bool:
        return normal_fixed_point(n, mean, sd) > n / 2

    if high(lo) or not high(hi):
        msg = f"the jump is not bracketed by sd in [{lo}, {hi}] (n={n}, mean={mean})"
        raise ValueError(msg)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if high(mid):
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def bisect_critical_sd(n: float = 100, mean: float = 25.0, decimals: int = 2) -> float:
    """The critical sd of the baseline (N = 100, mean 25), as the paper reports it: 12.22."""
    return round(critical_sd(n, mean), decimals)


# --- the network version ---------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _network_rounds(
    indptr: np.ndarray, indices: np.ndarray, threshold: np.ndarray, share: bool, max_rounds: int
) -> np.ndarray:
    """Synchronous rounds on a CSR graph, frontier form (each edge touched once).

    Round 1: the instigators (threshold <= 0). Round t + 1: everyone whose count
    (or share) of neighbours acting after round t reaches the threshold. Only
    the neighbours of the last round's joiners are re-tested, and a joiner is
    queued for the next round, so nobody who joins now is seen before it ends.
    """
    n = threshold.size
    count = np.zeros(n, dtype=np.int64)
    joined = np.zeros(n, dtype=np.bool_)
    nxt = np.empty(n, dtype=np.int64)
    out = np.empty(max(min(max_rounds, n + 1), 1), dtype=np.int64)
    k = 0
    for i in range(n):
        if threshold[i] <= 0.0:
            joined[i] = True
            nxt[k] = i
            k += 1
    total = k
    out[0] = total
    rounds = 1
    while rounds < max_rounds and k > 0:
        frontier = nxt[:k].copy()
        k = 0
        for f in range(frontier.size):
            i = frontier[f]
            for e in range(indptr[i], indptr[i + 1]):
                j = indices[e]
                if joined[j]:
                    continue
                count[j] += 1
                if share:
                    level = count[j] / max(indptr[j + 1] - indptr[j], 1)
                else:
                    level = np.float64(count[j])
                if level >= threshold[j]:
                    joined[j] = True
                    nxt[k] = j
                    k += 1
        if k == 0:
            break
        total += k
        out[rounds] = total
        rounds += 1
    return out[:rounds]


def network_cascade(
    indptr: npt.ArrayLike,
    indices: npt.ArrayLike,
    thresholds: npt.ArrayLike,
    *,
    share: bool = False,
    max_rounds: int = 1_000_000,
) -> npt.NDArray[np.int64]:
    """Number acting after each synchronous round when agents see only their neighbours.

    Args:
        indptr, indices: the undirected graph in CSR form (neighbours of ``i`` are
            ``indices[indptr[i]:indptr[i + 1]]``), as :class:`Network` holds it.
        thresholds: count of acting neighbours needed, or their share when ``share``.
        share: compare the share of acting neighbours instead of their number.
        max_rounds: stop after this many rounds even if the cascade goes on.

    Returns:
        Counts after rounds 1, 2, ... until nobody more joins (same convention as
        :func:`cascade`: the last entry is the equilibrium, not repeated).
    """
    ptr = np.ascontiguousarray(indptr, dtype=np.int64)
    idx = np.ascontiguousarray(indices, dtype=np.int64)
    theta = np.ascontiguousarray(thresholds, dtype=np.float64)
    if ptr.size != theta.size + 1:
        msg = f"indptr has {ptr.size} entries for {theta.size} agents (needs n + 1)"
        raise ValueError(msg)
    if max_rounds < 1:
        msg = f"max_rounds must be positive, got {max_rounds}"
        raise ValueError(msg)
    return _network_rounds(ptr, idx, theta, share, max_rounds)


def random_network(n: int, mean_degree: float, rng: np.random.Generator) -> Network:
    """Erdős–Rényi G(n, p) with ``p = mean_degree / (n - 1)``: each pair tied independently.

    The number of ties is Binomial(n(n-1)/2, p); that many distinct pairs are then
    drawn uniformly (batches of random pairs, deduplicated, topped up).
    """
    pairs = n * (n - 1) // 2
    p = min(mean_degree / (n - 1), 1.0) if n > 1 else 0.0
    m = int(rng.binomial(pairs, p)) if pairs > 0 else 0
    keys = np.empty(0, dtype=np.int64)
    while keys.size < m:
        need = m - keys.size
        a = rng.integers(0, n, size=2 * need + 16)
        b = rng.integers(0, n, size=a.size)
        ok = a != b
        lo, hi = np.minimum(a[ok], b[ok]), np.maximum(a[ok], b[ok])
        new = lo.astype(np.int64) * n + hi
        _, first = np.unique(np.concatenate([keys, new]), return_index=True)
        merged = np.concatenate([keys, new])[np.sort(first)]  # keep draw order
        keys = merged[:m]
    return _csr(keys // n, keys % n, n)


def _csr(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], n: int) -> Network:
    """Undirected CSR network from tie end points (each tie listed once)."""
    rows = np.concatenate([a, b])
    cols = np.concatenate([b, a])
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return Network(indptr, cols[order].astype(np.int32), n)


def social_network(params: GranovetterParams, rng: np.random.Generator) -> Network:
    """The graph of the network version: Erdős–Rényi, or the project's clustered network
    (workplace cells of 20, neighbourhoods of about 200, Poisson degrees)."""
    if params.network == "random":
        return random_network(params.n, params.mean_degree, rng)
    cell = np.arange(params.n, dtype=np.int64) // CELL_SIZE
    nbhd = neighbourhoods_for(cell, NEIGHBOURHOOD_SIZE, CELL_SIZE, rng)
    work, near, far = (share * params.mean_degree for share in LAYER_SHARES)
    return clustered_network(
        cell,
        nbhd,
        workplace_degree=work,
        neighbourhood_degree=near,
        random_degree=far,
        dispersion=math.inf,
        rng=rng,
    )


# --- the model --------------------------------------------------------------------------------


def _fill(values: npt.ArrayLike, steps: int) -> npt.NDArray[np.float64]:
    """Per-step series of ``steps`` values: truncated, or padded with the last (fixed) value."""
    arr = np.asarray(values, dtype=np.float64)
    out = np.full(steps, arr[-1], dtype=np.float64)
    out[: min(arr.size, steps)] = arr[:steps]
    return out


def _map_cdf(params: GranovetterParams) -> Callable[[float], float] | None:
    """The CDF the mean-field map uses, or None when there is none (a list, a network)."""
    if params.network != "none" or params.distribution == "list":
        return None
    if params.distribution == "uniform":
        return uniform_cdf(params.low, params.upper)
    return normal_cdf(params.mean, params.sd)


def simulate(params: GranovetterParams, seed: int) -> dict[str, np.ndarray]:
    """One run: ``acting`` and ``acting_share`` after each round, and the map's ``map_share``.

    Step ``t`` (0-based) holds the state after round ``t + 1``; after the
    equilibrium the series repeat it. ``map_share`` is the continuous map for the
    same distribution (NaN for a list or a network, which have no such map).
    """
    rng = np.random.default_rng(seed)
    theta = sample_thresholds(params, rng)
    n = theta.size
    if params.network == "none":
        counts = cascade(theta)
    else:
        graph = social_network(params, rng)
        if params.share:
            theta = theta / max(n - 1, 1)
        counts = network_cascade(
            graph.indptr, graph.indices, theta, share=params.share, max_rounds=params.steps
        )
    acting = _fill(counts, params.steps)
    cdf = _map_cdf(params)
    if cdf is None:
        map_share = np.full(params.steps, np.nan)
    else:
        map_share = _fill(mean_field(cdf, n, max_iter=params.steps)[1] / n, params.steps)
    return {"acting": acting, "acting_share": acting / n, "map_share": map_share}


_RIOT = [float(t) for t in range(100)]

MODEL = ClassicModel(
    name="granovetter",
    description="Granovetter's threshold model: a riot's size hangs on the whole threshold "
    "distribution",
    source=(
        "Granovetter, M. (1978) Threshold models of collective behavior. "
        "American Journal of Sociology 83(6), 1420-1443."
    ),
    params=GranovetterParams,
    metrics=("acting", "acting_share", "map_share"),
    simulate=simulate,
    agents=lambda p: p.n,
    presets={
        "riot-100": {"distribution": "list", "thresholds": _RIOT},
        "riot-100-broken": {"distribution": "list", "thresholds": [0.0, 2.0, *_RIOT[2:]]},
    },
)
