"""The compiled kernels agree with the numpy formulas they fuse (``engine.kernels`` and the
model's own ``model.kernels``)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from thermidor.engine.aggregate import binned_gini
from thermidor.engine.kernels import (
    recount_flagged,
    threshold_cascade,
    threshold_round,
)
from thermidor.engine.network import Network
from thermidor.engine.rng import counter_uniform, step_key
from thermidor.model.kernels import (
    income_census,
    income_gini,
    opposition_round,
    rank_and_file_wages,
    spread_knowledge,
    state_census,
    voice_round,
)
from thermidor.model.mechanisms.knowledge import KnowledgeParams, learning_probability
from thermidor.model.mechanisms.voice import (
    VoiceParams,
    join_probability,
    leave_probability,
    net_motive,
    opposition_cause,
    speaks,
)

N = 3000


def random_network(n: int, mean_degree: float, seed: int) -> Network:
    rng = np.random.default_rng(seed)
    m = int(n * mean_degree / 2)
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = a != b
    adj = sparse.coo_array((np.ones(keep.sum()), (a[keep], b[keep])), shape=(n, n)).tocsr()
    adj = ((adj + adj.T) > 0).astype(np.float32).tocsr()
    adj.sort_indices()
    return Network(adj.indptr.astype(np.int64), adj.indices.astype(np.int32), n)


def synchronous_cascade(net, start, present, will, threshold, commitment, max_rounds):
    """The reference: whole synchronous rounds until nothing changes (or max_rounds)."""
    mobilised = start.copy()
    for _ in range(max_rounds):
        grown = mobilised | threshold_round(
            net.indptr, net.indices, net.degree, mobilised, present, will, threshold, commitment
        )
        if np.array_equal(grown, mobilised):
            break
        mobilised = grown
    return mobilised


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("max_rounds", [1, 2, 3, 100])
def test_frontier_cascade_matches_synchronous_rounds(seed, max_rounds):
    net = random_network(N, 6.0 + seed, seed)
    rng = np.random.default_rng(100 + seed)
    present = rng.random(N) < 0.9
    will = np.where(present, rng.uniform(-0.2, 0.6, N), 0.0).astype(np.float32)
    threshold = rng.uniform(0.2, 0.9, N).astype(np.float32)
    commitment = 0.1
    start = present & (will >= threshold) & (will >= np.float32(commitment))
    expected = synchronous_cascade(net, start, present, will, threshold, commitment, max_rounds)
    got = threshold_cascade(
        net.indptr, net.indices, net.degree, start, present, will, threshold, commitment, max_rounds
    )
    np.testing.assert_array_equal(got, expected)


def test_threshold_round_counts_flagged_neighbours():
    net = random_network(N, 8.0, 7)
    rng = np.random.default_rng(7)
    flag = rng.random(N) < 0.3
    present = rng.random(N) < 0.8
    will = rng.uniform(0.0, 0.6, N).astype(np.float32)
    threshold = rng.uniform(0.2, 0.9, N).astype(np.float32)
    share = net.neighbour_sum(flag) / np.maximum(net.degree, 1).astype(np.float32)
    expected = present & (will >= np.float32(0.1)) & (share + will >= threshold)
    got = threshold_round(net.indptr, net.indices, net.degree, flag, present, will, threshold, 0.1)
    np.testing.assert_array_equal(got, expected)


def test_voice_round_is_the_threshold_rule_on_net_motive():
    net = random_network(N, 8.0, 3)
    rng = np.random.default_rng(3)
    p = VoiceParams()
    present = rng.random(N) < 0.9
    knows = np.where(rng.random(N) < 0.4, rng.integers(1, 8, N), 0).astype(np.uint8)
    role = np.where(rng.random(N) < 0.1, 2, 0).astype(np.int8)
    activity, hardship, fear, threshold, heard = (
        rng.random((5, N)) * [[1], [1], [0.5], [0.6], [1]]
    ).astype(np.float32)
    opposition = rng.random(N) < 0.1
    voicing = rng.random(N) < 0.2

    cause = present & ((knows > 0) | opposition) & (role == 0)
    share = net.neighbour_sum(voicing) / np.maximum(net.degree, 1).astype(np.float32)
    motive = net_motive(activity, knows > 0, hardship, fear, opposition, p, heard)
    expected = speaks(motive, share, threshold, cause)

    coef = np.array(
        [
            p.abuse_grievance,
            p.hardship_grievance,
            p.fear_weight,
            p.opposition_motive,
            p.scandal_grievance,
        ]
    )
    got = voice_round(
        net.neighbour_sum(voicing).astype(np.int32),
        net.degree,
        present,
        knows,
        role,
        activity,
        hardship,
        heard,
        fear,
        threshold,
        opposition,
        coef,
    )
    # float32 in the kernel, float64 here: only members at the threshold's edge may differ
    edge = np.abs(share + motive - threshold) < 1e-5
    np.testing.assert_array_equal(got[~edge], expected[~edge])


def test_opposition_round_joins_and_leaves_with_the_pure_probabilities():
    net = random_network(N, 8.0, 4)
    rng = np.random.default_rng(4)
    p = VoiceParams(join_rate=0.5, leave_fear=0.3, leave_idle=0.2)
    present = rng.random(N) < 0.9
    cell = (np.arange(N) // 30).astype(np.int32)
    standing = rng.integers(0, 8, cell.max() + 1).astype(np.uint8)
    knows = np.where(rng.random(N) < 0.4, rng.integers(1, 8, N), 0).astype(np.uint8)
    role = np.where(rng.random(N) < 0.1, 2, 0).astype(np.int8)
    activity, fear, heard = rng.random((3, N)).astype(np.float32)
    voice_count = rng.integers(0, 10, N).astype(np.int32)
    success = rng.random(N) < 0.1
    before = rng.random(N) < 0.2
    serial = np.random.default_rng(5).permutation(N).astype(np.int32)
    key = step_key(rng)

    share = net.neighbour_sum(before & present) / np.maximum(net.degree, 1)
    unpunished = ((knows & standing[cell]) != 0).astype(float)
    cause = opposition_cause(unpunished, heard.astype(float), voice_count, p)
    join = join_probability(cause, activity.astype(float), share, fear.astype(float), p)
    leave = leave_probability(cause, fear.astype(float), success, p)
    u = np.array([counter_uniform(key, int(s)) for s in serial], dtype=np.float64)
    stays = before & ~(u < leave)
    joins = ~before & (role == 0) & (u < join)
    expected = np.where(present, stays | joins, before)

    opposition = before.copy()
    opposition_round(
        net.neighbour_sum(before & present).astype(np.int32), net.degree, present, cell, serial,
        knows, standing,
        role, activity, heard, fear, voice_count, success, opposition, key,
        np.array([p.scandal_grievance, p.futile_voices, p.futility_weight, p.contagion,
                  p.fear_weight, p.join_rate, p.leave_fear, p.leave_idle, p.leave_success]),
    )  # fmt: skip
    edge = (np.abs(u - join) < 1e-6) | (np.abs(u - leave) < 1e-6)
    np.testing.assert_array_equal(opposition[~edge], expected[~edge])
    assert (opposition != before).any()  # some joined or left: the comparison has content


def test_spread_knowledge_learns_with_the_learning_probability():
    net = random_network(N, 10.0, 5)
    rng = np.random.default_rng(5)
    p, transparency, n_b = KnowledgeParams(), 0.4, 3
    cell = (np.arange(N) // 30).astype(np.int32)
    knows = np.where(rng.random(N) < 0.3, rng.integers(1, 8, N), 0).astype(np.uint8)
    relevant = np.where(rng.random(N) < 0.7, 7, 0).astype(np.uint8)
    knows &= relevant
    knows[cell % 4 == 0] &= 1  # cells where nobody knows of some bits: neighbours go unread
    rows = np.flatnonzero(relevant)
    key = step_key(rng)
    # draws are keyed by the order of arrival, not by the row
    serial = np.random.default_rng(6).permutation(N).astype(np.int32)
    uniforms = np.array(
        [[counter_uniform(key, 8 * int(serial[i]) + b) for b in range(n_b)] for i in rows],
        dtype=np.float32,
    )

    told = np.zeros((rows.size, n_b), dtype=np.float32)
    for k, i in enumerate(rows):
        nb = net.indices[net.indptr[i] : net.indptr[i + 1]]
        nb = nb[cell[nb] == cell[i]]
        for b in range(n_b):
            told[k, b] = ((knows[nb] >> b) & 1).sum()
    prob = learning_probability(told, transparency, p)
    learned = ((uniforms < prob) * (1 << np.arange(n_b))).sum(axis=1).astype(np.uint8)
    expected = knows.copy()
    expected[rows] |= learned & relevant[rows]
    # draws right at the probability may round either way: keep them out of the comparison
    compared = np.ones(N, dtype=bool)
    compared[rows[(np.abs(uniforms - prob) < 1e-5).any(axis=1)]] = False

    counts = np.zeros((cell.max() + 1, n_b + 1))  # per cell: members, knowers of each bit
    np.add.at(counts[:, 0], cell, 1.0)
    for b in range(n_b):
        np.add.at(counts[:, 1 + b], cell, (knows >> b) & 1)
    table = np.power(np.float32(1.0 - p.tell), np.arange(net.degree.max() + 1, dtype=np.float32))
    spread_knowledge(
        net.indptr,
        net.indices,
        np.arange(0, N + 1, 30),  # cells of 30 consecutive ids
        serial,
        knows,
        relevant,
        key,
        1.0 - p.witness * (1.0 + transparency),
        table,
        1.0 - p.press * transparency,
        counts,
    )
    np.testing.assert_array_equal(knows[compared], expected[compared])
    assert compared.mean() > 0.99


def test_censuses_are_the_masked_sums():
    rng = np.random.default_rng(11)
    n = 5000
    present = rng.random(n) < 0.7
    role = rng.choice([0, 1, 2], n, p=[0.9, 0.07, 0.03]).astype(np.int8)
    wage = rng.uniform(1.0, 3.0, n).astype(np.float32)
    privilege = np.where(role > 0, rng.uniform(1.0, 5.0, n), 1.0).astype(np.float32)
    income = wage * privilege
    ranks, app = present & (role == 0), present & (role != 0)
    inc = income_census(present, role, wage, privilege)
    np.testing.assert_allclose(
        inc,
        [
            present.sum(),
            ranks.sum(),
            wage[ranks].sum(dtype=np.float64),
            income[ranks].sum(dtype=np.float64),
            app.sum(),
            income[app].sum(dtype=np.float64),
            income[present].min(),
            income[present].max(),
        ],
        rtol=1e-12,
    )
    assert rank_and_file_wages(present, role, wage) == (inc[1], inc[2])
    assert income_gini(present, wage, privilege, inc, 4096) == pytest.approx(
        binned_gini(income[present]), abs=1e-6
    )

    cols = rng.random((5, n)).astype(np.float32)
    opposition, mobilised = rng.random(n) < 0.2, rng.random(n) < 0.4
    st = state_census(present, *cols, opposition, mobilised)
    expected = [present.sum(), *(c[present].sum(dtype=np.float64) for c in cols)]
    one = np.float32(1.0)  # effective voice: activity x (1 - fear) x (1 - hardship)
    expected += [(cols[0] * (one - cols[3]) * (one - cols[2]))[present].sum(dtype=np.float64)]
    expected += [(present & opposition).sum(), (present & mobilised).sum()]
    # counts exact; the state summed in whole units of 2^-24, each rounded by at most half
    np.testing.assert_array_equal(st[[0, 7, 8]], np.array(expected)[[0, 7, 8]])
    np.testing.assert_allclose(st[1:7], expected[1:7], rtol=0, atol=present.sum() * 2.0**-25)


def test_recount_flagged_follows_the_flags_as_they_change():
    """The incremental count equals a full neighbour sum after every change of the flags."""
    net = random_network(N, 6.0, 8)
    rng = np.random.default_rng(8)
    flags = np.zeros(N, dtype=bool)
    counted, count = np.zeros(N, dtype=bool), np.zeros(N, dtype=np.int32)
    for share in (0.5, 0.5, 0.1, 0.0, 0.9):
        flags = np.where(rng.random(N) < 0.3, rng.random(N) < share, flags)
        recount_flagged(net.indptr, net.indices, flags, counted, count)
        np.testing.assert_array_equal(count, net.neighbour_sum(flags).astype(np.int32))
        np.testing.assert_array_equal(counted, flags)


def test_recount_flagged_by_group_counts_only_neighbours_in_another_group():
    """The incremental count of flagged neighbours in another group equals a full gather
    over every tie after every change of the flags, few flags or many."""
    net = random_network(N, 6.0, 9)
    rng = np.random.default_rng(9)
    group = rng.integers(0, 40, N)
    rows = np.repeat(np.arange(N), np.diff(net.indptr))
    across = group[net.indices] != group[rows]
    flags = np.zeros(N, dtype=bool)
    counted, count = np.zeros(N, dtype=bool), np.zeros(N, dtype=np.int32)
    for share in (0.02, 0.5, 0.5, 0.1, 0.0, 0.9):
        flags = np.where(rng.random(N) < 0.3, rng.random(N) < share, flags)
        recount_flagged(net.indptr, net.indices, flags, counted, count, group=group)
        gathered = np.bincount(rows[across & flags[net.indices]], minlength=N)
        np.testing.assert_array_equal(count, gathered.astype(np.int32))
        np.testing.assert_array_equal(counted, flags)
    assert count.sum() < net.neighbour_sum(flags).sum()  # some flagged ties stay in a group
