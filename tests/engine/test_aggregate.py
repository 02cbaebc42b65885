"""Group reductions and the binned Gini coefficient."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from thermidor.engine.aggregate import binned_gini, group_sum


def exact_gini(values: np.ndarray) -> float:
    """Mean absolute difference over twice the mean, by the sorted formula."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n, total = x.size, x.sum()
    if n == 0 or total <= 0:
        return 0.0
    rank = np.arange(1, n + 1)
    return float(2.0 * np.sum(rank * x) / (n * total) - (n + 1) / n)


# --- group_sum -----------------------------------------------------------------------------


def test_group_sum_counts_and_sums():
    groups = np.array([0, 2, 2, 4])
    np.testing.assert_array_equal(group_sum(groups, None, 6), [1, 0, 2, 0, 1, 0])
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(group_sum(groups, weights, 5), [1, 0, 5, 0, 4])
    assert group_sum(groups, None, 6).dtype == np.float64
    assert group_sum(np.array([], dtype=np.int64), None, 3).tolist() == [0.0, 0.0, 0.0]


@given(data=st.lists(st.tuples(st.integers(0, 9), st.floats(-100, 100)), max_size=60))
def test_group_sum_matches_a_loop(data):
    groups = np.array([g for g, _ in data], dtype=np.int64)
    values = np.array([v for _, v in data])
    out = group_sum(groups, values, 10)
    for g in range(10):
        assert out[g] == pytest.approx(values[groups == g].sum(), abs=1e-9)


# --- binned_gini ----------------------------------------------------------------------------


def _income_like(seed: int, n: int, kind: str, spread: float) -> np.ndarray:
    """Random positive data of the kinds the recorder sees (incomes) and a few more."""
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return rng.uniform(0.0, 1.0 + 10 * spread, n)
    if kind == "lognormal":
        return rng.lognormal(0.0, 0.2 + 1.3 * spread, n)
    if kind == "exponential":
        return rng.exponential(1.0 + spread, n)
    # wages over 18 categories, a few times richer inside an apparatus
    wage = np.power(8.0, (rng.integers(1, 19, n) - 1) / 17)
    privilege = np.where(rng.random(n) < 0.1, 1.0 + 9.0 * spread * rng.random(n), 1.0)
    return wage * privilege


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 3000),
    kind=st.sampled_from(["uniform", "lognormal", "exponential", "incomes"]),
    spread=st.floats(0.0, 1.0),
)
@example(seed=1292, n=393, kind="lognormal", spread=1.0)  # a heavy tail: one value 600x the mean
def test_binned_gini_matches_the_exact_gini_on_random_data(seed, n, kind, spread):
    values = _income_like(seed, n, kind, spread)
    # the documented bound: under 1e-3 for income-like data, looser for heavy tails
    bound = (values.max() - values.min()) / (2 * 4096 * values.mean())
    assert abs(binned_gini(values) - exact_gini(values)) <= max(bound, 1e-12)


@settings(max_examples=200, deadline=None)
@given(
    values=hnp.arrays(
        np.float64,
        st.integers(1, 200),
        elements=st.one_of(st.just(0.0), st.floats(1e-6, 1e6)),  # ranges below ~1e-305: see below
    )
)
def test_binned_gini_error_is_within_half_a_bin_over_the_mean(values):
    """The documented resolution, as a bound: |error| <= bin width / (2 x mean)."""
    mean = values.mean()
    bound = (values.max() - values.min()) / 4096 / (2 * mean) if mean > 0 else 0.0
    assert abs(binned_gini(values) - exact_gini(values)) <= bound + 1e-9
    assert 0.0 <= binned_gini(values) <= 1.0


def test_binned_gini_values():
    assert binned_gini(np.array([])) == 0.0
    assert binned_gini(np.full(10, 3.0)) == 0.0
    assert binned_gini(np.zeros(5)) == 0.0
    assert binned_gini(np.array([0.0, 1.0])) == pytest.approx(0.5)
    one_has_all = np.zeros(1000)
    one_has_all[0] = 1.0
    assert binned_gini(one_has_all) == pytest.approx(0.999, abs=1e-6)
    assert binned_gini(np.arange(1.0, 101.0)) == pytest.approx(exact_gini(np.arange(1.0, 101.0)))


def test_binned_gini_ignores_order_and_scale():
    rng = np.random.default_rng(0)
    x = rng.lognormal(0, 1, 5000)
    g = binned_gini(x)
    assert binned_gini(rng.permutation(x)) == pytest.approx(g, abs=1e-12)
    assert binned_gini(7.5 * x) == pytest.approx(g, abs=1e-9)


@pytest.mark.parametrize("values", [[0.0, 2.2250738585072014e-308], [0.0, 2.2e-313, 1e-320]])
def test_binned_gini_survives_a_vanishing_range(values):
    """A range so small that bins / range overflows must not crash."""
    with np.errstate(all="ignore"):
        g = binned_gini(np.array(values))
    assert 0.0 <= g <= 1.0
