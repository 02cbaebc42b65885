"""The interactive report: plotly figures and plain tables in ONE self-contained HTML file.

plotly.js is inlined once in the head and every figure's JSON sits in a
``<script type="application/json">`` beside its div, so the file opens offline,
from an e-mail or an archive, with no server and no network; the same JSON is
what tests read back to check the drawn values against the store.
"""

from __future__ import annotations

import html
import json
import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from thermidor.outputs import file_mode
from thermidor.reports import data
from thermidor.reports.panels import PANELS, axis_title, flatten, spans, step_date

if TYPE_CHECKING:
    from thermidor.reports.data import ExperimentData, RunData

Table = tuple[str, list[str], list[list[str]]]  # title, header, rows
Figures = list[tuple[str, go.Figure]]  # title, figure

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
DASHES = ("solid", "dash", "dot", "dashdot")
SHOCK_FILL, INTERVENTION_LINE, THERMIDOR_LINE = "#f2c14e", "#555555", "#b00020"
CONFIG = {"displaylogo": False, "responsive": True}
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } .figure { width: 100%; }
"""
RENDER = """
document.querySelectorAll('script[type="application/json"][data-figure]').forEach(
  function (node) {
    var fig = JSON.parse(node.textContent);
    Plotly.newPlot(node.dataset.figure, fig.data, fig.layout, fig.config);
  });
"""


def _grid(count: int, titles: list[str], height: int = 250) -> go.Figure:
    rows = math.ceil(count / 2)
    fig = make_subplots(
        rows=rows, cols=2, subplot_titles=titles, shared_xaxes=True, vertical_spacing=0.08
    )
    fig.update_layout(template="plotly_white", height=height * rows + 120, hovermode="x unified")
    return fig


def _cell(index: int) -> dict[str, int]:
    return {"row": index // 2 + 1, "col": index % 2 + 1}


def _axes(index: int) -> tuple[str, str]:
    """The x axis and the y domain of subplot ``index`` (make_subplots numbers them row-major):
    shapes are built as plain dicts and set once, as add_vline per subplot is very slow."""
    suffix = "" if index == 0 else str(index + 1)
    return f"x{suffix}", f"y{suffix} domain"


def _vline(index: int, x: float, line: dict[str, Any], name: str) -> dict[str, Any]:
    xref, yref = _axes(index)
    return {
        "type": "line",
        "xref": xref,
        "yref": yref,
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": line,
        "name": name,
    }


def _vrect(index: int, x0: float, x1: float, fill: str, name: str) -> dict[str, Any]:
    xref, yref = _axes(index)
    return {
        "type": "rect",
        "xref": xref,
        "yref": yref,
        "x0": x0,
        "x1": x1,
        "y0": 0,
        "y1": 1,
        "fillcolor": fill,
        "opacity": 0.12,
        "line": {"width": 0},
        "layer": "below",
        "name": name,
    }


def _thermidor(
    fig: go.Figure, step: int | None, count: int, color: str, label: str
) -> list[dict[str, Any]]:
    """The Thermidor step as a line in every subplot, labelled once."""
    if step is None:
        return []
    fig.add_annotation(
        x=step,
        y=1,
        xref="x",
        yref="y domain",
        text=label,
        showarrow=False,
        font={"color": color},
        xanchor="left",
        yanchor="bottom",
    )
    return [_vline(i, step, {"color": color, "width": 2}, label) for i in range(count)]


def run_figure(run: RunData) -> go.Figure:
    """The run's key metrics over time, one small multiple per panel, shocks as shaded spans,
    interventions as dotted lines (spans when they last), the Thermidor step as a red line."""
    fig = _grid(len(PANELS), [title for title, _ in PANELS])
    steps = run.series["step"]
    for i, (_, metrics) in enumerate(PANELS):
        for j, metric in enumerate(metrics):
            fig.add_trace(
                go.Scatter(
                    x=steps,
                    y=run.series[metric],
                    name=metric,
                    mode="lines",
                    line={"color": COLORS[j], "dash": DASHES[j % len(DASHES)]},
                    meta={"metric": metric, "run": run.run_id},
                    legendgroup=metric,
                ),
                **_cell(i),
            )
    shapes = []
    for span in spans(run.params, len(steps)):
        name = f"{span.kind}: {span.label}"
        for i in range(len(PANELS)):
            if span.is_mark:
                line = {"color": INTERVENTION_LINE, "width": 1, "dash": "dot"}
                shapes.append(_vline(i, span.start, line, name))
            else:
                fill = SHOCK_FILL if span.kind == "shock" else INTERVENTION_LINE
                shapes.append(_vrect(i, span.start, span.end, fill, name))
    shapes += _thermidor(fig, run.thermidor_step, len(PANELS), THERMIDOR_LINE, "thermidor")
    fig.update_layout(shapes=shapes)
    fig.update_xaxes(title_text=axis_title(run.params), row=math.ceil(len(PANELS) / 2))
    return fig


def compare_figure(runs: list[RunData]) -> go.Figure:
    """Two or more runs overlaid panel by panel: a colour per run, a dash per metric, each
    run's Thermidor step as a line in its colour."""
    fig = _grid(len(PANELS), [title for title, _ in PANELS])
    shapes = []
    for r, run in enumerate(runs):
        color = COLORS[r % len(COLORS)]
        for i, (_, metrics) in enumerate(PANELS):
            for j, metric in enumerate(metrics):
                fig.add_trace(
                    go.Scatter(
                        x=run.series["step"],
                        y=run.series[metric],
                        mode="lines",
                        name=f"{metric}: {run.label}",
                        legendgroup=run.label,
                        line={"color": color, "dash": DASHES[j % len(DASHES)]},
                        meta={"metric": metric, "run": run.run_id},
                    ),
                    **_cell(i),
                )
        label = f"thermidor {run.run_id or run.label}"
        shapes += _thermidor(fig, run.thermidor_step, len(PANELS), color, label)
    fig.update_layout(shapes=shapes)
    fig.update_xaxes(title_text=axis_title(runs[0].params), row=math.ceil(len(PANELS) / 2))
    return fig


def _band(
    fig: go.Figure,
    x: list[Any],
    exp: ExperimentData,
    metric: str,
    points: list[int],
    color: str,
    name: str,
    cell: dict[str, int],
) -> None:
    """Mean and 95% band of ``metric`` over ``points``; a sampled design gets error bars."""
    mean, low, high = (exp.series(metric, key)[points] for key in ("mean", "low", "high"))
    meta = {"metric": metric, "points": points}
    if exp.design == "grid":
        for key, values in (("high", high), ("low", low)):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=values,
                    mode="lines",
                    line={"width": 0, "color": color},
                    fill="tonexty" if key == "low" else None,
                    showlegend=False,
                    meta={**meta, "role": key},
                    name=f"{name} 95% {key}",
                    hoverinfo="skip",
                ),
                **cell,
            )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=mean,
                mode="lines+markers",
                line={"color": color},
                name=name,
                legendgroup=name,
                meta={**meta, "role": "mean"},
            ),
            **cell,
        )
        return
    error = {"type": "data", "array": high - mean, "arrayminus": mean - low}
    fig.add_trace(
        go.Scatter(
            x=x,
            y=mean,
            mode="markers",
            error_y=error,
            marker={"color": color},
            name=name,
            meta={**meta, "role": "mean"},
        ),
        **cell,
    )


def experiment_figures(exp: ExperimentData) -> Figures:
    """Each kept metric's ensemble mean (final value) with its 95% band per point against the
    first parameter, and the share of runs reaching Thermidor; phase diagrams of that share
    and of the final control index for a two-parameter grid; sensitivity bars for
    sobol/morris designs."""
    first = exp.parameters[0]
    metrics = [*exp.summary["metrics"], "thermidor"]
    titles = [m if m != "thermidor" else "share of runs reaching Thermidor" for m in metrics]
    fig = _grid(len(metrics), titles, height=280)
    fig.update_layout(hovermode="closest")
    values = exp.values(first)
    for i, metric in enumerate(metrics):
        for g, (label, points) in enumerate(exp.lines()):
            color = COLORS[g % len(COLORS)]
            x = [values[p] for p in points]
            name = label or exp.name
            _band(fig, x, exp, metric, points, color, name, _cell(i))
    for i in range(len(metrics)):
        fig.update_xaxes(title_text=first, **_cell(i))
    figures: Figures = [(f"Final values per point, mean and 95% interval ({exp.name})", fig)]
    if exp.is_grid2():
        second = exp.parameters[1]
        shares = exp.series("thermidor", "mean")
        for key, title, z_of in (
            ("thermidor", "Phase diagram: share of runs reaching Thermidor", shares),
            ("control_index", "Phase diagram: final control index (mean over seeds)", exp.control),
        ):
            xs, ys, z = exp.grid(z_of)
            heat = go.Figure(
                go.Heatmap(
                    x=[str(v) for v in xs],
                    y=[str(v) for v in ys],
                    z=z,
                    colorscale="Viridis",
                    meta={"heatmap": key},
                    colorbar={"title": key},
                ),
            )
            heat.update_layout(
                template="plotly_white", height=450, xaxis_title=first, yaxis_title=second
            )
            figures.append((title, heat))
    for metric, found in exp.sensitivity.items():
        figures.append((f"Sensitivity of {metric} ({found['method']})", sensitivity_figure(found)))
    return figures


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


def _cellstr(value: Any) -> str:
    if isinstance(value, float):
        return "—" if not math.isfinite(value) else f"{value:.4g}"
    return str(value)


def events_table(run: RunData) -> Table:
    """The shocks and interventions of the run, with their steps and dates."""
    rows = []
    for span in spans(run.params, len(run.series["step"])):
        end = "" if span.is_mark else str(span.end - 1)
        when = step_date(run.params, span.start) or ""
        rows.append([span.kind, span.label, str(span.start), end, when, span.note])
    header = ["event", "kind", "from step", "to step", "date", "note"]
    return "Shocks and interventions", header, rows


def params_table(run: RunData) -> Table:
    """Every resolved parameter of the run, dotted key and value."""
    return (
        f"Resolved parameters ({run.label})",
        ["parameter", "value"],
        [[key, value] for key, value in flatten(run.params)],
    )


def experiment_table(exp: ExperimentData) -> Table:
    """Per point: parameters, runs, each metric's mean [95% interval], the Thermidor share."""
    header = ["point", *exp.parameters, "runs", *exp.summary["metrics"], "Thermidor share"]
    rows = []
    for row in exp.summary["points"]:
        cells = [str(row["point"]), *(_cellstr(row["params"][n]) for n in exp.parameters)]
        cells.append(str(row["runs"]))
        for metric in exp.summary["metrics"]:
            m = row[metric]
            cells.append(f"{_cellstr(m['mean'])} [{_cellstr(m['low'])}, {_cellstr(m['high'])}]")
        t = row["thermidor"]
        cells.append(f"{_cellstr(t['share'])} [{_cellstr(t['low'])}, {_cellstr(t['high'])}]")
        rows.append(cells)
    return f"Summary per point (experiment {exp.experiment_id})", header, rows


def _figure_json(fig: go.Figure) -> str:
    payload = json.loads(fig.to_json())
    payload["config"] = CONFIG
    return json.dumps(payload, separators=(",", ":")).replace("</", "<\\/")


def render(title: str, figures: Figures, tables: list[Table], intro: str = "") -> str:
    """The report as one HTML document: plotly.js inlined once, each figure's JSON beside
    its div, tables as plain HTML. Nothing is fetched when it opens."""
    from plotly.offline import get_plotlyjs  # noqa: PLC0415

    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{STYLE}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        f"</head><body><h1>{esc(title)}</h1>",
    ]
    if intro:
        parts.append(f"<p>{esc(intro)}</p>")
    for i, (caption, fig) in enumerate(figures):
        parts += [
            f"<section><h2>{esc(caption)}</h2>",
            f'<div id="figure-{i}" class="figure"></div>',
            f'<script type="application/json" data-figure="figure-{i}">',
            _figure_json(fig),
            "</script>",
            "</section>",
        ]
    for caption, header, rows in tables:
        parts.append(f"<section><h2>{esc(caption)}</h2><table><thead><tr>")
        parts += [f"<th>{esc(h)}</th>" for h in header]
        parts.append("</tr></thead><tbody>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
        parts.append("</tbody></table></section>")
    parts += [f"<script>{RENDER}</script>", "</body></html>"]
    return "\n".join(parts)


def write_report(
    path: str | Path, title: str, figures: Figures, tables: list[Table], intro: str = ""
) -> Path:
    """Render and write the report; written aside and renamed, so a failure leaves no file."""
    path = Path(path)
    text = render(title, figures, tables, intro)
    return write_text(path, text)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (a temporary file in the same folder, renamed)."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, file_mode())  # mkstemp's 0600 -> what the user's umask gives
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _run_intro(run: RunData) -> str:
    step = run.thermidor_step
    when = "" if step is None else f" ({step_date(run.params, step) or 'no date'})"
    thermidor = "no Thermidor" if step is None else f"Thermidor at step {step}{when}"
    return f"{run.label}: {len(run.series['step'])} steps, {thermidor}."


def _run_parts(run: RunData) -> tuple[Figures, list[Table]]:
    return [(f"Key metrics over time: {run.label}", run_figure(run))], [
        events_table(run),
        params_table(run),
    ]


def run_report_html(
    series: dict[str, np.ndarray],
    params: dict[str, Any],
    thermidor_step: int | None,
    title: str,
) -> str:
    """The report of a run held in memory (e.g. the dashboard's unsaved run): ``series`` maps
    each metric to its per-step values, ``params`` is the resolved scenario as a dict."""
    run = data.run_from_arrays(series, params, thermidor_step, title)
    figures, tables = _run_parts(run)
    return render(title, figures, tables, _run_intro(run))


def report_from_store(store_path: str | Path, ids: list[str]) -> str:
    """The report of stored ids: one run id, its run report; several run ids, their overlay
    and each run's panels; an experiment id, the experiment report. StoreError naming an
    unknown id and what the store holds."""
    kind, found = data.open_and_resolve(store_path, ids)
    if kind == "experiment":
        assert isinstance(found, data.ExperimentData)
        title = f"thermidor experiment {found.name} ({found.experiment_id})"
        intro = (
            f"{found.design} design over {', '.join(found.parameters)}; "
            f"{len(found.summary['points'])} points; final values at the last step."
        )
        return render(title, experiment_figures(found), [experiment_table(found)], intro)
    assert isinstance(found, list)
    if kind == "run":
        run = found[0]
        figures, tables = _run_parts(run)
        return render(f"thermidor run {run.label}", figures, tables, _run_intro(run))
    figures = [("Comparison: " + " vs ".join(r.label for r in found), compare_figure(found))]
    tables = []
    for run in found:
        own, own_tables = _run_parts(run)
        figures += own
        tables += own_tables
    intro = " ".join(_run_intro(run) for run in found)
    return render("thermidor comparison of " + ", ".join(ids), figures, tables, intro)
