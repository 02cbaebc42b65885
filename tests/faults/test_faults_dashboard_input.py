"""What the dashboard accepts: years beyond any float, numbers of thousands of digits, runs
larger than it starts, and more runs at once than it allows, each refused with a message
that names the field, in the code that builds and starts a run (not only in the page)."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from thermidor import load_scenario
from thermidor.dashboard import events, limits, runner, state

NAME = "soviet-1917-1928"
HUGE = {"1e400": 10**400, "-1e400": -(10**400), "1e5000": 10**5000, "2**1024": 2**1024}
NOT_FINITE = [math.inf, -math.inf, math.nan, 1e308, -1e308, 1.7976931348623157e308]
YEARS = {**{repr(year): year for year in NOT_FINITE}, **HUGE}


def _form(**changes: str) -> dict[str, str]:
    form = state.defaults(NAME)
    form.update({key.replace("__", "."): value for key, value in changes.items()})
    return form


@pytest.mark.parametrize("year", YEARS.values(), ids=YEARS.keys())
def test_a_year_beyond_any_run_is_outside_the_run(year: float) -> None:
    meta = load_scenario(NAME).meta
    with pytest.raises(ValueError, match=r"^year .+ is outside the run \(1918 to 1929\)$"):
        events.year_to_step(meta, year)


@pytest.mark.parametrize("text", ["1e308", "-1e308", "1.7976931348623157e308", "9" * 400])
@pytest.mark.parametrize("which", ["shock", "intervention"])
def test_a_huge_year_in_the_form_is_a_field_error(which: str, text: str) -> None:
    kind = "harvest" if which == "shock" else "purge"
    built = state.build(NAME, _form(**{f"{which}__kind": kind, f"{which}__year": text}))
    assert not built.ok
    key = f"{which}.year"
    assert set(built.errors) == {key}, built.errors
    assert "outside the run" in built.errors[key] or "expected a number" in built.errors[key]


@pytest.mark.parametrize("key", ["meta.members", "meta.steps", "seed", "shock.duration"])
def test_a_whole_number_of_thousands_of_digits_is_a_field_error(key: str) -> None:
    form = _form(shock__kind="harvest")
    form[key] = "9" * 5000  # past int()'s 4,300 digits
    built = state.build(NAME, form)
    assert not built.ok
    assert set(built.errors) == {key}, built.errors
    message = built.errors[key]
    assert message.startswith(f"{key} = '99999"), message
    assert "expected a whole number" in message
    assert len(message) < 200, "the message quotes the whole text"


@pytest.mark.parametrize(
    ("members", "steps", "key", "needle"),
    [
        (10_000_000, 130, "meta.members", "at most 200,000 members"),
        (limits.MAX_MEMBERS + 1, 10, "meta.members", "at most 200,000 members"),
        (1000, 100_000, "meta.steps", "at most 2,000 steps"),
        (limits.MAX_MEMBERS, 1000, "meta.steps", "50,000,000 member-steps"),
    ],
)
def test_runs_larger_than_the_dashboard_starts_are_field_errors(
    members: int, steps: int, key: str, needle: str
) -> None:
    built = state.build(NAME, _form(meta__members=str(members), meta__steps=str(steps)))
    assert not built.ok
    assert set(built.errors) == {key}, built.errors
    assert built.errors[key].startswith(f"{key} = ")
    assert needle in built.errors[key]
    assert "thermidor run" in built.errors[key]


def test_the_largest_runs_allowed_are_accepted() -> None:
    members, steps = limits.MAX_MEMBERS, limits.MAX_MEMBER_STEPS // limits.MAX_MEMBERS
    assert state.build(NAME, _form(meta__members=str(members), meta__steps=str(steps))).ok
    assert state.build(NAME, _form(meta__members="100", meta__steps=str(limits.MAX_STEPS))).ok


@pytest.mark.parametrize(
    "overrides",
    [
        [f"meta.members={limits.MAX_MEMBERS + 1}", "meta.steps=1"],
        ["meta.members=100", f"meta.steps={limits.MAX_STEPS + 1}"],
        [f"meta.members={limits.MAX_MEMBERS}", f"meta.steps={limits.MAX_STEPS}"],
    ],
)
def test_the_runner_refuses_a_run_larger_than_the_limits(overrides: list[str]) -> None:
    """Whatever the page sent: the server's own check, before a step is taken."""
    scenario = load_scenario(NAME, overrides)
    updates: list[int] = []
    with pytest.raises(limits.RunRefusedError, match=r"the dashboard runs at most|member-steps"):
        runner.simulate(scenario, 0, lambda series, done, total: updates.append(done))
    assert updates == []


def test_the_runner_refuses_more_runs_at_once_than_the_limit() -> None:
    scenario = load_scenario(NAME, ["meta.members=100", "meta.steps=3"])
    started = [threading.Event() for _ in range(limits.MAX_RUNS)]
    release = threading.Event()
    results: list[object] = []

    def held(index: int) -> None:
        def update(series: dict[str, np.ndarray], done: int, total: int) -> None:
            if done == 0:  # the run holds its slot: wait until the test has tried one more
                started[index].set()
                assert release.wait(timeout=300), "never released"

        results.append(runner.simulate(scenario, 0, update))

    threads = [threading.Thread(target=held, args=(i,)) for i in range(limits.MAX_RUNS)]
    for thread in threads:
        thread.start()
    try:
        for event in started:
            assert event.wait(timeout=300), "a run did not start"
        with pytest.raises(limits.RunRefusedError, match="runs are going on already"):
            runner.simulate(scenario, 0, lambda series, done, total: None)
    finally:
        release.set()
        for thread in threads:
            thread.join()
    assert len(results) == limits.MAX_RUNS
    assert all(result is not None for result in results)
    # the slots are free again once the runs have ended
    assert runner.simulate(scenario, 0, lambda series, done, total: None) is not None
