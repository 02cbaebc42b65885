"""The stylized facts of the model brief and the two Thermidor items, as library code.

Every check takes the ablation ``off`` (overrides that switch its mechanism off), and as
keywords the parameter point ``overrides`` (applied to every scenario it uses, under the
fact's own conditions), the ``seeds`` and the ``runs`` (``Ensembles``: worker processes and
the runs remembered); it returns a ``FactResult`` (``holds``, ``margin``, the clauses).
The thresholds and the default seeds are those of the stylized-fact tests
(tests/facts/test_stylized_facts.py), which call these functions. ``FACTS`` lists them in
order, each with its label, for robustness and the ablation table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from thermidor.validity.clauses import Clause, FactResult
from thermidor.validity.ensembles import Ensembles
from thermidor.validity.facts_history import (
    RAW,
    VETERAN_LIKE,
    fact_5,
    fact_5_founders,
    fact_6,
    fact_7,
    fact_8,
)
from thermidor.validity.facts_institutions import (
    ON,
    SEEDS,
    elected_inflate,
    fact_1,
    fact_2,
    fact_3,
    fact_4,
)
from thermidor.validity.thermidor_items import thermidor_paris, thermidor_soviet

__all__ = [
    "FACTS",
    "ON",
    "RAW",
    "SEEDS",
    "VETERAN_LIKE",
    "Clause",
    "Fact",
    "FactResult",
    "by_id",
    "elected_inflate",
    "fact_1",
    "fact_2",
    "fact_3",
    "fact_4",
    "fact_5",
    "fact_5_founders",
    "fact_6",
    "fact_7",
    "fact_8",
    "thermidor_paris",
    "thermidor_soviet",
]


def _wave_on(check: Callable[..., FactResult]) -> Callable[..., FactResult]:
    """Fact 5's checks with the raw recruits: the wave is their condition, not an ablation."""

    def call(
        off: tuple[str, ...] = ON,
        *,
        overrides: tuple[str, ...] = (),
        seeds: tuple[int, ...] = SEEDS,
        runs: Ensembles | None = None,
    ) -> FactResult:
        return check(RAW, off, overrides=overrides, seeds=seeds, runs=runs)

    return call


@dataclass(frozen=True)
class Fact:
    """A fact of the robustness table: its id (stored), its label (shown), its check."""

    id: str
    label: str
    check: Callable[..., FactResult]


FACTS: tuple[Fact, ...] = (
    Fact("fact_1", "1 privilege and identification", fact_1),
    Fact("fact_2", "2 known abuses unsanctioned", fact_2),
    Fact("fact_3", "3 dose-response of nomination", fact_3),
    Fact("fact_4", "4 statistical charlatanism", fact_4),
    Fact("fact_4_elected", "4 (elected) inflation without press or audits", elected_inflate),
    Fact("fact_5", "5 recruits without struggle", _wave_on(fact_5)),
    Fact("fact_5_founders", "5 (founders) the wave on the founders", _wave_on(fact_5_founders)),
    Fact("fact_6", "6 Paris ends in Thermidor", fact_6),
    Fact("fact_7", "7 hysteresis", fact_7),
    Fact("fact_8", "8 a purge helps for a while", fact_8),
    Fact("thermidor_paris", "Thermidor in Paris by 1795-06", thermidor_paris),
    Fact("thermidor_soviet", "Thermidor in the Soviet history by 1928-08", thermidor_soviet),
)


def by_id(ids: list[str] | None = None) -> tuple[Fact, ...]:
    """The facts named by ``ids`` (all when None), in ``FACTS`` order; ValueError naming an
    unknown id and the known ones."""
    if ids is None:
        return FACTS
    known = {fact.id for fact in FACTS}
    unknown = [i for i in ids if i not in known]
    if unknown:
        msg = f"unknown fact {unknown[0]!r}; allowed: {', '.join(sorted(known))}"
        raise ValueError(msg)
    return tuple(fact for fact in FACTS if fact.id in ids)
