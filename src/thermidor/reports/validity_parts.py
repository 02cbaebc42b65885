"""The validity report's parts read from the results store: the robustness of the facts
(shares over the posterior and the wider region, Morris and Sobol' indices of their
margins), the ablation table, the classic models' reproductions.

Each returns its sections, or None when the store holds none of it (the report then
names the command that makes it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from thermidor.reports.sections import Section, number

COLORS = {"posterior": "#1f77b4", "wide": "#ff7f0e", "morris": "#2ca02c", "sobol": "#9467bd"}


def _store(path: Path):
    from thermidor.store import Store  # noqa: PLC0415

    return Store(path, read_only=True)


def _tables(store: Any) -> set[str]:
    return {row[0] for row in store.connection.execute("SHOW TABLES").fetchall()}


def shares_figure(rows: list[dict[str, Any]]) -> go.Figure:
    """Per fact, the weighted share of points where it holds, one bar per region."""
    fig = go.Figure()
    for region in dict.fromkeys(r["region"] for r in rows):
        mine = [r for r in rows if r["region"] == region]
        fig.add_bar(
            y=[r["label"] for r in mine], x=[r["share"] for r in mine], orientation="h",
            name=f"{region} ({mine[0]['points']} points)", marker_color=COLORS.get(region),
            hovertemplate="%{y}: holds at a share %{x:.2f}<extra></extra>",
        )  # fmt: skip
    labels = list(dict.fromkeys(r["label"] for r in rows))
    fig.update_layout(
        title={"text": "Where each conclusion holds", "x": 0},
        xaxis={"title": "share of the region's points (weighted) where it holds",
               "range": [0, 1]},
        yaxis={"autorange": "reversed"}, barmode="group", height=160 + 44 * len(labels),
        margin={"l": 300, "r": 20, "t": 60, "b": 60}, legend={"orientation": "h", "y": -0.12},
    )  # fmt: skip
    return fig


def indices_figure(entry: list[dict[str, Any]], method: str) -> go.Figure:
    """Per fact, each parameter's index of the margin (Morris mu*, Sobol' total order)."""
    key = "mu_star" if method == "morris" else "ST"
    names = sorted({p["name"] for e in entry for p in e.get("parameters", [])})
    fig = go.Figure()
    for name in names:
        facts, values = [], []
        for e in entry:
            found = {p["name"]: p for p in e.get("parameters", [])}
            if name in found:
                facts.append(e["label"])
                values.append(found[name][key])
        fig.add_bar(y=facts, x=values, orientation="h", name=name.rsplit(".", 1)[-1],
                    hovertemplate=f"{name}: %{{x:.3g}}<extra>%{{y}}</extra>")  # fmt: skip
    title = "Morris mu* of each margin" if method == "morris" else "Sobol' total-order index"
    fig.update_layout(
        title={"text": title, "x": 0}, barmode="group",
        xaxis={"title": "mu* (margin units)" if method == "morris" else "ST"},
        yaxis={"autorange": "reversed"}, height=160 + 60 * len(entry),
        margin={"l": 300, "r": 20, "t": 60, "b": 60}, legend={"orientation": "h", "y": -0.1},
    )  # fmt: skip
    return fig


def robustness_sections(path: Path) -> list[Section] | None:
    from thermidor.validity.robustness import shares  # noqa: PLC0415
    from thermidor.validity.sensitivity import fact_indices  # noqa: PLC0415

    with _store(path) as store:
        if "fact_robustness" not in _tables(store):
            return None
        rows = shares(store)
        indices = fact_indices(store)
    sections = []
    if rows:
        section = Section(
            "Robustness: where the stylized facts and Thermidor hold",
            ["Each point is evaluated by the facts' own checks (thermidor.validity.facts) "
             "over its ensemble of seeds; the posterior points are drawn from the "
             "calibration, the wide points fill the documented box (docs/robustness.md)."],
        )  # fmt: skip
        section.figures.append(shares_figure(rows))
        section.tables.append(
            (["fact", "region", "points", "share holding", "mean margin", "smallest margin",
              "seeds"],
             [[r["label"], r["region"], str(r["points"]), number(r["share"], 3),
               number(r["mean_margin"], 3), number(r["min_margin"], 3), str(r["seeds"])]
              for r in rows])
        )  # fmt: skip
        sections.append(section)
    for method in ("morris", "sobol"):
        mine = [e for e in indices if e["method"] == method]
        if not mine:
            continue
        section = Section(f"Sensitivity of the margins ({method})")
        usable = [e for e in mine if "error" not in e]
        if usable:
            section.figures.append(indices_figure(usable, method))
        section.text += [f"{e['label']}: {e['error']}" for e in mine if "error" in e]
        sections.append(section)
    return sections


def ablation_sections(path: Path) -> list[Section] | None:
    from thermidor.reports.ablation import ablation_table, cell, has_ablation  # noqa: PLC0415

    with _store(path) as store:
        if not has_ablation(store):
            return None
        frame = ablation_table(store)
    histories = list(dict.fromkeys(frame["history"]))
    rows = []
    for condition, group in frame.groupby("condition", sort=False):
        by_history = {row["history"]: cell(row) for _, row in group.iterrows()}
        rows.append([str(condition), *(by_history.get(h, "") for h in histories)])
    first = frame.iloc[0]
    return [
        Section(
            "Ablations: what carries Thermidor",
            [f"Each mechanism switched off in turn, and each of the letter's causes removed "
             f"by its dated events; {int(first['seeds'])} seeds, {int(first['members'])} "
             "members. P: the share of runs reaching Thermidor; then the quartiles of its "
             "date (docs/model.md 7.16)."],
            tables=[(["condition", *histories], rows)],
        )
    ]  # fmt: skip


def classic_sections(path: Path) -> list[Section] | None:
    from thermidor.reports.reproductions import classic_table, has_reproductions  # noqa: PLC0415

    with _store(path) as store:
        if not has_reproductions(store):
            return None
        frame = classic_table(store)
    rows = [
        [str(r["model"]), str(r["paper"]), str(r["claim"]),
         number(r["paper_value"]) if isinstance(r["paper_value"], float) else str(r["paper_value"]),
         str(r["reproduced"]), str(r["tolerance"]), str(r["agrees"])]
        for _, r in frame.iterrows()
    ]  # fmt: skip
    agree = int((frame["agrees"] == "yes").sum())
    return [
        Section(
            "The classic models against their papers",
            [f"{agree} of {len(frame)} published claims reproduced within their stated "
             "tolerance (docs/classic/)."],
            tables=[(["model", "paper", "claim", "paper value", "reproduced", "tolerance",
                      "agrees"], rows)],
        )
    ]  # fmt: skip


# the parts: title, the function reading them (None: nothing stored), the command making them
STORE_PARTS = [
    ("Robustness", robustness_sections,
     "thermidor robustness run --points P.csv --store S (and --box B.toml, sensitivity)"),
    ("Ablations", ablation_sections, "thermidor ablation run --store S"),
    ("Classic reproductions", classic_sections, "thermidor classic reproduce --store S"),
]  # fmt: skip
