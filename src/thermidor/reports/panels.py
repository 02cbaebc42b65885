"""What a run report shows: the panels of metrics, the marked spans and the Thermidor step.

Both renderers (plotly and matplotlib) read these, so the interactive report
and the paper figure show the same things in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from thermidor.engine import calendar

# title -> the metrics drawn together in one small multiple (Rakovsky's dangers side by side)
PANELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Participation and capacity", ("participation", "capacity")),
    ("Apparatus and nomination", ("apparatus_share", "nominated_share")),
    ("Privilege and inequality", ("privilege_ratio", "gini")),
    # the abuse rate (about 0.01) on its own axis: beside the 0..1 shares it is a flat line
    ("Abuse rate", ("abuse_rate",)),
    ("Abuses known and sanctioned", ("known_abuse_share", "sanctioned_share")),
    ("Report inflation", ("report_inflation",)),
    ("Identification and legitimacy", ("identification", "legitimacy")),
    ("Control and mobilisation", ("control_index", "mobilization_potential")),
)

PANEL_METRICS: tuple[str, ...] = tuple(m for _, metrics in PANELS for m in metrics)


@dataclass(frozen=True)
class Span:
    """A shock or an intervention on the time axis: ``end`` is exclusive (``start + duration``);
    an intervention without a duration is a mark at ``start`` (``end == start``)."""

    start: int
    end: int
    kind: str  # "shock" or "intervention"
    label: str
    note: str
    event_id: str = ""  # the id ``thermidor timeline`` prints, ``--without`` takes

    @property
    def is_mark(self) -> bool:
        return self.end <= self.start


def is_scenario_run(params: dict[str, Any]) -> bool:
    """Classic-model runs (granovetter, epstein...) have no ``meta`` and none of these metrics."""
    return isinstance(params.get("meta"), dict)


def _span(item: dict[str, Any], kind: str, steps: int) -> Span | None:
    start = int(item.get("start", 0))
    duration = item.get("duration")
    end = start if duration is None and kind == "intervention" else start + int(duration or 1)
    if start >= steps:  # scheduled after the run ended
        return None
    return Span(
        start,
        min(end, steps),
        kind,
        str(item.get("kind", kind)),
        str(item.get("note", "")),
        str(item.get("id", "")),
    )


def spans(params: dict[str, Any], steps: int) -> list[Span]:
    """The run's shocks (start .. start + duration) and interventions (a mark at their start,
    a span when they carry a duration) that fall inside its ``steps``, shocks first."""
    found = [_span(s, "shock", steps) for s in params.get("shocks", [])]
    found += [_span(i, "intervention", steps) for i in params.get("interventions", [])]
    return [span for span in found if span is not None]


def step_date(params: dict[str, Any], step: int) -> str | None:
    """The calendar date of ``step`` from ``meta.start`` and ``meta.time_step`` (see
    :mod:`thermidor.engine.calendar`); None when the run's parameters carry no readable start."""
    meta = params.get("meta") or {}
    try:
        return calendar.step_date(str(meta.get("start", "")), meta.get("time_step", "month"), step)
    except calendar.CalendarError:
        return None


def numbered(params: dict[str, Any], steps: int) -> list[tuple[int, Span]]:
    """The run's events in the order of their start (shocks before interventions within a
    step), numbered from 1: the numbers a figure's markers and the list under it share."""
    found = sorted(spans(params, steps), key=lambda s: (s.start, s.kind != "shock"))
    return list(enumerate(found, 1))


def calendar_of(params: dict[str, Any]) -> tuple[str, str] | None:
    """The run's (start, time_step) when its parameters carry a readable start, else None."""
    if step_date(params, 0) is None:
        return None
    meta = params["meta"]
    return str(meta["start"]), str(meta.get("time_step", "month"))


def axis_x(params: dict[str, Any], steps: int) -> list[str] | list[int]:
    """The x of steps ``0 .. steps - 1``: ISO days on a date axis (``calendar.axis_dates``),
    or the step numbers for a run without a calendar."""
    found = calendar_of(params)
    if found is None:
        return list(range(steps))
    return calendar.axis_dates(found[0], found[1], steps)


def x_of(params: dict[str, Any], step: int) -> str | int:
    """One step's x on the axis ``axis_x`` draws."""
    found = calendar_of(params)
    return step if found is None else calendar.axis_date(found[0], found[1], step)


def axis_title(params: dict[str, Any]) -> str:
    """The x axis: dates, with the step's length and the date of step 0, when the scenario
    gives them; else steps."""
    meta = params.get("meta") or {}
    if step_date(params, 0) is None:
        return "step"
    return f"date (one step a {meta.get('time_step', 'month')}, step 0 = {meta['start']})"


def flatten(params: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """The resolved parameters as (dotted key, value) rows, lists of tables indexed
    (``society.cohorts[0].share``): the table a reader checks a run against."""
    rows: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += flatten(value, f"{name}.")
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                rows += flatten(item, f"{name}[{i}].") if isinstance(item, dict) else []
        elif isinstance(value, list):
            rows.append((name, "; ".join(str(v) for v in value)))
        else:
            rows.append((name, "none" if value is None else str(value)))
    return rows
