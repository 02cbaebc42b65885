"""The calibration machinery on a model whose posterior is known exactly.

Ten draws from a normal with unknown mean and variance 1, a flat prior on [-5, 5]: the
posterior of the mean given the sample mean is N(ybar, 1/10) (truncation negligible).
ABC-SMC through ``ExecutorSampler`` (the sampler ``thermidor calibrate`` uses), with
its distance going down to a small epsilon, must recover it: its posterior mean and
spread, and a 90% interval that covers the true mean.
"""

from __future__ import annotations

import math

import numpy as np
import pyabc
import pytest

from thermidor.calibration.posterior import weighted_quantiles
from thermidor.calibration.sampler import ExecutorSampler, Replay

TRUE_MEAN = 1.2
DRAWS = 10


def observed_mean() -> float:
    return float(np.random.default_rng(7).normal(TRUE_MEAN, 1.0, DRAWS).mean())


def simulate_batch(points, seeds):
    return [
        {"ybar": float(np.random.default_rng(s).normal(p["mu"], 1.0, DRAWS).mean())}
        for p, s in zip(points, seeds, strict=True)
    ]


def posterior(tmp_path, seed: int = 3, generations: int = 6):
    replay = Replay()
    sampler = ExecutorSampler(replay, simulate_batch, seed=seed, batch=50)
    abc = pyabc.ABCSMC(
        replay,
        pyabc.Distribution(mu=pyabc.RV("uniform", -5, 10)),
        lambda x, y: abs(x["ybar"] - y["ybar"]),
        population_size=200,
        sampler=sampler,
        eps=pyabc.QuantileEpsilon(initial_epsilon=math.inf, alpha=0.5),
    )
    history = abc.new(f"sqlite:///{tmp_path / 'toy.db'}", {"ybar": observed_mean()})
    abc.run(max_nr_populations=generations)
    frame, weights = history.get_distribution()
    return frame["mu"].to_numpy(), weights / weights.sum(), history


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    return posterior(tmp_path_factory.mktemp("toy"))


def test_the_posterior_mean_and_spread_are_the_exact_ones(toy):
    mu, w, history = toy
    mean = float(np.sum(w * mu))
    sd = math.sqrt(float(np.sum(w * (mu - mean) ** 2)))
    exact_sd = 1.0 / math.sqrt(DRAWS)
    # the last threshold: a fraction of the posterior's spread, so ABC's extra spread is small
    assert history.get_all_populations()["epsilon"].iloc[-1] < 0.7 * exact_sd
    assert abs(mean - observed_mean()) < 0.25 * exact_sd
    assert 0.8 * exact_sd < sd < 1.2 * exact_sd


def test_the_90_percent_interval_covers_the_true_mean_and_matches_the_exact_one(toy):
    mu, w, _ = toy
    low, high = weighted_quantiles(mu, w, (0.05, 0.95))
    assert low < TRUE_MEAN < high
    exact = 1.6449 / math.sqrt(DRAWS)
    ybar = observed_mean()
    assert abs(low - (ybar - exact)) < 0.3 * exact
    assert abs(high - (ybar + exact)) < 0.3 * exact


def test_the_same_seed_gives_the_same_posterior_bit_for_bit(tmp_path, toy):
    mu, w, _ = posterior(tmp_path)
    assert np.array_equal(mu, toy[0])
    assert np.array_equal(w, toy[1])


def test_the_batch_size_changes_nothing(tmp_path):
    """The first n accepted in proposal order make the population, whatever the batches
    (and so whatever the number of workers, which sets the batch by default)."""
    replay = Replay()
    runs = []
    for batch in (7, 64):
        folder = tmp_path / str(batch)
        folder.mkdir()
        sampler = ExecutorSampler(replay, simulate_batch, seed=11, batch=batch)
        abc = pyabc.ABCSMC(
            replay, pyabc.Distribution(mu=pyabc.RV("uniform", -5, 10)),
            lambda x, y: abs(x["ybar"] - y["ybar"]), population_size=40, sampler=sampler,
            eps=pyabc.QuantileEpsilon(initial_epsilon=math.inf, alpha=0.5),
        )  # fmt: skip
        history = abc.new(f"sqlite:///{folder / 'toy.db'}", {"ybar": observed_mean()})
        abc.run(max_nr_populations=3)
        runs.append(history.get_distribution()[0]["mu"].to_numpy())
    assert np.array_equal(runs[0], runs[1])
