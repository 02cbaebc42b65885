"""Reports and figures of stored runs and experiments.

``html`` writes one self-contained interactive HTML file (plotly, its script
embedded, so it opens offline); ``static`` draws the same figures with
matplotlib as PNG, SVG or PDF for papers. ``panels`` says what a run report
shows and ``data`` reads it from the results store, so both agree.
"""

from __future__ import annotations

__all__ = ["plot_from_store", "report_from_store", "run_report_html"]


def __getattr__(name: str) -> object:
    """Import the renderers lazily: plotly and matplotlib are heavy."""
    if name in ("report_from_store", "run_report_html"):
        from thermidor.reports import html  # noqa: PLC0415

        return getattr(html, name)
    if name == "plot_from_store":
        from thermidor.reports import static  # noqa: PLC0415

        return static.plot_from_store
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
