"""Epstein's kernels: the bitboard kernel of Mesa's schedule runs the cell-list kernel's model
(seed ensembles agree, and the comparison can fail), reproducibly, with a checked generator;
neither changes its caller's arrays; citizens see with the radius the rule says."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest
from scipy import stats

from thermidor.classic.epstein import MODEL, EpsteinParams, _populate, simulate, vision_offsets
from thermidor.classic.epstein_kernels import RULE_FLOOR, RULE_NONE, RULE_ROUND, run_kernel
from thermidor.classic.epstein_mesa_kernel import run_mesa_kernel
from thermidor.classic.xoshiro import bounded, next_u64, seeded_state

RULES = {"floor": RULE_FLOOR, "round": RULE_ROUND, "none": RULE_NONE}
SEEDS = 48
ALPHA = 0.001  # per KS test; 8 of them must pass here: under 1% for any false alarm
LIVELY = ["preset=mesa", "width=20", "height=20", "citizen_vision=3", "cop_vision=3"]


def _inputs(p: EpsteinParams, seed: int) -> tuple[np.ndarray, ...]:
    """A population with grievances high enough that arrests and killings happen."""
    rng = np.random.default_rng(seed)
    kind, pos = _populate(p, rng)
    group = ((kind == 0) & (rng.random(kind.size) < 0.5)).astype(np.int8)
    return kind, group, 0.4 * rng.random(kind.size), rng.random(kind.size), pos


def _means(p: EpsteinParams, kernel: str, seed: int, legitimacy: float) -> np.ndarray:
    """Active, quiet, jailed, killed averaged over the second half of a 40-step run."""
    kind, group, _, risk, pos = _inputs(p, seed)
    hardship = np.random.default_rng(seed + 7).random(kind.size)
    grievance = hardship * (1.0 - legitimacy)
    cdx, cdy = vision_offsets(p.citizen_vision, p.neighborhood)
    kdx, kdy = vision_offsets(p.cop_vision, p.neighborhood)
    shared = (kind, group, grievance, risk, pos, cdx, cdy, kdx, kdy, 40, 2.3, 0.1)
    tail = (RULES[p.arrest_rule], p.max_jail_term)
    model2 = p.model == "II"
    if kernel == "cell lists":
        out = run_kernel(p.width, p.height, *shared, *tail, True, p.movement, model2, seed)
    else:
        out = run_mesa_kernel(p.width, p.height, *shared, *tail, p.movement, model2, seed)
    return out[20:, :4].mean(axis=0)


def _ensembles(p: EpsteinParams, legitimacy: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-seed means of the cell-list kernel at L = 0.7, and of the bitboard kernel."""
    old = np.array([_means(p, "cell lists", s, 0.7) for s in range(SEEDS)])
    new = np.array([_means(p, "bitboards", 1000 + s, legitimacy) for s in range(SEEDS)])
    return old, new


@pytest.mark.parametrize(
    "update",
    [
        {"max_jail_term": 10},
        {"max_jail_term": 10, "model": "II", "neighborhood": "disk", "arrest_rule": "floor"},
    ],
)
def test_bitboard_kernel_agrees_with_the_cell_list_kernel_over_seeds(
    update: dict[str, object],
) -> None:
    """Different draws, the same model: per-seed means agree in distribution (KS)."""
    p = EpsteinParams(**{**MODEL.resolve(LIVELY).model_dump(), **update})
    old, new = _ensembles(p, 0.7)
    assert old[:, 0].mean() > 1
    assert old[:, 2].mean() > 1  # lively: actives and arrests
    metrics = 4 if p.model == "II" else 3  # active, quiet, jailed (, killed)
    if p.model == "II":
        assert old[:, 3].mean() > 0
    for m in range(metrics):
        assert stats.ks_2samp(old[:, m], new[:, m]).pvalue > ALPHA
        se = np.sqrt(old[:, m].var(ddof=1) / SEEDS + new[:, m].var(ddof=1) / SEEDS)
        assert abs(old[:, m].mean() - new[:, m].mean()) <= 4 * se + 1e-9


def test_the_kernel_agreement_test_can_fail() -> None:
    """The same comparison rejects the bitboard kernel run at legitimacy 0.6."""
    p = EpsteinParams(**{**MODEL.resolve(LIVELY).model_dump(), "max_jail_term": 10})
    old, new = _ensembles(p, 0.6)
    assert min(stats.ks_2samp(old[:, m], new[:, m]).pvalue for m in range(3)) < ALPHA


def test_bitboard_kernel_same_seed_same_numbers() -> None:
    p = EpsteinParams(**{**MODEL.resolve(LIVELY).model_dump(), "max_jail_term": 10})
    a, b, c = (_means(p, "bitboards", s, 0.7) for s in (5, 5, 6))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_a_full_grid_means_no_move() -> None:
    """No empty cell: every rejection misses, the exact count finds none, nobody moves."""
    p = MODEL.resolve([*LIVELY, "width=12", "height=12", "placement=exact"])
    p = EpsteinParams(**{**p.model_dump(), "citizen_density": 0.9, "cop_density": 0.1})
    out = simulate(p, 3)
    assert (out["active"] + out["quiet"] + out["jailed"] == round(0.9 * 144)).all()


@nb.njit
def _raw(s: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n, np.uint64)
    for i in range(n):
        out[i] = next_u64(s)
    return out


@nb.njit
def _draws(s: np.ndarray, n: int, bound: int) -> np.ndarray:
    out = np.empty(n, np.int64)
    for i in range(n):
        out[i] = bounded(s, bound)
    return out


def test_generator_matches_the_reference_and_is_uniform() -> None:
    """xoshiro256** from state (1, 2, 3, 4) gives the reference outputs (Vigna's C code);
    Lemire's draws are uniform (chi-square) for a bound that does not divide 2**32."""
    first = _raw(np.array([1, 2, 3, 4], np.uint64), 4)
    assert first.tolist() == [11520, 0, 1509978240, 1215971899390074240]
    counts = np.bincount(_draws(seeded_state(0), 70_000, 7), minlength=7)
    assert counts.size == 7
    assert stats.chisquare(counts).pvalue > 0.001
    assert not np.array_equal(seeded_state(0), seeded_state(1))


@pytest.mark.parametrize("kernel", ["cell lists", "bitboards"])
def test_kernels_leave_the_callers_positions_alone(kernel: str) -> None:
    p = MODEL.resolve(["preset=mesa", "width=20", "height=20", "citizen_vision=3"])
    p = EpsteinParams(**{**p.model_dump(), "cop_vision": 3})
    kind, group, grievance, risk, pos = _inputs(p, 0)
    before = pos.copy()
    d, e = vision_offsets(3, p.neighborhood)
    args = (kind, group, grievance, risk, pos, d, e, d, e, 5, 2.3, 0.1, RULE_ROUND, 4)
    if kernel == "cell lists":
        run_kernel(20, 20, *args, True, True, False, 1)
    else:
        run_mesa_kernel(20, 20, *args, True, False, 1)
    assert np.array_equal(pos, before)


def test_mesa_preset_citizens_see_with_the_cops_radius() -> None:
    """Mesa 3.5.1's citizens look with ``cop_vision``: inert while the two radii agree."""
    mesa = MODEL.resolve(["preset=mesa", "steps=30", "legitimacy=0.7", "max_jail_term=10"])
    assert mesa.citizens_see_with == "cop_vision"
    short = EpsteinParams(**{**mesa.model_dump(), "citizen_vision": 2})
    own = EpsteinParams(**{**short.model_dump(), "citizens_see_with": "citizen_vision"})
    for seed in range(3):
        # seeing with the cops' radius 7 is seeing with radius 7, whatever citizen_vision says
        assert np.array_equal(simulate(short, seed)["active"], simulate(mesa, seed)["active"])
    # with their own radius 2 citizens see fewer cops: more of them dare, on every seed
    for seed in range(3):
        assert simulate(own, seed)["active"].mean() > simulate(short, seed)["active"].mean()
