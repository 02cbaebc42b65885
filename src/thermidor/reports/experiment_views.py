"""An experiment's figures: final values per design point, bands over time per point, phase
diagrams of a two-parameter grid, and sensitivity bars.

What they avoid: a line and a band drawn across the range between two categorical or
few-valued points (0.1 and 0.9 are two conditions, not a curve: they are points with error
bars); a legend repeating the experiment's name in every panel (one entry per line, shown
once, none for a single line); an axis zoomed until a negligible difference fills it (axes
of non-negative metrics start at 0, and each title states the spread of the means).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from thermidor.reports import letter
from thermidor.reports.data import is_categorical, is_number
from thermidor.reports.panels import axis_x
from thermidor.reports.timeseries import COLORS

if TYPE_CHECKING:
    from thermidor.reports.data import ExperimentData

Figures = list[tuple[str, go.Figure]]
LEGEND = {"orientation": "h", "x": 0, "y": 1, "yref": "container", "yanchor": "top"}


def _grid(count: int, titles: list[str], height: int = 280) -> go.Figure:
    rows = math.ceil(count / 2)
    total = height * rows + 120
    # room for a row's x axis title and the next row's two-line title
    spacing = min(0.3, 130 / total) if rows > 1 else 0.1
    fig = make_subplots(rows=rows, cols=2, subplot_titles=titles, vertical_spacing=spacing)
    fig.update_layout(template="plotly_white", height=total, hovermode="closest")
    return fig


def _cell(index: int) -> dict[str, int]:
    return {"row": index // 2 + 1, "col": index % 2 + 1}


def _title(exp: ExperimentData, metric: str) -> str:
    """The panel's title with the spread of its means, the scale a reader judges it by."""
    name = "share of runs reaching Thermidor" if metric == "thermidor" else metric
    means = exp.series(metric, "mean")
    finite = means[np.isfinite(means)]
    if finite.size < 2:
        return name
    spread = f"means differ by at most {np.ptp(finite):.2g}"
    return f"{name}<br><span style='font-size:10px'>{spread}</span>"


def _points(
    fig: go.Figure, exp: ExperimentData, metric: str, cell: dict[str, int], panel: int
) -> None:
    """Each line of the design: a line and a 95% band over a numeric parameter with many
    values, else points with error bars at the values' positions (lines side by side)."""
    first = exp.parameters[0]
    values = exp.values(first)
    categorical = is_categorical(values)
    order = sorted(
        set(values),
        key=lambda v: (not is_number(v), v if is_number(v) else str(v)),
    )
    lines = exp.lines()
    for g, (label, points) in enumerate(lines):
        color = COLORS[g % len(COLORS)]
        mean, low, high = (exp.series(metric, key)[points] for key in ("mean", "low", "high"))
        meta = {"metric": metric, "points": points}
        common = {
            "name": label or "mean",
            "legendgroup": label,
            "showlegend": bool(label) and panel == 0,
        }
        if categorical:
            shift = (g - (len(lines) - 1) / 2) * 0.08
            x = [order.index(values[p]) + shift for p in points]
            fig.add_trace(
                go.Scatter(x=x, y=mean, mode="markers", marker={"color": color, "size": 8},
                           error_y={"type": "data", "array": high - mean, "arrayminus": mean - low},
                           meta={**meta, "role": "mean", "categorical": True}, **common),
                **cell,
            )  # fmt: skip
            continue
        x = [values[p] for p in points]
        if exp.design == "grid":
            fig.add_trace(
                go.Scatter(x=x + x[::-1], y=list(high) + list(low[::-1]), fill="toself",
                           fillcolor=color, opacity=0.2, line={"width": 0}, hoverinfo="skip",
                           showlegend=False, legendgroup=label, meta={**meta, "role": "band"}),
                **cell,
            )  # fmt: skip
            fig.add_trace(
                go.Scatter(x=x, y=mean, mode="lines+markers", line={"color": color},
                           meta={**meta, "role": "mean"}, **common),
                **cell,
            )  # fmt: skip
        else:
            fig.add_trace(
                go.Scatter(x=x, y=mean, mode="markers", marker={"color": color},
                           error_y={"type": "data", "array": high - mean, "arrayminus": mean - low},
                           meta={**meta, "role": "mean"}, **common),
                **cell,
            )  # fmt: skip
    if categorical:
        fig.update_xaxes(tickvals=list(range(len(order))), ticktext=[str(v) for v in order],
                         range=[-0.5, len(order) - 0.5], **cell)  # fmt: skip
    lows = exp.series(metric, "low")
    if np.all(lows[np.isfinite(lows)] >= 0):
        fig.update_yaxes(rangemode="tozero", **cell)


def finals_figure(exp: ExperimentData) -> go.Figure:
    """Each kept metric's mean at the last step with its 95% interval per point, and the
    share of runs reaching Thermidor, against the first parameter."""
    metrics = [*exp.summary["metrics"], "thermidor"]
    fig = _grid(len(metrics), [_title(exp, m) for m in metrics])
    for i, metric in enumerate(metrics):
        _points(fig, exp, metric, _cell(i), i)
        fig.update_xaxes(title_text=exp.parameters[0], **_cell(i))
    fig.update_layout(
        legend={"orientation": "h", "x": 0, "y": 1, "yref": "container", "yanchor": "top"}
    )
    return fig


def point_label(exp: ExperimentData, point: int) -> str:
    params = exp.summary["points"][point]["params"]
    return ", ".join(f"{name}={params[name]}" for name in exp.parameters)


def bands_figure(exp: ExperimentData) -> go.Figure | None:
    """Median and 50%/90% bands over seeds of each kept metric over time, per design point
    (designs of a few points only), on a date axis to the last step."""
    if not exp.runs:
        return None
    metrics = list(exp.runs)
    fig = _grid(len(metrics), metrics, height=260)
    for i, metric in enumerate(metrics):
        for p, series in sorted(exp.runs[metric].items()):
            color = COLORS[p % len(COLORS)]
            b = letter.bands(series)
            x = axis_x(exp.params, series.shape[1])
            label = point_label(exp, p)
            for lo, hi, opacity, role in ((1, 3, 0.25, "50%"), (0, 4, 0.1, "90%")):
                fig.add_trace(
                    go.Scatter(x=x + x[::-1], y=list(b.q[hi]) + list(b.q[lo][::-1]),
                               fill="toself", fillcolor=color, opacity=opacity,
                               line={"width": 0}, hoverinfo="skip", showlegend=False,
                               legendgroup=label,
                               meta={"metric": metric, "point": p, "role": role}),
                    **_cell(i),
                )  # fmt: skip
            fig.add_trace(
                go.Scatter(x=x, y=b.median, mode="lines", line={"color": color}, name=label,
                           legendgroup=label, showlegend=i == 0,
                           meta={"metric": metric, "point": p, "role": "median"}),
                **_cell(i),
            )  # fmt: skip
        fig.update_xaxes(range=[x[0], x[-1]], **_cell(i))
    fig.update_layout(legend=LEGEND, margin={"t": 90})
    return fig


def figures(exp: ExperimentData) -> Figures:
    """Final values per point; bands over time per point; phase diagrams of a two-parameter
    grid; sensitivity bars of a sobol or morris design."""
    out: Figures = [
        (f"Final values per point, mean and 95% interval ({exp.name})", finals_figure(exp))
    ]
    over_time = bands_figure(exp)
    if over_time is not None:
        out.append(("Over time, per point: median and 50%/90% bands over seeds", over_time))
    if exp.is_grid2():
        first, second = exp.parameters
        shares = exp.series("thermidor", "mean")
        for key, title, z_of in (
            ("thermidor", "Phase diagram: share of runs reaching Thermidor", shares),
            ("control_index", "Phase diagram: final control index (mean over seeds)", exp.control),
        ):
            xs, ys, z = exp.grid(z_of)
            heat = go.Figure(
                go.Heatmap(x=[str(v) for v in xs], y=[str(v) for v in ys], z=z,
                           colorscale="Viridis", meta={"heatmap": key}, colorbar={"title": key}),
            )  # fmt: skip
            heat.update_layout(
                template="plotly_white", height=450, xaxis_title=first, yaxis_title=second
            )
            out.append((title, heat))
    for metric, found in exp.sensitivity.items():
        out.append((f"Sensitivity of {metric} ({found['method']})", sensitivity_figure(found)))
    return out


def sensitivity_figure(found: dict[str, Any]) -> go.Figure:
    """Sobol' S1 and ST, or Morris mu*, per parameter with the half-widths of their 95%
    intervals as error bars (``sensitivity.from_store``'s result)."""
    rows = found["parameters"]
    names = [row["name"] for row in rows]
    keys = ("S1", "ST") if found["method"] == "sobol" else ("mu_star",)
    fig = go.Figure()
    for k, key in enumerate(keys):
        fig.add_trace(
            go.Bar(
                x=names,
                y=[row[key] for row in rows],
                name=key,
                marker_color=COLORS[k],
                error_y={"type": "data", "array": [row[f"{key}_conf"] for row in rows]},
                meta={"index": key, "metric": found["metric"]},
            ),
        )
    fig.update_layout(
        template="plotly_white", barmode="group", height=400, yaxis_title=found["ranked_by"]
    )
    return fig
