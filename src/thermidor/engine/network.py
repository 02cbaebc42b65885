"""Who sees and tells whom: the social network among members.

News, grievances and reputations travel along personal ties, and which ties
exist decides how fast a mood spreads and whether it stays local. Real
acquaintance networks have two features that a uniform random graph lacks, and
both matter for contagion:

* **clustering** - the people one knows mostly know each other, because ties
  are formed in small settings (a workplace cell, a neighbourhood). Local
  redundancy slows simple contagion and is what lets complex contagion, which
  needs several exposed contacts, take hold at all;
* **overdispersed degrees** - a few members know very many people and most know
  a few. The hubs are where a rumour reaches much of the membership at once.

:func:`clustered_network` builds such a graph as a union of *layers*, each a
configuration model (random pairing of "stubs", i.e. half-edges) restricted to
a grouping of members: workplace cells, neighbourhoods, and one ungrouped layer
of long-range ties. Each member carries one gamma-distributed *sociability*
shared by all layers, so a gregarious member is gregarious at work and at home,
and the total degree is a gamma-Poisson mixture, i.e. negative binomial.

Random pairing makes self loops and repeated ties; rather than erase them
(which would thin the graph and cap the hubs), their stubs are re-paired for a
few rounds, spilling into the wider layer when a small group has run out of
distinct partners.

A population that grows keeps its past: :func:`newcomer_ties` gives the members
who arrive later their own ties, drawn when they arrive to the members already
there (and to one another), so the graph among the first members never depends
on who comes after them. :func:`network_from_ties` assembles any list of ties.

Everything is vectorised. Pairing stubs within groups needs one sort per layer;
to keep that a plain ``np.sort`` of 64-bit keys (several times faster than
``argsort``), each key packs ``(group, random, member)`` into one integer, and
ties are likewise single sortable keys, so repeats are found by sorting too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numba
import numpy as np
import numpy.typing as npt
from scipy import sparse

__all__ = [
    "Network",
    "clustered_network",
    "neighbourhoods_for",
    "network_from_ties",
    "newcomer_ties",
]


@dataclass(frozen=True, eq=False)
class Network:
    """Undirected simple graph as symmetric CSR (no self loops, no duplicate edges).

    CSR is used because every consumer either walks one member's neighbours
    or sums a quantity over all neighbours at once (a sparse mat-vec), and CSR
    serves both with two flat arrays and no per-node Python objects.

    The arrays are made read-only on construction: the cached sparse
    :attr:`matrix` shares their memory, and a graph that could change under it
    would silently desynchronise the two. ``eq=False`` keeps identity equality
    and hashing, since element-wise comparison of the arrays has no truth value.

    Attributes:
        indptr: int64, length ``n + 1``; row pointers.
        indices: int32; neighbours of ``i`` are ``indices[indptr[i]:indptr[i + 1]]``,
            sorted ascending.
        n: number of members (nodes).
    """

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int32]
    n: int

    def __post_init__(self) -> None:
        """Check the cheap structural invariants and freeze the arrays."""
        indptr = np.asarray(self.indptr)
        indices = np.asarray(self.indices)
        if indptr.dtype != np.int64 or indptr.ndim != 1 or indptr.shape[0] != self.n + 1:
            msg = f"indptr must be 1-D int64 of length n + 1 = {self.n + 1}"
            raise ValueError(msg)
        if indices.dtype != np.int32 or indices.ndim != 1:
            msg = "indices must be 1-D int32"
            raise ValueError(msg)
        if indptr[0] != 0 or indptr[-1] != indices.shape[0]:
            msg = "indptr must start at 0 and end at len(indices)"
            raise ValueError(msg)
        indptr.setflags(write=False)
        indices.setflags(write=False)
        object.__setattr__(self, "indptr", indptr)
        object.__setattr__(self, "indices", indices)

    @cached_property
    def degree(self) -> npt.NDArray[np.int32]:
        """Number of neighbours of each member (int32, length ``n``, read-only).

        Cached because it never changes. In a population that grows or shrinks, a share
        of neighbours should divide by the neighbours present instead (the model keeps
        that count up to date with ``engine.kernels.recount_flagged``).
        """
        deg = np.diff(self.indptr).astype(np.int32)
        deg.setflags(write=False)
        return deg

    @cached_property
    def matrix(self) -> sparse.csr_array:
        """Adjacency matrix as ``scipy.sparse.csr_array`` of float32 ones, shape ``(n, n)``.

        Built on first use and cached: float32 data keeps neighbour sums in the
        precision the simulation state uses, and the index arrays are shared
        with :attr:`indices` (no copy) when they fit scipy's int32 indexing.
        """
        data = np.ones(self.indices.shape[0], dtype=np.float32)
        indptr = self.indptr
        if indptr[-1] <= np.iinfo(np.int32).max:
            # scipy uses one index dtype for both arrays; int32 row pointers let
            # it keep ``indices`` as is instead of widening a copy to int64.
            indptr = indptr.astype(np.int32)
        return sparse.csr_array((data, self.indices, indptr), shape=(self.n, self.n))

    def edges(self) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        """Each undirected edge once, as two int32 arrays ``(p1, p2)`` with ``p1 < p2``.

        Useful for per-tie quantities (tie strength, transmission draws) that
        must be drawn once per tie rather than once per direction. Edges come
        out ordered by ``(p1, p2)``.
        """
        rows = np.repeat(np.arange(self.n, dtype=np.int32), self.degree)
        upper = self.indices > rows
        return rows[upper], self.indices[upper]

    def within(self, group: npt.NDArray[np.integer]) -> Network:
        """The ties between members of the same group (e.g. workplace cell), as a network.

        A mechanism that only listens to groupmates reads this smaller edge list
        instead of skipping the other ties one by one at every step.
        """
        rows = np.repeat(np.arange(self.n, dtype=np.int32), self.degree)
        kept = group[rows] == group[self.indices]
        counts = np.bincount(rows[kept], minlength=self.n)
        indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        return Network(indptr, self.indices[kept], self.n)

    def neighbour_sum(self, values: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Sum of ``values`` over each member's neighbours (``matrix @ values``).

        This is the one operation contagion needs per step (how many of my
        contacts are discontented, how much pressure reaches me), so it is a
        single sparse product rather than anything per member.

        Args:
            values: shape ``(n,)`` or ``(n, k)``; cast to float32 (the
                simulation state's precision) before the product.

        Returns:
            float32 array of the same shape as ``values``.

        Raises:
            ValueError: if the first dimension is not ``n`` or ``values`` is
                not 1-D or 2-D.
        """
        arr = np.asarray(values, dtype=np.float32)
        if arr.ndim not in (1, 2) or arr.shape[0] != self.n:
            msg = f"values must have shape (n,) or (n, k) with n = {self.n}, got {arr.shape}"
            raise ValueError(msg)
        out = self.matrix @ arr
        return np.asarray(out, dtype=np.float32)

    def clustering(self, sample: int, rng: np.random.Generator) -> float:
        """Mean local clustering coefficient over a random sample of members.

        Only members with degree >= 2 have a defined coefficient, so the sample
        is drawn (without replacement) among them. This is a diagnostic for
        calibration and tests, so it loops over the sample; each step is
        vectorised over the member's neighbourhood.

        Args:
            sample: how many members to average over (all eligible members if
                fewer exist).
            rng: source of the sample, so diagnostics are reproducible too.

        Returns:
            The mean coefficient; 0.0 if no member has two neighbours (there
            are then no possible triangles, so none are closed).
        """
        if sample <= 0:
            msg = f"sample must be positive, got {sample}"
            raise ValueError(msg)
        eligible = np.flatnonzero(self.degree >= 2)
        if eligible.size == 0:
            return 0.0
        chosen = rng.choice(eligible, size=min(sample, eligible.size), replace=False)
        total = 0.0
        for node in chosen:
            nbrs = self.indices[self.indptr[node] : self.indptr[node + 1]]
            d = nbrs.shape[0]
            starts = self.indptr[nbrs]
            lengths = self.indptr[nbrs + 1] - starts
            # Flat positions of all neighbours-of-neighbours, without a loop.
            offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
            second = self.indices[offsets + np.arange(offsets.shape[0])]
            pos = np.minimum(np.searchsorted(nbrs, second), d - 1)
            closed = np.count_nonzero(nbrs[pos] == second)  # each triangle counted twice
            total += closed / (d * (d - 1))
        return total / chosen.shape[0]


def clustered_network(
    cell: npt.ArrayLike,
    neighbourhood: npt.ArrayLike,
    *,
    workplace_degree: float,
    neighbourhood_degree: float,
    random_degree: float,
    dispersion: float,
    rng: np.random.Generator,
) -> Network:
    """Build the members' acquaintance network from workplaces and neighbourhoods.

    Each member ``i`` draws a sociability ``s_i ~ Gamma(dispersion, 1/dispersion)``
    (mean 1). In each layer it gets ``Poisson(layer_degree * s_i)`` stubs, and
    stubs are paired uniformly at random *within the same group* (cell for the
    workplace layer, neighbourhood for the neighbourhood layer, everyone for the
    random layer). A member's degree is therefore about ``Poisson(D * s_i)``
    with ``D`` the sum of the layer degrees: negative binomial with mean ``D``
    and variance ``D + D**2 / dispersion``. Small groups make the graph highly
    clustered; the few random ties make it a small world, as acquaintance
    networks are.

    Random pairing makes self loops and repeated ties, which are common in
    small groups (and for sociable members, who hold many stubs). Simply
    erasing them would lose ~15% of the ties with 20-member cells, so their
    stubs are instead re-paired: first within the same layer and group (a tie
    formed twice in different layers, a colleague who is also a neighbour, is
    re-paired in the later layer), then, for stubs that keep failing because
    the group has too few distinct partners, in the next layer with a positive
    degree (see ``_repair``). What is still bad after the last round is
    dropped, as is one stub in each group with an odd stub count. The realised
    mean degree is therefore within a few percent of ``D`` in practice (99.6%
    with cells of 20, neighbourhoods of 200 and ``D = 10``); it falls short
    when no later layer can absorb the surplus (e.g. only a workplace layer,
    with cells smaller than the degree asked for).

    Args:
        cell: group id (workplace cell) of each member; any integers, length ``n``.
        neighbourhood: group id (neighbourhood) of each member, length ``n``.
        workplace_degree: mean number of ties drawn inside one's cell.
        neighbourhood_degree: mean number of ties drawn inside one's neighbourhood.
        random_degree: mean number of long-range ties to anyone.
        dispersion: gamma shape ``k`` of sociability. Small ``k`` = heavy right
            tail; ``math.inf`` gives every member sociability 1 (Poisson degrees).
        rng: the only source of randomness, so a seed fixes the graph.

    Returns:
        The simple undirected network on ``n`` members.

    Raises:
        ValueError: on mismatched or non-integer group arrays, negative or
            non-finite degrees, non-positive dispersion, or more than
            2**31 - 1 members.
    """
    cell_arr = _group_array(cell, "cell")
    nbhd_arr = _group_array(neighbourhood, "neighbourhood")
    n = cell_arr.shape[0]
    if nbhd_arr.shape[0] != n:
        msg = f"cell and neighbourhood differ in length: {n} != {nbhd_arr.shape[0]}"
        raise ValueError(msg)
    if n > _MAX_MEMBERS:
        msg = f"at most {_MAX_MEMBERS} members are supported (int32 ids), got {n}"
        raise ValueError(msg)
    degrees = {
        "workplace_degree": workplace_degree,
        "neighbourhood_degree": neighbourhood_degree,
        "random_degree": random_degree,
    }
    for name, value in degrees.items():
        if not (math.isfinite(value) and value >= 0):
            msg = f"{name} must be finite and non-negative, got {value}"
            raise ValueError(msg)
    if not dispersion > 0:  # also rejects NaN
        msg = f"dispersion must be positive, got {dispersion}"
        raise ValueError(msg)

    if math.isinf(dispersion):
        sociability = np.ones(n)
    else:
        sociability = np.asarray(rng.gamma(dispersion, 1.0 / dispersion, size=n))

    layers = [
        _Layer(workplace_degree, *_dense_ranks(cell_arr)),
        _Layer(neighbourhood_degree, *_dense_ranks(nbhd_arr)),
        _Layer(random_degree, None, 0),
    ]
    keys = _EMPTY_KEYS
    for tag, layer in enumerate(layers):
        if layer.degree > 0 and n > 0:
            stubs = rng.poisson(layer.degree * sociability)
            keys = np.concatenate([keys, _tie_keys(*_pair_stubs(stubs, layer, rng), n, tag)])

    keys = _repair(keys, layers, n, rng)
    return _csr_network(keys >> _TAG_BITS, n)


def neighbourhoods_for(
    cell: npt.ArrayLike,
    neighbourhood_size: int,
    cell_size: int,
    rng: np.random.Generator,
) -> npt.NDArray[np.int32]:
    """Group cells into neighbourhoods of about ``neighbourhood_size`` members.

    Cells adjacent in id order go together, so a neighbourhood mixes several
    workplaces while each cell stays whole inside one neighbourhood (colleagues
    live near each other, which keeps the two layers overlapping as in life).
    Cells are laid end to end by id, and each neighbourhood takes the cells
    whose middle member falls into one window of ``neighbourhood_size``
    members. The windows start at a random offset, so that neighbourhood
    boundaries do not line up with every block of ``neighbourhood_size /
    cell_size`` cells: when consecutive cell ids belong to one department,
    neighbourhoods then straddle departments instead of reproducing them.

    Actual cell sizes are taken from ``cell``, so ragged cells are handled;
    ``cell_size`` is the nominal size, used only to reject configurations in
    which a neighbourhood could not hold even one cell (the neighbourhood layer
    would then just repeat the workplace layer).

    Args:
        cell: group id (workplace cell) of each member; any integers, length ``n``.
        neighbourhood_size: target members per neighbourhood.
        cell_size: nominal members per cell; must not exceed ``neighbourhood_size``.
        rng: source of the window offset.

    Returns:
        int32 neighbourhood id of each member, numbered ``0, 1, ...`` in cell order.

    Raises:
        ValueError: if a size is not positive or ``cell_size > neighbourhood_size``.
    """
    cell_arr = _group_array(cell, "cell")
    if neighbourhood_size <= 0 or cell_size <= 0:
        msg = f"sizes must be positive, got {neighbourhood_size=} and {cell_size=}"
        raise ValueError(msg)
    if cell_size > neighbourhood_size:
        msg = f"a neighbourhood ({neighbourhood_size}) must hold at least one cell ({cell_size})"
        raise ValueError(msg)
    if cell_arr.shape[0] == 0:
        return np.empty(0, dtype=np.int32)
    _, member_cell, counts = np.unique(cell_arr, return_inverse=True, return_counts=True)
    offset = int(rng.integers(0, neighbourhood_size))
    middle = np.cumsum(counts) - counts / 2.0
    window = np.floor((middle + offset) / neighbourhood_size).astype(np.int64)
    # Windows that caught no cell middle are skipped, so ids stay dense.
    dense = np.concatenate([[0], np.cumsum(np.diff(window) > 0)]).astype(np.int32)
    return dense[member_cell.reshape(-1)]


def newcomer_ties(
    cell: npt.ArrayLike,
    position: npt.ArrayLike,
    pool: npt.ArrayLike,
    neighbourhood: npt.ArrayLike,
    *,
    workplace_degree: float,
    neighbourhood_degree: float,
    random_degree: float,
    dispersion: float,
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Ties of members who join a population that already has its network.

    A member is named by its cell and its *position* in the cell, members being
    numbered ``0, 1, ...`` within each cell in order of arrival, so that a name
    never changes as others arrive. ``pool[c]`` members are in cell ``c``
    counting the newcomers, who hold positions below ``pool[c]``.

    Each newcomer draws a sociability as :func:`clustered_network` does and
    ``Poisson(layer_degree * sociability / 2)`` stubs in each layer, and each
    stub is tied to a member drawn uniformly from the layer's group (its cell,
    its neighbourhood, or everyone) among those there now, other newcomers
    included: the acquaintances a newcomer makes are whoever it meets. Half,
    because a tie adds to two degrees: a newcomer adds ``layer_degree`` to the
    sum of degrees on average, so the population's mean degree stays at the
    layer degrees as it grows (as in :func:`clustered_network`), the members
    already there gain the other ends, and a newcomer, who starts with half of
    it, gains more as others come after it. A stub tied to its owner or to
    someone it already knows is drawn again, within its group, for a few
    rounds, then dropped.

    Only the newcomers' draws are taken from ``rng`` and nothing but ``pool``
    is read of the others: drawing each arrival's ties from its own stream
    keeps the network of the earlier members independent of later ones.

    Args:
        cell: each newcomer's cell, ``0 <= cell < len(pool)``.
        position: each newcomer's position in its cell, below ``pool[cell]``.
        pool: members per cell after the newcomers' arrival.
        neighbourhood: each cell's neighbourhood; the cells of a neighbourhood
            must be consecutive (as :func:`neighbourhoods_for` makes them).
        workplace_degree, neighbourhood_degree, random_degree, dispersion: as
            for :func:`clustered_network`: the mean degrees to keep.
        rng: the only source of randomness.

    Returns:
        ``(cells, positions)``, two int64 arrays of shape ``(ties, 2)``: the two
        ends of each tie (each tie once, no self loops, no repeats; every tie has
        a newcomer at one end at least).

    Raises:
        ValueError: on mismatched arrays, a newcomer outside its cell's pool,
            neighbourhoods that are not runs of consecutive cells, or bad degrees.
    """
    cell_arr = _group_array(cell, "cell")
    pos_arr = _group_array(position, "position")
    pool_arr = _group_array(pool, "pool")
    nbhd_arr = _group_array(neighbourhood, "neighbourhood")
    k, n_cells = cell_arr.shape[0], pool_arr.shape[0]
    if pos_arr.shape[0] != k or nbhd_arr.shape[0] != n_cells:
        msg = "position must match cell, and neighbourhood must give one id per cell of pool"
        raise ValueError(msg)
    if k and (
        cell_arr.min() < 0
        or cell_arr.max() >= n_cells
        or pos_arr.min() < 0
        or (pos_arr >= pool_arr[cell_arr]).any()
    ):
        msg = "every newcomer must hold a position inside its cell's pool"
        raise ValueError(msg)
    run_start = np.flatnonzero(np.diff(nbhd_arr) != 0) + 1
    runs = np.concatenate(([0], run_start, [n_cells])).astype(np.int64)
    if n_cells and np.unique(nbhd_arr[runs[:-1]]).size != runs.size - 1:
        msg = "the cells of each neighbourhood must be consecutive"
        raise ValueError(msg)
    degrees = (workplace_degree, neighbourhood_degree, random_degree)
    if not all(math.isfinite(d) and d >= 0 for d in degrees) or not dispersion > 0:
        msg = f"degrees must be finite and >= 0, dispersion > 0: {degrees}, {dispersion}"
        raise ValueError(msg)
    empty = np.empty((0, 2), dtype=np.int64)
    if k == 0:
        return empty, empty

    # members named by rank in cell-major order: cell c holds ranks first[c] .. first[c + 1] - 1
    first = np.concatenate(([0], np.cumsum(pool_arr))).astype(np.int64)
    own = first[cell_arr] + pos_arr
    run_of = np.repeat(np.arange(runs.size - 1), np.diff(runs))[cell_arr]
    bounds = (
        (first[cell_arr], first[cell_arr + 1]),
        (first[runs[run_of]], first[runs[run_of + 1]]),
        (np.zeros(k, dtype=np.int64), np.full(k, first[-1], dtype=np.int64)),
    )
    if math.isinf(dispersion):
        sociability = np.ones(k)
    else:
        sociability = np.asarray(rng.gamma(dispersion, 1.0 / dispersion, size=k))
    owner_parts, tag_parts = [], []
    for tag, degree in enumerate(degrees):
        if degree > 0:
            stubs = rng.poisson(degree / 2.0 * sociability)
            owner_parts.append(np.repeat(np.arange(k, dtype=np.int64), stubs))
            tag_parts.append(np.full(int(stubs.sum()), tag, dtype=np.int64))
    owner = np.concatenate([np.empty(0, dtype=np.int64), *owner_parts])
    tag_arr = np.concatenate([np.empty(0, dtype=np.int64), *tag_parts])
    lo = np.choose(tag_arr, [b[0][owner] for b in bounds]) if owner.size else owner
    hi = np.choose(tag_arr, [b[1][owner] for b in bounds]) if owner.size else owner
    u = own[owner]
    v = rng.integers(lo, hi) if owner.size else owner
    n = int(first[-1])
    # a tie is (lo * n + hi) << 2 | layer: sorted, its copies come together, earliest layer
    # first, and every copy after the first is bad, as is a self loop
    keys = _tie_keys(u, v, n, 0) | tag_arr.astype(np.uint64)
    order = np.argsort(keys, kind="stable")
    bad = np.empty(keys.size, dtype=bool)
    bad[order] = _bad_ties(keys[order], n)
    known = np.sort(keys[~bad] >> _TAG_BITS)  # the ties kept so far, as sorted pairs
    redo = np.flatnonzero(bad)
    for _ in range(_REPAIR_ROUNDS):
        if redo.size == 0:
            break
        # only the stubs drawn again are checked: against the ties kept and one another
        v[redo] = rng.integers(lo[redo], hi[redo])
        keys = _tie_keys(u[redo], v[redo], n, 0) | tag_arr[redo].astype(np.uint64)
        order = np.argsort(keys, kind="stable")
        still = np.empty(redo.size, dtype=bool)
        still[order] = _bad_ties(keys[order], n)
        pairs = keys >> _TAG_BITS
        at = np.minimum(np.searchsorted(known, pairs), max(known.size - 1, 0))
        if known.size:
            still |= known[at] == pairs
        known = np.concatenate([known, np.sort(pairs[~still])])
        known.sort(kind="stable")  # two sorted runs: merged in linear time
        redo = redo[still]
    good = np.ones(u.size, dtype=bool)
    good[redo] = False
    u, v = u[good], v[good]
    rank = np.stack([u, v], axis=1)
    cells = np.searchsorted(first, rank, side="right") - 1
    return cells, rank - first[cells]


def network_from_ties(u: npt.ArrayLike, v: npt.ArrayLike, n: int) -> Network:
    """The simple network on ``n`` members with the ties ``(u[k], v[k])``.

    Self loops and repeats (in either direction) are dropped.
    """
    u_arr = np.asarray(u, dtype=np.int64)
    v_arr = np.asarray(v, dtype=np.int64)
    if u_arr.shape != v_arr.shape or u_arr.ndim != 1:
        msg = "u and v must be 1-D arrays of the same length"
        raise ValueError(msg)
    if n > _MAX_MEMBERS:
        msg = f"at most {_MAX_MEMBERS} members are supported (int32 ids), got {n}"
        raise ValueError(msg)
    if u_arr.size and (min(u_arr.min(), v_arr.min()) < 0 or max(u_arr.max(), v_arr.max()) >= n):
        msg = f"member ids must lie in 0..{n - 1}"
        raise ValueError(msg)
    keep = u_arr != v_arr
    pairs = _tie_keys(u_arr[keep], v_arr[keep], n, 0) >> _TAG_BITS
    pairs.sort()  # a sort and a mask: np.unique would hash 64-bit keys, several times slower
    if pairs.size > 1:
        pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    return _csr_network(pairs, n)


# --- internals -------------------------------------------------------------------------------

#: Rounds of re-pairing the stubs of self loops and repeated ties. Each round
#: fixes most of what is left, and what survives the last one is dropped; the
#: remainder is mostly hubs in groups too small to hold their stubs.
_REPAIR_ROUNDS = 4

#: Round from which stubs that still fail spill into the next layer (see _repair).
_SPILL_FROM = 2

#: Fewest random bits a packed sort key may keep for the shuffle within a group.
#: Below this, ties between stubs of one group (broken by member id, so not
#: random) would stop being negligible, and the slower ``argsort`` path is used.
_MIN_RANDOM_BITS = 16

_MAX_MEMBERS = 2**31 - 1  # member ids are stored as int32

#: A tie is the key ``(lo * n + hi) << _TAG_BITS | layer``: sorting keys brings
#: copies of one tie together (so repeats are found without an argsort) while
#: remembering which layer each copy came from, to re-pair it there.
_TAG_BITS = np.uint64(2)
_TAG_MASK = np.uint64(3)
_EMPTY_KEYS = np.empty(0, dtype=np.uint64)


@dataclass(frozen=True)
class _Layer:
    """One configuration-model layer: its mean degree and its grouping of members.

    Attributes:
        degree: mean number of ties drawn in this layer.
        rank: small non-negative group number of each member, or ``None`` if
            the layer pairs globally.
        group_bits: bits needed for the largest rank (0 when ``rank`` is None).
    """

    degree: float
    rank: npt.NDArray[np.uint64] | None
    group_bits: int


def _group_array(groups: npt.ArrayLike, name: str) -> npt.NDArray[np.int64]:
    """Validate a per-member group id array and widen it to int64 for key arithmetic."""
    arr = np.asarray(groups)
    if arr.ndim != 1:
        msg = f"{name} must be 1-D, got shape {arr.shape}"
        raise ValueError(msg)
    if arr.shape[0] > 0 and not np.issubdtype(arr.dtype, np.integer):
        msg = f"{name} must hold integer group ids, got dtype {arr.dtype}"
        raise ValueError(msg)
    return arr.astype(np.int64, copy=False)


def _dense_ranks(groups: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.uint64] | None, int]:
    """Map group ids to small non-negative integers with the same order.

    Fewer bits for the group leave more random bits in the packed sort key.
    Shifting by the minimum is enough when ids are already compact; otherwise
    (sparse or huge ids) they are replaced by their rank.

    Returns:
        ``(rank, group_bits)``; ``(None, 0)`` when everyone is in one group,
        which is then paired globally.
    """
    if groups.shape[0] == 0:
        return None, 0
    lo = int(groups.min())
    span = int(groups.max()) - lo
    if span == 0:
        return None, 0
    if span < 2 * groups.shape[0]:
        rank = (groups - lo).astype(np.uint64)
    else:
        _, inverse = np.unique(groups, return_inverse=True)
        rank = inverse.reshape(-1).astype(np.uint64)
        span = int(rank.max())
    return rank, span.bit_length()


def _pair_stubs(
    stubs: npt.NDArray[np.int64],
    layer: _Layer,
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Pair every member's stubs uniformly at random within its group.

    Stubs are put in random order within each group and consecutive stubs are
    paired; in a group with an odd count the last stub is left unpaired. A
    uniform shuffle followed by consecutive pairing is a uniform random perfect
    matching, i.e. the configuration model on each group.

    Args:
        stubs: number of stubs of each member.
        layer: the grouping to pair within.
        rng: source of the shuffle.

    Returns:
        ``(u, v)``, the members at the two ends of each formed tie (may include
        self loops and repeats; the caller repairs them).
    """
    n = stubs.shape[0]
    owner = np.repeat(np.arange(n, dtype=np.int64), stubs)
    m = owner.shape[0]
    if m < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty

    rank, group_bits = layer.rank, layer.group_bits
    owner_bits = max(1, (n - 1).bit_length())
    random_bits = 64 - group_bits - owner_bits

    sorted_group: npt.NDArray[np.uint64] | None = None
    if random_bits >= _MIN_RANDOM_BITS:
        # Fast path: sort packed keys (group | random | owner) and unpack.
        key = rng.integers(0, 1 << random_bits, size=m, dtype=np.uint64)
        key <<= np.uint64(owner_bits)
        key |= owner.astype(np.uint64)
        if rank is not None:
            key |= rank[owner] << np.uint64(64 - group_bits)
        key.sort()
        ends = (key & np.uint64((1 << owner_bits) - 1)).astype(np.int64)
        if rank is not None:
            sorted_group = key >> np.uint64(64 - group_bits)
    else:
        # Huge populations with many groups leave too few bits, so argsort a
        # (group | random) key and carry the owner along.
        key = rng.integers(0, 1 << 32, size=m, dtype=np.uint64)
        if rank is not None:
            key |= rank[owner] << np.uint64(32)
        order = np.argsort(key)
        ends = owner[order]
        if rank is not None:
            sorted_group = key[order] >> np.uint64(32)
    del key, owner

    if sorted_group is None:
        half = m // 2
        return ends[0 : 2 * half : 2], ends[1 : 2 * half : 2]

    # Position of each stub within its group's run; pair even positions with
    # the next stub when that stub is in the same group.
    idx = np.arange(m, dtype=np.int64)
    run_start = np.empty(m, dtype=bool)
    run_start[0] = True
    np.not_equal(sorted_group[1:], sorted_group[:-1], out=run_start[1:])
    start = np.maximum.accumulate(np.where(run_start, idx, 0))
    left = ((idx - start) & 1) == 0
    left[-1] = False
    left[:-1] &= ~run_start[1:]
    first = np.flatnonzero(left)
    return ends[first], ends[first + 1]


def _repair(
    keys: npt.NDArray[np.uint64], layers: list[_Layer], n: int, rng: np.random.Generator
) -> npt.NDArray[np.uint64]:
    """Re-pair the stubs of self loops and repeated ties; return sorted distinct keys.

    For the first :data:`_SPILL_FROM` rounds a bad tie's two stubs go back to
    its own layer and group. After that, stubs that keep failing are those of
    members with more stubs than their group has distinct partners (a hub in a
    small cell), and they spill into the next layer with a positive degree:
    someone who already knows every colleague makes the extra acquaintances in
    the neighbourhood, or beyond. This keeps the hubs - the right tail of the
    degree distribution - rather than capping them at the group size.
    """
    spill = [
        next((t for t in range(tag + 1, len(layers)) if layers[t].degree > 0), tag)
        for tag in range(len(layers))
    ]
    keys = np.sort(keys)
    for attempt in range(_REPAIR_ROUNDS + 1):
        bad = _bad_ties(keys, n)
        if attempt == _REPAIR_ROUNDS or not bad.any():
            return keys[~bad]
        redo = keys[bad]
        kept = keys[~bad]
        parts = []
        ends: list[list[npt.NDArray[np.uint64]]] = [[] for _ in layers]
        for tag in range(len(layers)):
            mine = redo[(redo & _TAG_MASK) == tag] >> _TAG_BITS
            target = spill[tag] if attempt >= _SPILL_FROM else tag
            ends[target] += [mine // np.uint64(n), mine % np.uint64(n)]
        for tag, layer in enumerate(layers):
            if ends[tag]:
                stubs = np.bincount(np.concatenate(ends[tag]).astype(np.int64), minlength=n)
                parts.append(_tie_keys(*_pair_stubs(stubs, layer, rng), n, tag))
        fresh = np.sort(np.concatenate([_EMPTY_KEYS, *parts]))
        # Two sorted runs: a stable (merge-based) sort merges them in linear time.
        keys = np.concatenate([kept, fresh])
        keys.sort(kind="stable")
    return keys  # not reached: the last round returns


def _tie_keys(
    u: npt.NDArray[np.int64], v: npt.NDArray[np.int64], n: int, tag: int
) -> npt.NDArray[np.uint64]:
    """Encode ties as sortable keys ``(min * n + max) << _TAG_BITS | tag``."""
    lo = np.minimum(u, v).astype(np.uint64)
    hi = np.maximum(u, v).astype(np.uint64)
    key = lo * np.uint64(n) + hi
    key <<= _TAG_BITS
    key |= np.uint64(tag)
    return key


def _bad_ties(keys: npt.NDArray[np.uint64], n: int) -> npt.NDArray[np.bool_]:
    """Mark self loops and every copy of a tie after the first in sorted ``keys``.

    The first copy is the one from the earliest layer, so a colleague who was
    also drawn as a neighbour keeps the workplace tie and the neighbourhood
    stubs go back to be paired again.
    """
    pair = keys >> _TAG_BITS
    bad = pair % np.uint64(n + 1) == 0  # lo * n + lo = lo * (n + 1): a self loop
    if keys.shape[0] > 1:
        bad[1:] |= pair[1:] == pair[:-1]
    return bad


@numba.njit(cache=True, nogil=True)
def _scatter_pairs(lo: np.ndarray, hi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR of the ties ``(lo, hi)``, given sorted by ``(lo, hi)`` with ``lo < hi``.

    Row ``r`` lists its lower neighbours (from the ties where it is ``hi``, met in
    ascending ``lo``) and then its higher ones (where it is ``lo``, in ascending ``hi``):
    sorted without a sort, in one pass over the ties.
    """
    lower = np.zeros(n, dtype=np.int64)
    higher = np.zeros(n, dtype=np.int64)
    for k in range(lo.size):
        higher[lo[k]] += 1
        lower[hi[k]] += 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    for r in range(n):
        indptr[r + 1] = indptr[r] + lower[r] + higher[r]
    next_lower = indptr[:-1].copy()
    next_higher = indptr[:-1] + lower
    indices = np.empty(indptr[n], dtype=np.int32)
    for k in range(lo.size):
        a, b = lo[k], hi[k]
        indices[next_higher[a]] = b
        next_higher[a] += 1
        indices[next_lower[b]] = a
        next_lower[b] += 1
    return indptr, indices


def _csr_network(pairs: npt.NDArray[np.uint64], n: int) -> Network:
    """Build a :class:`Network` from sorted, distinct ``lo * n + hi`` pair keys."""
    if n == 0:
        return Network(np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.int32), 0)
    lo, hi = np.divmod(pairs, np.uint64(n))
    indptr, indices = _scatter_pairs(lo.astype(np.int64), hi.astype(np.int64), n)
    return Network(indptr=indptr, indices=indices, n=n)
