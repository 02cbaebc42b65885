"""Epstein's kernels: the bitboard kernel of Mesa's schedule draws as the cell-list kernel
does, neither changes its caller's arrays, and citizens see with the radius the rule says."""

from __future__ import annotations

import numpy as np
import pytest

from thermidor.classic.epstein import MODEL, EpsteinParams, _populate, simulate, vision_offsets
from thermidor.classic.epstein_kernels import RULE_FLOOR, RULE_NONE, RULE_ROUND, run_kernel
from thermidor.classic.epstein_mesa_kernel import run_mesa_kernel

RULES = {"floor": RULE_FLOOR, "round": RULE_ROUND, "none": RULE_NONE}


def _inputs(p: EpsteinParams, seed: int) -> tuple[np.ndarray, ...]:
    """A population with grievances high enough that arrests and killings happen."""
    rng = np.random.default_rng(seed)
    kind, pos = _populate(p, rng)
    group = ((kind == 0) & (rng.random(kind.size) < 0.5)).astype(np.int8)
    return kind, group, 0.4 * rng.random(kind.size), rng.random(kind.size), pos


def _both(p: EpsteinParams, seed: int, steps: int = 12) -> tuple[np.ndarray, np.ndarray]:
    kind, group, grievance, risk, pos = _inputs(p, seed)
    cdx, cdy = vision_offsets(p.citizen_vision, p.neighborhood)
    kdx, kdy = vision_offsets(p.cop_vision, p.neighborhood)
    shared = (kind, group, grievance, risk, pos, cdx, cdy, kdx, kdy, steps, 2.3, 0.1)
    tail = (RULES[p.arrest_rule], 4)
    model2 = p.model == "II"
    old = run_kernel(p.width, p.height, *shared, *tail, True, p.movement, model2, seed)
    new = run_mesa_kernel(p.width, p.height, *shared, *tail, p.movement, model2, seed)
    return old, new


@pytest.mark.parametrize(
    "update",
    [
        {},
        {"neighborhood": "disk", "arrest_rule": "floor"},
        {"neighborhood": "moore", "arrest_rule": "none", "citizen_vision": 2, "cop_vision": 4},
        {"model": "II", "citizen_vision": 5, "cop_vision": 3},
        {"model": "II", "movement": False, "width": 23, "height": 17},
        {"placement": "exact", "width": 70, "height": 9, "citizen_vision": 4, "cop_vision": 2},
        {"width": 67, "height": 67, "citizen_vision": 33, "cop_vision": 2},  # wider than a word
    ],
)
def test_bitboard_kernel_draws_as_the_cell_list_kernel(update: dict[str, object]) -> None:
    base = MODEL.resolve(["preset=mesa", "width=20", "height=20", "citizen_vision=3"])
    p = EpsteinParams(**{**base.model_dump(), "cop_vision": 3, **update})
    for seed in range(3):
        old, new = _both(p, seed)
        assert np.array_equal(old, new)
    assert old[:, 2].max() > 0  # someone was arrested: the picks were exercised
    if p.model == "II":
        assert old[:, 3].sum() > 0


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
