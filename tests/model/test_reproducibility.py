"""Reproducibility: a scenario and a seed give one run, in any process, in any stream order."""

from __future__ import annotations

import hashlib
import inspect
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import thermidor
from strategies import headline_overrides, seeds
from support import SMALL, small_scenario
from thermidor.engine.rng import Streams
from thermidor.model.build import build_world
from thermidor.model.plan import NAMES, compose
from thermidor.model.recorder import Recorder
from thermidor.model.results import METRICS, Results
from thermidor.model.scenario import Scenario

# the directory holding the thermidor imported here, so a child process runs the same code
SRC = Path(thermidor.__file__).resolve().parents[1]
# The shipped Soviet scenario, small: every kind of event it schedules still happens.
SOVIET, SOVIET_SET = "soviet-1917-1928", ["meta.members=400"]
STREAM_NAMES = ("build", *NAMES)


def digest(series: dict) -> str:
    """A hash of every series (names and float64 bytes), the same in any process."""
    import hashlib  # noqa: PLC0415 - this function's source also runs in a fresh interpreter

    import numpy as np  # noqa: PLC0415

    h = hashlib.sha256()
    for name in sorted(series):
        h.update(name.encode())
        h.update(np.ascontiguousarray(series[name], dtype="<f8").tobytes())
    return h.hexdigest()


def assert_same_run(a: Results, b: Results) -> None:
    assert a.series.keys() == b.series.keys()
    for name in a.series:
        assert np.array_equal(a.series[name], b.series[name], equal_nan=True), name
    assert a.crises == b.crises
    assert a.thermidor_step == b.thermidor_step
    assert a.params == b.params


def drive(scenario: Scenario, streams: Streams) -> dict[str, np.ndarray]:
    """The series of a run driven by hand, as ``thermidor.run`` drives it, from ``streams``."""
    world, queue = build_world(scenario, streams)
    plan = compose(scenario, queue)
    params = {stage.name: getattr(scenario.mechanisms, stage.name) for stage in plan}
    recorder = Recorder(scenario.meta.steps)
    for t in range(scenario.meta.steps):
        world.step = t
        for stage in plan:
            stage.step(world, params[stage.name], streams(stage.name))
        recorder.record(world, t)
    return recorder.series


def test_same_seed_same_run_shipped_scenario():
    scenario = thermidor.load_scenario(SOVIET, SOVIET_SET)
    first, second = thermidor.run(scenario, 7), thermidor.run(scenario, 7)
    assert first.crises, "the scenario schedules crises; the comparison should cover them"
    assert_same_run(first, second)
    assert digest(first.series) == digest(second.series)


@settings(max_examples=10, deadline=None)
@given(overrides=headline_overrides(), seed=seeds())
def test_same_seed_same_run(overrides: list[str], seed: int):
    scenario = small_scenario(*overrides)
    assert_same_run(thermidor.run(scenario, seed), thermidor.run(scenario, seed))


def test_different_seeds_give_different_runs():
    scenario = thermidor.load_scenario(SOVIET, SOVIET_SET)
    a, b = thermidor.run(scenario, 1), thermidor.run(scenario, 2)
    differing = [n for n in METRICS if not np.array_equal(a.series[n], b.series[n], equal_nan=True)]
    assert len(differing) >= len(METRICS) // 2, f"only {differing} differ between seeds 1 and 2"
    assert digest(a.series) != digest(b.series)


def test_same_run_in_a_fresh_process():
    """Bit-for-bit across interpreters, whatever Python's hash salt."""
    seed, overrides = 3, [*SOVIET_SET, "meta.steps=60"]
    here = thermidor.run(thermidor.load_scenario(SOVIET, overrides), seed)
    code = textwrap.dedent(inspect.getsource(digest)) + textwrap.dedent(f"""
        import thermidor
        scenario = thermidor.load_scenario({SOVIET!r}, {overrides!r})
        print(digest(thermidor.run(scenario, {seed}).series))
    """)
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(SRC)}
    child = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip().splitlines()[-1] == digest(here.series)


def test_same_run_whatever_the_number_of_threads():
    """Parallel kernels must not let the thread count reach the numbers (one thread vs default)."""
    seed, overrides = 2, ["meta.members=5000", "meta.steps=30"]
    here = thermidor.run(thermidor.load_scenario(SOVIET, overrides), seed)
    code = textwrap.dedent(inspect.getsource(digest)) + textwrap.dedent(f"""
        import numba, thermidor
        assert numba.config.NUMBA_NUM_THREADS == 1
        scenario = thermidor.load_scenario({SOVIET!r}, {overrides!r})
        print(digest(thermidor.run(scenario, {seed}).series))
    """)
    env = {**os.environ, "NUMBA_NUM_THREADS": "1", "PYTHONPATH": str(SRC)}
    child = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip().splitlines()[-1] == digest(here.series)


def test_small_scenario_same_in_a_fresh_process():
    seed = 11
    here = thermidor.run(small_scenario("meta.members=300", "meta.steps=20"), seed)
    code = textwrap.dedent(inspect.getsource(digest)) + textwrap.dedent(f"""
        import thermidor
        scenario = thermidor.load_scenario({str(SMALL)!r}, ["meta.members=300", "meta.steps=20"])
        print(digest(thermidor.run(scenario, {seed}).series))
    """)
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(SRC)}
    child = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip().splitlines()[-1] == digest(here.series)


def test_hand_driven_run_matches_run():
    """The tests' hand-driven loop is ``run``'s loop (the invariant tests rely on it)."""
    scenario = thermidor.load_scenario(SOVIET, [*SOVIET_SET, "meta.steps=60"])
    expected = thermidor.run(scenario, 5).series
    got = drive(scenario, Streams(5))
    for name in expected:
        assert np.array_equal(expected[name], got[name], equal_nan=True), name


@settings(max_examples=8, deadline=None)
@given(order=st.permutations(STREAM_NAMES), extra=st.integers(0, 1000), seed=st.integers(0, 99))
def test_order_of_stream_creation_does_not_matter(order: list[str], extra: int, seed: int):
    """Streams created up front in any order, and draws from an unrelated stream, change nothing."""
    scenario = thermidor.load_scenario(SOVIET, [*SOVIET_SET, "meta.steps=40"])
    expected = thermidor.run(scenario, seed).series
    streams = Streams(seed)
    for name in order:
        streams(name)
    streams("not-a-mechanism").random(extra)
    got = drive(scenario, streams)
    for name in expected:
        assert np.array_equal(expected[name], got[name], equal_nan=True), name


def test_digest_sees_every_series():
    series = {"a": np.zeros(3), "b": np.ones(3)}
    changed = {"a": np.zeros(3), "b": np.array([1.0, 1.0, np.nextafter(1.0, 2.0)])}
    assert digest(series) != digest(changed)
    assert (
        digest(series)
        == hashlib.sha256(b"a" + np.zeros(3).tobytes() + b"b" + np.ones(3).tobytes()).hexdigest()
    )
