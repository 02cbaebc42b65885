"""The agents page in chromium at 1280 and 1920 px: every figure fills its column and stays
inside it, the page does not scroll sideways, and the tree's button switches its colours.
The screenshots are kept in ``tests/artifacts`` (``THERMIDOR_ARTIFACTS``)."""

from __future__ import annotations

from pathlib import Path

import pytest

import thermidor
from browser_pages import ARTIFACTS, figure_boxes, needs_chromium, opened, overflow
from thermidor.model.snapshots import run_with_snapshots
from thermidor.reports.agents import agent_views, agents_page

pytestmark = needs_chromium
TABLES = "[...document.querySelectorAll('.table-wrap')].map(t => [t.scrollWidth, t.clientWidth])"


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    scenario = thermidor.load_scenario("soviet-1917-1928", ["meta.members=1000"])
    _, snapshots = run_with_snapshots(scenario, 1, [0, 74, 129])
    views = agent_views(snapshots, 74, start="1917-11", time_step="month")
    path = tmp_path_factory.mktemp("agents") / "agents.html"
    path.write_text(agents_page(views, "Agents of soviet-1917-1928 at 1924-01"), encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [1280, 1920])
def test_the_agents_page_fits_the_screen(page_file, width) -> None:
    with opened(page_file.as_uri(), width) as page:
        page.wait_for_function("document.querySelectorAll('.figure .main-svg').length >= 5")
        spill = overflow(page)
        sizes = figure_boxes(page)
        tables = page.evaluate(TABLES)
        page.screenshot(path=ARTIFACTS / f"agents-page-{width}.png", full_page=True)
        page.get_by_text("colour by privilege").click()
        shown = page.evaluate(
            "document.querySelector('#figure-0').data.map(t => t.visible !== false)"
        )
    assert spill <= 0
    assert len(sizes) == 5
    for scroll, container, drawn in sizes:
        assert scroll <= container
        assert 0.95 * container <= drawn <= container  # fills its column, never beyond
    assert all(scroll <= client for scroll, client in tables)
    assert shown == [False, True]
