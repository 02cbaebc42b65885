"""The report's figures as static images for papers: matplotlib, PNG, SVG or PDF by suffix.

Figures are built on ``matplotlib.figure.Figure`` directly (no pyplot, no global
backend state), so drawing is safe in a server or a test process without a display.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure

from thermidor.outputs import file_mode
from thermidor.reports import data
from thermidor.reports.panels import PANELS, axis_title, spans

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


def _mark_events(ax: Axes, run: RunData) -> None:
    for span in spans(run.params, len(run.series["step"])):
        if span.is_mark:
            ax.axvline(span.start, color=INTERVENTION_LINE, linewidth=0.6, linestyle=":")
        else:
            ax.axvspan(span.start, span.end, color=SHOCK_FILL, alpha=0.15, linewidth=0)


def run_figure(run: RunData) -> Figure:
    """Small multiples of the run's key metrics, shocks shaded, interventions dotted, the
    Thermidor step as a red line (the same panels as the HTML report)."""
    fig, axes = _axes_grid(len(PANELS))
    for ax, (title, metrics) in zip(axes, PANELS, strict=True):
        _mark_events(ax, run)
        for j, metric in enumerate(metrics):
            ax.plot(
                run.series["step"],
                run.series[metric],
                color=COLORS[j],
                linestyle=STYLES[j % len(STYLES)],
                label=metric,
            )
        if run.thermidor_step is not None:
            ax.axvline(run.thermidor_step, color=THERMIDOR_LINE, linewidth=1.5, label="thermidor")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7, loc="best")
        ax.set_xlabel(axis_title(run.params), fontsize=8)
    fig.suptitle(run.label)
    return fig


def compare_figure(runs: list[RunData]) -> Figure:
    """Runs overlaid panel by panel: a colour per run, a line style per metric."""
    fig, axes = _axes_grid(len(PANELS))
    for ax, (title, metrics) in zip(axes, PANELS, strict=True):
        for r, run in enumerate(runs):
            color = COLORS[r % len(COLORS)]
            for j, metric in enumerate(metrics):
                ax.plot(
                    run.series["step"],
                    run.series[metric],
                    color=color,
                    linestyle=STYLES[j % len(STYLES)],
                    label=f"{metric}: {run.label}",
                )
            if run.thermidor_step is not None:
                ax.axvline(run.thermidor_step, color=color, linewidth=1.2, alpha=0.7)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(axis_title(runs[0].params), fontsize=8)
        ax.legend(fontsize=6, loc="best")
    fig.suptitle("comparison: " + " vs ".join(run.label for run in runs), fontsize=10)
    return fig


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
    for ax, metric in zip(axes, metrics, strict=False):
        for g, (label, points) in enumerate(exp.lines()):
            x = [values[p] for p in points] if numeric else [str(values[p]) for p in points]
            mean, low, high = (exp.series(metric, k)[points] for k in ("mean", "low", "high"))
            color = COLORS[g % len(COLORS)]
            if exp.design == "grid":
                ax.fill_between(x, low, high, color=color, alpha=0.2, linewidth=0)
                ax.plot(x, mean, marker="o", color=color, label=label or None)
            else:
                ax.errorbar(
                    x, mean, yerr=[mean - low, high - mean], fmt="o", color=color, markersize=3
                )
        ax.set_title(
            "share of runs reaching Thermidor" if metric == "thermidor" else metric, fontsize=10
        )
        ax.set_xlabel(first, fontsize=8)
        if any(label for label, _ in exp.lines()):
            ax.legend(fontsize=6, loc="best")
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
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(handle)
    try:
        fig.savefig(tmp, dpi=DPI, format=path.suffix.lower()[1:])
        os.chmod(tmp, file_mode())  # mkstemp's 0600 -> what the user's umask gives
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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
