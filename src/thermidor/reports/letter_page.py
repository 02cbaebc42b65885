"""The letter's comparison as a page: bands over seeds per metric on a date axis, the split
marked, each panel read in one sentence, and when each arm reaches Thermidor.

``comparison_from_store`` reads the arms' stored runs (``experiments.comparison.collect``
found or computed them); ``figure``, ``page`` and ``as_json`` draw what it read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from thermidor.engine import calendar
from thermidor.reports import letter
from thermidor.store import Store

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from thermidor.experiments.comparison import ArmRuns

# one panel per metric, read in this order
METRICS: tuple[str, ...] = (
    "control_index",
    "participation",
    "capacity",
    "apparatus_share",
    "nominated_share",
    "privilege_ratio",
    "abuse_rate",
    "report_inflation",
    "identification",
    "legitimacy",
    "gini",
    "mobilization_potential",
)
ARM_COLORS = {"status quo": "#555555", "remedies": "#1f77b4", "purge": "#d62728"}
SPLIT_COLOR = "#7a4f00"
PANEL_HEIGHT = 230


@dataclass(frozen=True)
class ArmData:
    """An arm as the page draws it: its label, scenario, overrides, run ids, the bands of
    each metric and each run's Thermidor step."""

    label: str
    scenario: str
    overrides: tuple[str, ...]
    run_ids: list[str]
    bands: dict[str, letter.Bands]
    thermidor_steps: list[int | None]


@dataclass(frozen=True)
class Comparison:
    """The three arms over the same seeds, with their shared calendar and the split."""

    arms: list[ArmData]
    seeds: list[int]
    members: int
    steps: int
    split: int
    cal: letter.Calendar
    diverging: list[tuple[str, dict[str, Any]]]  # (arm label, event) starting at the split

    def arm(self, label: str) -> ArmData:
        return next(a for a in self.arms if a.label == label)

    @property
    def window(self) -> tuple[int, int]:
        return letter.window(self.cal, self.steps)

    def sentences(self) -> dict[str, str]:
        _, end = self.window
        sq, rem, pur = (self.arm(k) for k in ("status quo", "remedies", "purge"))
        return {
            m: letter.sentence(
                m, sq.bands[m], rem.bands[m], pur.bands[m], self.split, end, self.cal
            )
            for m in METRICS
        }

    def thermidor_rows(self) -> list[letter.ThermidorRow]:
        return [letter.thermidor_row(a.label, a.thermidor_steps, self.cal) for a in self.arms]


def _diverging(found: list[ArmRuns], split: int) -> list[tuple[str, dict[str, Any]]]:
    """The events starting at the split that not every arm has, with the arm holding them."""
    dumps = [arm.scenario.model_dump(mode="json") for arm in found]
    lists = [[e for key in ("shocks", "interventions") for e in d[key]] for d in dumps]
    out = []
    for arm, events in zip(found, lists, strict=True):
        for event in events:
            if int(event["start"]) == split and any(event not in other for other in lists):
                out.append((arm.arm.label, event))
    return out


def comparison_from_store(
    store_path: str | Path, found: list[ArmRuns], seeds: list[int]
) -> Comparison:
    """Read the arms' runs and reduce them to bands (``found`` from ``collect``)."""
    from thermidor.experiments.comparison import split_step  # noqa: PLC0415

    scenarios = [arm.scenario for arm in found]
    split = split_step(scenarios)
    if split is None:
        msg = "the arms' event lists are the same: there is no split to compare from"
        raise ValueError(msg)
    meta = scenarios[0].meta
    arms = []
    with Store(store_path, read_only=True) as store:
        for arm in found:
            runs = [store.series(run_id) for run_id in arm.run_ids]
            stacked = {
                m: np.array([t.column(m).to_numpy(zero_copy_only=False) for t in runs], float)
                for m in METRICS
            }
            steps = [store.get_run(run_id)["thermidor_step"] for run_id in arm.run_ids]
            arms.append(
                ArmData(
                    arm.arm.label,
                    arm.arm.scenario,
                    arm.arm.overrides,
                    arm.run_ids,
                    {m: letter.bands(v) for m, v in stacked.items()},
                    [None if s is None else int(s) for s in steps],
                )
            )
    return Comparison(
        arms,
        seeds,
        meta.members,
        meta.steps,
        split,
        letter.Calendar(str(meta.start), str(meta.time_step)),
        _diverging(found, split),
    )


def _rounded(values: np.ndarray) -> list[float | None]:
    """Four significant figures: what a reader can see, a third of the page's bytes."""
    return [None if not math.isfinite(v) else float(f"{v:.4g}") for v in values]


def figure(comp: Comparison) -> go.Figure:
    """Bands (90% light, 50% darker) and the median of each arm, one panel per metric, on a
    date axis over the window; the split a labelled vertical line in every panel."""
    import plotly.graph_objects as go  # noqa: PLC0415
    from plotly.subplots import make_subplots  # noqa: PLC0415

    first, last = comp.window
    x = calendar.axis_dates(comp.cal.start, comp.cal.time_step, comp.steps)[first : last + 1]
    rows = math.ceil(len(METRICS) / 2)
    titles = [letter.SPOKEN.get(m, m) for m in METRICS]
    titles = [f"{t[0].upper()}{t[1:]}" for t in titles]
    fig = make_subplots(
        rows=rows,
        cols=2,
        subplot_titles=titles,
        shared_xaxes=True,
        vertical_spacing=0.06,
        horizontal_spacing=0.07,
    )
    for p, metric in enumerate(METRICS):
        cell = {"row": p // 2 + 1, "col": p % 2 + 1}
        for arm in comp.arms:
            color = ARM_COLORS.get(arm.label, "#333333")
            b = arm.bands[metric]
            for lo, hi, opacity, band in ((0, 4, 0.12, "90%"), (1, 3, 0.25, "50%")):
                fig.add_trace(
                    go.Scatter(
                        x=x + x[::-1],
                        y=_rounded(b.q[hi][first : last + 1])
                        + _rounded(b.q[lo][first : last + 1][::-1]),
                        fill="toself",
                        fillcolor=color,
                        opacity=opacity,
                        line={"width": 0},
                        hoverinfo="skip",
                        showlegend=False,
                        legendgroup=arm.label,
                        name=f"{arm.label} {band}",
                        meta={"metric": metric, "arm": arm.label, "role": band},
                    ),
                    **cell,
                )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=_rounded(b.median[first : last + 1]),
                    mode="lines",
                    line={"color": color, "width": 2},
                    name=arm.label,
                    legendgroup=arm.label,
                    showlegend=p == 0,
                    meta={"metric": metric, "arm": arm.label, "role": "median"},
                    hovertemplate=f"{arm.label}: %{{y:.3g}}<extra></extra>",
                ),
                **cell,
            )
    split_x = calendar.axis_date(comp.cal.start, comp.cal.time_step, comp.split)
    shapes, notes = [], []
    for p in range(len(METRICS)):
        suffix = "" if p == 0 else str(p + 1)
        shapes.append(
            {
                "type": "line",
                "xref": f"x{suffix}",
                "yref": f"y{suffix} domain",
                "x0": split_x,
                "x1": split_x,
                "y0": 0,
                "y1": 1,
                "name": "split",
                "line": {"color": SPLIT_COLOR, "width": 1.5, "dash": "dash"},
            }
        )
        notes.append(
            {
                "x": split_x,
                "y": 0.98,
                "xref": f"x{suffix}",
                "yref": f"y{suffix} domain",
                "text": f"split {comp.cal.date(comp.split)}",
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"size": 10, "color": SPLIT_COLOR},
            }
        )
    fig.update_layout(
        shapes=shapes,
        annotations=[*fig.layout.annotations, *notes],
        template="plotly_white",
        height=PANEL_HEIGHT * rows + 140,
        hovermode="x unified",
        margin={"l": 50, "r": 20, "t": 70, "b": 40},
        legend={
            "orientation": "h",
            "x": 0,
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "title": {"text": "median and 50%/90% bands over seeds:"},
        },
    )
    fig.update_xaxes(type="date", range=[x[0], x[-1]], showticklabels=True)
    fig.update_yaxes(rangemode="tozero")
    return fig


def thermidor_table(comp: Comparison) -> tuple[list[str], list[list[str]]]:
    header = ["arm", "runs reaching Thermidor", "share", "date: 25%", "median", "75%"]
    rows = []
    for row in comp.thermidor_rows():
        dates = list(row.quartiles) if row.quartiles else ["—", "—", "—"]
        share = f"{row.share:.0%}" if row.runs else "—"
        rows.append([row.label, f"{row.reached} of {row.runs}", share, *dates])
    return header, rows


def shared_thermidor(comp: Comparison) -> list[str]:
    """A note when every run that reaches Thermidor does so before the split: in the shared
    history, where the arms cannot differ."""
    steps = [s for arm in comp.arms for s in arm.thermidor_steps if s is not None]
    if not steps or max(steps) >= comp.split:
        return []
    return [
        f"Every Thermidor here comes before the split ({comp.cal.date(comp.split)}), in the "
        "history the arms share: the arms cannot differ in it."
    ]


def intro(comp: Comparison) -> str:
    first, last = comp.window
    return (
        f"Rakovsky's three futures from {comp.cal.date(comp.split)}: the apparatus left as it "
        "is (status quo), his remedies (a change of method) and a purge (a change of "
        f"personnel). {len(comp.seeds)} seeds per arm ({comp.seeds[0]}..{comp.seeds[-1]}), "
        f"{comp.members:,} members, {comp.steps} steps; the lines are medians over the seeds, "
        f"the bands hold the middle 50% and 90% of them; shown {comp.cal.date(first)} to "
        f"{comp.cal.date(last)}."
    )


def page(comp: Comparison) -> str:
    """The comparison as one self-contained HTML page."""
    from thermidor.reports.sections import Section, render  # noqa: PLC0415

    said = comp.sentences()
    split = comp.cal.date(comp.split)
    changes = [
        f"{i}. {comp.cal.date(comp.split)}, {arm}: {e.get('id', '')} ({e.get('kind', '')})"
        for i, (arm, e) in enumerate(comp.diverging, 1)
    ]
    sections = [
        Section(
            "The three arms over time",
            [
                f"The dashed line marks the split ({split}): the first step at which the arms' "
                "events differ. Before it the arms share one history, seed by seed: their bands "
                "coincide and the purge's, drawn last, covers the others."
            ],
            [figure(comp)],
        ),
        Section("Read panel by panel", [said[m] for m in METRICS]),
        Section(
            "When Thermidor comes",
            [
                "Quartiles of the Thermidor date among the runs that reach it.",
                *shared_thermidor(comp),
            ],
            tables=[thermidor_table(comp)],
        ),
        Section("What differs at the split", changes),
        Section(
            "The runs",
            [
                f"{a.label}: {a.scenario} {' '.join(a.overrides)}".strip()
                + ": "
                + ", ".join(a.run_ids)
                for a in comp.arms
            ],
        ),
    ]
    return render("The letter's comparison: status quo, remedies, purge", intro(comp), sections)


def as_json(comp: Comparison) -> dict[str, Any]:
    """The sentences and the numbers behind them, for scripts."""
    first, last = comp.window
    said = comp.sentences()
    return {
        "seeds": comp.seeds,
        "members": comp.members,
        "steps": comp.steps,
        "split": {"step": comp.split, "date": comp.cal.date(comp.split)},
        "window": {"from": comp.cal.date(first), "to": comp.cal.date(last)},
        "arms": [
            {
                "label": a.label,
                "scenario": a.scenario,
                "overrides": list(a.overrides),
                "run_ids": a.run_ids,
            }
            for a in comp.arms
        ],
        "panels": [
            {
                "metric": m,
                "sentence": said[m],
                "before_split": _finite(comp.arm("status quo").bands[m].median[comp.split - 1]),
                "at_end": {a.label: _finite(a.bands[m].median[last]) for a in comp.arms},
            }
            for m in METRICS
        ],
        "thermidor": [
            {
                "arm": r.label,
                "reached": r.reached,
                "runs": r.runs,
                "quartiles": list(r.quartiles) if r.quartiles else None,
            }
            for r in comp.thermidor_rows()
        ],
    }


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(float(value)) else None
