"""Pages opened in Debian's chromium for the tests that look at what a person sees: the
one launch, viewport and close, and the one measure of a page's fit, that the report,
comparison, agents and validity tests share."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("THERMIDOR_ARTIFACTS", Path(__file__).parent / "artifacts"))
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"
)
# each report figure's box: its content width, its own width, and its plot's drawn width
FIGURE_BOXES = """[...document.querySelectorAll('.figure')].map(f => [f.scrollWidth, f.clientWidth,
  (f.querySelector('.main-svg') || {getBoundingClientRect: () => ({width: 0})})
    .getBoundingClientRect().width])"""


@contextmanager
def opened(url: str, width: int, height: int = 900) -> Iterator[Any]:
    """A chromium page ``width`` x ``height`` px showing ``url``; the browser closed after."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(url)
            yield page
        finally:
            browser.close()


def overflow(page: Any) -> int:
    """How many px the page is wider than the window (<= 0: no horizontal scroll)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def figure_boxes(page: Any) -> list[list[float]]:
    """[content width, own width, plot's drawn width] of each ``.figure`` of the page."""
    return list(page.evaluate(FIGURE_BOXES))
