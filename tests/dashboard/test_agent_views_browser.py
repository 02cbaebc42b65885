"""The agent panel served by Solara, in chromium at 1280 and 1920 px: its five figures fill
their columns and stay inside them, and the page does not scroll sideways. Screenshots are
kept in ``tests/artifacts`` (``THERMIDOR_ARTIFACTS``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard_server import environment, serve, stop, ui_command
from ports import on_free_port

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
    pytest.mark.slow,  # a Solara server and a small run: about 30 s
]
ARTIFACTS = Path(os.environ.get("THERMIDOR_ARTIFACTS", Path(__file__).parents[1] / "artifacts"))
HERE = Path(__file__).resolve().parent
DEADLINE_MS = 300_000  # a guard against a hung page, never a signal
# per figure: its column's width, the drawn svg's width, the column's scroll width
SIZES = """[...document.querySelectorAll('.agent-views .js-plotly-plot')].map(p => {
  const column = p.closest('.agent-tree, .agent-network, .agent-histograms,'
                           + ' .agent-member-history, .agent-office-history');
  const svg = p.querySelector('.main-svg');
  return [column.clientWidth, svg.getBoundingClientRect().width, column.scrollWidth];
})"""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    def start(port: int):  # type: ignore[no-untyped-def]
        command = ui_command("--port", str(port))
        command = ["agents_app" if a == "thermidor.dashboard.app" else a for a in command]
        return serve(command, port, environment(HERE))

    port, proc = on_free_port(start)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(proc)


@pytest.mark.parametrize("width", [1280, 1920])
def test_the_agent_panel_fits_its_column(server, width) -> None:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_page(viewport={"width": width, "height": 1000})
            page.set_default_timeout(DEADLINE_MS)
            page.goto(server)
            page.wait_for_function(
                "document.querySelectorAll('.agent-views .js-plotly-plot .main-svg').length >= 5"
            )
            # the figures are drawn, then refitted to their columns (agent_views._FitOnResize):
            # wait for that, the deadline only guarding against a figure that never fits
            page.wait_for_function(f"({SIZES}).every(([column, drawn]) => drawn >= 0.9 * column)")
            sizes = page.evaluate(SIZES)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            page.screenshot(path=ARTIFACTS / f"agents-panel-{width}-window.png")
            # the panel whole: Solara's page scrolls inside its own box, not the window, so
            # the window is made as tall as the panel (the width, what is checked, is kept)
            page.set_viewport_size({"width": width, "height": 3000})
            page.wait_for_function(f"({SIZES}).every(([column, drawn]) => drawn >= 0.9 * column)")
            page.screenshot(path=ARTIFACTS / f"agents-panel-{width}.png")
        finally:
            browser.close()
    assert overflow <= 0
    assert len(sizes) == 5
    for column, drawn, scroll in sizes:
        assert scroll <= column
        assert 0.9 * column <= drawn <= column + 1  # fills its column, never beyond
