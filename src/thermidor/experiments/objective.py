"""The ``[optimize]`` table of an experiment file: what a policy search must achieve, and what
each institution costs.

A search looks for the settings of the experiment's ``parameters`` that keep the control
index at or above ``target`` from step ``after`` to the last step on at least a share
``confidence`` of the seeds, at the least total cost. Every institution has a cost that is
linear in its setting, normalised over the range searched: 0 at the cheap end, ``weight``
at the drastic end. ``DEFAULT_COSTS`` gives a documented cost to each headline institution;
a file overrides the weight, the costly end or both per parameter, and must give a cost to
any other parameter it searches (``weight = 0`` makes it free), so no cost is ever implicit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from thermidor.experiments.seed_field import Seed

End = Literal["low", "high"]


@dataclass(frozen=True)
class LinearCost:
    """A cost linear in a setting: 0 at the cheap end of the range searched, ``weight`` at
    the ``costly`` end; ``why`` is the one-line justification shown in reports and docs."""

    weight: float
    costly: End
    why: str

    def of(self, value: float, low: float, high: float) -> float:
        """The cost of ``value`` when the search ranges over [low, high] (0 for a range of one
        value: a setting every trial shares does not distinguish them)."""
        if not high > low:
            return 0.0
        position = min(max((value - low) / (high - low), 0.0), 1.0)
        return self.weight * (position if self.costly == "high" else 1.0 - position)


# Weights are in one stylised unit: the effort of the most drastic setting of a major
# institution over the range searched. They rank institutions, they measure nothing.
DEFAULT_COSTS: dict[str, LinearCost] = {
    "institutions.nominated_share": LinearCost(
        1.0, "low", "elections cost meetings, campaigns and members' time: more as fewer offices "
        "are filled by nomination",
    ),
    "institutions.privilege_cap": LinearCost(
        1.0, "low", "a tighter cap on office income makes offices harder to fill and skilled "
        "people harder to recruit and keep",
    ),
    "institutions.apparatus_cap": LinearCost(
        1.0, "low", "a smaller apparatus leaves more administration to unpaid members' time and "
        "costs administrative capacity",
    ),
    "institutions.term": LinearCost(
        1.0, "low", "shorter terms mean more frequent elections and less experience in office",
    ),
    "institutions.recall": LinearCost(
        0.5, "high", "recall costs petitions and recall votes, and insecurity of tenure",
    ),
    "transparency.level": LinearCost(
        1.0, "high", "a free press, published accounts and open meetings cost money, staff and "
        "the regime's tolerance of criticism",
    ),
    "transparency.audit_rate": LinearCost(
        0.5, "high", "every audit costs inspectors' time",
    ),
    "education.intensity": LinearCost(
        1.0, "high", "political education costs teachers, schools and members' evenings",
    ),
    "repression.intensity": LinearCost(
        0.5, "high", "a political police, prisons and the members it expels or deports cost "
        "resources; tolerating voice costs none",
    ),
}  # fmt: skip


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cost(_Strict):
    """A file's cost of one searched parameter; fields left out keep the default's."""

    weight: float | None = Field(
        None, ge=0.0, le=1e6, description="cost at the costly end of the range searched"
    )
    costly: End | None = Field(None, description="which end of the range is costly")
    why: str | None = Field(None, description="one-line justification")


class Objective(_Strict):
    """What a policy search must achieve, how long it searches, and what settings cost."""

    target: float = Field(ge=0.0, le=1.0, description="control index level to keep")
    after: int = Field(
        0, ge=0, le=100_000, description="first step of the window (it runs to the last step)"
    )
    confidence: float = Field(
        0.8, gt=0.0, le=1.0, description="share of seeds that must keep control over the window"
    )
    trials: int = Field(50, ge=1, le=100_000, description="Optuna trials (points searched)")
    startup_trials: int = Field(
        10, ge=1, le=100_000, description="random trials before TPE models the results"
    )
    sampler_seed: Seed = Field(0, description="seed of the sampler: same seed, same trials")
    costs: dict[str, Cost] = Field(
        default_factory=dict, description="per parameter name: overrides of its default cost"
    )

    def needed(self, seeds: int) -> int:
        """Seeds out of ``seeds`` that must keep control: the smallest count whose share
        reaches ``confidence`` (the tolerance absorbs 0.8 * 5 = 4.000000000000001)."""
        return max(1, math.ceil(self.confidence * seeds - 1e-9))

    def cost_of(self, name: str) -> LinearCost:
        """The cost of parameter ``name``: its default with the file's overrides applied.

        Raises:
            ValueError: ``name`` has no default cost and the file does not give a complete one.
        """
        default = DEFAULT_COSTS.get(name)
        given = self.costs.get(name, Cost())
        weight = given.weight
        costly = given.costly
        if default is not None:
            weight = default.weight if weight is None else weight
            costly = default.costly if costly is None else costly
        if weight == 0.0 and costly is None:
            costly = "high"  # a free parameter has no costly end
        if weight is None or costly is None:
            msg = (
                f'parameter {name} has no default cost; give [optimize.costs."{name}"] with '
                "weight and costly (low or high), weight = 0 if it is free"
            )
            raise ValueError(msg)
        if given.why is not None:
            why = given.why
        else:
            why = default.why if default is not None else "given in the experiment file"
        return LinearCost(float(weight), costly, why)
