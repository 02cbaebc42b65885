"""Experiment files: a base scenario, the parameters that vary and how, seeds, metrics, store.

Validated like scenarios (strict pydantic models, one-line ``ExperimentError``
naming the field, the value and what is allowed) and checked against the base
scenario before anything runs: every varying or fixed parameter must be one
``--set`` accepts, and every value of a grid must validate.

A grid varies parameters over listed values or evenly spaced ranges (their
cartesian product); Latin hypercube, Sobol' and Morris designs sample
parameters between ``low`` and ``high`` with SALib. An experiment's size (its
points times its seeds) is counted from the file, before any point is built,
and refused above ``MAX_RUNS``.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from thermidor.engine.seeds import seed_problem
from thermidor.experiments.objective import Objective
from thermidor.experiments.seed_field import Seed
from thermidor.model.results import METRICS
from thermidor.scenarios.loader import (
    ScenarioError,
    _describe,
    apply_overrides,
    parse_toml,
    read_text,
    shorten,
    validate,
)

Value = bool | int | float | str

# Runs (points x seeds) of one experiment, at most. Planning holds every point and every
# run to compute in memory, about 1 kB per run (1 GB at the limit), and resolves each
# point's scenario: bigger studies are split into several experiments, which share the
# runs of one store.
MAX_RUNS = 1_000_000


class ExperimentError(ValueError):
    """An experiment file or argument that cannot be used, with a one-line reason."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(Strict):
    """``num`` evenly spaced values from ``start`` to ``stop`` (both included)."""

    start: float
    stop: float
    num: int = Field(ge=2, le=10_000)


class Parameter(Strict):
    """One parameter that varies: a dotted key as ``--set`` takes it, and how it varies."""

    name: str = Field(min_length=1, description="dotted key, e.g. institutions.nominated_share")
    values: list[Value] | None = Field(None, min_length=1, description="grid: these values")
    range: Range | None = Field(None, description="grid: evenly spaced values")
    low: float | None = Field(None, description="sampling designs: lower bound")
    high: float | None = Field(None, description="sampling designs: upper bound")
    integer: bool = Field(False, description="round sampled values to whole numbers")

    @model_validator(mode="after")
    def _one_way(self) -> Parameter:
        grid = (self.values is not None) + (self.range is not None)
        bounds = self.low is not None or self.high is not None
        if grid > 1 or (grid and bounds):
            msg = "give one of values, range, or low and high"
            raise ValueError(msg)
        if bounds and (self.low is None or self.high is None or not self.low < self.high):
            msg = f"low ({self.low}) and high ({self.high}) must both be given, low < high"
            raise ValueError(msg)
        if not grid and not bounds:
            msg = "give values, range, or low and high"
            raise ValueError(msg)
        return self

    @property
    def grid_size(self) -> int:
        """How many values the grid gives (0 for a sampled parameter), without listing them."""
        if self.values is not None:
            return len(self.values)
        return self.range.num if self.range is not None else 0

    @property
    def grid(self) -> list[Value]:
        if self.values is not None:
            return list(self.values)
        if self.range is not None:
            r = self.range
            return [r.start + (r.stop - r.start) * k / (r.num - 1) for k in range(r.num)]
        return []


class Design(Strict):
    """How points are chosen: a full grid, or a sample for SALib."""

    kind: Literal["grid", "latin", "sobol", "morris"] = "grid"
    samples: int = Field(
        16,
        ge=1,
        le=1_000_000,
        description="latin: points; sobol: base N (a power of 2); morris: trajectories",
    )
    levels: int = Field(4, ge=2, le=100, description="morris: grid levels")
    second_order: bool = Field(False, description="sobol: also second-order indices")
    seed: Seed = Field(0, description="seed of the sampling design")

    @model_validator(mode="after")
    def _power_of_two(self) -> Design:
        if self.kind == "sobol" and self.samples & (self.samples - 1):
            msg = f"sobol samples must be a power of 2, got {self.samples}"
            raise ValueError(msg)
        return self


MetricName = Annotated[str, Field(pattern=r"^[a-z_]+$")]


class Experiment(Strict):
    """An experiment: every (point, seed) pair is one run of the base scenario."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    scenario: str = Field(description="shipped scenario name or path of a scenario file")
    set: list[str] = Field(default_factory=list, description="fixed overrides, dotted.key=value")
    without: list[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]] = Field(
        default_factory=list, description="ids of shocks and interventions left out of every run"
    )
    parameters: list[Parameter] = Field(min_length=1)
    design: Design = Design()
    seeds: int = Field(1, ge=1, le=100_000, description="runs per point (seeds base_seed ...)")
    base_seed: Seed = Field(
        0, description="the first seed; the last, base_seed + seeds - 1, fits too"
    )
    steps: int | None = Field(None, ge=1, le=100_000, description="overrides meta.steps")
    members: int | None = Field(None, ge=100, le=10_000_000, description="overrides meta.members")
    metrics: list[MetricName] = Field(default_factory=lambda: list(METRICS), min_length=1)
    store: str = Field("results.duckdb", description="results store (DuckDB file)")
    optimize: Objective | None = Field(None, description="policy search: target and costs")

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        unknown = [m for m in self.metrics if m not in METRICS]
        if unknown:
            msg = f"unknown metric {unknown[0]!r}; allowed: {', '.join(METRICS)}"
            raise ValueError(msg)
        seeds = seed_problem("base_seed", self.base_seed, self.seeds)
        if seeds:
            raise ValueError(seeds)
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            msg = f"a parameter varies twice: {names}"
            raise ValueError(msg)
        if self.optimize is None:  # a search ignores the design
            problem = self.design_mismatch() or self.size_problem()
            if problem:
                raise ValueError(problem)
        return self

    def design_mismatch(self) -> str | None:
        """Why the parameters do not fit the design (None when they do)."""
        sampled = self.design.kind != "grid"
        for p in self.parameters:
            if sampled and p.low is None:
                return f"parameter {p.name}: a {self.design.kind} design needs low and high"
            if not sampled and p.low is not None:
                return f"parameter {p.name}: a grid needs values or range (low/high: sampling)"
        return None

    def point_count(self) -> int:
        """How many points the design gives, counted as SALib draws them (k parameters),
        never by building them."""
        design, k = self.design, len(self.parameters)
        if design.kind == "grid":
            return math.prod(p.grid_size for p in self.parameters)
        if design.kind == "sobol":
            return design.samples * (2 * k + 2 if design.second_order else k + 2)
        if design.kind == "morris":
            return design.samples * (k + 1)
        return design.samples  # latin

    def size_problem(self) -> str | None:
        """Why the experiment is too big to run (None when it is not)."""
        points = self.point_count()
        runs = points * self.seeds
        if runs <= MAX_RUNS:
            return None
        seeds = f"{self.seeds} seed{'s' if self.seeds > 1 else ''}"
        return (
            f"{runs} runs ({points} points x {seeds}) exceed the limit of {MAX_RUNS} runs per "
            "experiment; split it into smaller experiments (they can share a store)"
        )

    def base_overrides(self) -> list[str]:
        """Overrides every run gets: the fixed ``set``, each ``without`` id as the loader's
        ``events.ID=none``, then steps and members if given."""
        extra = list(self.set)
        extra += [f"events.{event_id}=none" for event_id in self.without]
        if self.steps is not None:
            extra.append(f"meta.steps={self.steps}")
        if self.members is not None:
            extra.append(f"meta.members={self.members}")
        return extra

    def identity(self) -> str:
        """12 hex digits of the hash of what determines the runs (not the store path, and
        fields at their defaults left out, so a field added later changes no id): the same
        file run again is the same experiment, and resumes."""
        content = self.model_dump(
            mode="json", exclude={"store", "description"}, exclude_defaults=True
        )
        canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _value_text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def override(name: str, value: Value) -> str:
    """A ``--set`` item for one parameter value."""
    return f"{name}={_value_text(value)}"


def parse_experiment(raw: dict[str, Any], where: str = "experiment") -> Experiment:
    """Validate a raw mapping into an Experiment, checked against its scenario."""
    try:
        experiment = Experiment.model_validate(raw)
    except ValidationError as exc:
        raise ExperimentError(f"{where}: {_describe(exc)}") from exc
    check_against_scenario(experiment, where)
    return experiment


def check_against_scenario(experiment: Experiment, where: str = "experiment") -> None:
    """Every fixed and varying parameter exists in the scenario, and grid values validate."""
    from thermidor.scenarios.loader import _read_raw  # noqa: PLC0415

    try:
        raw = _read_raw(experiment.scenario)
        base = experiment.base_overrides()
        validate(apply_overrides(raw, base))
        for p in experiment.parameters:
            trial = p.grid
            if not trial:  # no grid: the validator then guarantees both bounds
                assert p.low is not None
                assert p.high is not None
                trial = [p.low, p.high]
            for value in trial:  # in one pass, as a run resolves them (list indices as written)
                validate(apply_overrides(raw, [*base, override(p.name, value)]))
    except ScenarioError as exc:
        raise ExperimentError(f"{where}: {exc}") from exc


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment TOML file (a name too long, a directory, bytes not
    UTF-8 or TOML nested too deep: a one-line ExperimentError, like any other fault of it)."""
    where = shorten(str(path))
    try:
        raw = parse_toml(read_text(Path(path), where), where)
    except ScenarioError as exc:
        raise ExperimentError(str(exc)) from exc
    return parse_experiment(raw, where)
