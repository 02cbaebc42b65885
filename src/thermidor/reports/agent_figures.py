"""The agent-level views as plotly figures: the office tree, a piece of the network,
histograms of the members' state, and one member's or one office's history.

Every figure is drawn from snapshots (``model.snapshots``) alone, so the report page and
the dashboard show the same pictures, and titles carry the snapshot's date ("at 1924-01").
Figures set no width: they take their container's (plotly's ``autosize``), so they fit a
column of the dashboard as well as a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from thermidor.engine.hierarchy import BOTTOM, MIDDLE, TOP
from thermidor.model.snapshots import Snapshot
from thermidor.model.state import HOLDER, RULES, STAFF
from thermidor.reports.layout import spring_layout

# one colour per selection rule, keyed by the model's rules (a new rule fails the test
# that every rule has its colour): elected green, nominated red, drawn by lot blue
RULE_COLORS: dict[str, str] = {
    "election": "#1a9850",
    "nomination": "#d73027",
    "sortition": "#4575b4",
}
RULE_WORDS: dict[str, str] = {
    "election": "elected",
    "nomination": "nominated",
    "sortition": "drawn by lot",
}
TIER_WORDS = {TOP: "top", MIDDLE: "middle", BOTTOM: "bottom"}
ROLE_WORDS = {0: "rank and file", STAFF: "staff", HOLDER: "office holder"}
OPPOSITION, LOYAL, ABSENT = "#b2182b", "#9e9e9e", "#e0e0e0"
SNAPSHOT_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")
STATE = ("activity", "fear", "identification")
CONFIG = {"displaylogo": False, "responsive": True}
MARGIN = {"l": 50, "r": 20, "t": 60, "b": 40}


def _layout(
    fig: go.Figure, title: str, height: int, *, subtitle: str = "", buttons: bool = False
) -> go.Figure:
    """A short title on top (it must fit half a dashboard's width: plotly cuts, never wraps,
    a title), the explanation in a smaller subtitle, then the buttons (if any) on a row of
    their own, then the plot; the width is the container's."""
    fig.update_layout(
        title={"text": title, "font": {"size": 14}, "x": 0, "xref": "paper", "y": 1,
               "yref": "container", "yanchor": "top", "pad": {"t": 12},
               "subtitle": {"text": subtitle, "font": {"size": 11, "color": "#555"}}},
        autosize=True,
        height=height,
        margin={**MARGIN, "t": (100 if buttons else MARGIN["t"]) + (16 if subtitle else 0)},
        template="plotly_white",
    )  # fmt: skip
    return fig


def _switch(
    labels: Sequence[str],
    visible: Sequence[Sequence[bool]],
    layouts: Sequence[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Buttons above a figure, each showing one set of its traces (and, if given, making
    its changes to the layout, such as hiding a key that belongs to the other set)."""
    changes = layouts if layouts is not None else [{} for _ in labels]
    buttons = [
        {"label": label, "method": "update", "args": [{"visible": list(shown)}, change]}
        for label, shown, change in zip(labels, visible, changes, strict=True)
    ]
    return [
        {
            "type": "buttons",
            "direction": "right",
            "buttons": buttons,
            "x": 0,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "bottom",
            "pad": {"t": 0, "b": 8},
            "showactive": True,
        }
    ]


# --- the office tree ---------------------------------------------------------------------


def cells_below(parent: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Each office's number of bottom offices in its subtree (a bottom office counts 1):
    the size of its sector, so that a sector's children fill it exactly."""
    count = np.zeros(parent.size, dtype=np.int64)
    has_child = np.zeros(parent.size, dtype=bool)
    has_child[parent[parent >= 0]] = True
    count[~has_child] = 1
    for depth in range(int(level.max(initial=0)), 0, -1):
        here = np.flatnonzero((level == depth) & (parent >= 0))
        np.add.at(count, parent[here], count[here])
    return count


def office_tree(snapshot: Snapshot) -> go.Figure:
    """The hierarchy as a sunburst, the branches' top offices around the centre and the
    bottom offices (one per cell) outside; coloured by the rule that filled each office,
    or (the second button) by its holder's privilege."""
    off = snapshot.offices
    ids = [f"o{i}" for i in off["office"]]
    parents = [f"o{p}" if p >= 0 else "all" for p in off["parent"]]
    names = [snapshot.branches[b] for b in off["branch"]]
    labels = [name if p < 0 else f"#{i}" for name, i, p in
              zip(names, off["office"], off["parent"], strict=True)]  # fmt: skip
    values = cells_below(off["parent"], off["level"])
    rules = [RULES[r] for r in off["rule"]]
    held = off["holder"] >= 0
    privilege = np.where(held, off["privilege"], 1.0)
    customdata = np.stack(
        [
            names,
            [TIER_WORDS[t] for t in off["tier"]],
            [RULE_WORDS[r] for r in rules],
            [f"member {h}" if h >= 0 else "vacant" for h in off["holder"]],
            [f"{p:.2f}" if h else "-" for p, h in zip(off["privilege"], held, strict=True)],
            [f"{t:.2f}" if np.isfinite(t) else "-" for t in off["turnout"]],
            off["staff"].astype(str),
        ],
        axis=1,
    )
    hover = (
        "office %{id}<br>%{customdata[0]}, %{customdata[1]} tier<br>%{customdata[2]}"
        "<br>holder: %{customdata[3]}<br>privilege: %{customdata[4]}"
        "<br>turnout: %{customdata[5]}<br>staff: %{customdata[6]}<extra></extra>"
    )
    total = int(values[off["parent"] < 0].sum())  # the root: every branch's top office
    common = {
        "ids": ["all", *ids],
        "parents": ["", *parents],
        "labels": ["offices", *labels],
        "values": [total, *values.tolist()],
        "branchvalues": "total",
        "customdata": np.vstack([np.full((1, customdata.shape[1]), ""), customdata]),
        "hovertemplate": hover,
        "insidetextorientation": "radial",
        "sort": False,
        "leaf": {"opacity": 1.0},  # the rule's own colour on the bottom offices too
    }
    fig = go.Figure()
    fig.add_sunburst(
        **common,
        name="rule",
        marker={"colors": ["#ffffff"] + [RULE_COLORS[r] for r in rules], "line": {"width": 0.3}},
    )
    fig.add_sunburst(
        **common,
        name="privilege",
        visible=False,
        marker={
            "colors": [1.0, *privilege.tolist()],
            "colorscale": "YlOrRd",
            "cmin": 1.0,
            "cmax": max(float(np.nanmax(privilege, initial=1.0)), 1.01),
            "showscale": True,
            "colorbar": {"title": {"text": "privilege"}, "thickness": 12},
            "line": {"width": 0.3},
        },
    )
    counts = {rule: rules.count(rule) for rule in RULES}
    key = " ".join(
        f"<span style='color:{RULE_COLORS[r]}'>■</span> {RULE_WORDS[r]} {counts[r]}" for r in RULES
    )
    fig.update_layout(
        updatemenus=_switch(
            ["colour by rule", "colour by privilege"],
            [[True, False], [False, True]],
            [{"annotations[0].visible": True}, {"annotations[0].visible": False}],
        )
    )
    fig.add_annotation(
        text=key, x=0, y=-0.02, xref="paper", yref="paper", xanchor="left", yanchor="top",
        showarrow=False,
    )  # fmt: skip
    return _layout(fig, f"Offices at {snapshot.date}", 640, buttons=True,
                   subtitle="the rule that filled each, or its holder's privilege")  # fmt: skip


def rule_counts(fig: go.Figure) -> dict[str, int]:
    """Offices of each rule as the tree figure colours them (its first trace, root left out)."""
    colours = list(fig.data[0].marker.colors)[1:]
    return {rule: colours.count(colour) for rule, colour in RULE_COLORS.items()}


# --- the network -------------------------------------------------------------------------


def network_figure(snapshot: Snapshot) -> go.Figure:
    """The sampled members and their ties, placed by a spring layout; coloured by activity,
    or (the second button) by opposition. Members deported since are drawn pale."""
    mem = snapshot.members
    sampled = np.flatnonzero(mem["sampled"])
    serial = mem["member"][sampled]
    index = {int(s): i for i, s in enumerate(serial)}
    src = np.array([index[int(s)] for s in snapshot.ties["source"]], dtype=np.int64)
    dst = np.array([index[int(t)] for t in snapshot.ties["target"]], dtype=np.int64)
    pos = spring_layout(serial.size, src, dst)
    edge_x = np.full(3 * src.size, np.nan)
    edge_y = np.full(3 * src.size, np.nan)
    edge_x[0::3], edge_x[1::3] = pos[src, 0], pos[dst, 0]
    edge_y[0::3], edge_y[1::3] = pos[src, 1], pos[dst, 1]
    present = mem["present"][sampled]
    activity = mem["activity"][sampled]
    opposition = mem["opposition"][sampled] & present
    role = mem["role"][sampled]
    text = [
        f"member {s}<br>{ROLE_WORDS[int(r)]}{'' if p else ' (deported)'}<br>activity {a:.2f}"
        f"{'<br>in the opposition' if o else ''}"
        for s, r, p, a, o in zip(serial, role, present, activity, opposition, strict=True)
    ]
    size = np.where(role == HOLDER, 11, np.where(role == STAFF, 8, 6))
    fig = go.Figure()
    fig.add_scatter(x=edge_x, y=edge_y, mode="lines", line={"width": 0.4, "color": "#c8c8c8"},
                    hoverinfo="skip", name="ties", showlegend=False)  # fmt: skip
    fig.add_scatter(
        x=pos[:, 0], y=pos[:, 1], mode="markers", name="activity", text=text,
        hovertemplate="%{text}<extra></extra>", showlegend=False,
        marker={"size": size, "color": np.where(present, activity, np.nan), "colorscale": "Viridis",
                "cmin": 0, "cmax": 1, "showscale": True, "line": {"width": 0.3, "color": "#444"},
                "colorbar": {"title": {"text": "activity"}, "thickness": 12}},
    )  # fmt: skip
    groups = (("in the opposition", opposition, OPPOSITION), ("not", present & ~opposition, LOYAL),
              ("deported", ~present, ABSENT))  # fmt: skip
    for label, mask, colour in groups:
        fig.add_scatter(
            x=pos[mask, 0], y=pos[mask, 1], mode="markers", name=f"{label} ({int(mask.sum())})",
            text=[t for t, keep in zip(text, mask, strict=True) if keep], visible=False,
            hovertemplate="%{text}<extra></extra>",
            marker={"size": size[mask], "color": colour, "line": {"width": 0.3, "color": "#444"}},
        )  # fmt: skip
    fig.update_layout(
        updatemenus=_switch(
            ["colour by activity", "colour by opposition"],
            [[True, True, False, False, False], [True, False, True, True, True]],
        ),
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x"},
        legend={"orientation": "h", "y": -0.02, "yanchor": "top"},
    )
    subtitle = f"{serial.size} members, {src.size} ties; largest: holders, then staff"
    return _layout(fig, f"The network at {snapshot.date}", 640, buttons=True, subtitle=subtitle)


# --- histograms --------------------------------------------------------------------------


def histograms(snapshots: Sequence[Snapshot]) -> go.Figure:
    """Activity, fear and identification of the members present, one histogram per
    snapshot overlaid (as shares of members, so that populations of different sizes
    compare)."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=list(STATE), horizontal_spacing=0.06)
    for k, snapshot in enumerate(snapshots):
        present = snapshot.members["present"]
        colour = SNAPSHOT_COLORS[k % len(SNAPSHOT_COLORS)]
        for col, name in enumerate(STATE, start=1):
            fig.add_histogram(
                x=snapshot.members[name][present],
                xbins={"start": 0.0, "end": 1.0, "size": 0.05},
                histnorm="probability",
                name=f"{snapshot.date} ({int(present.sum())} members)",
                legendgroup=snapshot.date,
                showlegend=col == 1,
                marker={"color": colour},
                opacity=0.6 if len(snapshots) > 1 else 0.85,
                row=1,
                col=col,
            )
    fig.update_layout(barmode="overlay", legend={"orientation": "h", "y": -0.18})
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(title_text="share of members", row=1, col=1)
    dates = " and ".join(s.date for s in snapshots)
    return _layout(fig, f"Members' state at {dates}", 340)


# --- one member, one office --------------------------------------------------------------

Table = tuple[str, list[str], list[list[str]]]  # title, header, rows


def _number(value: float) -> str:
    return f"{value:.3f}" if np.isfinite(value) else "-"


def member_history(snapshots: Sequence[Snapshot], member: int) -> Table:
    """Member ``member`` (a serial) at each snapshot: a row per snapshot it had arrived by."""
    header = ["date", "step", "present", "party", "opposition", "role", "office", "activity",
              "fear", "identification", "privilege", "income"]  # fmt: skip
    rows = []
    for s in snapshots:
        m = s.members
        found = np.flatnonzero(m["member"] == member)
        if not found.size:
            rows.append([s.date, str(s.step), "not yet arrived", *[""] * (len(header) - 3)])
            continue
        i = int(found[0])
        post = int(m["post"][i])
        rows.append(
            [s.date, str(s.step), _yes(m["present"][i]), _yes(m["party"][i]),
             _yes(m["opposition"][i]), ROLE_WORDS[int(m["role"][i])],
             "-" if post < 0 else f"#{post}",
             *(_number(float(m[name][i])) for name in (*STATE, "privilege", "income"))]
        )  # fmt: skip
    return f"Member {member} across the snapshots", header, rows


def office_history(snapshots: Sequence[Snapshot], office: int) -> Table:
    """Office ``office`` at each snapshot: its rule, holder, privilege, turnout and staff."""
    header = ["date", "step", "branch", "tier", "rule", "holder", "privilege", "income",
              "turnout", "staff"]  # fmt: skip
    rows = []
    for s in snapshots:
        o = s.offices
        if not 0 <= office < o["office"].size:
            continue
        holder = int(o["holder"][office])
        rows.append(
            [s.date, str(s.step), s.branches[int(o["branch"][office])],
             TIER_WORDS[int(o["tier"][office])], RULE_WORDS[RULES[int(o["rule"][office])]],
             "vacant" if holder < 0 else f"member {holder}",
             *(_number(float(o[name][office])) for name in ("privilege", "income", "turnout")),
             str(int(o["staff"][office]))]
        )  # fmt: skip
    return (
        f"Office #{office} ({_office_name(snapshots, office)}) across the snapshots",
        header,
        rows,
    )


def _office_name(snapshots: Sequence[Snapshot], office: int) -> str:
    """ "party, top tier": the branch and tier of ``office``."""
    s = snapshots[-1]
    if not 0 <= office < s.offices["office"].size:
        return "no such office"
    branch = s.branches[int(s.offices["branch"][office])]
    return f"{branch}, {TIER_WORDS[int(s.offices['tier'][office])]} tier"


def _yes(flag: Any) -> str:
    return "yes" if bool(flag) else "no"


def member_series(snapshots: Sequence[Snapshot], member: int, dates: Sequence[str]) -> go.Figure:
    """Member ``member``'s activity, fear and identification at the snapshots, on a date
    axis (``dates``: the snapshots' full ISO days, ``engine.calendar.axis_date``)."""
    fig = go.Figure()
    for k, name in enumerate(STATE):
        values = []
        for s in snapshots:
            found = np.flatnonzero(s.members["member"] == member)
            values.append(float(s.members[name][found[0]]) if found.size else None)
        fig.add_scatter(x=list(dates), y=values, mode="lines+markers", name=name,
                        line={"color": SNAPSHOT_COLORS[k]})  # fmt: skip
    fig.update_layout(yaxis={"range": [0, 1]}, xaxis={"type": "date"},
                      legend={"orientation": "h", "y": -0.2})  # fmt: skip
    return _layout(fig, f"Member {member} at the snapshots", 300)


def office_series(snapshots: Sequence[Snapshot], office: int, dates: Sequence[str]) -> go.Figure:
    """Office ``office``'s holder's privilege and its turnout at the snapshots."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    privilege = [float(s.offices["privilege"][office]) for s in snapshots]
    turnout = [float(s.offices["turnout"][office]) for s in snapshots]
    fig.add_scatter(x=list(dates), y=[v if np.isfinite(v) else None for v in privilege],
                    mode="lines+markers", name="holder's privilege", secondary_y=False)  # fmt: skip
    fig.add_scatter(x=list(dates), y=[v if np.isfinite(v) else None for v in turnout],
                    mode="lines+markers", name="turnout", secondary_y=True)  # fmt: skip
    fig.update_yaxes(title_text="privilege", secondary_y=False)
    fig.update_yaxes(title_text="turnout", range=[0, 1], tickmode="linear", dtick=0.2,
                     showgrid=False, secondary_y=True)  # fmt: skip
    fig.update_layout(xaxis={"type": "date"}, legend={"orientation": "h", "y": -0.2})
    return _layout(
        fig, f"Office #{office} ({_office_name(snapshots, office)}) at the snapshots", 300
    )


def default_office(snapshot: Snapshot) -> int:
    """The office to follow when none is chosen: the top office of the first branch."""
    tops = np.flatnonzero(snapshot.offices["parent"] < 0)
    return int(snapshot.offices["office"][tops[0]]) if tops.size else 0


def default_member(snapshot: Snapshot) -> int:
    """The member to follow when none is chosen: the holder of the default office, else
    the first founder."""
    holder = int(snapshot.offices["holder"][default_office(snapshot)])
    return holder if holder >= 0 else int(snapshot.members["member"][0])
