"""The parameter points the facts are evaluated at: a posterior's weighted points from a CSV
file, or a box of bounds sampled by a seeded Latin hypercube (or a Morris or Sobol' design).

A posterior file has a ``weight`` column and one column per parameter, named by its dotted
path as ``--set`` takes it (``mechanisms.crisis.needed``); every row is a point. A box file
is a TOML table ``[box]`` of ``"dotted.path" = [low, high]``. Both are checked before
anything runs: names, numbers, weights, and every value against the facts' small society
(a name no scenario has, a value out of its range: one-line ``RobustnessError``). The box
is sampled through the experiments' own SALib designs (``experiments.design``), so the
sensitivity indices read the points in the order they were drawn.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from thermidor.experiments.spec import Design, Experiment, ExperimentError, Parameter, override
from thermidor.scenarios.loader import (
    ScenarioError,
    _describe,
    load_scenario,
    parse_toml,
    read_text,
    shorten,
)
from thermidor.store import shown_name
from thermidor.validity.facts_institutions import SMALL

# a dotted path as --set takes it: words of letters, digits, _ and -, list indices as numbers
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$")
MAX_POINTS = 100_000  # rows of a posterior file, at most (each point costs minutes)
MAX_PARAMETERS = 200
Sampling = Literal["latin", "morris", "sobol"]


class RobustnessError(ValueError):
    """A points file, a box, an argument or a stored study that cannot be used, in one line."""


@dataclass(frozen=True)
class Point:
    """One parameter point: dotted path -> value, and its weight (1 outside a posterior)."""

    params: dict[str, float] = field(default_factory=dict)
    weight: float = 1.0

    def overrides(self) -> tuple[str, ...]:
        """The point as ``--set`` items, in its columns' order."""
        return tuple(override(name, value) for name, value in self.params.items())


def _check_name(name: str, where: str) -> str:
    if not NAME.match(name):
        msg = (
            f"{where}: parameter {shown_name(name)} is not a dotted path "
            "(e.g. mechanisms.crisis.needed)"
        )
        raise RobustnessError(msg)
    return name


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise RobustnessError(f"{where}: {shown_name(text)} is not a number") from None
    if not math.isfinite(value):
        raise RobustnessError(f"{where}: {text!r} is not a finite number")
    return value


def check_point(point: Point, where: str) -> None:
    """The point's overrides are accepted by the facts' small society."""
    try:
        load_scenario(SMALL, list(point.overrides()))
    except ScenarioError as exc:
        raise RobustnessError(f"{where}: {exc}") from exc


def read_points(path: Path) -> tuple[Point, ...]:
    """The weighted points of a posterior CSV file (``weight`` and one column per parameter).

    Weights are finite and not negative, with a positive sum; they need not sum to 1 (shares
    are normalised by their sum)."""
    where = shorten(str(path))
    try:
        text = read_text(path, where)
    except ScenarioError as exc:
        raise RobustnessError(str(exc)) from exc
    rows = list(csv.reader(text.splitlines()))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise RobustnessError(f"{where}: no header (a weight column and one per parameter)")
    header = [cell.strip() for cell in rows[0]]
    if "weight" not in header:
        raise RobustnessError(f"{where}: no weight column; columns: {', '.join(header)[:200]}")
    if len(set(header)) != len(header):
        raise RobustnessError(f"{where}: a column is named twice")
    names = [_check_name(name, where) for name in header if name != "weight"]
    if not names:
        raise RobustnessError(f"{where}: no parameter column besides weight")
    if len(names) > MAX_PARAMETERS:
        raise RobustnessError(f"{where}: {len(names)} parameters, at most {MAX_PARAMETERS}")
    body = [row for row in rows[1:] if any(cell.strip() for cell in row)]
    if not body:
        raise RobustnessError(f"{where}: no point (no row after the header)")
    if len(body) > MAX_POINTS:
        raise RobustnessError(f"{where}: {len(body)} points, at most {MAX_POINTS}")
    points = []
    for number, row in enumerate(body, start=2):
        at = f"{where} row {number}"
        if len(row) != len(header):
            raise RobustnessError(f"{at}: {len(row)} cells for {len(header)} columns")
        values = {
            name: _number(cell, f"{at} {name}") for name, cell in zip(header, row, strict=True)
        }
        weight = values.pop("weight")
        if weight < 0:
            raise RobustnessError(f"{at}: weight {weight:g} is negative")
        point = Point(values, weight)
        check_point(point, at)
        points.append(point)
    if sum(p.weight for p in points) <= 0:
        raise RobustnessError(f"{where}: the weights sum to 0")
    return tuple(points)


def read_box(path: Path) -> dict[str, tuple[float, float]]:
    """The ``[box]`` table of a TOML file: dotted path -> (low, high), low < high."""
    where = shorten(str(path))
    try:
        raw = parse_toml(read_text(path, where), where)
    except ScenarioError as exc:
        raise RobustnessError(str(exc)) from exc
    extra = [key for key in raw if key != "box"]
    if extra:
        raise RobustnessError(f"{where}: unknown table or key {shown_name(extra[0])}; allowed: box")
    table = raw.get("box")
    if not isinstance(table, dict) or not table:
        raise RobustnessError(f'{where}: no [box] table of "dotted.path" = [low, high]')
    if len(table) > MAX_PARAMETERS:
        raise RobustnessError(f"{where}: {len(table)} parameters, at most {MAX_PARAMETERS}")
    box: dict[str, tuple[float, float]] = {}
    for name, bounds in table.items():
        at = f"{where} box.{shorten(name, 80)}"
        _check_name(name, where)
        if (
            not isinstance(bounds, list)
            or len(bounds) != 2
            or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
        ):
            raise RobustnessError(f"{at}: give [low, high], two numbers")
        low, high = (float(b) for b in bounds)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise RobustnessError(f"{at}: [{low:g}, {high:g}] needs finite low < high")
        box[name] = (low, high)
    for name, (low, high) in box.items():
        for value in (low, high):
            check_point(Point({name: value}), f"{where} box.{shorten(name, 80)}")
    return box


def box_experiment(
    box: dict[str, tuple[float, float]],
    kind: Sampling,
    samples: int,
    seed: int = 0,
    levels: int = 4,
) -> Experiment:
    """The experiments' sampling design over ``box`` (the facts' small society as its
    scenario): its ``sample_matrix`` draws the points, ``experiments.sensitivity.indices``
    reads indices from outputs in the same order."""
    try:
        return Experiment(
            name="robustness",
            scenario=SMALL,
            parameters=[Parameter(name=n, low=lo, high=hi) for n, (lo, hi) in box.items()],
            design=Design(kind=kind, samples=samples, seed=seed, levels=levels),
        )
    except ValidationError as exc:
        raise RobustnessError(f"{kind} design of the box: {_describe(exc)}") from exc


def sample(experiment: Experiment) -> tuple[Point, ...]:
    """The design's points, in SALib's order (weight 1)."""
    from thermidor.experiments.design import sample_matrix  # noqa: PLC0415

    names = [p.name for p in experiment.parameters]
    try:
        matrix = sample_matrix(experiment)
    except (ValueError, ExperimentError) as exc:
        raise RobustnessError(f"{experiment.design.kind} design of the box: {exc}") from exc
    return tuple(Point({n: float(x) for n, x in zip(names, row, strict=True)}) for row in matrix)
