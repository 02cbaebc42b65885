"""The Rakovsky model's step plan: which mechanism runs when, and why in that order.

Events first (shocks, then decisions), then the cycle the letter describes:
privilege and identification, abuse, knowledge, reports, voice, accountability,
the rules of offices (which the apparatus changes and members win back, read from the
elections just held), repression, the apparatus' growth, then the slow variables (activity and
capacity, legitimacy) and last the crisis test, which reads them all.

``PLAN`` is the one list of the mechanisms: their names, parameters (the scenario's
``[mechanisms]`` table is built from it), random streams and order all come from it.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from pydantic import create_model

from thermidor.engine.plan import Stage
from thermidor.model.mechanisms import (
    abuse,
    accountability,
    activity,
    apparatus,
    crisis,
    differentiation,
    economy,
    interventions,
    knowledge,
    legitimacy,
    reporting,
    repression,
    rules,
    voice,
)
from thermidor.model.mechanisms.base import ParamsBase

if TYPE_CHECKING:
    from thermidor.model.mechanisms.base import RecruitQueue
    from thermidor.model.scenario import Scenario

PLAN: tuple[ModuleType, ...] = (
    economy,
    interventions,
    differentiation,
    abuse,
    knowledge,
    reporting,
    voice,
    accountability,
    rules,
    repression,
    apparatus,
    activity,
    legitimacy,
    crisis,
)

NAMES: tuple[str, ...] = tuple(mechanism.NAME for mechanism in PLAN)

# All mechanism parameters in one record, a field per mechanism in plan order. Defaults are
# model-wide: the shipped scenarios do not override them, so no scenario is tuned toward its
# own outcome. The fields are typed Any: unpacked as ``**``, a narrower value type would also
# have to fit create_model's own keywords (__config__, __base__...), which mypy cannot rule out.
_FIELDS: dict[str, Any] = {
    mechanism.NAME: (mechanism.Params, mechanism.Params()) for mechanism in PLAN
}
MechanismParams: type[ParamsBase] = create_model(
    "MechanismParams",
    __base__=ParamsBase,
    __doc__="The ``[mechanisms]`` table of a scenario: one record per mechanism of the plan.",
    **_FIELDS,
)


def compose(scenario: Scenario, recruit_queue: RecruitQueue) -> list[Stage]:
    """The plan as stages, with the timetable-driven steps bound to this scenario; the
    mechanisms the scenario switches off (an ablation) are left out."""
    stages = []
    for mechanism in PLAN:
        if mechanism.NAME in scenario.switched_off:
            continue
        bind: Any = getattr(mechanism, "bind", None)
        step = bind(scenario, recruit_queue) if bind is not None else mechanism.step
        stages.append(Stage(mechanism.NAME, mechanism.SUMMARY, step, mechanism.WRITES))
    return stages
