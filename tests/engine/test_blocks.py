"""Row-block kernels: every block, the last partial one included, updates exactly the rows
present, reads each row's own cell, and agrees with the mechanism's numpy formula."""

from __future__ import annotations

import numpy as np
import pytest

from thermidor.engine.blocks import BLOCK
from thermidor.model.mechanisms.activity import (
    ActivityParams,
    _exercise,
    activity_change,
    capacity_change,
)
from thermidor.model.mechanisms.legitimacy import LegitimacyParams, _judge, legitimacy_target
from thermidor.model.mechanisms.repression import _spread_fear

N = 3 * BLOCK + 17  # three full blocks and a partial one
CELLS = 500


@pytest.fixture
def rows():
    rng = np.random.default_rng(5)
    unit = lambda: rng.random(N, dtype=np.float32)  # noqa: E731
    return {
        "rng": rng,
        "cell": np.sort(rng.integers(0, CELLS, N)).astype(np.int32),
        "present": rng.random(N) < 0.7,
        "opportunity": rng.random(CELLS, dtype=np.float32),
        "a": unit(),
        "b": unit(),
        "c": unit(),
        "d": unit(),
        "flag1": rng.random(N) < 0.2,
        "flag2": rng.random(N) < 0.2,
        "role": rng.integers(0, 3, N).astype(np.int8),
    }


def test_exercise_updates_every_block_by_the_formula(rows):
    r, p = rows, ActivityParams()
    activity, capacity = r["a"].copy(), r["b"].copy()
    coef = np.array([getattr(p, f) for f in ActivityParams.model_fields])
    practice = r["opportunity"][r["cell"]]  # any per-member values in 0..1
    _exercise(
        r["present"],
        r["role"],
        practice,
        activity,
        capacity,
        r["flag1"],
        r["flag2"],
        r["c"],
        r["d"],
        coef,
        0.4,
        2,
    )
    opp = practice.astype(float)
    here = r["present"]
    cap = np.clip(r["b"] + capacity_change(r["b"], r["a"] * opp, r["role"] == 2, 0.4, p), 0, 1)
    act = np.clip(
        r["a"] + activity_change(r["a"], cap, opp, r["flag1"], r["flag2"], r["c"], r["d"], p),
        0,
        1,
    )
    np.testing.assert_allclose(capacity[here], cap[here], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(activity[here], act[here], rtol=1e-5, atol=1e-6)
    assert np.array_equal(capacity[~here], r["b"][~here])
    assert np.array_equal(activity[~here], r["a"][~here])


def test_judge_updates_every_block_by_the_formula(rows):
    r, p = rows, LegitimacyParams()
    legitimacy = r["a"].copy()
    knows = (r["flag1"] * 3).astype(np.uint8)
    coef = np.array(
        [
            p.rate,
            p.abuse_weight,
            p.privilege_weight,
            p.hardship_weight,
            p.voice_weight,
            p.scandal_weight,
        ]
    )
    ratio = 2.5
    gap = 1.0 - 1.0 / ratio
    heard = r["b"]  # any per-member values in 0..1
    _judge(r["present"], knows, heard, r["c"], r["flag2"], legitimacy, coef, gap)
    target = legitimacy_target(knows > 0, ratio, r["c"], r["flag2"], p, heard)
    expected = r["a"] + p.rate * (target - r["a"])
    here = r["present"]
    np.testing.assert_allclose(legitimacy[here], expected[here], rtol=1e-5, atol=1e-6)
    assert np.array_equal(legitimacy[~here], r["a"][~here])


def test_fear_spreads_by_cell_in_every_block(rows):
    r = rows
    fear = r["a"].copy()
    hits = np.zeros(CELLS)
    hits[[3, CELLS // 2, CELLS - 1]] = [1.0, 2.0, 1.0]  # cells in the first, middle, last block
    _spread_fear(r["cell"], r["present"], fear, hits, 0.1, 0.3, 0.05)
    expected = np.clip(r["a"] + 0.05 * (0.3 - r["a"]) + 0.1 * hits[r["cell"]], 0, 1)
    here = r["present"]
    np.testing.assert_allclose(fear[here], expected[here], rtol=1e-5, atol=1e-6)
    assert np.array_equal(fear[~here], r["a"][~here])
