"""The step plan: the ordered list of mechanisms a model runs each step, as data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Stage:
    """One entry of a step plan.

    Attributes:
        name: the mechanism's name, also the name of its random stream.
        summary: one line saying what it does, printed by ``thermidor plan``.
        step: the function called each step with (world, params, rng).
        writes: the columns of the state ``step`` may change, so that a reader knows
            which values taken earlier in the step are still true after it.
    """

    name: str
    summary: str
    step: Callable[..., Any]
    writes: frozenset[str] = frozenset()
