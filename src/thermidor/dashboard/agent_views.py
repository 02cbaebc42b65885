"""The dashboard's panel of agent-level views: ``AgentViews(snapshots, step, ...)``.

It shows the snapshots of a finished run (``model.snapshots``; the runner takes them with
``SnapshotTaker``) with the same figures as ``thermidor agents`` (``reports.agents``): the
office tree, a sample of the network, histograms, and the histories of one member and one
office. The user picks the snapshot, the member and the office; a parent may also move the
snapshot shown through ``step``.

Figures take their column's width and follow it when the window is resized: their layouts
set no width (``autosize``) and each widget gets plotly's ``responsive`` config.

Elements the browser tests find carry stable classes: ``agent-views``,
``agent-snapshot``, ``agent-member``, ``agent-office``, ``agent-tree``,
``agent-network``, ``agent-histograms``, ``agent-member-history``,
``agent-office-history`` and ``agent-error``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import ipyvuetify as v
import plotly.graph_objects as go
import solara
import traitlets

from thermidor.model.snapshots import Snapshot
from thermidor.reports import agent_figures
from thermidor.reports.agents import AgentViews as Views
from thermidor.reports.agents import agent_views

CONFIG = {**agent_figures.CONFIG, "responsive": True}


class _ResponsiveWidget(go.FigureWidget):
    """A figure widget born with plotly's ``responsive`` config (the widget passes
    ``_config`` to ``Plotly.newPlot``; its constructor takes no config)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._config = CONFIG


class _FitOnResize(v.VuetifyTemplate):
    """An invisible element that tells plotly to refit the figures when the panel's width
    changes (the sidebar folds, the window is resized) and just after they are first drawn.

    A figure widget draws at plotly's 700 px when its container has no width yet (Solara
    mounts it before laying it out) and, unlike JupyterLab, Solara sends it no resize
    message afterwards; plotly's ``responsive`` config refits a figure on the window's
    ``resize`` event, so this element dispatches one whenever the panel changes size.
    """

    template = traitlets.Unicode(
        """<template><span style="display: none"></span></template>
<script>
module.exports = {
  mounted() {
    const fire = () => window.dispatchEvent(new Event('resize'));
    const panel = this.$el.closest('.agent-views') || this.$el.parentElement;
    this.observer = new ResizeObserver(fire);
    this.observer.observe(panel);
    this.timers = [100, 500, 1500].map(t => setTimeout(fire, t));
  },
  beforeDestroy() {
    this.observer.disconnect();
    this.timers.forEach(clearTimeout);
  },
};
</script>"""
    ).tag(sync=True)


@solara.component
def ResponsiveFigure(fig: go.Figure) -> Any:  # noqa: N802 (a Solara component)
    """A plotly figure that fills its container's width and follows it when the window is
    resized: ``solara.FigurePlotly`` with plotly's ``responsive`` config."""
    element = _ResponsiveWidget.element()

    def update() -> None:
        widget = solara.get_widget(element)
        widget.layout = fig.layout
        old = len(widget.data)
        widget.add_traces(fig.data)
        widget.data = list(widget.data)[old:]

    solara.use_effect(update, [fig])
    return element


def _number(text: str, what: str) -> tuple[int | None, str | None]:
    """(value, None) for an empty or whole-number ``text``, else (None, message)."""
    text = text.strip()
    if not text:
        return None, None
    if text.isdigit():
        return int(text), None
    return None, f"{what} {text!r}: a whole number >= 0 (empty: the default)"


def _html_table(table: agent_figures.Table) -> str:
    """The table as HTML, every cell escaped (Solara's Markdown would load KaTeX from a
    CDN each time it is shown, which hangs on a machine without internet access)."""
    _, header, rows = table
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f'<table class="agent-table"><tr>{head}</tr>{body}</table>'


@solara.component
def History(  # noqa: N802 (a Solara component)
    table: agent_figures.Table, fig: go.Figure, css: str
) -> None:
    """One member's or one office's history: its figure, then its table."""
    with solara.Column(classes=[css], style={"min-width": "0"}):
        ResponsiveFigure(fig)
        solara.HTML(tag="p", unsafe_innerHTML=f"<b>{html.escape(table[0])}</b>")
        with solara.Div(style={"overflow-x": "auto", "max-width": "100%"}):
            solara.HTML(tag="div", unsafe_innerHTML=_html_table(table))


@solara.component
def AgentViews(  # noqa: N802 (a Solara component)
    snapshots: Sequence[Snapshot],
    step: int | None = None,
    *,
    start: str,
    time_step: str,
    on_step: Callable[[int], None] | None = None,
) -> None:
    """The agent-level views of a finished run's ``snapshots`` at ``step`` (the last
    snapshot when None or not among them).

    Args:
        snapshots: the run's snapshots, by step.
        step: the snapshot to show; when the parent changes it, the panel follows.
        start, time_step: the scenario's calendar (``meta.start``, ``meta.time_step``).
        on_step: called with the step the user picks, for a parent that keeps it.
    """
    steps = [s.step for s in snapshots]
    wanted = step if step in steps else (steps[-1] if steps else None)
    chosen = solara.use_reactive(wanted)
    solara.use_effect(lambda: chosen.set(wanted), [wanted])
    member_text = solara.use_reactive("")
    office_text = solara.use_reactive("")
    current = chosen.value if chosen.value in steps else wanted
    member, member_error = _number(member_text.value, "member")
    office, office_error = _number(office_text.value, "office")

    def compute() -> Views | str:
        if not snapshots:
            return "no snapshots"
        try:
            return agent_views(snapshots, current, start=start, time_step=time_step,
                               member=member, office=office)  # fmt: skip
        except ValueError as exc:
            return str(exc)

    views = solara.use_memo(compute, [id(snapshots), current, member, office])
    if not snapshots:
        solara.Info(
            "This run kept no snapshots of its members: ask for some (e.g. thermidor run "
            "... --snapshot auto) to see the agents.",
            classes=["agent-views", "agent-error"],
        )
        return
    dates = {s.date: s.step for s in snapshots}
    date_of = {s.step: s.date for s in snapshots}

    def pick(date: str | None) -> None:
        if date in dates:
            chosen.set(dates[date])
            if on_step is not None:
                on_step(dates[date])

    with solara.Column(classes=["agent-views"], style={"width": "100%", "min-width": "0"}):
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.Select("Snapshot", list(dates), date_of[current or steps[-1]], on_value=pick,
                          classes=["agent-snapshot"])  # fmt: skip
            solara.InputText("Follow member (number)", member_text.value,
                             on_value=member_text.set, classes=["agent-member"],
                             error=member_error or False)  # fmt: skip
            solara.InputText("Follow office (number)", office_text.value,
                             on_value=office_text.set, classes=["agent-office"],
                             error=office_error or False)  # fmt: skip
        if isinstance(views, str):
            solara.Error(views, classes=["agent-error"])
            return
        with solara.ColumnsResponsive(12, large=6):
            with solara.Column(classes=["agent-tree"], style={"min-width": "0"}):
                ResponsiveFigure(views.tree)
            with solara.Column(classes=["agent-network"], style={"min-width": "0"}):
                ResponsiveFigure(views.network)
        with solara.Column(classes=["agent-histograms"], style={"min-width": "0"}):
            ResponsiveFigure(views.histograms)
        # full width: a history's table has a dozen columns
        History(views.member, views.member_series, "agent-member-history")
        History(views.office, views.office_series, "agent-office-history")
        # mounted afresh with each new set of figures, so that they are refitted once drawn
        _FitOnResize.element().key(f"fit-{current}-{member}-{office}")
