"""A fact's verdict: the clauses it compares, whether all hold, and by how much.

Every fact is a conjunction of comparisons ``value > bound`` or ``value < bound``. A clause's
margin is its slack in units of a fixed ``scale`` (the clause's own absolute threshold, or a
named unit of the same quantity: docs/robustness.md lists them):

    margin = (value - bound) / scale     for  value > bound
    margin = (bound - value) / scale     for  value < bound

and a fact's margin is the smallest of its clauses' (the clause nearest to failing). The
comparisons are made exactly as written, so ``margin > 0`` if and only if the fact holds;
a margin of 1 means the binding clause clears its bound by one scale. A clause whose value
is not a number (NaN: a standard error of one seed) fails, and the fact's margin is NaN.

Non-strict comparisons of counted quantities are rewritten as strict ones between the last
failing and the first passing value (``at_least`` for a share of seeds, half a step for
a date), so that the rule "positive if and only if it holds" survives them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Clause:
    """One comparison of a fact: ``value > bound`` (``above``) or ``value < bound``."""

    name: str
    value: float
    bound: float
    above: bool
    scale: float

    @property
    def holds(self) -> bool:
        return bool(self.value > self.bound) if self.above else bool(self.value < self.bound)

    @property
    def margin(self) -> float:
        slack = self.value - self.bound if self.above else self.bound - self.value
        return float(slack / self.scale)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": float(self.value),
            "op": ">" if self.above else "<",
            "bound": float(self.bound),
            "scale": self.scale,
            "holds": self.holds,
            "margin": self.margin,
        }


def above(name: str, value: float, bound: float, scale: float) -> Clause:
    return Clause(name, float(value), float(bound), True, scale)


def below(name: str, value: float, bound: float, scale: float) -> Clause:
    return Clause(name, float(value), float(bound), False, scale)


def at_least(name: str, hits: int, n: int, threshold: float, scale: float) -> Clause:
    """``hits / n >= threshold`` (a share of seeds), as the strict clause ``hits / n >
    (m - 0.5) / n``, ``m`` the fewest hits whose share passes (compared in floating point,
    as the plain share would be): holds exactly when the share does."""
    passing = [k for k in range(n + 1) if k / n >= threshold]
    first = passing[0] if passing else n + 1
    return above(name, hits / n, (first - 0.5) / n, scale)


@dataclass(frozen=True)
class FactResult:
    """The verdict of one fact at one setting: its clauses, whether all hold, its margin."""

    fact: str
    clauses: tuple[Clause, ...]

    @property
    def holds(self) -> bool:
        return all(clause.holds for clause in self.clauses)

    @property
    def margin(self) -> float:
        margins = [clause.margin for clause in self.clauses]
        if any(math.isnan(m) for m in margins):
            return math.nan
        return min(margins)

    @property
    def values(self) -> dict[str, float]:
        """Each clause's measured value, by the clause's name."""
        return {clause.name: clause.value for clause in self.clauses}

    def as_dicts(self) -> list[dict[str, Any]]:
        return [clause.as_dict() for clause in self.clauses]

    def __str__(self) -> str:
        parts = ", ".join(
            f"{c.name} {c.value:.4g} {'>' if c.above else '<'} {c.bound:.4g}"
            f"{'' if c.holds else ' (fails)'}"
            for c in self.clauses
        )
        verdict = "holds" if self.holds else "fails"
        return f"{self.fact}: {verdict}, margin {self.margin:.3g}; {parts}"
