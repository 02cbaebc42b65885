"""What a run is measured by, for a target: the model's series, and measures of its
members taken at the steps the targets' dates fall on.

The model records population means and shares every step (``thermidor metrics``).
Some published figures count what no series records: the party's members (a flag on
the members), the share of them who joined after a date, the full-time staff. These
are read from the run's state at the step they are dated, as a census would, so the
model itself records nothing more and its results stay as they are.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from thermidor.engine import calendar
from thermidor.model.results import EXTRA_SERIES, METRICS

SERIES = frozenset((*METRICS, *EXTRA_SERIES))

if TYPE_CHECKING:
    from thermidor.model.run import Simulation

_PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


class MeasureError(ValueError):
    """A model measure no one can take, with what is allowed."""


def _party(sim: Simulation) -> float:
    m = sim.world.members
    return float(np.count_nonzero(m.present & m.party))


def _staff(sim: Simulation) -> float:
    return float(sim.world.offices.staff.sum())


def _staff_per_party_member(sim: Simulation) -> float:
    party = _party(sim)
    return _staff(sim) / party if party else math.nan


def _party_joined_since(sim: Simulation, step: int) -> float:
    m = sim.world.members
    party = m.present & m.party
    total = int(np.count_nonzero(party))
    return float(np.count_nonzero(party & (m.joined >= step))) / total if total else math.nan


# measures of the state; ``party_joined_since:YYYY-MM`` takes a date (see ``measure``)
CENSUS: dict[str, Callable[[Simulation], float]] = {
    "party_members": _party,
    "staff": _staff,
    "staff_per_party_member": _staff_per_party_member,
}
DATED = {"party_joined_since": _party_joined_since}


def allowed() -> list[str]:
    return [*sorted(SERIES), *CENSUS, *(f"{name}:YYYY-MM" for name in DATED)]


def check_measure(name: str) -> None:
    """A one-line error unless ``name`` is a measure this module can take."""
    head, _, date = name.partition(":")
    if name in SERIES or name in CENSUS or (head in DATED and date):
        return
    raise MeasureError(f"model measure {name!r}: allowed: {', '.join(allowed())}")


def step_of(start: str, time_step: str, month: str) -> int:
    """The step whose state a ``YYYY-MM`` date reads: whole steps since ``start``."""
    if time_step not in _PERIOD_MONTHS:
        raise MeasureError(f"time_step {time_step!r}: calibration dates need month/quarter/year")
    return calendar.step_of(start, time_step, month)


def measure(sim: Simulation, name: str) -> float:
    """A census measure of the state now (a series is read from the results instead)."""
    head, _, date = name.partition(":")
    if head in DATED:
        meta = sim.scenario.meta
        return DATED[head](sim, step_of(meta.start, meta.time_step, date))
    return CENSUS[name](sim)
