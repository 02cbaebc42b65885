"""How large a run the dashboard starts, and how many at once.

The dashboard is a page anyone who reaches the server can use, without an account: the
schema's own bounds (up to 10 million members and 100,000 steps) would let one click hold
the machine's memory and cores for hours. A run costs about members x steps (the agents'
arrays grow with members, the time with both); the caps keep one run to a minute or so and
a few hundred MB, well above every shipped scenario (20,000 members, 250 steps). Larger runs
are for ``thermidor run`` and ``thermidor experiment``, which have no such limits.
"""

from __future__ import annotations

from thermidor.model.scenario import Meta

MAX_MEMBERS = 200_000
MAX_STEPS = 2_000
MAX_MEMBER_STEPS = 50_000_000  # members x steps
MAX_RUNS = 2  # runs going on at once, over every page the server serves
ELSEWHERE = "thermidor run has no such limit"


class RunRefusedError(ValueError):
    """A run the dashboard does not start: too large, or too many going on already."""


def problems(members: int | None, steps: int | None) -> dict[str, str]:
    """The dashboard's size limits ``members`` and ``steps`` break, by field key (None: not
    known, e.g. a field that did not parse)."""
    found: dict[str, str] = {}
    if members is not None and members > MAX_MEMBERS:
        found["meta.members"] = (
            f"meta.members = {members}: the dashboard runs at most {MAX_MEMBERS:,} members "
            f"({ELSEWHERE})"
        )
    if steps is not None and steps > MAX_STEPS:
        found["meta.steps"] = (
            f"meta.steps = {steps}: the dashboard runs at most {MAX_STEPS:,} steps ({ELSEWHERE})"
        )
    costly = members is not None and steps is not None and members * steps > MAX_MEMBER_STEPS
    if costly and not found:
        found["meta.steps"] = (
            f"meta.steps = {steps}: {members:,} members x {steps:,} steps is over the "
            f"dashboard's {MAX_MEMBER_STEPS:,} member-steps per run ({ELSEWHERE})"
        )
    return found


def check(meta: Meta) -> None:
    """RunRefusedError if a run of ``meta`` is larger than the dashboard runs."""
    found = problems(meta.members, meta.steps)
    if found:
        raise RunRefusedError("; ".join(found.values()))
