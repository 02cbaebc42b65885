"""Epstein (2002), civil violence: model I (rebellion against a regime) and model II (two groups).

Rules (model I). Each citizen has hardship H ~ U(0,1) and risk aversion R ~ U(0,1); grievance
G = H (1 - L) for the regime's legitimacy L. Within its vision it counts cops C and active
citizens A (counting itself as active) and estimates its arrest probability
P = 1 - exp(-k (C/A)), with C/A floored (NetLogo), rounded (Mesa) or left as is (the paper's
formula). Net risk N = R P; the citizen is active iff G - N > T. Each cop arrests one active
citizen in its vision, chosen at random, for a term drawn uniformly from 0..J_max. Agents move
to a random empty cell in their vision. Agents act one at a time in a fresh random order each
step (Epstein's sequential activation), which the compiled kernel keeps exactly.

Model II adds two groups (share ``group_share`` in group A): the grievance of a group uses its
own perceived legitimacy of the other group's rule (``legitimacy`` for A, ``legitimacy_b`` for
B), an active citizen counts only active members of its own group in A, and, once active, kills
one member of the other group (quiet or active, not jailed) chosen at random within its vision.
Cops act as peacekeepers: they arrest active citizens of either group. Killed agents leave the
grid for good (no births). See ``docs/classic/epstein.md`` for the presets and the choices.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from thermidor.classic.base import ClassicModel, ClassicParams
from thermidor.classic.epstein_kernels import RULE_FLOOR, RULE_NONE, RULE_ROUND, run_kernel
from thermidor.classic.epstein_mesa_kernel import run_mesa_kernel

__all__ = ["MODEL", "EpsteinParams", "outbursts", "simulate", "vision_offsets"]


class EpsteinParams(ClassicParams):
    """Parameters of Epstein's civil-violence model. Defaults: NetLogo's "Rebellion" model."""

    width: int = Field(40, ge=3, le=20_000, description="grid width (torus)")
    height: int = Field(40, ge=3, le=20_000, description="grid height (torus)")
    citizen_density: float = Field(0.7, ge=0.0, le=1.0, description="share of cells with a citizen")
    cop_density: float = Field(0.04, ge=0.0, le=1.0, description="share of cells with a cop")
    citizen_vision: int = Field(7, ge=1, le=100, description="citizens' vision radius v (cells)")
    cop_vision: int = Field(7, ge=1, le=100, description="cops' vision radius v* (cells)")
    citizens_see_with: Literal["citizen_vision", "cop_vision"] = Field(
        "citizen_vision",
        description="the radius citizens look with: their own (Epstein, NetLogo) or the cops' "
        "(Mesa 3.5.1's example, whose look-around shared by both kinds reads cop_vision)",
    )
    legitimacy: float = Field(0.82, ge=0.0, le=1.0, description="L, perceived legitimacy (A's)")
    max_jail_term: int = Field(30, ge=0, le=1_000_000, description="J_max, longest jail term")
    k: float = Field(2.3, gt=0.0, description="arrest-probability constant k")
    threshold: float = Field(0.1, ge=0.0, le=1.0, description="T: active iff G - R P > T")
    movement: bool = Field(True, description="citizens move (cops always do under NetLogo rules)")
    arrest_rule: Literal["floor", "round", "none"] = Field(
        "floor",
        description="C/A in P: floor (NetLogo), round half-to-even (Mesa), none (paper's formula)",
    )
    neighborhood: Literal["disk", "von_neumann", "moore"] = Field(
        "disk",
        description="vision shape: disk dx^2+dy^2<=v^2 incl. own cell (NetLogo in-radius), "
        "von_neumann |dx|+|dy|<=v excl. own cell (Mesa), moore max(|dx|,|dy|)<=v excl. own cell",
    )
    schedule: Literal["netlogo", "mesa"] = Field(
        "netlogo",
        description="order of rules within a turn, jail handling and blocking (see the docs)",
    )
    placement: Literal["exact", "bernoulli"] = Field(
        "exact",
        description="exact: round(density x cells) of each (NetLogo); bernoulli: each cell "
        "independently citizen / cop / empty (Mesa)",
    )
    steps: int = Field(500, ge=1, le=1_000_000, description="number of steps (ticks)")
    model: Literal["I", "II"] = Field("I", description="I: rebellion; II: two groups, killings")
    group_share: float = Field(0.5, ge=0.0, le=1.0, description="model II: share in group A")
    legitimacy_b: float | None = Field(
        None, ge=0.0, le=1.0, description="model II: group B's L (None: same as legitimacy)"
    )

    @model_validator(mode="after")
    def _check(self) -> EpsteinParams:
        if self.citizen_density + self.cop_density > 1.0:
            msg = "citizen_density + cop_density must be at most 1"
            raise ValueError(msg)
        v = max(self.citizen_vision, self.cop_vision)
        if 2 * v + 1 > min(self.width, self.height):
            msg = f"vision {v} too large for a {self.width}x{self.height} torus (2v+1 > side)"
            raise ValueError(msg)
        return self


def vision_offsets(radius: int, shape: str) -> tuple[np.ndarray, np.ndarray]:
    """The (dx, dy) offsets an agent inspects; the own cell only for NetLogo's disk."""
    r = np.arange(-radius, radius + 1)
    grid_x, grid_y = np.meshgrid(r, r, indexing="xy")
    dx = grid_x.ravel()
    dy = grid_y.ravel()
    if shape == "disk":
        keep = dx * dx + dy * dy <= radius * radius
    elif shape == "von_neumann":
        keep = (np.abs(dx) + np.abs(dy) <= radius) & ((dx != 0) | (dy != 0))
    else:
        keep = (dx != 0) | (dy != 0)
    return dx[keep].astype(np.int64), dy[keep].astype(np.int64)


def _populate(p: EpsteinParams, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(kinds, cells) of the initial agents: cops (kind 1) and citizens (kind 0)."""
    cells = p.width * p.height
    if p.placement == "exact":
        n_cop = round(p.cop_density * cells)
        n_cit = round(p.citizen_density * cells)
        where = rng.permutation(cells)[: n_cop + n_cit]
        kind = np.zeros(n_cop + n_cit, np.int8)
        kind[:n_cop] = 1
    else:  # Mesa: per cell, citizen with prob d_c, cop with prob d_k, else empty
        u = rng.random(cells)
        cit = u < p.citizen_density
        cop = (~cit) & (u < p.citizen_density + p.cop_density)
        where = np.flatnonzero(cit | cop)
        kind = cop[where].astype(np.int8)
    return kind, where.astype(np.int32)


def simulate(params: EpsteinParams, seed: int) -> dict[str, np.ndarray]:
    """Per-step counts of citizens (after each step): active, quiet, jailed, active_share.

    Model II adds ``killed`` (killings in the step), ``group_a`` and ``group_b`` (citizens alive).
    Same seed, same output: the numba generator is seeded from ``default_rng(seed)``.
    """
    p = params
    rng = np.random.default_rng(seed)
    kind, pos = _populate(p, rng)
    n = kind.size
    group = np.zeros(n, np.int8)
    cit = kind == 0
    if p.model == "II":
        group[cit] = (rng.random(int(cit.sum())) >= p.group_share).astype(np.int8)
    hardship = rng.random(n)
    risk = rng.random(n)
    leg_b = p.legitimacy if p.legitimacy_b is None else p.legitimacy_b
    legit = np.where(group == 0, p.legitimacy, leg_b)
    grievance = hardship * (1.0 - legit)
    sight = p.cop_vision if p.citizens_see_with == "cop_vision" else p.citizen_vision
    cdx, cdy = vision_offsets(sight, p.neighborhood)
    kdx, kdy = vision_offsets(p.cop_vision, p.neighborhood)
    rule = {"floor": RULE_FLOOR, "round": RULE_ROUND, "none": RULE_NONE}[p.arrest_rule]
    seed_kernel = int(rng.integers(0, 2**31 - 1))
    if p.schedule == "mesa":  # one agent per cell: the bitboard kernel
        out = run_mesa_kernel(
            p.width, p.height, kind, group, grievance, risk, pos, cdx, cdy, kdx, kdy, p.steps,
            float(p.k), float(p.threshold), rule, p.max_jail_term, p.movement,
            p.model == "II", seed_kernel,
        )  # fmt: skip
    else:
        out = run_kernel(
            p.width, p.height, kind, group, grievance, risk, pos, cdx, cdy, kdx, kdy, p.steps,
            float(p.k), float(p.threshold), rule, p.max_jail_term, False, p.movement,
            p.model == "II", seed_kernel,
        )  # fmt: skip
    out = out.astype(np.float64)
    alive = out[:, 4] + out[:, 5]
    series = {
        "active": out[:, 0],
        "quiet": out[:, 1],
        "jailed": out[:, 2],
        "active_share": np.divide(out[:, 0], alive, out=np.zeros_like(alive), where=alive > 0),
    }
    if p.model == "II":
        series.update(killed=out[:, 3], group_a=out[:, 4], group_b=out[:, 5])
    return series


def outbursts(active: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Sizes and waiting times of outbursts in a series of active counts.

    An outburst is a maximal run of consecutive steps with ``active > threshold``; its size is
    the peak active count in the run. The waiting time of an outburst is the number of steps
    from the end of the previous outburst to its start (the quiet spell before it); the first
    outburst has none, so ``len(waiting) == max(len(sizes) - 1, 0)``. A run still going at the
    end of the series counts (its size may be cut short).
    """
    a = np.asarray(active, dtype=np.float64)
    above = a > threshold
    if not above.any():
        return np.zeros(0), np.zeros(0, np.int64)
    edges = np.diff(np.concatenate(([0], above.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)  # one past the last step of each run
    sizes = np.array([a[s:e].max() for s, e in zip(starts, ends, strict=True)])
    waiting = (starts[1:] - ends[:-1]).astype(np.int64)
    return sizes, waiting


def _agents(p: EpsteinParams) -> int:
    """Citizens plus cops (expected count under Mesa's per-cell placement)."""
    cells = p.width * p.height
    if p.placement == "exact":
        return round(p.citizen_density * cells) + round(p.cop_density * cells)
    return round((p.citizen_density + p.cop_density) * cells)


_NETLOGO: dict[str, object] = {
    "width": 40,
    "height": 40,
    "citizen_density": 0.70,
    "cop_density": 0.04,
    "citizen_vision": 7,
    "cop_vision": 7,
    "legitimacy": 0.82,
    "max_jail_term": 30,
    "k": 2.3,
    "threshold": 0.1,
    "movement": True,
    "arrest_rule": "floor",
    "neighborhood": "disk",
    "schedule": "netlogo",
    "placement": "exact",
}

_MESA: dict[str, object] = {
    "width": 40,
    "height": 40,
    "citizen_density": 0.7,
    "cop_density": 0.074,
    "citizen_vision": 7,
    "cop_vision": 7,
    "citizens_see_with": "cop_vision",  # Mesa 3.5.1: EpsteinAgent.update_neighbors
    "legitimacy": 0.8,
    "max_jail_term": 1000,
    "k": 2.3,
    "threshold": 0.1,
    "movement": True,
    "arrest_rule": "round",
    "neighborhood": "von_neumann",
    "schedule": "mesa",
    "placement": "bernoulli",
}

# Mesa's rules with a livelier parameter set than its (almost quiescent) defaults, small
# enough for Mesa to run a dozen seeds in seconds; the keys are also Mesa's constructor
# arguments, so the agreement test and benchmark pass them to both implementations.
MESA_LIVELY: dict[str, object] = {
    "width": 20,
    "height": 20,
    "citizen_vision": 3,
    "cop_vision": 3,
    "legitimacy": 0.7,
    "max_jail_term": 10,
    "cop_density": 0.04,
}

MODEL = ClassicModel(
    name="epstein",
    description="Epstein's civil violence: grievance, legitimacy, cops, punctuated outbursts",
    source=(
        "Epstein, J. M. (2002) Modeling civil violence: An agent-based computational approach. "
        "PNAS 99(suppl 3), 7243-7250."
    ),
    params=EpsteinParams,
    metrics=("active", "quiet", "jailed", "active_share"),
    simulate=simulate,
    agents=_agents,
    presets={
        "netlogo": dict(_NETLOGO),
        "mesa": dict(_MESA),
        "mesa-lively": {**_MESA, **MESA_LIVELY},
        "no-cops": {**_NETLOGO, "cop_density": 0.0},
        "model-ii": {**_NETLOGO, "model": "II", "group_share": 0.5},
        "model-ii-no-cops": {**_NETLOGO, "model": "II", "group_share": 0.5, "cop_density": 0.0},
    },
)
