"""What a classic model of the literature provides to the command line and the store.

Each model module defines ``MODEL = ClassicModel(...)``: its validated parameters
(pydantic, unknown keys refused), named presets, the per-step series it records
and a ``simulate(params, seed)`` that returns them. The command line runs it like
a scenario (``thermidor run NAME --set key=value --seed N``), stores it in the
same results store and prints the same JSON contract, with the model's own
metrics under ``final`` and ``mean``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["ClassicModel", "ClassicParams", "bounds", "parse_overrides"]


class ClassicParams(BaseModel):
    """Base of every classic model's parameters: strict, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


Series = dict[str, np.ndarray]


@dataclass(frozen=True)
class ClassicModel:
    """A model of the literature, runnable and storable like a scenario.

    Attributes:
        name: the command-line name (``thermidor run NAME``).
        description: one line for ``thermidor scenarios``.
        source: the paper it reproduces.
        params: its parameter class (defaults = the paper's baseline).
        metrics: the per-step series ``simulate`` returns, summarised as final and mean.
        simulate: ``(params, seed) -> {metric: float64 array, one value per step}``.
        agents: number of agents of a parameter set (the JSON ``members`` field).
        presets: named parameter sets, chosen with ``--set preset=NAME``.
    """

    name: str
    description: str
    source: str
    params: type[ClassicParams]
    metrics: tuple[str, ...]
    simulate: Callable[[Any, int], Series]
    agents: Callable[[Any], int]
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def resolve(self, overrides: list[str]) -> ClassicParams:
        """The parameters after ``preset=NAME`` (applied first) and ``key=value`` overrides.

        Raises:
            ValueError: one line naming the key, the value and what is allowed.
        """
        values: dict[str, Any] = {}
        pairs = parse_overrides(overrides)
        preset = pairs.pop("preset", None)
        if preset is not None:
            if preset not in self.presets:
                allowed = ", ".join(sorted(self.presets)) or "none"
                msg = f"preset: unknown preset {_shown(preset)} for {self.name}; allowed: {allowed}"
                raise ValueError(msg)
            values.update(self.presets[preset])
        fields = self.params.model_fields
        for key, value in pairs.items():
            if key not in fields:
                msg = (
                    f"{_shown(key)}: no such parameter of {self.name}; "
                    f"allowed: {', '.join(sorted(fields))}, preset"
                )
                raise ValueError(msg)
            values[key] = value
        try:
            return self.params(**values)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"]) or "parameters"
            msg = f"{where}: {error['msg']} (got {_shown(error.get('input'))})"
            raise ValueError(msg) from None


def bounds(params: type[BaseModel], name: str) -> tuple[float | None, float | None]:
    """The inclusive lower and upper bounds (``ge``, ``le``) that ``params`` declares for its
    field ``name``, None where it declares none: the one source of the limits that the
    command line's options check too."""
    low = high = None
    for constraint in params.model_fields[name].metadata:
        low = getattr(constraint, "ge", low)
        high = getattr(constraint, "le", high)
    return low, high


def _literal(text: str) -> Any:
    """A --set value as TOML would read it (numbers, booleans, lists, quoted strings)."""
    import tomllib  # noqa: PLC0415

    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word: a string
    except RecursionError:  # brackets nested deeper than the parser recurses
        msg = f"--set value {_shown(text)}: nested too deeply"
        raise ValueError(msg) from None


def _shown(value: Any) -> str:
    """A value as a one-line message quotes it: a few levels and characters of it."""
    import reprlib  # noqa: PLC0415

    short = reprlib.Repr()
    short.maxlevel, short.maxstring, short.maxother = 3, 60, 60
    return short.repr(value)


def parse_overrides(overrides: list[str]) -> dict[str, Any]:
    """``["key=value", ...]`` to a mapping; ValueError naming a malformed item."""
    out: dict[str, Any] = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            msg = f"--set {_shown(item)}: expected KEY=VALUE"
            raise ValueError(msg)
        out[key.strip()] = _literal(value.strip())
    return out
