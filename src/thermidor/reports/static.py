"""The report's figures as static images for papers: matplotlib, PNG, SVG or PDF by suffix.

Figures are built on ``matplotlib.figure.Figure`` directly (no pyplot, no global
backend state), so drawing is safe in a server or a test process without a display.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure

from thermidor.outputs import write_atomically
from thermidor.reports import data
from thermidor.reports.panels import PANELS, axis_title, axis_x, calendar_of, numbered, x_of
from thermidor.reports.timeseries import events_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from thermidor.reports.data import ExperimentData, RunData

SUFFIXES = (".png", ".svg", ".pdf")
DPI = 200
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
STYLES = ("-", "--", ":", "-.")
SHOCK_FILL, INTERVENTION_LINE, THERMIDOR_LINE = "#f2c14e", "#555555", "#b00020"


def check_suffix(path: str | Path) -> Path:
    """The output path, or ValueError when its suffix is not an image format we write."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        msg = f"--out {path}: suffix must be one of {', '.join(SUFFIXES)}"
        raise ValueError(msg)
    return path


def _axes_grid(count: int, width: float = 11.0, height: float = 2.6) -> tuple[Figure, list[Axes]]:
    rows = math.ceil(count / 2)
    fig = Figure(figsize=(width, height * rows + 0.8), layout="constrained")
    grid = fig.subplots(rows, 2, squeeze=False, sharex=False)
    axes = list(grid.ravel())
    for extra in axes[count:]:
        extra.set_visible(False)
    return fig, axes[:count]


STYLE_NAMES = {"-": "solid", "--": "dashed", ":": "dotted", "-.": "dash-dot"}


def _x(run: RunData) -> np.ndarray:
    """The run's x: dates (``calendar.axis_dates``) when it has a calendar, else steps."""
    found = axis_x(run.params, len(run.series["step"]))
    return np.array(found, dtype="datetime64[D]" if calendar_of(run.params) else float)


def _at(params: dict[str, Any], step: int) -> Any:
    value = x_of(params, step)
    return np.datetime64(value, "D") if isinstance(value, str) else value


def _mark_events(ax: Axes, params: dict[str, Any], steps: int) -> None:
    """Each event's start as a faint dotted line (the HTML report numbers them)."""
    for _, span in numbered(params, steps):
        ax.axvline(_at(params, span.start), color="#bbbbbb", linewidth=0.5, linestyle=":")


def _title(title: str, metrics: tuple[str, ...]) -> str:
    if len(metrics) < 2:
        return title
    key = ", ".join(f"{m} {STYLE_NAMES[STYLES[j % len(STYLES)]]}" for j, m in enumerate(metrics))
    return f"{title}\n({key})"


def series_figure(runs: list[RunData]) -> Figure:
    """Runs panel by panel on a date axis to the last step: a colour per run, a line style per
    metric (named in each panel's title), events as faint dotted lines, each run's
    Thermidor step as a line in its colour; one legend, outside and below the axes."""
    import matplotlib.dates as mdates  # noqa: PLC0415

    fig, axes = _axes_grid(len(PANELS), height=2.8)
    params = events_of(runs)
    steps = max(len(r.series["step"]) for r in runs)
    dated = calendar_of(params) is not None
    for ax, (title, metrics) in zip(axes, PANELS, strict=True):
        _mark_events(ax, params, steps)
        for r, run in enumerate(runs):
            color = COLORS[r % len(COLORS)]
            width = 1.0 + 1.2 * (len(runs) - 1 - r)  # shared history: the first run beneath
            for j, metric in enumerate(metrics):
                style = STYLES[j % len(STYLES)]
                label = run.label if j == 0 else None
                ax.plot(_x(run), run.series[metric], color=color, linewidth=width,
                        linestyle=style, label=label)  # fmt: skip
            if run.thermidor_step is not None:
                mark = THERMIDOR_LINE if len(runs) == 1 else color
                ax.axvline(_at(run.params, run.thermidor_step), color=mark, linewidth=1.2,
                           alpha=0.8, linestyle=(0, (4, 2)))  # fmt: skip
        ax.set_title(_title(title, metrics), fontsize=9)
        ax.set_xlim(_at(params, 0), _at(params, steps - 1))
        ax.tick_params(labelsize=7)
        if dated:
            locator = mdates.AutoDateLocator()
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes[-1].set_xlabel(axis_title(params), fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    from matplotlib.lines import Line2D  # noqa: PLC0415

    one = len(runs) == 1
    handles.append(
        Line2D([], [], color=THERMIDOR_LINE if one else "#333333", linestyle=(0, (4, 2)))
    )
    labels.append("Thermidor" if one else "Thermidor (in the run's colour)")
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 2), fontsize=8)
    fig.suptitle(
        runs[0].label if len(runs) == 1 else "comparison: " + " vs ".join(r.label for r in runs),
        fontsize=10,
    )
    return fig


def run_figure(run: RunData) -> Figure:
    """One run's panels (``series_figure``)."""
    return series_figure([run])


def compare_figure(runs: list[RunData]) -> Figure:
    """Runs overlaid panel by panel (``series_figure``)."""
    return series_figure(runs)


def _numeric(values: list[Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def experiment_figure(exp: ExperimentData) -> Figure:
    """One figure: each kept metric's final mean with its 95% band against the first
    parameter, the Thermidor share, then (two-parameter grid) the phase diagrams of the
    Thermidor share and the final control index, then sensitivity bars (sobol/morris)."""
    metrics = [*exp.summary["metrics"], "thermidor"]
    heats = 2 if exp.is_grid2() else 0
    fig, axes = _axes_grid(len(metrics) + heats + len(exp.sensitivity), height=3.0)
    first = exp.parameters[0]
    values = exp.values(first)
    numeric = _numeric(values)
    categorical = data.is_categorical(values)
    order = list(dict.fromkeys(values[p] for _, points in exp.lines() for p in points))
    lines = exp.lines()
    for ax, metric in zip(axes, metrics, strict=False):
        for g, (label, points) in enumerate(lines):
            mean, low, high = (exp.series(metric, k)[points] for k in ("mean", "low", "high"))
            color = COLORS[g % len(COLORS)]
            if categorical:  # separate conditions: points side by side, no line between
                x: list[Any] = [
                    order.index(values[p]) + (g - (len(lines) - 1) / 2) * 0.08 for p in points
                ]
                ax.errorbar(x, mean, yerr=[mean - low, high - mean], fmt="o", color=color,
                            markersize=4, capsize=3, label=label or None)  # fmt: skip
            elif exp.design == "grid":
                x = [values[p] for p in points] if numeric else [str(values[p]) for p in points]
                ax.fill_between(x, low, high, color=color, alpha=0.2, linewidth=0)
                ax.plot(x, mean, marker="o", color=color, label=label or None)
            else:
                x = [values[p] for p in points] if numeric else [str(values[p]) for p in points]
                ax.errorbar(
                    x, mean, yerr=[mean - low, high - mean], fmt="o", color=color, markersize=3
                )
        if categorical:
            ax.set_xticks(range(len(order)), [str(v) for v in order])
            ax.set_xlim(-0.5, len(order) - 0.5)
        lows = exp.series(metric, "low")
        if np.all(lows[np.isfinite(lows)] >= 0):
            ax.set_ylim(bottom=0)  # a negligible difference is not blown up to the full axis
        means = exp.series(metric, "mean")
        spread = np.ptp(means[np.isfinite(means)]) if np.isfinite(means).sum() > 1 else None
        name = "share of runs reaching Thermidor" if metric == "thermidor" else metric
        suffix = "" if spread is None else f"\n(means differ by at most {spread:.2g})"
        ax.set_title(name + suffix, fontsize=9)
        ax.set_xlabel(first, fontsize=8)
    if any(label for label, _ in lines):
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=7)
    rest = axes[len(metrics) :]
    if heats:
        for ax, (title, per_point) in zip(
            rest,
            (
                ("share reaching Thermidor", exp.series("thermidor", "mean")),
                ("final control index", exp.control),
            ),
            strict=False,
        ):
            xs, ys, z = exp.grid(per_point)
            image = ax.imshow(z, origin="lower", aspect="auto", cmap="viridis")
            ax.set_xticks(range(len(xs)), [f"{v}" for v in xs], fontsize=7)
            ax.set_yticks(range(len(ys)), [f"{v}" for v in ys], fontsize=7)
            ax.set_xlabel(first, fontsize=8)
            ax.set_ylabel(exp.parameters[1], fontsize=8)
            ax.set_title(f"phase diagram: {title}", fontsize=10)
            fig.colorbar(image, ax=ax)
    for ax, found in zip(rest[heats:], exp.sensitivity.values(), strict=False):
        _sensitivity(ax, found)
    fig.suptitle(f"experiment {exp.name} ({exp.experiment_id}): final values", fontsize=10)
    return fig


def _sensitivity(ax: Axes, found: dict[str, Any]) -> None:
    rows = found["parameters"]
    keys = ("S1", "ST") if found["method"] == "sobol" else ("mu_star",)
    x = np.arange(len(rows))
    width = 0.8 / len(keys)
    for k, key in enumerate(keys):
        ax.bar(
            x + k * width,
            [row[key] for row in rows],
            width,
            yerr=[row[f"{key}_conf"] for row in rows],
            color=COLORS[k],
            label=key,
            capsize=2,
        )
    ax.set_xticks(x + width * (len(keys) - 1) / 2, [row["name"] for row in rows], fontsize=6)
    ax.set_title(f"sensitivity of {found['metric']} ({found['method']})", fontsize=10)
    ax.legend(fontsize=7)


def save(fig: Figure, path: str | Path) -> Path:
    """Save ``fig`` in the format of ``path``'s suffix, written aside and renamed."""
    path = check_suffix(path)
    return write_atomically(
        path,
        lambda partial: fig.savefig(partial, dpi=DPI, format=path.suffix.lower()[1:]),
        suffix=path.suffix,
    )


def plot_from_store(store_path: str | Path, ids: list[str], out_path: str | Path) -> Path:
    """Draw the figure of stored ids into ``out_path`` (PNG, SVG or PDF by suffix): a run's
    panels, several runs overlaid, or an experiment's means, phase diagrams and indices."""
    out = check_suffix(out_path)
    kind, found = data.open_and_resolve(store_path, ids)
    if isinstance(found, data.ExperimentData):
        fig = experiment_figure(found)
    elif kind == "run":
        fig = run_figure(found[0])
    else:
        fig = compare_figure(found)
    return save(fig, out)
