"""Hypothesis strategies for scenarios: ``--set`` overrides, seeds and schedules of events.

Overrides are drawn as the strings a user would pass to ``--set`` (so they go
through the same parsing and validation as the command line); events are raw
shock and intervention tables, added to a scenario with ``with_events``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from thermidor.model.scenario import Scenario
from thermidor.scenarios.loader import validate

MEMBERS = (100, 600)  # small worlds: every example must run in well under a second
STEPS = (5, 30)
SMALL_COHORTS = ("veteran", "new")  # the cohorts of tests/data/small.toml


def _number(x: float) -> str:
    """A float as TOML reads it back exactly (``repr`` round-trips)."""
    return repr(float(x))


def unit() -> st.SearchStrategy[str]:
    """A share or intensity in 0..1, as an override value."""
    return st.floats(0.0, 1.0, allow_nan=False).map(_number)


def seeds() -> st.SearchStrategy[int]:
    return st.integers(0, 2**32 - 1)


def size_overrides(
    members: tuple[int, int] = MEMBERS, steps: tuple[int, int] = STEPS
) -> st.SearchStrategy[list[str]]:
    """``meta.members`` and ``meta.steps`` within small bounds (both always set)."""
    return st.tuples(st.integers(*members), st.integers(*steps)).map(
        lambda ms: [f"meta.members={ms[0]}", f"meta.steps={ms[1]}"]
    )


# The headline knobs, each with the override values it may take.
HEADLINE: dict[str, st.SearchStrategy[str]] = {
    "institutions.nominated_share": unit(),
    "institutions.privilege_cap": st.one_of(
        st.just("none"), st.floats(1.0, 10.0, allow_nan=False).map(_number)
    ),
    "institutions.apparatus_cap": st.floats(0.0, 0.5, allow_nan=False).map(_number),
    "institutions.term": st.integers(1, 48).map(str),
    "institutions.recall": st.sampled_from(["true", "false"]),
    "repression.intensity": unit(),
    "transparency.level": unit(),
    "education.intensity": unit(),
}


@st.composite
def headline_overrides(
    draw: st.DrawFn, *, sized: bool = True, members: tuple[int, int] = MEMBERS,
    steps: tuple[int, int] = STEPS,
) -> list[str]:  # fmt: skip
    """A list of ``--set`` strings: any subset of the headline knobs, plus small sizes.

    With ``sized`` (the default) ``meta.members`` and ``meta.steps`` are always
    set, so a run of the test scenario stays small whatever else is drawn.
    """
    chosen = draw(st.lists(st.sampled_from(sorted(HEADLINE)), unique=True))
    out = [f"{key}={draw(HEADLINE[key])}" for key in sorted(chosen)]
    if sized:
        out += draw(size_overrides(members, steps))
    return out


# --- schedules of shocks and interventions -----------------------------------------------------


def _start(horizon: int) -> st.SearchStrategy[int]:
    return st.integers(0, horizon)


def shocks(horizon: int = STEPS[1], cohorts: tuple[str, ...] = SMALL_COHORTS):
    """One raw ``[[shocks]]`` table: any kind, starting within ``horizon`` steps."""
    start, duration = _start(horizon), st.integers(1, 12)
    magnitude = st.floats(0.0, 1.0, allow_nan=False)
    common = {"start": start, "duration": duration, "magnitude": magnitude}
    plain = st.fixed_dictionaries(
        {"kind": st.sampled_from(["harvest", "unemployment", "market", "crisis"]), **common}
    )
    recruitment = st.fixed_dictionaries(
        {
            "kind": st.just("recruitment"),
            **common,
            "magnitude": st.floats(0.0, 0.5, allow_nan=False),
            "cohort": st.sampled_from(cohorts),
        }
    )
    return st.one_of(plain, recruitment)


def interventions(horizon: int = STEPS[1]):
    """One raw ``[[interventions]]`` table of any kind the schema knows."""
    start = _start(horizon)
    names = st.sampled_from(["party", "soviets", "unions"])
    branches = st.one_of(st.none(), st.lists(names, min_size=1, unique=True))
    u = st.floats(0.0, 1.0, allow_nan=False)

    def kind(name: str, **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
        return st.fixed_dictionaries({"kind": st.just(name), "start": start, **fields})

    return st.one_of(
        kind("restore_elections", branches=branches),
        kind("nominate", share=u, branches=branches),
        kind("sortition", share=u, branches=branches),
        kind("cut_apparatus", fraction=u, cap=st.one_of(st.none(), st.floats(0.0, 0.5))),
        kind("cap_privilege", cap=st.floats(1.0, 10.0)),
        kind("rights_guarantees", intensity=u),
        kind("repression", intensity=u),
        kind("education", intensity=u),
        kind("transparency", level=u),
        kind("audits", rate=u),
        kind("purge", fraction=u),
        kind("term_limits", term=st.integers(1, 48), recall=st.one_of(st.none(), st.booleans())),
        kind("bound_functions", level=u),
    )


def events(horizon: int = STEPS[1], max_each: int = 3):
    """``{"shocks": [...], "interventions": [...]}`` of a few raw tables each."""
    return st.fixed_dictionaries(
        {
            "shocks": st.lists(shocks(horizon), max_size=max_each),
            "interventions": st.lists(interventions(horizon), max_size=max_each),
        }
    )


def with_events(scenario: Scenario, drawn: dict[str, list[dict[str, Any]]]) -> Scenario:
    """``scenario`` with the drawn shocks and interventions appended, validated again."""
    raw = scenario.model_dump(mode="python")
    raw["shocks"] = [*raw["shocks"], *drawn.get("shocks", [])]
    raw["interventions"] = [*raw["interventions"], *drawn.get("interventions", [])]
    return validate(raw)
