"""Accidental politicians: randomly selected legislators in a two-party parliament.

Pluchino, Garofalo, Rapisarda, Spagano & Caserta (2011) place every legislator
on Cipolla's plane (x = personal gain, y = social gain, both in [-1, 1]). Two
parties vote as disciplined blocks; independents drawn by lot vote by their own
judgement. A majority party that holds an absolute majority alone passes its own
proposals whatever their social worth; diluting it with just enough independents
that it needs about a quarter of them makes its proposals pass exactly when they
are socially useful. That number is the "efficiency golden rule"
``N*_ind = (2N - 4Np + 4) / (1 - 4p)`` (140 for N = 500, p = 0.6).

Rules as implemented (one legislature = one step of the series):

* Party sizes: of the ``N - N_ind`` party members the majority party has
  ``N_1 = round(p (N - N_ind))`` (half rounded up), the minority ``N - N_ind - N_1``.
* Each party's ideal point (its leader's position) is uniform in
  ``[-1 + r, 1 - r]^2``; its members are uniform in the disc of radius ``r``
  (the tolerance) around it. Independents are uniform in ``[-1, 1]^2``.
* ``proposals`` proposals are made, each by a legislator drawn uniformly with
  replacement; a proposal's social gain is its proposer's ``y``.
* Acceptance window (Cipolla): a voter at ``(x_v, y_v)`` accepts a proposal when
  the social gain is at least ``y_v`` and the personal gain it brings the voter,
  unknown in advance and drawn uniform in ``[-1, 1]`` per voter and proposal, is
  at least ``x_v``. For a uniformly placed voter that is a chance
  ``(1 - x_v)/2 * (1 + y)/2``, a quarter at ``y = 0``: the quarter of the rule.
* Party discipline: a party votes as one block; yes to its own members'
  proposals, otherwise yes iff the proposal falls in the window of its ideal
  point (one personal-gain draw per party and proposal). Independents vote
  individually; a proposer always votes for their own proposal.
* A proposal passes with more than ``N/2`` yes votes.
* Series per legislature: ``accepted`` (number passed), ``social_gain`` (mean y
  of the passed ones, 0 if none) and ``efficiency = 100 * accepted / proposals *
  social_gain`` (the paper's ``Eff = N_acc% x Y_avg``, in [-100, 100]).

Where the paper is silent or recalled loosely, the choices above are ours and are
listed in ``docs/classic/parliament.md``.
"""

from __future__ import annotations

import math
from typing import Self

import numpy as np
from pydantic import Field, model_validator

from thermidor.classic.base import ClassicModel, ClassicParams, Series

__all__ = ["MODEL", "ParliamentParams", "golden_rule", "party_sizes", "simulate", "sweep"]


class ParliamentParams(ClassicParams):
    """One parliament; defaults are the paper's N = 500, p = 0.6, no independents."""

    n: int = Field(500, ge=2, le=10_000, description="number of legislators N")
    p: float = Field(
        0.6, ge=0.5, le=1.0, description="share of the party members in the majority party"
    )
    independents: int = Field(
        0,
        ge=0,
        description="number of independents N_ind drawn by lot (golden rule: 140 for defaults)",
    )
    tolerance: float = Field(
        0.1, ge=0.0, le=0.9, description="radius of each party's circle of tolerance"
    )
    proposals: int = Field(1000, ge=1, le=100_000, description="proposals per legislature")
    steps: int = Field(100, ge=1, le=100_000, description="number of legislatures (series length)")

    @model_validator(mode="after")
    def _independents_fit(self) -> Self:
        """There cannot be more independents than seats."""
        if self.independents > self.n:
            msg = f"independents ({self.independents}) must not exceed n ({self.n})"
            raise ValueError(msg)
        return self


def golden_rule(n: int | float, p: float) -> float:
    """The paper's optimal number of independents ``(2N - 4Np + 4) / (1 - 4p)``.

    It solves ``p (N - N_ind) + N_ind / 4 = N/2 + 1``: the majority party plus the
    quarter of independents that accept a neutral proposal make the bare majority.
    """
    return (2 * n - 4 * n * p + 4) / (1 - 4 * p)


def party_sizes(n: int, p: float, independents: int) -> tuple[int, int]:
    """(majority, minority) members: the majority has ``p (N - N_ind)``, half rounded up."""
    members = n - independents
    majority = min(members, math.floor(p * members + 0.5 + 1e-9))
    return majority, members - majority


def _legislature(
    rng: np.random.Generator,
    n: int,
    n_maj: int,
    n_min: int,
    tolerance: float,
    proposals: int,
) -> tuple[float, int, float]:
    """One legislature: (efficiency, accepted, social gain of the accepted).

    Draws of fixed shape come first so that legislature ``j`` of two parliaments
    differing only in ``N_ind`` share party positions, proposers and party coins
    (common random numbers: a sweep compares like with like).
    """
    centres = rng.uniform(-1.0 + tolerance, 1.0 - tolerance, size=(2, 2))
    proposer = np.minimum((rng.random(proposals) * n).astype(np.int64), n - 1)
    party_coin = rng.uniform(-1.0, 1.0, size=(2, proposals))
    n_party = n_maj + n_min
    n_ind = n - n_party

    angle = rng.uniform(0.0, 2.0 * np.pi, n_party)
    radius = tolerance * np.sqrt(rng.random(n_party))
    party = np.repeat(np.array([0, 1]), [n_maj, n_min])
    members_y = centres[party, 1] + radius * np.sin(angle)
    ind_x = rng.uniform(-1.0, 1.0, n_ind)
    ind_y = rng.uniform(-1.0, 1.0, n_ind)

    y = np.concatenate([members_y, ind_y])[proposer]
    group = np.where(proposer < n_maj, 0, np.where(proposer < n_party, 1, 2))
    votes = np.zeros(proposals, dtype=np.int64)
    for k, size in enumerate((n_maj, n_min)):
        own = group == k
        window = (party_coin[k] >= centres[k, 0]) & (y >= centres[k, 1])
        votes += size * (own | window)
    if n_ind:
        # personal gain of each proposal for each independent, as a uniform [0, 1) coin:
        # gain >= x  <=>  coin >= (x + 1) / 2
        coin = rng.random((proposals, n_ind), dtype=np.float32)
        yes = (coin >= ((ind_x + 1.0) / 2.0).astype(np.float32)) & (ind_y <= y[:, None])
        mine = np.flatnonzero(group == 2)
        yes[mine, proposer[mine] - n_party] = True
        votes += yes.sum(axis=1)
    passed = votes > n / 2
    accepted = int(passed.sum())
    total = float(y[passed].sum())
    social = total / accepted if accepted else 0.0
    return 100.0 * total / proposals, accepted, social


def simulate(params: ParliamentParams, seed: int) -> Series:
    """``params.steps`` independent legislatures; per legislature its three metrics.

    Legislature ``j`` draws from its own child of ``SeedSequence(seed)``, so the
    same seed gives the same parliaments whatever ``independents`` is.
    """
    n_maj, n_min = party_sizes(params.n, params.p, params.independents)
    children = np.random.SeedSequence(seed).spawn(params.steps)
    out = np.empty((params.steps, 3))
    for j, child in enumerate(children):
        out[j] = _legislature(
            np.random.default_rng(child),
            params.n,
            n_maj,
            n_min,
            params.tolerance,
            params.proposals,
        )
    return {"efficiency": out[:, 0], "accepted": out[:, 1], "social_gain": out[:, 2]}


def sweep(
    n: int = 500,
    p: float = 0.6,
    step: int = 10,
    legislatures: int = 100,
    seed: int = 0,
    *,
    proposals: int = 1000,
    tolerance: float = 0.1,
    start: int = 0,
    stop: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean efficiency against the number of independents (the paper's key figure).

    ``N_ind`` runs from ``start`` to ``stop`` (default ``n``) inclusive in ``step``s;
    each value averages ``legislatures`` legislatures of ``proposals`` proposals.
    The same seed is used at every ``N_ind`` (common random numbers), so the curve's
    shape is not masked by which party positions each point happened to draw.

    Returns:
        ``(n_ind, mean efficiency, 95% CI half-width)`` arrays, one entry per value.
    """
    values = np.arange(start, (n if stop is None else stop) + 1, step)
    means = np.empty(len(values))
    half = np.empty(len(values))
    for i, k in enumerate(values):
        params = ParliamentParams(
            n=n,
            p=p,
            independents=int(k),
            tolerance=tolerance,
            proposals=proposals,
            steps=legislatures,
        )
        eff = simulate(params, seed)["efficiency"]
        means[i] = eff.mean()
        half[i] = 1.96 * eff.std(ddof=1) / math.sqrt(legislatures) if legislatures > 1 else 0.0
    return values, means, half


MODEL = ClassicModel(
    name="parliament",
    description=(
        "Pluchino et al. 2011: randomly selected independents raise a two-party parliament's "
        "efficiency, best at the golden rule N*_ind"
    ),
    source=(
        "Pluchino, A., Garofalo, C., Rapisarda, A., Spagano, S. & Caserta, M. (2011) Accidental "
        "politicians: How randomly selected legislators can improve parliament efficiency. "
        "Physica A 390(21-22), 3944-3954."
    ),
    params=ParliamentParams,
    metrics=("efficiency", "accepted", "social_gain"),
    simulate=simulate,
    agents=lambda p: p.n,
    presets={
        "golden-rule": {"n": 500, "p": 0.6, "independents": 140},
        "no-independents": {"n": 500, "p": 0.6, "independents": 0},
        "all-independents": {"n": 500, "p": 0.6, "independents": 500},
    },
)
