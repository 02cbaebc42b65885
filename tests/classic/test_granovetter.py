"""Granovetter (1978): the paper's numbers, the exact cascade, the map and the network version."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from thermidor.classic import get_model
from thermidor.classic.granovetter import (
    MODEL,
    GranovetterParams,
    bisect_critical_sd,
    cascade,
    critical_sd,
    mean_field,
    network_cascade,
    normal_cdf,
    normal_fixed_point,
    random_network,
    sample_thresholds,
    simulate,
)


def naive_rounds(theta: np.ndarray) -> list[int]:
    """The synchronous rule written the slow, obvious way (an independent reference)."""
    acting = np.zeros(theta.size, dtype=bool)
    out: list[int] = []
    while True:
        acting = acting | (theta <= acting.sum())
        if out and acting.sum() == out[-1]:
            return out
        out.append(int(acting.sum()))


def csr(n: int, edges: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays of a small undirected graph."""
    nbrs: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        nbrs[a].append(b)
        nbrs[b].append(a)
    indptr = np.cumsum([0] + [len(x) for x in nbrs])
    return indptr, np.array([j for x in nbrs for j in x], dtype=np.int64)


def complete(n: int) -> tuple[np.ndarray, np.ndarray]:
    return csr(n, [(i, j) for i in range(n) for j in range(i + 1, n)])


# --- the paper's examples -------------------------------------------------------------------


def test_thresholds_0_to_99_make_a_riot_of_100() -> None:
    rounds = cascade(np.arange(100))
    np.testing.assert_array_equal(rounds, np.arange(1, 101))  # one joins per round
    out = simulate(MODEL.resolve(["preset=riot-100"]), 0)
    assert out["acting"][-1] == 100
    assert out["acting_share"][-1] == 1.0


def test_moving_the_threshold_1_agent_to_2_stops_the_riot_at_1() -> None:
    theta = np.arange(100.0)
    theta[1] = 2.0
    np.testing.assert_array_equal(cascade(theta), [1])
    out = simulate(MODEL.resolve(["preset=riot-100-broken"]), 0)
    np.testing.assert_array_equal(out["acting"], np.ones(100))


@pytest.mark.parametrize("seed", range(5))
def test_sorted_cascade_equals_the_round_by_round_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    theta = np.round(rng.normal(8, 6, size=60), 1)
    np.testing.assert_array_equal(cascade(theta), naive_rounds(theta))


# --- the mean-field map ---------------------------------------------------------------------


def test_critical_sd_is_12_22() -> None:
    assert bisect_critical_sd() == 12.22
    x = critical_sd(100, 25)
    assert round(x, 2) == 12.22


def test_equilibrium_jumps_from_about_6_to_100_at_the_critical_sd() -> None:
    assert 4 < normal_fixed_point(100, 25, 12.0) < 8  # measured 4.02
    assert 5.5 < normal_fixed_point(100, 25, 12.22) < 6.5  # just below 12.2221: 5.98
    assert normal_fixed_point(100, 25, 12.23) > 99  # just above: the riot takes all
    assert normal_fixed_point(100, 25, 12.5) > 99.9


def test_map_trajectory_climbs_monotonically_to_a_fixed_point() -> None:
    fixed, path = mean_field(normal_cdf(25, 12.0), 100)
    assert np.all(np.diff(path) >= 0)
    assert fixed == pytest.approx(100 * normal_cdf(25, 12.0)(fixed), abs=1e-8)
    assert path[0] == pytest.approx(100 * normal_cdf(25, 12.0)(0.0))  # r(1) = N F(0)


def test_sampled_ensemble_approaches_the_map_as_n_grows() -> None:
    """Thresholds scale with N (mean 0.25 N, sd 0.40 N), so the share map is the same at every
    N: its fixed point is an interior 0.9626, far from the jump (critical sd 0.122 N), where a
    finite crowd's final share scatters around it by ~1/sqrt(N). (At sd = 0.20 N both sizes end
    at ~all, with gaps ~1e-4 at both: no test there.) Measured: 0.019 at N=100, 0.002 at 10^4.
    """

    def gap(n: int) -> float:
        target = normal_fixed_point(n, 0.25 * n, 0.40 * n) / n
        finals = [
            simulate(GranovetterParams(n=n, mean=0.25 * n, sd=0.40 * n, steps=500), seed)[
                "acting_share"
            ][-1]
            for seed in range(20)
        ]
        return float(np.mean(np.abs(np.array(finals) - target)))

    small, large = gap(100), gap(10_000)
    assert large < small / 3


# --- the network version --------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_complete_graph_equals_the_population_version(seed: int) -> None:
    n = 50
    theta = np.random.default_rng(seed).normal(10, 8, size=n)
    indptr, indices = complete(n)
    expected = cascade(theta)
    np.testing.assert_array_equal(network_cascade(indptr, indices, theta), expected)
    # as shares: needing theta of the n - 1 others is the share theta / (n - 1)
    shares = theta / (n - 1)
    np.testing.assert_array_equal(network_cascade(indptr, indices, shares, share=True), expected)


def test_path_graph_cascade_is_synchronous_and_local() -> None:
    indptr, indices = csr(5, [(0, 1), (1, 2), (2, 3), (3, 4)])
    # one joiner per round: a joiner is seen by its neighbour only in the next round
    np.testing.assert_array_equal(
        network_cascade(indptr, indices, [0, 1, 1, 1, 1]), [1, 2, 3, 4, 5]
    )
    # agent 2 has one acting neighbour at most before it acts: it needs 2, the cascade stops
    np.testing.assert_array_equal(network_cascade(indptr, indices, [0, 1, 2, 1, 1]), [1, 2])
    # the same thresholds in the population version run through everyone
    assert cascade([0, 1, 2, 1, 1])[-1] == 5
    np.testing.assert_array_equal(
        network_cascade(indptr, indices, [0, 1, 1, 1, 1], max_rounds=2), [1, 2]
    )


def test_star_graph_share_thresholds() -> None:
    indptr, indices = csr(5, [(0, k) for k in range(1, 5)])
    # hub instigates: every leaf has its only neighbour acting (share 1)
    np.testing.assert_array_equal(
        network_cascade(indptr, indices, [0, 1, 1, 1, 1], share=True), [1, 5]
    )
    # a leaf instigates: the hub sees 1/4 < 1/2 and stays out, so does everyone else
    np.testing.assert_array_equal(
        network_cascade(indptr, indices, [0.5, 0, 1, 1, 1], share=True), [1]
    )
    # with 1/4 the hub joins, then the leaves
    np.testing.assert_array_equal(
        network_cascade(indptr, indices, [0.25, 0, 1, 1, 1], share=True), [1, 2, 5]
    )


def test_random_network_is_simple_with_the_mean_degree_asked() -> None:
    net = random_network(5000, 8.0, np.random.default_rng(1))
    rows = np.repeat(np.arange(net.n), net.degree)
    assert not np.any(rows == net.indices)  # no self ties
    keys = rows.astype(np.int64) * net.n + net.indices
    assert np.unique(keys).size == keys.size  # no repeated ties
    back = net.indices.astype(np.int64) * net.n + rows
    assert np.array_equal(np.sort(keys), np.sort(back))  # symmetric
    assert net.degree.mean() == pytest.approx(8.0, abs=0.2)


@pytest.mark.parametrize("network", ["random", "clustered"])
@pytest.mark.parametrize("share", [False, True])
def test_network_runs_are_monotone_and_bounded(network: str, share: bool) -> None:
    mean, sd = (0.1 * 999, 0.05 * 999) if share else (2.0, 1.0)
    params = GranovetterParams(n=1000, network=network, share=share, mean=mean, sd=sd)
    out = simulate(params, 2)
    assert np.all(np.diff(out["acting"]) >= 0)
    assert 0 < out["acting"][0] <= out["acting"][-1] <= 1000
    assert np.all(np.isnan(out["map_share"]))


def test_network_needs_more_than_the_crowd() -> None:
    """Counting only ~4 neighbours, a threshold of 3 people is far harder to reach than in a
    crowd where everyone sees all who act: the population riot takes all, the network one
    stays with the instigators and their close circle."""
    params = {"n": 2000, "mean": 3.0, "sd": 1.5}
    crowd = simulate(GranovetterParams(**params), 4)["acting_share"][-1]
    local = simulate(GranovetterParams(**params, network="random", mean_degree=4.0), 4)
    assert crowd == 1.0
    assert local["acting_share"][-1] < 0.5


# --- the model contract ---------------------------------------------------------------------


def test_series_have_one_value_per_step_and_the_map_matches() -> None:
    params = GranovetterParams(steps=40)
    out = simulate(params, 3)
    assert set(out) == set(MODEL.metrics)
    assert all(v.shape == (40,) and v.dtype == np.float64 for v in out.values())
    _, path = mean_field(normal_cdf(25, 12.0), 100, max_iter=40)
    np.testing.assert_allclose(out["map_share"][: path.size], path / 100)
    assert out["map_share"][-1] == pytest.approx(normal_fixed_point(100, 25, 12.0) / 100)
    lst = simulate(MODEL.resolve(["preset=riot-100"]), 0)
    assert np.all(np.isnan(lst["map_share"]))


def test_same_seed_same_run_different_seeds_differ() -> None:
    params = GranovetterParams(n=500, network="random", mean=2.0, sd=1.5)
    a, b = simulate(params, 7), simulate(params, 7)
    for key in MODEL.metrics:
        np.testing.assert_array_equal(a[key], b[key])
    c = simulate(params, 8)
    assert not np.array_equal(a["acting"], c["acting"])
    base = GranovetterParams()
    t1 = sample_thresholds(base, np.random.default_rng(1))
    t2 = sample_thresholds(base, np.random.default_rng(2))
    assert not np.array_equal(t1, t2)


def test_uniform_thresholds() -> None:
    params = GranovetterParams(distribution="uniform", low=-5.0, high=60.0, n=100)
    theta = sample_thresholds(params, np.random.default_rng(0))
    assert theta.min() >= -5.0
    assert theta.max() < 60.0
    out = simulate(params, 0)
    assert np.isfinite(out["map_share"]).all()
    # default range [0, n): no instigators, nobody moves, as the map says
    nobody = simulate(GranovetterParams(distribution="uniform"), 0)
    assert nobody["acting"][-1] == 0
    assert nobody["map_share"][-1] == 0


def test_model_registration_and_presets() -> None:
    assert get_model("granovetter") is MODEL
    assert MODEL.agents(MODEL.resolve(["preset=riot-100"])) == 100
    assert MODEL.agents(GranovetterParams(n=321)) == 321
    assert GranovetterParams(distribution="list", thresholds=[0, 1, 5]).n == 3


@pytest.mark.parametrize(
    "values",
    [
        {"sd": -1.0},
        {"distribution": "pareto"},
        {"distribution": "normal", "thresholds": [0.0, 1.0]},
        {"distribution": "list"},
        {"distribution": "list", "thresholds": [0.0, 1.0], "n": 5},
        {"distribution": "uniform", "low": 10.0, "high": 10.0},
        {"network": "lattice"},
        {"n": 0},
        {"mean_degree": -1.0},
        {"colour": "red"},
    ],
)
def test_invalid_parameters_are_refused(values: dict) -> None:
    with pytest.raises(ValidationError):
        GranovetterParams(**values)


def test_command_line_overrides_are_checked() -> None:
    with pytest.raises(ValueError, match="sd"):
        MODEL.resolve(["sd=-1"])
    assert MODEL.resolve(["sd=12.5", "n=200"]).sd == 12.5
