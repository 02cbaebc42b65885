"""The dashboard's agent panel, rendered without a browser: five responsive figures of the
snapshot chosen, following the parent's step and the user's choice, and a message instead
of figures when there is nothing to show."""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara

import thermidor
from thermidor.dashboard.agent_views import AgentViews, _ResponsiveWidget
from thermidor.model.snapshots import Snapshot, run_with_snapshots


@pytest.fixture(scope="module")
def snapshots() -> list[Snapshot]:
    scenario = thermidor.load_scenario("soviet-1917-1928", ["meta.members=300", "meta.steps=30"])
    return run_with_snapshots(scenario, 0, [0, 12, 29])[1]


def _titles(rc) -> list[str]:  # type: ignore[no-untyped-def]
    return [w.layout.title.text for w in rc.find(_ResponsiveWidget).widgets]


def _type(rc, label: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type ``text`` in the field and press Enter (a field reads its text then)."""
    field = rc.find(v.TextField, label=label).widget
    field.v_model = text
    field.fire_event("keyup.enter", text)


def test_the_panel_draws_five_responsive_figures_of_the_step(snapshots) -> None:
    _, rc = solara.render(
        AgentViews(snapshots, 12, start="1917-11", time_step="month"), handle_error=False
    )
    widgets = rc.find(_ResponsiveWidget).widgets
    assert len(widgets) == 5
    for widget in widgets:
        assert widget._config["responsive"] is True
        assert widget.layout.width is None
        assert widget.layout.autosize is True
    titles = _titles(rc)
    assert any(t.startswith("Offices at 1918-11") for t in titles)
    assert "Members' state at 1917-11 and 1918-11" in titles


def test_the_user_picks_the_snapshot_and_the_member(snapshots) -> None:
    picked: list[int] = []
    _, rc = solara.render(
        AgentViews(snapshots, None, start="1917-11", time_step="month", on_step=picked.append),
        handle_error=False,
    )
    assert any(t.startswith("Offices at 1920-04") for t in _titles(rc))  # the last by default
    rc.find(v.Select, label="Snapshot").widget.v_model = "1918-11"
    assert any(t.startswith("Offices at 1918-11") for t in _titles(rc))
    assert picked == [12]
    _type(rc, "Follow member (number)", "5")
    assert "Member 5 at the snapshots" in _titles(rc)
    _type(rc, "Follow office (number)", "99999")
    assert "office 99999" in rc.find(v.Alert).widget.children[0]


def test_a_run_without_snapshots_says_how_to_get_them() -> None:
    _, rc = solara.render(AgentViews([], None, start="1917-11", time_step="month"))
    assert "--snapshot" in rc.find(v.Alert).widget.children[0]
    assert not rc.find(_ResponsiveWidget).widgets
