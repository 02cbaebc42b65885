"""The page the agent panel's browser test serves: ``AgentViews`` on the snapshots of a
small run, beside a sidebar as in the dashboard, so that its columns are as narrow."""

from __future__ import annotations

import solara

import thermidor
from thermidor.dashboard.agent_views import AgentViews
from thermidor.model.snapshots import run_with_snapshots

SCENARIO = thermidor.load_scenario("soviet-1917-1928", ["meta.members=600"])
SNAPSHOTS = run_with_snapshots(SCENARIO, 1, [0, 74, 129])[1]


@solara.component
def Page() -> None:  # noqa: N802 (the name Solara serves)
    with solara.Sidebar():
        solara.Text("the dashboard's controls would be here")
    AgentViews(SNAPSHOTS, 74, start=SCENARIO.meta.start, time_step=SCENARIO.meta.time_step)
