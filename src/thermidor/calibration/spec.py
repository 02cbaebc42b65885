"""Calibration files: a scenario, its free parameters with their priors, the targets with
their data, and the budget.

Validated like experiment files (strict pydantic models, one-line ``CalibrationError``
naming the field, the value and what is allowed), and checked before anything runs:
every free parameter must be one ``--set`` accepts at both ends of its prior, every
target's data rows must exist, and every model measure must be one the observables
know.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from thermidor.calibration.observables import MeasureError, check_measure
from thermidor.calibration.targets import (
    Observed,
    TargetError,
    load_data,
    observed,
    row,
    years_between,
)
from thermidor.experiments.seed_field import Seed
from thermidor.experiments.spec import override
from thermidor.scenarios.loader import (
    ScenarioError,
    _describe,
    _read_raw,
    apply_overrides,
    parse_toml,
    read_text,
    shorten,
    validate,
)

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class CalibrationError(ValueError):
    """A calibration file that cannot be used, with a one-line reason."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Prior(Strict):
    """A free parameter and its prior: uniform or log-uniform on [low, high]."""

    name: str = Field(min_length=1, description="dotted key as --set takes it")
    prior: Literal["uniform", "loguniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _bounds(self) -> Prior:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            msg = f"low ({self.low}) < high ({self.high}), both finite"
            raise ValueError(msg)
        if self.prior == "loguniform" and self.low <= 0:
            msg = f"a loguniform prior needs low > 0, got {self.low}"
            raise ValueError(msg)
        return self


class Target(Strict):
    """A model measure against a data series, in one observable form."""

    name: str = Field(pattern=r"^[a-z0-9_]+$", description="the target's name in reports")
    form: Literal["level", "ratio", "growth"] = "level"
    model: str = Field(min_length=1, description="the model's measure (docs/calibration.md)")
    data: str = Field(pattern=r"^[a-z0-9_]+\.[a-z0-9_]+$", description="file.series")
    at: str = Field(pattern=MONTH, description="YYYY-MM of the value")
    base: str | None = Field(None, pattern=MONTH, description="ratio, growth: YYYY-MM")
    data_at: str | None = Field(None, description="the data row's date, when not `at`")
    data_is_value: bool = Field(
        False, description="the row already holds the target's value (e.g. a published rate)"
    )
    model_scale: float = Field(1.0, gt=0, description="unit of the model value (100: percent)")
    tolerance: float = Field(
        0.0, ge=0, le=1, description="the range widened to at least value x (1 +- tolerance)"
    )
    arm: str = Field("main", description="the arm the model is measured on")
    weight: float = Field(1.0, gt=0, le=1000)
    held_out: bool = Field(False, description="not fitted: predicted, for validation")

    @model_validator(mode="after")
    def _base(self) -> Target:
        if (self.form == "level") != (self.base is None):
            msg = "base is needed for ratio and growth, not allowed for level"
            raise ValueError(msg)
        if self.base is not None and years_between(self.base, self.at) <= 0:
            msg = f"base {self.base} must come before at {self.at}"
            raise ValueError(msg)
        return self

    @property
    def years(self) -> float:
        return years_between(self.base, self.at) if self.base else 0.0


class Arm(Strict):
    """A variant of the scenario some targets are measured on (e.g. the apparatus with the
    work held constant): more overrides, and events left out by id."""

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    set: list[str] = Field(default_factory=list)
    without: list[str] = Field(default_factory=list)


class Budget(Strict):
    """How much ABC-SMC may do: particles per generation, generations, simulations."""

    population: int = Field(100, ge=4, le=100_000)
    generations: int = Field(6, ge=1, le=100)
    max_simulations: int = Field(5000, ge=4, le=10_000_000)
    min_epsilon: float = Field(0.0, ge=0)
    batch: int = Field(0, ge=0, le=100_000, description="proposals run at once (0: 2x workers)")


class Calibration(Strict):
    """A calibration file."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    scenario: str = Field(min_length=1)
    set: list[str] = Field(default_factory=list, description="fixed overrides")
    seed: Seed = 0
    data_folder: str | None = Field(
        None, description="folder of the data files (default: the shipped ones)"
    )
    without: list[str] = Field(default_factory=list, description="events left out by id")
    arms: list[Arm] = Field(default_factory=list, description="variants besides main")
    parameters: list[Prior] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)
    budget: Budget = Budget()

    @model_validator(mode="after")
    def _unique(self) -> Calibration:
        for kind, names in (
            ("parameter", [p.name for p in self.parameters]),
            ("target", [t.name for t in self.targets]),
        ):
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                msg = f"{kind} {twice[0]!r} is given twice"
                raise ValueError(msg)
        arms = {"main", *(a.name for a in self.arms)}
        for target in self.targets:
            if target.arm not in arms:
                msg = f"target {target.name!r}: arm {target.arm!r}: allowed: {sorted(arms)}"
                raise ValueError(msg)
        if all(t.held_out for t in self.targets):
            msg = "every target is held out: at least one must be fitted"
            raise ValueError(msg)
        return self

    @property
    def fitted(self) -> list[Target]:
        return [t for t in self.targets if not t.held_out]

    def arm(self, name: str) -> Arm:
        """An arm by name; ``main`` is the scenario with the calibration's own overrides."""
        if name == "main":
            return Arm(name="main", set=list(self.set), without=list(self.without))
        found = next(a for a in self.arms if a.name == name)
        return Arm(name=name, set=[*self.set, *found.set], without=[*self.without, *found.without])

    def overrides(self, arm: Arm, point: dict[str, float]) -> tuple[str, ...]:
        """The ``--set`` items of a parameter point on an arm, after the arm's own."""
        return (*arm.set, *(override(name, point[name]) for name in sorted(point)))


def observations(calibration: Calibration) -> dict[str, Observed]:
    """Each target's observed value and range, from the data files."""
    table = load_data(Path(calibration.data_folder) if calibration.data_folder else None)
    found = {}
    for target in calibration.targets:
        at = row(table, target.data, target.data_at or target.at)
        if target.data_is_value:
            found[target.name] = widened(observed("level", at, None, 0.0), target)
            continue
        base = row(table, target.data, target.base) if target.base else None
        found[target.name] = widened(observed(target.form, at, base, target.years), target)
    return found


def widened(found: Observed, target: Target) -> Observed:
    """The published range, widened to the target's tolerance: an exact count at a
    congress is not known to the model's precision (who counted, candidates or not)."""
    margin = abs(found.value) * target.tolerance
    return Observed(
        found.value,
        min(found.low, found.value - margin),
        max(found.high, found.value + margin),
        found.sources,
    )


def _check(calibration: Calibration, where: str) -> None:
    """Priors' ends validate against the scenario; data rows and model measures exist."""
    try:
        raw = _read_raw(calibration.scenario)
        for arm in ["main", *(a.name for a in calibration.arms)]:
            chosen = calibration.arm(arm)
            validate(apply_overrides(raw, list(chosen.set), list(chosen.without)))
            for p in calibration.parameters:
                for value in (p.low, p.high):
                    trial = [*chosen.set, override(p.name, value)]
                    validate(apply_overrides(raw, trial, list(chosen.without)))
        for target in calibration.targets:
            check_measure(target.model)
        observations(calibration)
    except (ScenarioError, TargetError, MeasureError) as exc:
        raise CalibrationError(f"{where}: {exc}") from exc


def parse_calibration(raw: dict[str, object], where: str = "calibration") -> Calibration:
    try:
        calibration = Calibration.model_validate(raw)
    except ValidationError as exc:
        raise CalibrationError(f"{where}: {_describe(exc)}") from exc
    _check(calibration, where)
    return calibration


def load_calibration(path: str | Path) -> Calibration:
    """Read and validate a calibration TOML file."""
    where = shorten(str(path))
    try:
        raw = parse_toml(read_text(Path(path), where), where)
    except ScenarioError as exc:
        raise CalibrationError(str(exc)) from exc
    folder = raw.get("data_folder")
    if isinstance(folder, str):  # relative to the calibration file, as a reader expects
        raw["data_folder"] = str((Path(path).parent / folder).resolve())
    return parse_calibration(raw, where)
