"""Figures of a calibration: each target against its posterior predictive band, and each
parameter's posterior against its prior.

Targets live on different scales (ratios, growth in percent): each is drawn relative
to its published central value, so one axis holds them all and "inside" reads as the
band meeting the published range around 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

if TYPE_CHECKING:
    from thermidor.calibration.posterior import Posterior
    from thermidor.calibration.predictive import Check

FITTED, HELD_OUT, DATA = "#1f77b4", "#ff7f0e", "#222222"


def targets_figure(checks: list[Check], title: str) -> go.Figure:
    """A forest plot: per target, the published range (black) and the 90% predictive band
    with its median (blue fitted, orange held out), all divided by the published value."""
    fig = go.Figure()
    names = [f"{c.target} (held out)" if c.held_out else c.target for c in checks]
    for kind, color, chosen in (("fitted", FITTED, False), ("held out", HELD_OUT, True)):
        rows = [(n, c) for n, c in zip(names, checks, strict=True) if c.held_out is chosen]
        if not rows:
            continue
        scale = np.array([c.observed.value or 1.0 for _, c in rows])
        median = np.array([c.median for _, c in rows]) / scale
        fig.add_trace(
            go.Scatter(
                x=median,
                y=[n for n, _ in rows],
                mode="markers",
                marker={"color": color, "size": 9},
                name=f"{kind}: 90% predictive band and median",
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": np.array([c.high for _, c in rows]) / scale - median,
                    "arrayminus": median - np.array([c.low for _, c in rows]) / scale,
                    "color": color,
                    "thickness": 6,
                    "width": 0,
                },
                hovertemplate="%{y}: predictive median %{x:.3f} x published<extra></extra>",
            )
        )
    scale = np.array([c.observed.value or 1.0 for c in checks])
    fig.add_trace(
        go.Scatter(
            x=np.ones(len(checks)),
            y=names,
            mode="markers",
            marker={"color": DATA, "symbol": "line-ns-open", "size": 14},
            name="published value and range",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": np.array([c.observed.high for c in checks]) / scale - 1.0,
                "arrayminus": 1.0 - np.array([c.observed.low for c in checks]) / scale,
                "color": DATA,
                "thickness": 2,
                "width": 8,
            },
            hovertemplate="%{y}: published range<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": title, "x": 0},
        xaxis_title="value / published value (1 = the published figure)",
        height=140 + 40 * len(checks),
        margin={"l": 220, "r": 20, "t": 60, "b": 90},
        legend={"orientation": "h", "y": -0.35 if len(checks) > 4 else -0.6},
        yaxis={"autorange": "reversed"},
    )
    return fig


def posterior_figure(posterior: Posterior, title: str) -> go.Figure:
    """Each parameter's 90% posterior interval and median, on its prior's range (0 = the
    prior's low end, 1 = its high end): how much the data narrowed it."""
    names, medians, lows, highs, hover = [], [], [], [], []
    for prior in posterior.calibration.parameters:
        low, median, high = posterior.quantiles(prior.name, (0.05, 0.5, 0.95))
        if prior.prior == "loguniform":
            span = np.log(prior.high / prior.low)
            place = [float(np.log(v / prior.low) / span) for v in (low, median, high)]
        else:
            place = [(v - prior.low) / (prior.high - prior.low) for v in (low, median, high)]
        names.append(prior.name)
        lows.append(place[0])
        medians.append(place[1])
        highs.append(place[2])
        hover.append(f"median {median:.4g}, 90% {low:.4g} .. {high:.4g}")
    medians_a = np.array(medians)
    fig = go.Figure(
        go.Scatter(
            x=medians_a,
            y=names,
            mode="markers",
            marker={"size": 9, "color": FITTED},
            name="posterior median and 90% interval",
            error_x={
                "type": "data",
                "symmetric": False,
                "array": np.array(highs) - medians_a,
                "arrayminus": medians_a - np.array(lows),
                "thickness": 6,
                "width": 0,
            },
            text=hover,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        title={"text": title, "x": 0},
        xaxis={"title": "position in the prior's range (log scale for log-uniform priors)",
               "range": [-0.02, 1.02]},
        height=140 + 40 * len(names),
        margin={"l": 320, "r": 20, "t": 60, "b": 60},
        yaxis={"autorange": "reversed"},
        showlegend=True,
        legend={"orientation": "h", "y": -0.5},
    )  # fmt: skip
    return fig
