"""Tests for the social network generator (thermidor.engine.network)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from thermidor.engine import network as network_module
from thermidor.engine.network import (
    Network,
    clustered_network,
    neighbourhoods_for,
    network_from_ties,
    newcomer_ties,
)

N = 20_000
CELL = 20
NEIGHBOURHOOD = 200


def assert_valid(net: Network) -> None:
    """Check every structural promise of Network: simple, symmetric, sorted CSR."""
    n = net.n
    assert net.indptr.dtype == np.int64
    assert net.indices.dtype == np.int32
    assert net.indptr.shape == (n + 1,)
    assert net.indptr[0] == 0
    assert net.indptr[-1] == net.indices.shape[0]
    assert np.all(np.diff(net.indptr) >= 0)
    assert net.degree.dtype == np.int32
    assert net.degree.shape == (n,)
    np.testing.assert_array_equal(net.degree, np.diff(net.indptr))
    if net.indices.size == 0:
        return
    assert net.indices.min() >= 0
    assert net.indices.max() < n
    rows = np.repeat(np.arange(n, dtype=np.int64), net.degree)
    cols = net.indices.astype(np.int64)
    assert not np.any(rows == cols), "self loop"
    # Strictly increasing within each row: sorted and no duplicate edges.
    same_row = rows[1:] == rows[:-1]
    assert np.all(cols[1:][same_row] > cols[:-1][same_row])
    # Symmetric: the set of (row, col) equals the set of (col, row).
    forward = np.sort(rows * n + cols)
    backward = np.sort(cols * n + rows)
    np.testing.assert_array_equal(forward, backward)


def build(
    seed: int = 0,
    n: int = N,
    *,
    workplace: float = 5.0,
    neighbourhood: float = 3.0,
    random: float = 2.0,
    dispersion: float = 2.0,
) -> tuple[Network, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cell = (np.arange(n) // CELL).astype(np.int32)
    nbhd = neighbourhoods_for(cell, NEIGHBOURHOOD, CELL, rng)
    net = clustered_network(
        cell,
        nbhd,
        workplace_degree=workplace,
        neighbourhood_degree=neighbourhood,
        random_degree=random,
        dispersion=dispersion,
        rng=rng,
    )
    return net, cell, nbhd


def from_edges(n: int, p1: list[int], p2: list[int]) -> Network:
    """A Network from an undirected edge list, built independently with scipy."""
    rows = np.array(p1 + p2, dtype=np.int64)
    cols = np.array(p2 + p1, dtype=np.int64)
    mat = sparse.coo_array((np.ones(rows.size), (rows, cols)), shape=(n, n)).tocsr()
    mat.sum_duplicates()
    mat.sort_indices()
    return Network(mat.indptr.astype(np.int64), mat.indices.astype(np.int32), n)


@pytest.fixture(scope="module")
def default_net() -> tuple[Network, np.ndarray, np.ndarray]:
    return build()


# --- structure and reproducibility ----------------------------------------------------------


def test_structure(default_net: tuple[Network, np.ndarray, np.ndarray]) -> None:
    net, _, _ = default_net
    assert net.n == N
    assert_valid(net)


def test_arrays_are_read_only(default_net: tuple[Network, np.ndarray, np.ndarray]) -> None:
    net, _, _ = default_net
    with pytest.raises(ValueError, match="read-only"):
        net.indices[0] = 0
    with pytest.raises(ValueError, match="read-only"):
        net.degree[0] = 0


def test_same_seed_same_graph() -> None:
    a, _, _ = build(seed=7, n=3000)
    b, _, _ = build(seed=7, n=3000)
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)


def test_different_seed_different_graph() -> None:
    a, _, _ = build(seed=7, n=3000)
    b, _, _ = build(seed=8, n=3000)
    assert a.indices.shape != b.indices.shape or not np.array_equal(a.indices, b.indices)


def test_argsort_fallback_pairs_within_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """The path for populations too large to pack keys keeps every promise."""
    monkeypatch.setattr(network_module, "_MIN_RANDOM_BITS", 64)
    net, cell, _ = build(seed=1, n=2000, neighbourhood=0.0, random=0.0)
    assert_valid(net)
    p1, p2 = net.edges()
    assert p1.size > 0
    assert np.all(cell[p1] == cell[p2])


# --- statistical properties -----------------------------------------------------------------


def test_mean_degree_close_to_requested(
    default_net: tuple[Network, np.ndarray, np.ndarray],
) -> None:
    net, _, _ = default_net
    requested = 5.0 + 3.0 + 2.0
    # The brief allows 15%; re-pairing of loops and repeats gets within ~1%.
    assert abs(net.degree.mean() / requested - 1) < 0.05


def test_ties_stay_in_their_groups(default_net: tuple[Network, np.ndarray, np.ndarray]) -> None:
    net, cell, nbhd = default_net
    p1, p2 = net.edges()
    in_cell = np.mean(cell[p1] == cell[p2])
    in_nbhd = np.mean(nbhd[p1] == nbhd[p2])
    by_chance = CELL / N  # probability that a random pair shares a cell
    assert in_cell > 0.35
    assert in_cell > 100 * by_chance
    # Workplace and neighbourhood ties (~80% of stubs) fall inside neighbourhoods.
    assert in_nbhd > 0.7


def test_workplace_only_layer_never_leaves_the_cell() -> None:
    net, cell, _ = build(seed=2, n=4000, neighbourhood=0.0, random=0.0)
    p1, p2 = net.edges()
    assert p1.size > 0
    assert np.all(cell[p1] == cell[p2])


def test_neighbourhood_only_layer_never_leaves_the_neighbourhood() -> None:
    net, _, nbhd = build(seed=2, n=4000, workplace=0.0, random=0.0)
    p1, p2 = net.edges()
    assert p1.size > 0
    assert np.all(nbhd[p1] == nbhd[p2])


def test_clustering_far_above_random_graph(
    default_net: tuple[Network, np.ndarray, np.ndarray],
) -> None:
    net, _, _ = default_net
    clustering = net.clustering(1000, np.random.default_rng(0))
    erdos_renyi = net.degree.mean() / net.n
    assert clustering > 10 * erdos_renyi
    assert clustering > 0.05  # absolute: small groups close many triangles


def test_degrees_overdispersed_and_tail_grows_as_dispersion_falls() -> None:
    ratios = {}
    for k in (0.5, 2.0, 8.0):
        net, _, _ = build(seed=3, n=10_000, dispersion=k)
        deg = net.degree
        ratios[k] = deg.var() / deg.mean()
        # Negative binomial: variance/mean = 1 + mean/k (before simplification).
        assert ratios[k] == pytest.approx(1 + 10.0 / k, rel=0.25)
    assert ratios[0.5] > ratios[2.0] > ratios[8.0] > 1


def test_infinite_dispersion_gives_poisson_degrees() -> None:
    net, _, _ = build(seed=4, n=10_000, dispersion=math.inf)
    deg = net.degree
    assert deg.var() / deg.mean() == pytest.approx(1.0, abs=0.2)


# --- Network methods ------------------------------------------------------------------------


def test_neighbour_sum_matches_dense() -> None:
    net, _, _ = build(seed=5, n=120, workplace=4.0, neighbourhood=2.0, random=1.0)
    dense = net.matrix.toarray()
    np.testing.assert_array_equal(dense, dense.T)
    rng = np.random.default_rng(0)
    x = rng.random(net.n).astype(np.float32)
    out = net.neighbour_sum(x)
    assert out.dtype == np.float32
    assert out.shape == (net.n,)
    np.testing.assert_allclose(out, dense @ x, rtol=1e-5)
    x2 = rng.random((net.n, 3)).astype(np.float32)
    out2 = net.neighbour_sum(x2)
    assert out2.dtype == np.float32
    assert out2.shape == (net.n, 3)
    np.testing.assert_allclose(out2, dense @ x2, rtol=1e-5)
    np.testing.assert_array_equal(net.neighbour_sum(np.ones(net.n)), net.degree)


def test_neighbour_sum_rejects_wrong_shape() -> None:
    net = from_edges(3, [0], [1])
    with pytest.raises(ValueError, match="shape"):
        net.neighbour_sum(np.ones(4, dtype=np.float32))
    with pytest.raises(ValueError, match="shape"):
        net.neighbour_sum(np.ones((3, 2, 2), dtype=np.float32))


def test_matrix_is_cached_float32_and_shares_indices() -> None:
    net = from_edges(4, [0, 1, 2], [1, 2, 3])
    mat = net.matrix
    assert mat is net.matrix
    assert isinstance(mat, sparse.csr_array)
    assert mat.dtype == np.float32
    assert mat.shape == (4, 4)
    assert np.shares_memory(mat.indices, net.indices)


def test_edges_each_tie_once() -> None:
    net = from_edges(5, [3, 0, 1, 0], [1, 4, 0, 3])
    p1, p2 = net.edges()
    assert p1.dtype == np.int32
    assert p2.dtype == np.int32
    assert list(zip(p1.tolist(), p2.tolist(), strict=True)) == [(0, 1), (0, 3), (0, 4), (1, 3)]


def test_edges_round_trip(default_net: tuple[Network, np.ndarray, np.ndarray]) -> None:
    net, _, _ = default_net
    p1, p2 = net.edges()
    assert np.all(p1 < p2)
    assert 2 * p1.size == net.indices.size
    rebuilt = from_edges(net.n, p1.tolist(), p2.tolist())
    np.testing.assert_array_equal(rebuilt.indptr, net.indptr)
    np.testing.assert_array_equal(rebuilt.indices, net.indices)


def test_clustering_on_known_graphs() -> None:
    rng = np.random.default_rng(0)
    pairs = [(i, j) for i in range(5) for j in range(i)]
    complete = from_edges(5, [i for i, _ in pairs], [j for _, j in pairs])
    assert complete.clustering(10, rng) == pytest.approx(1.0)
    star = from_edges(5, [0, 0, 0, 0], [1, 2, 3, 4])
    assert star.clustering(10, rng) == 0.0
    # Triangle 0-1-2 with a pendant 3 on node 0: C(0) = 1/3, C(1) = C(2) = 1.
    kite = from_edges(4, [0, 1, 2, 0], [1, 2, 0, 3])
    assert kite.clustering(10, rng) == pytest.approx((1 / 3 + 1 + 1) / 3)
    assert from_edges(3, [0], [1]).clustering(10, rng) == 0.0
    with pytest.raises(ValueError, match="sample"):
        kite.clustering(0, rng)


def test_network_rejects_bad_arrays() -> None:
    with pytest.raises(ValueError, match="indptr"):
        Network(np.zeros(3, dtype=np.int32), np.empty(0, dtype=np.int32), 2)
    with pytest.raises(ValueError, match="indices"):
        Network(np.zeros(3, dtype=np.int64), np.empty(0, dtype=np.int64), 2)
    with pytest.raises(ValueError, match="indptr"):
        Network(np.array([0, 1, 1], dtype=np.int64), np.empty(0, dtype=np.int32), 2)


# --- degenerate inputs ----------------------------------------------------------------------


def test_all_layers_zero_gives_isolated_members() -> None:
    net, _, _ = build(seed=0, n=50, workplace=0.0, neighbourhood=0.0, random=0.0)
    assert_valid(net)
    assert net.indices.size == 0
    assert np.all(net.degree == 0)
    np.testing.assert_array_equal(net.neighbour_sum(np.ones(50)), np.zeros(50))
    assert net.clustering(10, np.random.default_rng(0)) == 0.0
    p1, p2 = net.edges()
    assert p1.size == 0
    assert p2.size == 0


def test_isolated_members_allowed() -> None:
    net, _, _ = build(seed=0, n=5000, workplace=1.0, neighbourhood=0.0, random=0.5, dispersion=0.3)
    assert_valid(net)
    assert np.any(net.degree == 0)
    assert np.any(net.degree > 0)


def test_empty_population() -> None:
    empty = np.empty(0, dtype=np.int32)
    net = clustered_network(
        empty,
        empty,
        workplace_degree=3.0,
        neighbourhood_degree=2.0,
        random_degree=1.0,
        dispersion=1.0,
        rng=np.random.default_rng(0),
    )
    assert net.n == 0
    assert_valid(net)
    assert net.neighbour_sum(np.empty(0)).shape == (0,)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"workplace_degree": -1.0}, "workplace_degree"),
        ({"random_degree": math.nan}, "random_degree"),
        ({"neighbourhood_degree": math.inf}, "neighbourhood_degree"),
        ({"dispersion": 0.0}, "dispersion"),
        ({"dispersion": math.nan}, "dispersion"),
    ],
)
def test_clustered_network_rejects_bad_parameters(kwargs: dict[str, float], match: str) -> None:
    params = {
        "workplace_degree": 1.0,
        "neighbourhood_degree": 1.0,
        "random_degree": 1.0,
        "dispersion": 1.0,
    } | kwargs
    group = np.zeros(10, dtype=np.int32)
    with pytest.raises(ValueError, match=match):
        clustered_network(group, group, rng=np.random.default_rng(0), **params)


def test_clustered_network_rejects_bad_groups() -> None:
    kwargs = {
        "workplace_degree": 1.0,
        "neighbourhood_degree": 1.0,
        "random_degree": 1.0,
        "dispersion": 1.0,
    }
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="length"):
        clustered_network(np.zeros(5, np.int32), np.zeros(6, np.int32), rng=rng, **kwargs)
    with pytest.raises(ValueError, match="integer"):
        clustered_network(np.zeros(5), np.zeros(5, np.int32), rng=rng, **kwargs)
    with pytest.raises(ValueError, match="1-D"):
        clustered_network(np.zeros((5, 1), np.int32), np.zeros(5, np.int32), rng=rng, **kwargs)


# --- neighbourhoods_for ---------------------------------------------------------------------


def test_neighbourhoods_group_whole_adjacent_cells() -> None:
    cell = (np.arange(N) // CELL).astype(np.int32)
    nbhd = neighbourhoods_for(cell, NEIGHBOURHOOD, CELL, np.random.default_rng(0))
    assert nbhd.dtype == np.int32
    assert nbhd.shape == (N,)
    # Each cell lies in one neighbourhood, and neighbourhoods follow cell order.
    first = nbhd[np.arange(0, N, CELL)]
    np.testing.assert_array_equal(nbhd, np.repeat(first, CELL))
    assert np.all(np.diff(first) >= 0)
    sizes = np.bincount(nbhd)
    np.testing.assert_array_equal(np.unique(nbhd), np.arange(sizes.size))
    # Interior neighbourhoods hold exactly 200 here; the ends are partial windows.
    assert np.all(sizes[1:-1] == NEIGHBOURHOOD)
    assert sizes.mean() == pytest.approx(NEIGHBOURHOOD, rel=0.05)


def test_neighbourhoods_handle_ragged_sparse_cells() -> None:
    rng = np.random.default_rng(1)
    cell = rng.choice(np.array([-7, 3, 4, 90, 1000, 5000]), size=3000).astype(np.int32)
    nbhd = neighbourhoods_for(cell, 1000, 500, np.random.default_rng(2))
    for c in np.unique(cell):
        assert np.unique(nbhd[cell == c]).size == 1
    np.testing.assert_array_equal(np.unique(nbhd), np.arange(nbhd.max() + 1))


def test_neighbourhoods_reproducible_and_validated() -> None:
    cell = (np.arange(1000) // 10).astype(np.int32)
    a = neighbourhoods_for(cell, 100, 10, np.random.default_rng(3))
    b = neighbourhoods_for(cell, 100, 10, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert neighbourhoods_for(np.empty(0, np.int32), 100, 10, np.random.default_rng(0)).size == 0
    with pytest.raises(ValueError, match="at least one cell"):
        neighbourhoods_for(cell, 5, 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="positive"):
        neighbourhoods_for(cell, 0, 10, np.random.default_rng(0))


# --- property-based -------------------------------------------------------------------------


@st.composite
def populations(draw: st.DrawFn) -> dict:
    n = draw(st.integers(min_value=0, max_value=60))
    group_ids = st.integers(min_value=-(2**31), max_value=2**31 - 1)
    cell_pool = draw(st.lists(group_ids, min_size=1, max_size=8))
    nbhd_pool = draw(st.lists(group_ids, min_size=1, max_size=4))
    cell = draw(st.lists(st.sampled_from(cell_pool), min_size=n, max_size=n))
    nbhd = draw(st.lists(st.sampled_from(nbhd_pool), min_size=n, max_size=n))
    degree = st.floats(min_value=0.0, max_value=8.0)
    return {
        "cell": np.array(cell, dtype=np.int32),
        "neighbourhood": np.array(nbhd, dtype=np.int32),
        "workplace_degree": draw(degree),
        "neighbourhood_degree": draw(degree),
        "random_degree": draw(degree),
        "dispersion": draw(st.one_of(st.floats(0.05, 50.0), st.just(math.inf))),
        "seed": draw(st.integers(min_value=0, max_value=2**32 - 1)),
    }


@settings(max_examples=150, deadline=None)
@given(populations())
def test_invariants_hold_for_any_population(pop: dict) -> None:
    seed = pop.pop("seed")
    net = clustered_network(rng=np.random.default_rng(seed), **pop)
    assert net.n == pop["cell"].size
    assert_valid(net)
    again = clustered_network(rng=np.random.default_rng(seed), **pop)
    np.testing.assert_array_equal(net.indices, again.indices)
    # Ties only where some layer allows them.
    p1, p2 = net.edges()
    if pop["random_degree"] == 0:
        same_cell = pop["cell"][p1] == pop["cell"][p2]
        same_nbhd = pop["neighbourhood"][p1] == pop["neighbourhood"][p2]
        if pop["neighbourhood_degree"] == 0:
            assert np.all(same_cell)
        else:
            # Workplace stubs that fail may spill into the neighbourhood layer.
            assert np.all(same_cell | same_nbhd)
    x = np.arange(net.n, dtype=np.float32)
    np.testing.assert_allclose(net.neighbour_sum(x), net.matrix.toarray() @ x, rtol=1e-6)


def test_within_keeps_exactly_the_ties_inside_a_group():
    rng = np.random.default_rng(4)
    n = 2000
    group = np.sort(rng.integers(0, 60, n))
    net = clustered_network(
        group.astype(np.int32),
        neighbourhoods_for(group.astype(np.int32), 120, 30, rng),
        workplace_degree=4.0,
        neighbourhood_degree=2.0,
        random_degree=1.0,
        dispersion=2.0,
        rng=rng,
    )
    inside = net.within(group)
    a, b = net.edges()
    same = group[a] == group[b]
    ia, ib = inside.edges()
    np.testing.assert_array_equal(ia, a[same])
    np.testing.assert_array_equal(ib, b[same])
    assert (inside.matrix != inside.matrix.T).nnz == 0
    assert 0 < inside.indices.size < net.indices.size


# --- a population that grows: newcomers' own ties ------------------------------------------


def _newcomers(
    seed: int, *, workplace: float = 5.0, neighbourhood: float = 3.0, random: float = 1.0
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Newcomers joining 50 cells of 20 (neighbourhoods of 5 cells): their ties and setting."""
    rng = np.random.default_rng(seed)
    before = np.full(50, 20)
    cell = rng.integers(0, 50, 300)
    counts = np.bincount(cell, minlength=50)
    position = np.empty(cell.size, dtype=np.int64)
    for c in range(50):  # the next positions of each cell, in the order drawn
        mine = np.flatnonzero(cell == c)
        position[mine] = before[c] + np.arange(mine.size)
    pool = before + counts
    nbhd = np.arange(50) // 5
    ties = newcomer_ties(
        cell,
        position,
        pool,
        nbhd,
        workplace_degree=workplace,
        neighbourhood_degree=neighbourhood,
        random_degree=random,
        dispersion=2.0,
        rng=rng,
    )
    return ties, cell, position, pool, nbhd


def test_newcomer_ties_are_simple_and_each_has_a_newcomer() -> None:
    (cells, positions), cell, position, pool, _ = _newcomers(0)
    assert cells.shape == positions.shape == (cells.shape[0], 2)
    assert ((positions >= 0) & (positions < pool[cells])).all()
    rank = np.concatenate(([0], np.cumsum(pool)))[cells] + positions
    assert (rank[:, 0] != rank[:, 1]).all(), "self loop"
    pair = np.sort(rank, axis=1)
    assert np.unique(pair[:, 0] * 10**6 + pair[:, 1]).size == pair.shape[0], "repeated tie"
    is_new = np.zeros(int(pool.sum()), dtype=bool)
    is_new[np.concatenate(([0], np.cumsum(pool)))[cell] + position] = True
    assert (is_new[rank[:, 0]] | is_new[rank[:, 1]]).all(), "a tie among members already there"
    # each newcomer makes half the layers' total of ties, 9 / 2, so that the mean degree stays
    # at 9 as the population grows (a few are lost where two newcomers drew each other)
    assert cells.shape[0] / cell.size == pytest.approx(4.5, rel=0.1)


def test_newcomer_ties_stay_in_their_groups() -> None:
    (cells, _), *_ = _newcomers(1, neighbourhood=0.0, random=0.0)
    assert cells.shape[0] > 0
    assert (cells[:, 0] == cells[:, 1]).all()
    (cells, _), _, _, _, nbhd = _newcomers(2, workplace=0.0, random=0.0)
    assert cells.shape[0] > 0
    assert (nbhd[cells[:, 0]] == nbhd[cells[:, 1]]).all()
    assert (cells[:, 0] != cells[:, 1]).any()


def test_newcomer_ties_reproducible_and_validated() -> None:
    a, b = _newcomers(3)[0], _newcomers(3)[0]
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    rng = np.random.default_rng(0)
    kwargs = {"workplace_degree": 1.0, "neighbourhood_degree": 1.0, "random_degree": 0.0}
    with pytest.raises(ValueError, match="inside its cell"):
        newcomer_ties([0], [3], [3, 3], [0, 0], dispersion=1.0, rng=rng, **kwargs)
    with pytest.raises(ValueError, match="consecutive"):
        newcomer_ties([0], [0], [3, 3, 3], [0, 1, 0], dispersion=1.0, rng=rng, **kwargs)
    empty = newcomer_ties([], [], [3, 3], [0, 0], dispersion=1.0, rng=rng, **kwargs)
    assert empty[0].shape == empty[1].shape == (0, 2)


def test_network_from_ties_drops_loops_and_repeats() -> None:
    net = network_from_ties([0, 1, 2, 2, 3, 1], [1, 0, 2, 3, 2, 3], 5)
    assert_valid(net)
    a, b = net.edges()
    np.testing.assert_array_equal(a, [0, 1, 2])
    np.testing.assert_array_equal(b, [1, 3, 3])
    assert net.degree[4] == 0
    with pytest.raises(ValueError, match="lie in"):
        network_from_ties([0], [5], 5)
