"""The dashboard's plotly figures: one metric each, against calendar dates, fitted to a column.

A figure has no fixed width (plotly sizes it to its column, ``autosize``), a short title
(the metric's long description is the caption under it), the run solid and the pinned
baseline dashed, the scenario's events as labelled markers along the bottom (their hover
text says what each does), the Thermidor step and the letter's date marked. The x axis
always spans the whole run, first to last step, even before a run or while it is partial;
before any run the figure says so instead of showing empty axes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from thermidor.engine import calendar
from thermidor.model.results import EXTRA_SERIES, METRIC_DOCS, METRICS

PLOTTED: tuple[str, ...] = ("participation", "control_index", "apparatus_share", "privilege_ratio")
CHOICES: tuple[str, ...] = METRICS + tuple(s for s in EXTRA_SERIES if s in METRIC_DOCS)
Values = Sequence[float] | np.ndarray  # one series: the recorder's array, or a list of floats
Series = Mapping[str, Values]
HEIGHT = 280  # pixels: two rows of figures and the controls above fit a 900 px screen
# Rakovsky's letter is dated Astrakhan, 6 August 1928 (docs/model.md, section 1): the 1928
# scenarios share their history up to it and differ after it
LETTER = "1928-08"
RUN_COLOUR, BASELINE_COLOUR = "#b2182b", "#777777"
EVENT_COLOURS = {"shock": "#e08214", "intervention": "#2166ac"}


@dataclass(frozen=True)
class Timeline:
    """What every figure of a scenario shares: its dates and the events to mark."""

    dates: tuple[str, ...]  # ISO day of each step (calendar.axis_dates)
    events: tuple[tuple[int, str, str], ...] = ()  # (step, "shock"/"intervention", hover text)
    letter_step: int | None = None  # the step of the letter, when the run covers it


def timeline(start: str, time_step: str, steps: int, rows: Sequence[Mapping[str, Any]]) -> Timeline:
    """The dates of a run of ``steps`` and its events (rows of
    :func:`thermidor.scenarios.timeline.rows`) that run within it."""
    marked = []
    for row in rows:
        if row["suppressed"] is not None or not row["in_run"]:
            continue
        fields = ", ".join(f"{k}={v}" for k, v in row["fields"].items())
        until = f" to {row['end_date']}" if row["end"] not in (None, row["start"]) else ""
        text = f"<b>{row['id']}</b><br>{row['type']} {row['kind']}, {row['date']}{until}"
        marked.append((int(row["start"]), row["type"], text + (f"<br>{fields}" if fields else "")))
    letter = calendar.step_of(start, time_step, LETTER)
    return Timeline(
        tuple(calendar.axis_dates(start, time_step, steps)),
        tuple(marked),
        letter if 0 <= letter < steps else None,
    )


def title(metric: str) -> str:
    """A short title: the metric's name in words (``control_index`` -> ``Control index``)."""
    return metric.replace("_", " ").capitalize()


def plain(values: Values, steps: int) -> list[float | None]:
    """Floats for plotly's JSON, with steps not yet run (NaN) as gaps, ``steps`` long."""
    out: list[float | None] = [None if math.isnan(v) else float(v) for v in values[:steps]]
    return out + [None] * (steps - len(out))


def _vline(step: int, dates: Sequence[str], label: str, dash: str) -> tuple[dict, dict]:
    """A vertical line at ``step`` and its label just inside the top of the plot."""
    x = dates[step]
    shape = {
        "type": "line", "x0": x, "x1": x, "y0": 0, "y1": 1, "yref": "paper",
        "line": {"dash": dash, "color": "black", "width": 1},
    }  # fmt: skip
    note = {
        "x": x, "y": 1, "yref": "paper", "yanchor": "top", "xanchor": "left", "text": label,
        "showarrow": False, "font": {"size": 10}, "bgcolor": "rgba(255,255,255,0.7)",
    }  # fmt: skip
    return shape, note


def _event_markers(line: Timeline) -> list[dict]:
    """One marker trace per event type along the bottom of the plot, a marker per step (the
    hover text of a step lists every event starting there)."""
    traces = []
    for which, colour in EVENT_COLOURS.items():
        texts: dict[int, list[str]] = {}
        for step, kind, text in line.events:
            if kind == which and step < len(line.dates):
                texts.setdefault(step, []).append(text)
        if not texts:
            continue
        steps = sorted(texts)
        traces.append(
            {
                "type": "scatter", "mode": "markers", "name": f"{which}s",
                "x": [line.dates[s] for s in steps],
                "y": [0.04 if which == "shock" else 0.1] * len(steps),
                "yaxis": "y2", "hovertext": ["<br><br>".join(texts[s]) for s in steps],
                "hoverinfo": "text", "hoverlabel": {"align": "left"},
                "marker": {"symbol": "triangle-up", "size": 9, "color": colour},
            }
        )  # fmt: skip
    return traces


def figure(
    metric: str,
    run: Series,
    baseline: Series,
    line: Timeline,
    thermidor_step: int | None = None,
    message: str = "",
    width: int = 0,
) -> go.Figure:
    """``metric`` of the run (solid) and of the pinned baseline (dashed) against the date,
    with the events, the letter and Thermidor marked; ``message`` in the middle when there
    is no series to show (before a run). ``width``: of its column in pixels (0: not known
    yet, plotly sizes it)."""
    steps = len(line.dates)
    x = list(line.dates)
    traces: list[dict] = []
    if metric in baseline:
        traces.append(
            {
                "type": "scatter", "x": x, "y": plain(baseline[metric], steps), "name": "baseline",
                "line": {"dash": "dash", "color": BASELINE_COLOUR},
            }
        )  # fmt: skip
    if metric in run:
        traces.append(
            {
                "type": "scatter", "x": x, "y": plain(run[metric], steps), "name": "run",
                "line": {"color": RUN_COLOUR},
            }
        )  # fmt: skip
    shown = bool(traces)
    shapes, notes = [], []
    if line.letter_step is not None:
        shape, note = _vline(line.letter_step, line.dates, "letter, Aug 1928", "dash")
        shapes.append(shape)
        notes.append(note | {"xanchor": "right"})
    if thermidor_step is not None and thermidor_step < steps:
        shape, note = _vline(thermidor_step, line.dates, "Thermidor", "dot")
        shapes.append(shape)
        notes.append(note | {"y": 0.88})
    if not shown and message:
        notes.append(
            {
                "text": message, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                "showarrow": False, "font": {"size": 13, "color": "#555"},
            }
        )  # fmt: skip
    traces += _event_markers(line)
    last = x[-1] if x else None
    layout = {
        "title": {"text": title(metric), "font": {"size": 14}, "x": 0.02, "xanchor": "left"},
        "autosize": not width,
        "width": width or None,
        "height": HEIGHT,
        "margin": {"l": 45, "r": 15, "t": 40, "b": 35, "autoexpand": True},
        "xaxis": {"type": "date", "range": [x[0], last] if x else None},
        "yaxis": {"rangemode": "tozero"} if shown else {"range": [0, 1]},
        "yaxis2": {"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
        "shapes": shapes,
        "annotations": notes,
        "showlegend": False,
        "hovermode": "closest",
    }
    return go.Figure({"data": traces, "layout": layout})
