"""What every mechanism module shares: its parameter record's base and the step's signature.

A mechanism is a module exporting ``NAME`` (also its random stream's name), ``SUMMARY``
(one line for ``thermidor plan``), ``WRITES`` (the member columns its step may change),
``Params`` (a frozen record of its knobs) and either ``step(world, params, rng)`` or, when
the step follows the scenario's timetable, ``bind(scenario, recruit_queue) -> step``.
``model.plan`` lists the modules in order: one source for names, parameters and order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from thermidor.model.state import World

# A mechanism's step: (world, its params, its own random stream) -> None, changing the world.
Step = Callable[["World", Any, np.random.Generator], None]
# Recruits the build drew for the whole run, by the step they arrive at.
RecruitQueue = dict[int, np.ndarray]


class ParamsBase(BaseModel):
    """Parameters of one mechanism; every field has a documented default and range."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
