"""Named random streams: one seed, independent reproducible streams, whatever the order of use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
from scipy import stats

from thermidor.engine.rng import Streams, counter_uniform, step_key

RNG = Path(__file__).resolve().parents[2] / "src" / "thermidor" / "engine" / "rng.py"


def draws(streams: Streams, name: str, k: int = 1000) -> np.ndarray:
    return streams(name).random(k)


def test_same_seed_same_streams():
    a, b = Streams(42), Streams(42)
    for name in ("build", "abuse", "knowledge"):
        np.testing.assert_array_equal(draws(a, name), draws(b, name))


def test_different_seeds_differ():
    assert not np.array_equal(draws(Streams(1), "abuse"), draws(Streams(2), "abuse"))


def test_different_names_give_different_streams():
    s = Streams(7)
    names = ["build", "abuse", "knowledge", "voice", "accountability", "a", "b"]
    outs = [draws(s, n) for n in names]
    for i in range(len(outs)):
        for j in range(i + 1, len(outs)):
            assert not np.array_equal(outs[i], outs[j])


def test_different_names_are_uncorrelated():
    s = Streams(3)
    x, y = draws(s, "voice", 20000), draws(s, "repression", 20000)
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.03
    z = s("crisis").integers(0, 2, 20000)
    assert abs(z.mean() - 0.5) < 0.02


def test_order_of_creation_is_irrelevant():
    forward, backward = Streams(11), Streams(11)
    names = ["economy", "abuse", "voice", "crisis"]
    a = {n: draws(forward, n) for n in names}
    b = {n: draws(backward, n) for n in reversed(names)}
    for n in names:
        np.testing.assert_array_equal(a[n], b[n])


def test_drawing_from_one_stream_never_shifts_another():
    busy, idle = Streams(5), Streams(5)
    busy("abuse").random(12345)  # an extra draw in one mechanism
    np.testing.assert_array_equal(draws(busy, "voice"), draws(idle, "voice"))


def test_a_name_returns_the_same_generator_which_continues():
    s, fresh = Streams(9), Streams(9)
    g = s("abuse")
    assert s("abuse") is g
    first, second = g.random(10), s("abuse").random(10)
    np.testing.assert_array_equal(np.concatenate([first, second]), draws(fresh, "abuse", 20))


def test_negative_seed_is_rejected():
    with pytest.raises(ValueError, match="non-negative"):
        Streams(-1)


def test_streams_do_not_depend_on_pythons_hash_salt():
    # load rng.py alone (not the package) so each fresh interpreter starts fast
    code = (
        "import importlib.util as u, sys; "
        "s = u.spec_from_file_location('rng', sys.argv[1]); m = u.module_from_spec(s); "
        "s.loader.exec_module(m); print(m.Streams(4)('abuse').integers(0, 2**62))"
    )
    outs = set()
    for salt in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": salt}
        run = subprocess.run(
            [sys.executable, "-c", code, str(RNG)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outs.add(run.stdout.strip())
    assert outs == {str(Streams(4)("abuse").integers(0, 2**62))}


def splitmix64(seed: int, n: int) -> list[float]:
    """The reference generator (Steele, Lea & Flood 2014), top 24 bits as a float."""
    mask, state, out = (1 << 64) - 1, seed, []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        out.append((z ^ (z >> 31)) >> 40)
    return [v / 2**24 for v in out]


@numba.njit
def _counter_draws(key, n):
    out = np.empty(n, dtype=np.float32)
    for i in range(n):
        out[i] = counter_uniform(key, i)
    return out


def test_counter_uniform_is_splitmix64_from_the_key():
    key = step_key(np.random.default_rng(3))
    np.testing.assert_array_equal(_counter_draws(key, 50), np.float32(splitmix64(int(key), 50)))


def test_counter_uniforms_are_uniform_and_keys_independent():
    rng = np.random.default_rng(8)
    a = _counter_draws(step_key(rng), 200_000)
    b = _counter_draws(step_key(rng), 200_000)
    assert stats.kstest(a, "uniform").pvalue > 1e-3
    assert stats.kstest(b, "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.01  # two steps' draws are unrelated
    assert abs(np.corrcoef(a[:-1], a[1:])[0, 1]) < 0.01  # neighbouring counters too
    assert ((a >= 0) & (a < 1)).all()
