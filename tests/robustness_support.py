"""Cheap facts for the robustness tests: margins computed from the point's overrides, no
simulation, so studies of hundreds of points take seconds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from thermidor.validity.clauses import FactResult, above
from thermidor.validity.ensembles import Ensembles
from thermidor.validity.facts import Fact

NEEDED = "mechanisms.crisis.needed"
RESTRICTED = "mechanisms.crisis.restricted"
WEARINESS = "mechanisms.crisis.weariness"


def values(overrides: tuple[str, ...]) -> dict[str, float]:
    return {k: float(v) for k, v in (item.split("=", 1) for item in overrides)}


def linear_fact(
    fact_id: str, weights: dict[str, float], bound: float = 0.0
) -> tuple[Fact, list[tuple[str, ...]]]:
    """A fact whose margin is ``sum(w x value) - bound``, and the list of points it saw."""
    seen: list[tuple[str, ...]] = []

    def check(
        off: tuple[str, ...] = (),
        *,
        overrides: tuple[str, ...] = (),
        seeds: tuple[int, ...] = (0, 1),
        runs: Ensembles | None = None,
    ) -> FactResult:
        seen.append(overrides)
        x = values(overrides)
        value = sum(w * x.get(name, 0.0) for name, w in weights.items())
        return FactResult(fact_id, (above("linear", value, bound, 1.0),))

    return Fact(fact_id, f"{fact_id} (linear)", check), seen


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


BOX = f"""
[box]
"{NEEDED}" = [0.0, 1.0]
"{RESTRICTED}" = [0.0, 1.0]
"{WEARINESS}" = [0.0, 1.0]
"""

Check = Callable[..., FactResult]
