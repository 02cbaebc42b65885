"""The future never changes the past.

The first T steps of a run depend neither on how long it runs (``meta.steps``) nor on
members who have not yet arrived: cutting the run at T, or removing or doubling a
recruitment wave that starts after T, leaves every series identical, bit for bit, over
the first T steps, and the same crises and Thermidor up to T.

T is chosen inside a recruitment wave, so that cutting the run also truncates a wave
(its recruits up to T must not depend on its recruits after T), and before a later
wave, which is then removed or doubled.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import thermidor
from thermidor.model.results import Results
from thermidor.model.run import Simulation
from thermidor.model.scenario import Scenario
from thermidor.scenarios.loader import validate

MEMBERS = "meta.members=800"
# (scenario, T, start of a recruitment wave after T)
CASES = (
    ("soviet-1917-1928", 77, 86),  # T in the Lenin enrolment (75-78); peasants from 86
    ("paris-1789-1794", 38, 50),  # T in the wave of 1792 (36-38); newcomers from 50
)
SEEDS = (0, 1, 2)


def _edit_wave(scenario: Scenario, start: int, factor: float) -> Scenario:
    """``scenario`` with the recruitment waves starting at ``start`` scaled by ``factor``
    (0 removes them)."""
    raw: dict[str, Any] = scenario.model_dump(mode="python")
    waves = [s for s in raw["shocks"] if s["kind"] == "recruitment" and s["start"] == start]
    assert waves, f"no recruitment wave starts at {start}"
    if factor == 0:
        raw["shocks"] = [s for s in raw["shocks"] if not any(s is w for w in waves)]
    for wave in waves:
        wave["magnitude"] *= factor
    return validate(raw)


def assert_same_past(short: Results, full: Results, upto: int) -> None:
    """``short`` and ``full`` agree bit for bit over steps ``0 .. upto - 1``."""
    assert short.series.keys() == full.series.keys()
    differ = {
        name: int(np.flatnonzero(~_same(short.series[name][:upto], full.series[name][:upto]))[0])
        for name in short.series
        if not np.array_equal(short.series[name][:upto], full.series[name][:upto], equal_nan=True)
    }
    assert not differ, f"series differ before step {upto} (first differing step): {differ}"
    assert [c for c in short.crises if c["step"] < upto] == [
        c for c in full.crises if c["step"] < upto
    ]
    assert _thermidor_before(short, upto) == _thermidor_before(full, upto)


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a == b) | (np.isnan(a) & np.isnan(b))


def _thermidor_before(results: Results, upto: int) -> int | None:
    step = results.thermidor_step
    return step if step is not None and step < upto else None


@pytest.mark.parametrize(("name", "upto", "_later"), CASES)
@pytest.mark.parametrize("seed", SEEDS)
def test_a_shorter_run_is_the_start_of_the_longer_one(name: str, upto: int, _later: int, seed: int):
    full = thermidor.load_scenario(name, [MEMBERS])
    short = thermidor.load_scenario(name, [MEMBERS, f"meta.steps={upto}"])
    assert full.meta.steps > upto
    a, b = thermidor.run(short, seed), thermidor.run(full, seed)
    assert a.steps == upto
    assert_same_past(a, b, upto)


@pytest.mark.parametrize(("name", "upto", "later"), CASES)
@pytest.mark.parametrize("factor", [0.0, 2.0])
@pytest.mark.parametrize("seed", SEEDS[:2])
def test_a_later_wave_does_not_reach_back(
    name: str, upto: int, later: int, factor: float, seed: int
):
    """Removing (factor 0) or doubling (factor 2) a wave that starts after T."""
    scenario = thermidor.load_scenario(name, [MEMBERS])
    edited = _edit_wave(scenario, later, factor)
    a, b = thermidor.run(scenario, seed), thermidor.run(edited, seed)
    assert_same_past(a, b, upto)
    # the edit is real: the later history does change
    assert not np.array_equal(a.series["members_present"], b.series["members_present"])


def test_the_arrived_are_each_cells_first_rows_in_order_of_arrival():
    """What keeps the future out: at every step the members arrived so far (present or
    deported) are ``arrivals[:arrived]``, in serial order, and the first rows of their cells
    (``cell_start[c]:cell_stop[c]``); the present degree counts exactly the present neighbours."""
    # more of the punished deported than the scenario has, so that the check sees them
    scenario = thermidor.load_scenario(
        "paris-1789-1794", ["meta.members=400", "repression.deport_share=0.8"]
    )
    simulation = Simulation(scenario, 4)
    world, m = simulation.world, simulation.world.members
    np.testing.assert_array_equal(m.serial[world.arrivals], np.arange(m.size))
    for _ in range(scenario.meta.steps):
        simulation.advance()
        arrived = np.zeros(m.size, dtype=bool)
        arrived[world.arrivals[: world.arrived]] = True
        np.testing.assert_array_equal(arrived, m.present | m.deported)
        rows = np.arange(m.size)
        stop = np.repeat(world.cell_stop, np.diff(world.cell_start))
        np.testing.assert_array_equal(arrived, rows < stop)
        present_neighbours = world.network.neighbour_sum(m.present).astype(np.int32)
        np.testing.assert_array_equal(world.present_degree(), present_neighbours)
    assert world.arrived > scenario.meta.members
    assert m.deported.any(), "the check should see deportations too"
