"""The Peter principle model (Pluchino, Rapisarda & Garofalo 2010): the paper's orderings
over an ensemble, the promotion mechanism itself, and the structural invariants."""

from __future__ import annotations

import numpy as np
import pytest

from thermidor.classic.peter import (
    COMPETENCE_MAX,
    COMPETENCE_MIN,
    HIRING_AGE,
    HYPOTHESES,
    MODEL,
    STRATEGIES,
    Hierarchy,
    PeterParams,
    expected_initial_efficiency,
    simulate,
    simulate_ensemble,
    steady_state_table,
)

RUNS, STEPS, TAIL = 20, 400, 100


@pytest.fixture(scope="module")
def ensemble() -> dict[tuple[str, str], tuple[float, float]]:
    """(initial, steady-state) efficiency per (hypothesis, strategy), means over the runs."""
    out = {}
    for i, hypothesis in enumerate(HYPOTHESES):
        for j, strategy in enumerate(STRATEGIES):
            params = PeterParams(hypothesis=hypothesis, strategy=strategy, steps=STEPS)
            series = simulate_ensemble(params, RUNS, seed=100 + 10 * i + j)
            steady = float(series["efficiency"][:, -TAIL:].mean())
            out[hypothesis, strategy] = (float(series["initial_efficiency"].mean()), steady)
    return out


# -- the paper's results -----------------------------------------------------------------
def test_peter_promoting_the_best_lowers_efficiency(ensemble) -> None:
    initial, steady = ensemble["peter", "best"]
    assert steady < initial - 4.0


@pytest.mark.parametrize("strategy", ["random", "alternated"])
def test_peter_random_and_alternated_beat_best(ensemble, strategy: str) -> None:
    assert ensemble["peter", strategy][1] > ensemble["peter", "best"][1] + 5.0


def test_peter_promoting_the_worst_raises_efficiency(ensemble) -> None:
    initial, steady = ensemble["peter", "worst"]
    assert steady > initial + 5.0


@pytest.mark.parametrize("strategy", ["worst", "random", "alternated"])
def test_common_sense_promoting_the_best_is_best(ensemble, strategy: str) -> None:
    # would fail if promotion redrew competence under common sense (then best < random)
    assert ensemble["common_sense", "best"][1] > ensemble["common_sense", strategy][1] + 1.5


def test_common_sense_best_raises_efficiency(ensemble) -> None:
    initial, steady = ensemble["common_sense", "best"]
    assert steady > initial + 4.0


# -- the mechanism, step by step ---------------------------------------------------------
def _one_vacancy_at_top(strategy: str) -> tuple[Hierarchy, np.ndarray]:
    """A hierarchy whose only leaver is the top agent; level 1's competences before the step."""
    params = PeterParams(strategy=strategy, hypothesis="common_sense", drift=0.0)
    org = Hierarchy(params, 1, np.random.default_rng(7))
    org.competence[:] = np.clip(org.competence, 5.0, None)  # nobody is fired
    org.age[:] = 30.0
    org.age[0, 0] = 59.5  # the top agent retires this step
    level1 = org.competence[0, org.bounds[1]].copy()
    return org, level1


@pytest.mark.parametrize(("strategy", "pick"), [("best", np.max), ("worst", np.min)])
def test_strategy_promotes_the_right_agent(strategy: str, pick) -> None:
    org, level1 = _one_vacancy_at_top(strategy)
    promotions, dismissals, retirements = org.step()
    assert (retirements[0], dismissals[0]) == (1, 0)
    # one promotion per level below the top: the chain of vacancies runs to the bottom
    assert promotions[0] == len(org.sizes) - 1
    assert org.competence[0, 0] == pick(level1)  # drift 0: competence carries over exactly


def test_peter_hypothesis_redraws_competence() -> None:
    org, level1 = _one_vacancy_at_top("best")
    org.params = org.params.model_copy(update={"hypothesis": "peter"})
    org.step()
    assert org.competence[0, 0] not in level1


def test_common_sense_drift_is_bounded() -> None:
    params = PeterParams(hypothesis="common_sense", drift=1.0)
    org = Hierarchy(params, 1, np.random.default_rng(3))
    old = np.full(10_000, 5.0)
    new = org._after_promotion(old)
    assert np.all(np.abs(new - old) <= 1.0)
    assert new.std() > 0.5  # U(-1, 1) has sd 0.577


# -- invariants ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hypothesis", "strategy"), [("peter", "alternated"), ("common_sense", "worst")]
)
def test_every_seat_filled_and_values_in_range(hypothesis: str, strategy: str) -> None:
    params = PeterParams(hypothesis=hypothesis, strategy=strategy)
    org = Hierarchy(params, 8, np.random.default_rng(11))
    for _ in range(300):
        promotions, dismissals, retirements = org.step()
        assert not np.isnan(org.competence).any()
        assert not np.isnan(org.age).any()
        assert org.competence.min() >= COMPETENCE_MIN
        assert org.competence.max() <= COMPETENCE_MAX
        assert org.age.min() >= HIRING_AGE
        assert org.age.max() <= params.retirement_age
        # every leaver opens a chain of promotions, at most one per level below
        leavers = dismissals + retirements
        assert np.all(promotions <= leavers * (len(org.sizes) - 1))
    assert org.competence.shape == (8, 160)


def test_initial_efficiency_matches_expectation() -> None:
    params = PeterParams(steps=1)
    expected = expected_initial_efficiency(params)
    assert 66.0 < expected < 69.0
    initial = simulate_ensemble(params, 400, seed=5)["initial_efficiency"]
    assert abs(initial.mean() - expected) < 0.5
    assert 55.0 < simulate(params, 5)["efficiency"][0] < 80.0


# -- reproducibility, contract, validation -------------------------------------------------
def test_same_seed_same_series_different_seed_differs() -> None:
    params = PeterParams(strategy="random", steps=200)
    a, b, c = simulate(params, 1), simulate(params, 1), simulate(params, 2)
    assert set(a) == set(MODEL.metrics)
    for metric in MODEL.metrics:
        assert a[metric].shape == (200,)
        assert a[metric].dtype == np.float64
        np.testing.assert_array_equal(a[metric], b[metric])
    assert not np.array_equal(a["efficiency"], c["efficiency"])


@pytest.mark.parametrize(
    "values",
    [
        {"weights": (1.0, 0.5)},
        {"levels": (1, 5, 11)},
        {"strategy": "oldest"},
        {"hypothesis": "dilbert"},
        {"steps": 0},
        {"levels": (0, 5, 11, 21, 41, 81)},
        {"age_mean": 70.0},
        {"competence_sd": -1.0},
        {"colour": "red"},
    ],
)
def test_invalid_params_raise(values: dict) -> None:
    with pytest.raises(ValueError, match=r"."):
        PeterParams(**values)


def test_model_presets_and_resolve() -> None:
    assert len(MODEL.presets) == 8
    params = MODEL.resolve(["preset=peter-random", "steps=50"])
    assert (params.hypothesis, params.strategy, params.steps) == ("peter", "random", 50)
    assert MODEL.agents(params) == 160
    with pytest.raises(ValueError, match="preset"):
        MODEL.resolve(["preset=nope"])
    with pytest.raises(ValueError, match="weights"):
        MODEL.resolve(["weights=[1.0, 0.5]"])


def test_steady_state_table_shape() -> None:
    table = steady_state_table(runs=3, steps=20, tail=5, seed=1)
    assert set(table) == {(h, s) for h in HYPOTHESES for s in STRATEGIES}
    for row in table.values():
        assert row["ci_low"] <= row["mean"] <= row["ci_high"]
