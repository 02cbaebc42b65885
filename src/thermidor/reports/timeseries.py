"""A run's or several runs' metrics over calendar time, as one plotly figure.

One small multiple per panel (``panels.PANELS``) on a date axis that runs to the last step,
under a strip of numbered event markers (hover: number, id, kind, dates, note) whose numbers
match the list printed under the figure. A colour per run and a dash per metric: the legend
holds one entry per run, and each panel's title carries the key of its dashes. Thermidor is
a vertical line in the run's colour, labelled inside the plot area (hover: run and date).
Runs that share a history are drawn widest first, so that a later run drawn on top of the
same values leaves the earlier one visible around it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from thermidor.reports.panels import PANELS, Span, axis_title, axis_x, numbered, step_date, x_of

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from thermidor.reports.data import RunData

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
DASHES = ("solid", "dash", "dot", "dashdot")
DASH_KEYS = {"solid": "──", "dash": "╌╌", "dot": "┈┈", "dashdot": "─·"}
SHOCK_FILL, INTERVENTION_LINE, EVENT_LINE = "#f2c14e", "#777777", "#bbbbbb"
THERMIDOR_LINE = "#b00020"
PANEL_HEIGHT, LEVEL_HEIGHT = 230, 16
SPACING = 75  # px between rows: the tick labels above, a title and its key below


def levels(marks: list[tuple[int, Span]], steps: int) -> list[int]:
    """A row of the strip for each event, so that no two labels overlap: the lowest row whose
    last event ended (or whose label ends) before this one starts."""
    gap = max(3, steps // 40)  # about the width of a marker and its number, in steps
    ends: list[int] = []
    out = []
    for _, span in marks:
        reach = max(span.end, span.start + gap)
        row = next((r for r, end in enumerate(ends) if end <= span.start), len(ends))
        if row == len(ends):
            ends.append(reach)
        else:
            ends[row] = reach
        out.append(row)
    return out


def hover(number: int, span: Span, params: dict[str, Any]) -> str:
    """A marker's hover text: number, id, kind, dates and note."""
    when = step_date(params, span.start) or f"step {span.start}"
    if not span.is_mark:
        when += f" to {step_date(params, span.end - 1) or f'step {span.end - 1}'}"
    note = f"<br>{span.note}" if span.note else ""
    return f"{number}. {span.event_id or span.label} ({span.kind}: {span.label}), {when}{note}"


def _axes(index: int, first: int) -> tuple[str, str]:
    """The x axis and y domain of panel ``index`` when the panels start at subplot ``first``."""
    n = index + first
    suffix = "" if n == 1 else str(n)
    return f"x{suffix}", f"y{suffix} domain"


def _panel_shapes(
    params: dict[str, Any], marks: list[tuple[int, Span]], count: int, first: int
) -> list[dict[str, Any]]:
    """Each event's start as a faint dotted line in every panel: where to look up in the
    strip (shaded spans of 40 overlapping events hid the data)."""
    shapes = []
    for _, span in marks:
        x0 = x_of(params, span.start)
        for i in range(count):
            xref, yref = _axes(i, first)
            shapes.append({"type": "line", "xref": xref, "yref": yref, "x0": x0, "x1": x0,
                           "y0": 0, "y1": 1, "name": f"{span.kind}: {span.label}",
                           "line": {"color": EVENT_LINE, "width": 0.8, "dash": "dot"},
                           "layer": "below"})  # fmt: skip
    return shapes


def events_of(runs: list[RunData]) -> dict[str, Any]:
    """The events of every run (by id, first seen kept) with the longest run's calendar: the
    runs of a comparison share most events and differ by a few."""
    longest = max(runs, key=lambda r: len(r.series["step"]))
    merged: dict[str, Any] = {"meta": longest.params.get("meta"), "shocks": [],
                              "interventions": []}  # fmt: skip
    seen: set[tuple[str, int]] = set()
    for run in sorted(runs, key=lambda r: -len(r.series["step"])):  # its durations kept
        for key in ("shocks", "interventions"):
            for event in run.params.get(key) or []:
                ident = (str(event.get("id", event.get("kind"))), int(event.get("start", 0)))
                if ident not in seen:
                    seen.add(ident)
                    merged[key].append(event)
    return merged


def _strip(
    fig: go.Figure, params: dict[str, Any], marks: list[tuple[int, Span]], steps: int
) -> None:
    """The numbered markers in the top strip; a shock's duration as a bar from its marker."""
    import plotly.graph_objects as go  # noqa: PLC0415

    rows = levels(marks, steps)
    bars_x: list[Any] = []
    bars_y: list[Any] = []
    for (_, span), row in zip(marks, rows, strict=True):
        if not span.is_mark:
            bars_x += [x_of(params, span.start), x_of(params, span.end), None]
            bars_y += [-row, -row, None]
    if bars_x:
        fig.add_trace(
            go.Scatter(x=bars_x, y=bars_y, mode="lines", line={"color": SHOCK_FILL, "width": 5},
                       hoverinfo="skip", showlegend=False, name="event durations"),
            row=1, col=1,
        )  # fmt: skip
    colors = [SHOCK_FILL if s.kind == "shock" else INTERVENTION_LINE for _, s in marks]
    fig.add_trace(
        go.Scatter(
            x=[x_of(params, s.start) for _, s in marks],
            y=[-r for r in rows],
            mode="markers+text",
            marker={"color": colors, "size": 8, "line": {"color": "#333", "width": 0.5}},
            text=[str(n) for n, _ in marks],
            textposition="middle right",
            textfont={"size": 10},
            hovertext=[hover(n, s, params) for n, s in marks],
            hoverinfo="text",
            cliponaxis=False,  # a marker at the first or last step is drawn whole
            showlegend=False,
            name="events",
            meta={"events": [s.event_id for _, s in marks]},
        ),
        row=1,
        col=1,
    )
    fig.update_yaxes(visible=False, range=[-max(rows) - 0.7, 0.7], row=1, col=1)


def _title(title: str, metrics: tuple[str, ...], keyed: bool) -> str:
    """A panel title, with the key of its dashes when it holds more than one metric."""
    if not keyed or len(metrics) < 2:
        return title
    key = "  ".join(f"{DASH_KEYS[DASHES[j]]} {m}" for j, m in enumerate(metrics))
    return f"{title}<br><span style='font-size:10px'>{key}</span>"


def shared_steps(a: RunData, b: RunData) -> int:
    """How many leading steps two runs share: every panel metric equal (NaN equal NaN)."""
    metrics = [m for _, ms in PANELS for m in ms]
    length = min(len(a.series["step"]), len(b.series["step"]))
    same = np.ones(length, dtype=bool)
    for m in metrics:
        x, y = a.series[m][:length], b.series[m][:length]
        same &= (x == y) | (np.isnan(x) & np.isnan(y))
    return length if same.all() else int(np.argmin(same))


def history_notes(runs: list[RunData]) -> list[str]:
    """A sentence for each pair of runs that share their first steps."""
    notes = []
    for i, a in enumerate(runs):
        for b in runs[i + 1 :]:
            n = shared_steps(a, b)
            if n > 0:
                until = step_date(a.params, n - 1) or f"step {n - 1}"
                notes.append(
                    f"{a.label} and {b.label} share their first {n} steps (to {until}): their "
                    "lines coincide there; the earlier run is drawn wider, beneath the later."
                )
    return notes


def _thermidor(
    runs: list[RunData], colors: list[str], count: int, first: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each run's Thermidor step as a line in every panel, labelled inside the plot area
    (the labels of several runs stacked), with the run and date on hover."""
    shapes, notes = [], []
    for r, run in enumerate(runs):
        if run.thermidor_step is None:
            continue
        x = x_of(run.params, run.thermidor_step)
        when = step_date(run.params, run.thermidor_step) or f"step {run.thermidor_step}"
        for i in range(count):
            xref, yref = _axes(i, first)
            shapes.append({"type": "line", "xref": xref, "yref": yref, "x0": x, "x1": x,
                           "y0": 0, "y1": 1, "name": f"thermidor {run.run_id or run.label}",
                           "line": {"color": colors[r], "width": 2}})  # fmt: skip
            notes.append({"x": x, "y": 0.98 - 0.13 * r, "xref": xref, "yref": yref,
                          "text": "Thermidor", "showarrow": False, "xanchor": "right",
                          "yanchor": "top", "font": {"size": 10, "color": colors[r]},
                          "bgcolor": "rgba(255,255,255,0.7)",
                          "hovertext": f"Thermidor: {run.label}, {when}"})  # fmt: skip
    return shapes, notes


def figure(runs: list[RunData]) -> go.Figure:
    """The runs' panels under the event strip of the first run (see the module)."""
    import plotly.graph_objects as go  # noqa: PLC0415
    from plotly.subplots import make_subplots  # noqa: PLC0415

    params, steps = events_of(runs), max(len(r.series["step"]) for r in runs)
    marks = numbered(params, steps)
    keyed = len(runs) > 1
    rows = math.ceil(len(PANELS) / 2)
    titles = [_title(t, ms, keyed) for t, ms in PANELS]
    strip = LEVEL_HEIGHT * (max(levels(marks, steps)) + 1) + 20 if marks else 0
    first = 2 if marks else 1
    specs: list[list[dict[str, Any] | None]] = [[{"colspan": 2}, None]] if marks else []
    specs += [[{}, {}] for _ in range(rows)]
    heights = ([strip] if marks else []) + [PANEL_HEIGHT] * rows
    fig = make_subplots(
        rows=len(specs), cols=2, specs=specs, shared_xaxes=True,
        vertical_spacing=SPACING / sum(heights),
        subplot_titles=(["events"] if marks else []) + titles,
        row_heights=heights,
    )  # fmt: skip
    offset = 1 if marks else 0
    colors = [COLORS[r % len(COLORS)] for r in range(len(runs))]
    for r, run in enumerate(runs):
        x = axis_x(run.params, len(run.series["step"]))
        tag = run.run_id or run.label
        width = 1.3 + 1.4 * (len(runs) - 1 - r)  # the first run widest, drawn first (beneath)
        for i, (_, metrics) in enumerate(PANELS):
            for j, metric in enumerate(metrics):
                fig.add_trace(
                    go.Scatter(
                        x=x, y=run.series[metric], mode="lines", name=run.label,
                        legendgroup=run.label, showlegend=keyed and i == 0 and j == 0,
                        line={"color": colors[r], "dash": DASHES[j % len(DASHES)], "width": width},
                        meta={"metric": metric, "run": run.run_id},
                        hovertemplate=f"{metric}: %{{y:.4g}}<extra>{tag}</extra>",
                    ),
                    row=i // 2 + 1 + offset, col=i % 2 + 1,
                )  # fmt: skip
    if marks:
        _strip(fig, params, marks, steps)
    shapes = _panel_shapes(params, marks, len(PANELS), first)
    marks_in = colors if keyed else [THERMIDOR_LINE]  # one run: Thermidor red, as ever
    lines, labels = _thermidor(runs, marks_in, len(PANELS), first)
    last = x_of(params, steps - 1)
    fig.update_layout(
        shapes=shapes + lines,
        annotations=[*fig.layout.annotations, *labels],
        template="plotly_white",
        height=sum(heights) + SPACING * (len(heights) - 1) + 110,
        hovermode="closest",
        margin={"l": 50, "r": 20, "t": 60 if keyed else 40, "b": 50},
        legend={"orientation": "h", "x": 0, "y": 1, "yref": "container", "yanchor": "top"},
        showlegend=keyed,
    )
    fig.update_xaxes(range=[x_of(params, 0), last], showticklabels=True)
    fig.update_xaxes(title_text=axis_title(params), row=len(specs))
    if isinstance(last, str):
        fig.update_xaxes(type="date")
    return fig
