"""``thermidor report`` and ``thermidor plot``: a stored run, runs or experiment as one
self-contained HTML report, or as a static figure for papers.

Everything is read and drawn before anything is written: an unknown id, a missing
store or a wrong suffix is one ``error:`` line, exit status 2, and no file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from thermidor.cli._common import (
    DEFAULT_STORE,
    HTML_SUFFIXES,
    StoreOption,
    check_output,
    check_store,
    fail,
    fail_os,
    fail_store,
    write_page,
)

IdsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="ID",
        help="A run id, several run ids (overlaid), or an experiment id.",
        show_default=False,
    ),
]


def report(
    ids: IdsArgument,
    *,
    store_path: StoreOption = DEFAULT_STORE,
    out: Annotated[Path, typer.Option(help="The HTML file to write (.html).")] = Path(
        "report.html"
    ),
) -> None:
    """Write one self-contained HTML report (opens offline) of a run, of several runs
    compared, or of an experiment."""
    if out.suffix.lower() not in HTML_SUFFIXES:
        fail(f"--out {out}: suffix must be one of {', '.join(HTML_SUFFIXES)}")
    check_output(out, "--out")
    check_store(store_path, "--store")
    from thermidor.reports.html import report_from_store  # noqa: PLC0415
    from thermidor.store import StoreError  # noqa: PLC0415

    try:
        text = report_from_store(store_path, ids)
    except StoreError as exc:
        fail_store(exc)
    except ValueError as exc:
        fail(str(exc))
    write_page(out, text)


def plot(
    ids: IdsArgument,
    *,
    store_path: StoreOption = DEFAULT_STORE,
    out: Annotated[
        Path, typer.Option(help="The image to write: .png, .svg or .pdf.", show_default=False)
    ],
) -> None:
    """Draw the report's figures as one static image for papers (PNG, SVG or PDF)."""
    from thermidor.reports.static import SUFFIXES, plot_from_store  # noqa: PLC0415
    from thermidor.store import StoreError  # noqa: PLC0415

    if out.suffix.lower() not in SUFFIXES:
        fail(f"--out {out}: suffix must be one of {', '.join(SUFFIXES)}")
    check_output(out, "--out")
    check_store(store_path, "--store")
    try:
        plot_from_store(store_path, ids, out)
    except StoreError as exc:
        fail_store(exc)
    except ValueError as exc:
        fail(str(exc))
    except OSError as exc:  # the store is read through DuckDB: an OSError is the image's
        fail_os("--out", out, exc, "cannot write it")
    typer.echo(f"wrote {out}")
