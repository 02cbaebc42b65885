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
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go

from thermidor.outputs import write_text
from thermidor.reports import data, experiment_views, run_tables, timeseries
from thermidor.reports.experiment_views import sensitivity_figure  # noqa: F401 - re-exported
from thermidor.reports.panels import step_date

if TYPE_CHECKING:
    from thermidor.reports.data import ExperimentData, RunData

Table = tuple[str, list[str], list[list[str]]]  # title, header, rows
Listing = tuple[str, list[str]]  # title, items
SHORT = 24  # characters of a cell kept on one line
Figures = list[tuple[str, go.Figure]]  # title, figure

COLORS = timeseries.COLORS
CONFIG = {"displaylogo": False, "responsive": True}
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } .figure { width: 100%; }
details { margin: 0.6em 0; } summary { cursor: pointer; font-weight: 600; }
.note { color: #555; font-size: 0.9em; } td.n { white-space: nowrap; }
"""
RENDER = """
document.querySelectorAll('script[type="application/json"][data-figure]').forEach(
  function (node) {
    var fig = JSON.parse(node.textContent);
    Plotly.newPlot(node.dataset.figure, fig.data, fig.layout, fig.config);
  });
"""


def run_figure(run: RunData) -> go.Figure:
    """The run's key metrics over time (``timeseries.figure``): one small multiple per panel
    on a date axis, the events as numbered markers, the Thermidor step as a red line."""
    return timeseries.figure([run])


def compare_figure(runs: list[RunData]) -> go.Figure:
    """Two or more runs overlaid panel by panel: a colour per run (one legend entry each), a
    dash per metric (keyed in each panel's title), each run's Thermidor step in its colour."""
    return timeseries.figure(runs)


def experiment_figures(exp: ExperimentData) -> Figures:
    """The experiment's figures (``experiment_views.figures``)."""
    return experiment_views.figures(exp)


def _cellstr(value: Any) -> str:
    if isinstance(value, float):
        return "—" if not math.isfinite(value) else f"{value:.4g}"
    return str(value)


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


def render(
    title: str,
    figures: Figures,
    tables: list[Table],
    intro: str = "",
    *,
    notes: list[str] | None = None,
    folded: list[Table | Listing] | None = None,
) -> str:
    """The report as one HTML document: plotly.js inlined once, each figure's JSON beside
    its div, ``notes`` under the figures, tables as plain HTML, then the ``folded`` tables
    and lists each in a collapsed <details>. Nothing is fetched when it opens."""
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
    parts += [f'<p class="note">{esc(note)}</p>' for note in notes or []]
    for caption, header, rows in tables:
        parts.append(f"<section><h2>{esc(caption)}</h2>{_table(header, rows)}</section>")
    for item in folded or []:
        body = _table(item[1], item[2]) if len(item) == 3 else _listing(item[1])
        parts.append(f"<details><summary>{esc(item[0])}</summary>{body}</details>")
    parts += [f"<script>{RENDER}</script>", "</body></html>"]
    return "\n".join(parts)


def _table(header: list[str], rows: list[list[str]]) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_td(c) for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _td(text: str) -> str:
    """A cell; a short one (a date, a number, an id) is kept on one line."""
    kept = ' class="n"' if len(text) <= SHORT else ""
    return f"<td{kept}>{html.escape(text)}</td>"


def _listing(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


def write_report(
    path: str | Path, title: str, figures: Figures, tables: list[Table], intro: str = ""
) -> Path:
    """Render and write the report; written aside and renamed, so a failure leaves no file."""
    path = Path(path)
    text = render(title, figures, tables, intro)
    return write_text(path, text)


def _run_intro(run: RunData) -> str:
    step = run.thermidor_step
    when = "" if step is None else f" ({step_date(run.params, step) or 'no date'})"
    thermidor = "no Thermidor" if step is None else f"Thermidor at step {step}{when}"
    return f"{run.label}: {len(run.series['step'])} steps, {thermidor}."


def _parts(runs: list[RunData]) -> tuple[Figures, list[Table], list[Table | Listing]]:
    """The figure, the tables shown (the numbered events; for several runs, the parameters
    that differ) and the folded ones (every parameter, the assumptions and sources)."""
    caption = (
        f"Key metrics over time: {runs[0].label}"
        if len(runs) == 1
        else "Comparison: " + " vs ".join(r.label for r in runs)
    )
    shown = [run_tables.events_table(runs)]
    if len(runs) > 1:
        shown.append(run_tables.differences_table(runs))
    folded: list[Table | Listing] = [run_tables.params_table(run) for run in runs]
    folded += run_tables.text_lists(runs)
    return [(caption, timeseries.figure(runs))], shown, folded


def run_report_html(
    series: dict[str, np.ndarray],
    params: dict[str, Any],
    thermidor_step: int | None,
    title: str,
) -> str:
    """The report of a run held in memory (e.g. the dashboard's unsaved run): ``series`` maps
    each metric to its per-step values, ``params`` is the resolved scenario as a dict."""
    run = data.run_from_arrays(series, params, thermidor_step, title)
    figures, tables, folded = _parts([run])
    return render(title, figures, tables, _run_intro(run), folded=folded)


def report_from_store(store_path: str | Path, ids: list[str]) -> str:
    """The report of stored ids: one run id, its run report; several run ids, their overlay
    (each run once: no duplicated panels); an experiment id, the experiment report.
    StoreError naming an unknown id and what the store holds."""
    kind, found = data.open_and_resolve(store_path, ids)
    if kind == "experiment":
        assert isinstance(found, data.ExperimentData)
        return experiment_report(found)
    assert isinstance(found, list)
    figures, tables, folded = _parts(found)
    intro = " ".join(_run_intro(run) for run in found)
    notes = timeseries.history_notes(found)
    title = (
        f"thermidor run {found[0].label}"
        if kind == "run"
        else "thermidor comparison of " + ", ".join(ids)
    )
    return render(title, figures, tables, intro, notes=notes, folded=folded)


def experiment_report(found: ExperimentData) -> str:
    """An experiment's figures and its table per point."""
    title = f"thermidor experiment {found.name} ({found.experiment_id})"
    intro = (
        f"{found.design} design over {', '.join(found.parameters)}; "
        f"{len(found.summary['points'])} points; final values at the last step."
    )
    return render(title, experiment_figures(found), [experiment_table(found)], intro)
