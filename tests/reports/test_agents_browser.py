"""The agents page in chromium at 1280 and 1920 px: every figure fills its column and stays
inside it, the page does not scroll sideways, and the tree's button switches its colours.
The screenshots are kept in ``tests/artifacts`` (``THERMIDOR_ARTIFACTS``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import thermidor
from thermidor.model.snapshots import run_with_snapshots
from thermidor.reports.agents import agent_views, agents_page

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("THERMIDOR_ARTIFACTS", Path(__file__).parents[1] / "artifacts"))
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium")

# per figure: its container's width, the drawn svg's width, the container's scroll width
SIZES = """[...document.querySelectorAll('.figure')].map(f => {
  const svg = f.querySelector('.main-svg');
  return [f.clientWidth, svg ? svg.getBoundingClientRect().width : 0, f.scrollWidth];
})"""
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
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(page_file.as_uri())
            page.wait_for_function("document.querySelectorAll('.figure .main-svg').length >= 5")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            sizes = page.evaluate(SIZES)
            tables = page.evaluate(TABLES)
            page.screenshot(path=ARTIFACTS / f"agents-page-{width}.png", full_page=True)
            page.get_by_text("colour by privilege").click()
            shown = page.evaluate(
                "document.querySelector('#figure-0').data.map(t => t.visible !== false)"
            )
        finally:
            browser.close()
    assert overflow <= 0
    assert len(sizes) == 5
    for container, drawn, scroll in sizes:
        assert scroll <= container
        assert 0.95 * container <= drawn <= container  # fills its column, never beyond
    assert all(scroll <= client for scroll, client in tables)
    assert shown == [False, True]
