"""The agents page: a run's snapshots as one self-contained HTML file.

``agent_views`` is the function API (the dashboard calls it on the snapshots of the run it
just finished); ``agents_page`` renders the views as a page and ``agents_page_from_store``
reads a stored run's snapshots first. plotly.js is inlined, each figure's JSON sits
beside its div, so the page opens offline; figures take their column's width.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from thermidor.engine.calendar import axis_date
from thermidor.reports import agent_figures as figures

if TYPE_CHECKING:
    from collections.abc import Sequence

    import plotly.graph_objects as go

    from thermidor.model.snapshots import Snapshot

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1400px;
       padding: 0 1.5em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; } h3 { font-size: 0.95em; }
.figure { width: 100%; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
"""


@dataclass(frozen=True)
class AgentViews:
    """The views at one snapshot, with the member and the office followed."""

    date: str
    tree: go.Figure
    network: go.Figure
    histograms: go.Figure
    member: figures.Table
    member_series: go.Figure
    office: figures.Table
    office_series: go.Figure


def agent_views(
    snapshots: Sequence[Snapshot],
    step: int | None = None,
    *,
    start: str,
    time_step: str,
    member: int | None = None,
    office: int | None = None,
    against: int | None = None,
) -> AgentViews:
    """The views of ``snapshots`` at ``step`` (the last snapshot when None).

    Args:
        snapshots: a run's snapshots, by step.
        step: the snapshot shown in the tree, the network and the histograms.
        start, time_step: the scenario's calendar (``meta.start``, ``meta.time_step``),
            for the date axis of the histories.
        member, office: the member (serial) and the office followed; by default the top
            office of the first branch and its holder at ``step``.
        against: a second snapshot overlaid on the histograms (by default the first one,
            when it is not ``step``'s).

    Raises:
        ValueError: no snapshots, none at ``step`` or ``against``, or no such member or
            office.
    """
    if not snapshots:
        msg = "the run has no snapshots"
        raise ValueError(msg)
    by_step = {s.step: s for s in snapshots}
    chosen = _at(by_step, snapshots[-1].step if step is None else step)
    other = _at(by_step, snapshots[0].step if against is None else against)
    shown = [other, chosen] if other.step != chosen.step else [chosen]
    office = figures.default_office(chosen) if office is None else office
    member = figures.default_member(chosen) if member is None else member
    offices = chosen.offices["office"].size
    if not 0 <= office < offices:
        msg = f"office {office}: the run's offices are numbered 0 .. {offices - 1}"
        raise ValueError(msg)
    arrived = max(s.members["member"].size for s in snapshots)  # members are numbered 0 ..
    if not 0 <= member < arrived:
        msg = f"member {member}: the members of the snapshots are numbered 0 .. {arrived - 1}"
        raise ValueError(msg)
    dates = [axis_date(start, time_step, s.step) for s in snapshots]
    return AgentViews(
        date=chosen.date,
        tree=figures.office_tree(chosen),
        network=figures.network_figure(chosen),
        histograms=figures.histograms(shown),
        member=figures.member_history(snapshots, member),
        member_series=figures.member_series(snapshots, member, dates),
        office=figures.office_history(snapshots, office),
        office_series=figures.office_series(snapshots, office, dates),
    )


def _at(by_step: dict[int, Snapshot], step: int) -> Snapshot:
    if step not in by_step:
        have = ", ".join(f"{s} ({snap.date})" for s, snap in sorted(by_step.items()))
        msg = f"no snapshot at step {step}; the run has snapshots at steps {have}"
        raise ValueError(msg)
    return by_step[step]


def agents_page(views: AgentViews, title: str, intro: str = "") -> str:
    """The views as one HTML document; nothing is fetched when it opens."""
    from thermidor.reports.sections import Section, render  # noqa: PLC0415

    sections = [
        Section("The office tree", figures=[views.tree]),
        Section("A sample of the network", figures=[views.network]),
        Section("Activity, fear and identification", figures=[views.histograms]),
        Section("Follow one member", figures=[views.member_series], tables=[views.member]),
        Section("Follow one office", figures=[views.office_series], tables=[views.office]),
    ]
    return render(title, intro, sections, style=STYLE)


def agents_page_from_store(
    store_path: str | Path,
    run_id: str,
    at: str | None = None,
    *,
    member: int | None = None,
    office: int | None = None,
) -> str:
    """The agents page of a stored run, at ``at`` (a date or a step; the last snapshot when
    None).

    Raises:
        StoreError: no such run, or it has no snapshots.
        WhenError: ``at`` names no step of the run.
        ValueError: no snapshot at ``at``, no such member or office.
    """
    from thermidor.model.snapshots import WhenError, snapshot_step  # noqa: PLC0415
    from thermidor.snapshot_store import load_snapshots  # noqa: PLC0415
    from thermidor.store import Store, StoreError  # noqa: PLC0415

    with Store(store_path, read_only=True) as store:
        run = store.get_run(run_id)
        snapshots = load_snapshots(store, run_id)
    if not snapshots:
        msg = (
            f"run {run_id} in {store_path} has no snapshots: run it again with "
            f"`thermidor run {run['scenario']} --seed {run['seed']} --snapshot auto` (or "
            "--snapshot DATE, several allowed; add the run's own --members, --steps, --set)"
        )
        raise StoreError(msg)
    meta = run["params"].get("meta")
    if not isinstance(meta, dict) or not {"start", "time_step"} <= meta.keys():
        msg = f"run {run_id} in {store_path}: its parameters have no meta.start or meta.time_step"
        raise StoreError(msg)
    start, time_step = str(meta["start"]), str(meta["time_step"])
    step = None if at is None else snapshot_step(at, start, time_step, int(run["steps"]))
    if step is not None and step not in {s.step for s in snapshots}:
        have = ", ".join(s.date for s in snapshots)
        msg = f"{at!r} (step {step}): the run has no snapshot there, only at {have}"
        raise WhenError(msg)
    views = agent_views(
        snapshots,
        step,
        start=start,
        time_step=time_step,
        member=member,
        office=office,
    )
    title = f"Agents of {run['scenario']}, seed {run['seed']} (run {run_id}) at {views.date}"
    intro = (
        f"Snapshots at {', '.join(s.date for s in snapshots)}. The tree, the network and the "
        f"histograms show {views.date}; the histograms overlay the first snapshot. The "
        "histories follow one member and one office across every snapshot."
    )
    return agents_page(views, title, intro)
