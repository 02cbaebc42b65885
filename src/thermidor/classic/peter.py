"""The Peter principle revisited (Pluchino, Rapisarda & Garofalo 2010).

A pyramid of 160 positions in six levels. Each year agents age, the incompetent
(competence below the dismissal level) are fired and the old retire; the vacancies
are then filled top-down by promoting someone from the level directly below (whose
seat becomes vacant in turn), and the bottom level hires newcomers. The question is
whom to promote: if competence at the new job is unrelated to competence at the old
one (the *Peter hypothesis*), promoting the best strips the lower levels of their
best people and lowers the organisation's efficiency, while promoting at random or
alternating best and worst does better; if competence carries over with a small
drift (*common sense*), promoting the best is best.

The state is one ``(replicas, n_level)`` array of competence and one of age per
level, so an ensemble runs as fast as a single run: the per-step loop runs over the
levels, never over agents.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any, Literal, get_args

import numpy as np
from pydantic import Field, model_validator

from thermidor.classic.base import ClassicModel, ClassicParams

__all__ = [
    "COMPETENCE_MAX",
    "COMPETENCE_MIN",
    "HIRING_AGE",
    "HYPOTHESES",
    "MODEL",
    "STRATEGIES",
    "Hierarchy",
    "PeterParams",
    "expected_initial_efficiency",
    "simulate",
    "simulate_ensemble",
    "steady_state_table",
]

COMPETENCE_MIN = 1.0
COMPETENCE_MAX = 10.0
HIRING_AGE = 18.0
# whom to promote, and what competence the promoted has: defined once, as types and as lists
Strategy = Literal["best", "worst", "random", "alternated"]
Hypothesis = Literal["peter", "common_sense"]
STRATEGIES: tuple[Strategy, ...] = get_args(Strategy)
HYPOTHESES: tuple[Hypothesis, ...] = get_args(Hypothesis)
METRICS = ("efficiency", "mean_competence", "promotions", "dismissals", "retirements")


class PeterParams(ClassicParams):
    """The paper's baseline: 160 positions, six levels, competence N(7, 2) on [1, 10]."""

    strategy: Strategy = Field(
        "best",
        description="whom to promote from the level below: the most competent, the least, "
        "anyone, or best/worst chosen by a fair coin for each vacancy",
    )
    hypothesis: Hypothesis = Field(
        "peter",
        description="competence after promotion: redrawn afresh (peter) or the old one "
        "plus a uniform drift (common_sense)",
    )
    steps: int = Field(1000, ge=1, le=1_000_000, description="time steps (years) simulated")
    levels: tuple[int, ...] = Field(
        (1, 5, 11, 21, 41, 81),
        min_length=2,
        max_length=50,
        description="positions per level, from the top",
    )
    weights: tuple[float, ...] = Field(
        (1.0, 0.9, 0.8, 0.6, 0.4, 0.2),
        min_length=2,
        max_length=50,
        description="responsibility of each level in the efficiency, from the top",
    )
    competence_mean: float = Field(7.0, ge=1.0, le=10.0, description="mean of hiring competence")
    competence_sd: float = Field(2.0, ge=0.1, le=10.0, description="sd of hiring competence")
    dismissal: float = Field(4.0, ge=1.0, le=10.0, description="fired when competence below")
    retirement_age: float = Field(60.0, gt=20.0, le=100.0, description="retire on reaching it")
    age_mean: float = Field(25.0, ge=HIRING_AGE, le=100.0, description="mean age of new hires")
    age_sd: float = Field(5.0, ge=0.1, le=50.0, description="sd of the age of new hires")
    drift: float = Field(
        1.0, ge=0.0, le=10.0, description="half-width of the uniform common-sense drift"
    )

    @model_validator(mode="after")
    def _consistent(self) -> PeterParams:
        """Refuse shapes the pyramid cannot have, so a run never fails half-way."""
        if len(self.levels) != len(self.weights):
            msg = f"levels ({len(self.levels)}) and weights ({len(self.weights)}) differ in length"
            raise ValueError(msg)
        if any(n < 1 or n > 100_000 for n in self.levels):
            msg = "every level needs between 1 and 100000 positions"
            raise ValueError(msg)
        if any(not 0.0 < w <= 100.0 for w in self.weights):
            msg = "every weight must lie in (0, 100]"
            raise ValueError(msg)
        if self.age_mean >= self.retirement_age:
            msg = "age_mean must be below retirement_age"
            raise ValueError(msg)
        return self


def _truncated_normal(
    rng: np.random.Generator, mean: float, sd: float, low: float, high: float, size: int
) -> np.ndarray:
    """Normal draws cut to [low, high] by redrawing the ones outside (the paper's cut)."""
    x = rng.normal(mean, sd, size)
    bad = (x < low) | (x > high)
    while bad.any():
        x[bad] = rng.normal(mean, sd, int(bad.sum()))
        bad = (x < low) | (x > high)
    return x


def expected_initial_efficiency(params: PeterParams) -> float:
    """E at t = 0 in expectation: the mean of the cut normal over the maximum, in percent.

    Every level starts with the same competence distribution, so the weights cancel.
    """
    from scipy.stats import truncnorm  # noqa: PLC0415

    a = (COMPETENCE_MIN - params.competence_mean) / params.competence_sd
    b = (COMPETENCE_MAX - params.competence_mean) / params.competence_sd
    mean = truncnorm.mean(a, b, loc=params.competence_mean, scale=params.competence_sd)
    return float(100.0 * mean / COMPETENCE_MAX)


class _Pool:
    """Pre-drawn cut-normal values handed out in order: one generator call per few thousand
    hires instead of one per level per step (the bulk of the run time otherwise)."""

    def __init__(
        self, rng: np.random.Generator, mean: float, sd: float, low: float, high: float
    ) -> None:
        self.rng, self.args = rng, (mean, sd, low, high)
        self.buffer = np.empty(0)
        self.used = 0

    def take(self, size: int) -> np.ndarray:
        if self.used + size > self.buffer.size:
            chunk = max(4096, size)
            self.buffer = np.concatenate(
                [self.buffer[self.used :], _truncated_normal(self.rng, *self.args, chunk)]
            )
            self.used = 0
        out = self.buffer[self.used : self.used + size]
        self.used += size
        return out


class Hierarchy:
    """``replicas`` independent organisations as (replicas, positions) arrays.

    Positions are stored level after level from the top; ``bounds[l]`` is the column
    slice of level ``l``. Kept as a class so the tests can step it and inspect every seat.
    """

    def __init__(self, params: PeterParams, replicas: int, rng: np.random.Generator) -> None:
        self.params = params
        self.replicas = replicas
        self.rng = rng
        self.sizes = tuple(params.levels)
        edges = np.concatenate([[0], np.cumsum(self.sizes)])
        self.bounds = [slice(int(a), int(b)) for a, b in pairwise(edges)]
        self.level_of = np.repeat(np.arange(len(self.sizes)), self.sizes)
        self.seat_weight = np.asarray(params.weights, dtype=float)[self.level_of]
        self._max = COMPETENCE_MAX * float(self.seat_weight.sum())
        p = params
        self._competence_pool = _Pool(
            rng, p.competence_mean, p.competence_sd, COMPETENCE_MIN, COMPETENCE_MAX
        )
        self._age_pool = _Pool(rng, p.age_mean, p.age_sd, HIRING_AGE, p.retirement_age)
        n = int(edges[-1])
        self.competence = self._competence_pool.take(replicas * n).reshape(replicas, n).copy()
        self.age = self._age_pool.take(replicas * n).reshape(replicas, n).copy()

    def _after_promotion(self, competence: np.ndarray) -> np.ndarray:
        """The promoted agent's competence in the new job, under the chosen hypothesis."""
        if self.params.hypothesis == "peter":
            return self._competence_pool.take(competence.size)
        d = self.params.drift
        moved = competence + self.rng.uniform(-d, d, competence.shape)
        return np.clip(moved, COMPETENCE_MIN, COMPETENCE_MAX)

    # -- observables ---------------------------------------------------------------------
    def efficiency(self) -> np.ndarray:
        """E per replica, percent of the maximum (every competence 10)."""
        return 100.0 * (self.competence @ self.seat_weight) / self._max

    def mean_competence(self) -> np.ndarray:
        """Unweighted mean competence of all positions, per replica."""
        return self.competence.mean(axis=1)

    # -- dynamics ------------------------------------------------------------------------
    def _choose(self, competence: np.ndarray, vacant: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        """Mask of the agents promoted out of one level: ``min(wanted, present)`` per replica.

        Ranks the present agents by the strategy's key (vacant seats rank last) and takes
        the first ones; "alternated" takes a binomial number from the top of the ranking
        and the rest from the bottom, the same law as flipping a coin per vacancy.
        """
        present = ~vacant
        n_present = present.sum(axis=1)
        wanted = np.minimum(wanted, n_present)
        strategy = self.params.strategy
        if strategy == "worst":
            key = np.where(present, competence, np.inf)
        elif strategy == "random":
            key = np.where(present, self.rng.random(competence.shape), np.inf)
        else:  # best, alternated: most competent first
            key = np.where(present, -competence, np.inf)
        rank = np.argsort(np.argsort(key, axis=1, kind="stable"), axis=1, kind="stable")
        if strategy != "alternated":
            return rank < wanted[:, None]
        from_top = self.rng.binomial(wanted, 0.5)
        low = (n_present - (wanted - from_top))[:, None]
        return present & ((rank < from_top[:, None]) | (rank >= low))

    def step(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One year: age, fire and retire, promote top-down, hire at the bottom.

        Returns:
            promotions, dismissals, retirements per replica in this step.
        """
        p = self.params
        self.age += 1.0
        retiring = self.age >= p.retirement_age  # counted as retirement even if incompetent
        fired = ~retiring & (self.competence < p.dismissal)
        retirements = retiring.sum(axis=1)
        dismissals = fired.sum(axis=1)
        promotions = np.zeros(self.replicas, dtype=np.int64)
        vacant = retiring | fired
        if not vacant.any():
            return promotions, dismissals, retirements
        # an empty seat holds NaN until filled, so a seat left empty would show
        self.competence[vacant] = np.nan
        self.age[vacant] = np.nan
        first = int(self.level_of[np.flatnonzero(vacant.any(axis=0))[0]])
        last = len(self.sizes) - 1
        for level in range(first, last + 1):
            cut = self.bounds[level]
            here = vacant[:, cut]
            comp, age = self.competence[:, cut], self.age[:, cut]
            wanted = here.sum(axis=1)
            if level < last and wanted.any():
                below = self.bounds[level + 1]
                below_c, below_a = self.competence[:, below], self.age[:, below]
                chosen = self._choose(below_c, vacant[:, below], wanted)
                moved = chosen.sum(axis=1)
                width = int(moved.max())
                # the first `moved` vacant seats of each replica get the chosen agents
                seats = np.argsort(~here, axis=1, kind="stable")[:, :width]
                agents = np.argsort(~chosen, axis=1, kind="stable")[:, :width]
                rows, cols = np.nonzero(np.arange(width)[None, :] < moved[:, None])
                dst, src = seats[rows, cols], agents[rows, cols]
                comp[rows, dst] = self._after_promotion(below_c[rows, src])
                age[rows, dst] = below_a[rows, src]
                here[rows, dst] = False
                vacant[:, below] |= chosen
                below_c[chosen] = np.nan
                below_a[chosen] = np.nan
                promotions += moved
            # the bottom level, and any seat the level below could not fill, hires newcomers
            left = int(np.count_nonzero(here))
            if left:
                comp[here] = self._competence_pool.take(left)
                age[here] = self._age_pool.take(left)
                here[:] = False
        return promotions, dismissals, retirements


def simulate_ensemble(params: PeterParams, runs: int, seed: int) -> dict[str, np.ndarray]:
    """``runs`` independent replicas at once; every series has shape (runs, steps).

    Also returns ``initial_efficiency`` (shape (runs,)), the efficiency before step 1.
    """
    rng = np.random.default_rng(seed)
    org = Hierarchy(params, runs, rng)
    out = {m: np.empty((runs, params.steps), dtype=float) for m in METRICS}
    initial = org.efficiency()
    for t in range(params.steps):
        prom, dis, ret = org.step()
        out["efficiency"][:, t] = org.efficiency()
        out["mean_competence"][:, t] = org.mean_competence()
        out["promotions"][:, t] = prom
        out["dismissals"][:, t] = dis
        out["retirements"][:, t] = ret
    out["initial_efficiency"] = initial
    return out


def simulate(params: PeterParams, seed: int) -> dict[str, np.ndarray]:
    """One run: each series holds the state after each of the ``steps`` years."""
    series = simulate_ensemble(params, 1, seed)
    return {m: series[m][0] for m in METRICS}


def steady_state_table(
    runs: int = 50, steps: int = 1000, tail: int = 200, seed: int = 0
) -> dict[tuple[str, str], dict[str, float]]:
    """Steady-state efficiency of every (hypothesis, strategy): mean over the last ``tail``
    steps of each run, then mean over runs with a Student-t 95% confidence interval.

    Each entry also gives the mean initial efficiency and the change from it.
    """
    from scipy.stats import t as student  # noqa: PLC0415

    if not 0 < tail <= steps or runs < 2:
        msg = "need runs >= 2 and 0 < tail <= steps"
        raise ValueError(msg)
    table: dict[tuple[str, str], dict[str, float]] = {}
    for i, hypothesis in enumerate(HYPOTHESES):
        for j, strategy in enumerate(STRATEGIES):
            params = PeterParams(hypothesis=hypothesis, strategy=strategy, steps=steps)
            series = simulate_ensemble(params, runs, seed + 1000 * i + j)
            per_run = series["efficiency"][:, -tail:].mean(axis=1)
            mean = float(per_run.mean())
            half = float(student.ppf(0.975, runs - 1) * per_run.std(ddof=1) / np.sqrt(runs))
            initial = float(series["initial_efficiency"].mean())
            table[hypothesis, strategy] = {
                "mean": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "half_width": half,
                "initial": initial,
                "change": mean - initial,
            }
    return table


def _presets() -> dict[str, dict[str, Any]]:
    """One preset per hypothesis x strategy, e.g. ``peter-best``, ``common_sense-random``."""
    return {f"{h}-{s}": {"hypothesis": h, "strategy": s} for h in HYPOTHESES for s in STRATEGIES}


MODEL = ClassicModel(
    name="peter",
    description="Peter principle: whom to promote when competence does not carry over",
    source=(
        "Pluchino, A., Rapisarda, A. & Garofalo, C. (2010) The Peter principle revisited: "
        "a computational study. Physica A 389(3), 467-472."
    ),
    params=PeterParams,
    metrics=METRICS,
    simulate=simulate,
    agents=lambda p: sum(p.levels),
    presets=_presets(),
)
