"""``thermidor validity-report``: the calibrations, the robustness of the conclusions, the
ablations and the classic reproductions, in one self-contained HTML file rebuilt from
what is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from thermidor.cli._common import HTML_SUFFIXES, check_output, check_store, fail, write_page


def validity_report(
    *,
    calibration: Annotated[
        list[Path] | None,
        typer.Option("--calibration", help="A calibration's folder (repeatable)."),
    ] = None,
    store: Annotated[
        Path | None, typer.Option("--store", metavar="STORE", help="The results store to read.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")] = Path(
        "validity.html"
    ),
) -> None:
    """Write the validity report: calibration targets against posterior predictive
    bands, held-out predictions, robustness, ablations, classic reproductions."""
    from thermidor.calibration.posterior import HistoryError  # noqa: PLC0415
    from thermidor.reports.validity import validity_html  # noqa: PLC0415
    from thermidor.store import StoreError  # noqa: PLC0415

    if out.suffix.lower() not in HTML_SUFFIXES:
        fail(f"--out {out}: suffix must be one of {', '.join(HTML_SUFFIXES)}")
    check_output(out, "--out")
    if store is not None:
        check_store(store, "--store")
    if not calibration and store is None:
        fail("give at least one --calibration folder or a --store")
    try:
        text = validity_html(list(calibration or []), store)
    except (HistoryError, StoreError, ValueError) as exc:
        fail(str(exc))
    write_page(out, text)
