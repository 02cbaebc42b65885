"""The dashboard's plotly figures: one metric per figure, the baseline overlaid dashed."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from thermidor.model.results import METRIC_DOCS

PLOTTED: tuple[str, ...] = ("participation", "control_index", "apparatus_share", "privilege_ratio")
Values = Sequence[float] | np.ndarray  # one series: the recorder's array, or a list of floats
Series = Mapping[str, Values]


def _plain(values: Values) -> list[float | None]:
    """Floats for plotly's JSON, with steps not yet run (NaN) as gaps."""
    return [None if math.isnan(v) else float(v) for v in values]


def figure(metric: str, run: Series, baseline: Series, thermidor_step: int | None) -> go.Figure:
    """``metric`` of the run (solid) and of the pinned baseline (dashed), against the step."""
    fig = go.Figure()
    if metric in baseline:
        y = _plain(baseline[metric])
        fig.add_scatter(
            x=list(range(len(y))), y=y, name="baseline", line={"dash": "dash", "color": "#888"}
        )
    if metric in run:
        y = _plain(run[metric])
        fig.add_scatter(x=list(range(len(y))), y=y, name="run", line={"color": "#b2182b"})
    if thermidor_step is not None:
        fig.add_vline(x=thermidor_step, line={"dash": "dot", "color": "black"})
    fig.update_layout(
        title={"text": f"{metric}: {METRIC_DOCS[metric]}", "font": {"size": 12}},
        height=260,
        margin={"l": 40, "r": 10, "t": 40, "b": 30},
        xaxis_title="step",
        legend={"orientation": "h", "y": -0.25},
    )
    return fig
