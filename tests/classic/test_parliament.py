"""Accidental politicians: the efficiency peak sits at the golden rule N*_ind."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from thermidor.classic.parliament import (
    MODEL,
    ParliamentParams,
    golden_rule,
    party_sizes,
    simulate,
    sweep,
)


@pytest.fixture(scope="module")
def curve() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A coarser sweep than the paper's (60 legislatures of 500 proposals, ~4 s)."""
    return sweep(n=500, p=0.6, step=10, legislatures=60, proposals=500, seed=0)


def test_golden_rule_is_the_papers_number() -> None:
    assert golden_rule(500, 0.6) == pytest.approx(140.0)
    # it is where the majority party plus a quarter of the independents is a bare majority
    n, p = 1000, 0.7
    k = golden_rule(n, p)
    assert p * (n - k) + k / 4 == pytest.approx(n / 2 + 1)


def test_party_sizes_split_the_members() -> None:
    assert party_sizes(500, 0.6, 140) == (216, 144)
    assert party_sizes(500, 0.6, 0) == (300, 200)
    assert party_sizes(500, 0.6, 500) == (0, 0)
    assert party_sizes(500, 1.0, 100) == (400, 0)


def test_sweep_maximum_is_near_the_golden_rule(curve) -> None:
    values, means, half = curve
    assert values[0] == 0
    assert values[-1] == 500
    assert means.shape == half.shape == values.shape
    best = values[np.argmax(means)]
    assert abs(best - golden_rule(500, 0.6)) <= 0.05 * 500, (best, means.round(2))


def test_golden_rule_beats_no_and_all_independents(curve) -> None:
    values, means, _ = curve
    at = dict(zip(values.tolist(), means, strict=True))
    assert at[140] > at[0] + 5.0
    assert at[140] > at[500] + 5.0


def test_majority_party_passes_its_own_proposals_alone() -> None:
    """Without independents p (N - N_ind) = 300 > N/2: every majority proposal passes."""
    series = simulate(ParliamentParams(independents=0, steps=20, proposals=400), seed=3)
    # about 60 % of proposals are the majority's; a few others pass on top
    assert np.all(series["accepted"] >= 0.45 * 400)
    eff = 100 * series["accepted"] / 400 * series["social_gain"]
    np.testing.assert_allclose(series["efficiency"], eff)


def test_series_shape_and_bounds() -> None:
    params = ParliamentParams(independents=140, steps=7, proposals=200)
    series = simulate(params, seed=1)
    assert set(series) == set(MODEL.metrics)
    for values in series.values():
        assert values.shape == (7,)
        assert values.dtype == np.float64
    assert np.all((series["accepted"] >= 0) & (series["accepted"] <= 200))
    assert np.all(np.abs(series["social_gain"]) <= 1.0)
    assert np.all(np.abs(series["efficiency"]) <= 100.0)


def test_same_seed_same_series_other_seed_differs() -> None:
    params = ParliamentParams(independents=140, steps=5, proposals=300)
    a, b, c = simulate(params, 11), simulate(params, 11), simulate(params, 12)
    for key in MODEL.metrics:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["efficiency"], c["efficiency"])


@pytest.mark.parametrize(
    "bad",
    [
        {"independents": 501},
        {"independents": -1},
        {"p": 0.4},
        {"p": 1.1},
        {"n": 1},
        {"tolerance": -0.1},
        {"tolerance": 1.0},
        {"proposals": 0},
        {"steps": 0},
        {"quorum": 3},
    ],
)
def test_invalid_params_raise(bad: dict) -> None:
    with pytest.raises(ValidationError):
        ParliamentParams(**bad)


def test_model_contract_and_presets() -> None:
    assert MODEL.name == "parliament"
    assert MODEL.params is ParliamentParams
    assert MODEL.agents(ParliamentParams()) == 500
    golden = MODEL.resolve(["preset=golden-rule", "steps=3"])
    assert golden.independents == 140
    assert golden.steps == 3
    assert MODEL.resolve(["preset=no-independents"]).independents == 0
    with pytest.raises(ValueError, match="independents"):
        MODEL.resolve(["independents=600"])
