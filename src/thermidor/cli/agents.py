"""``thermidor agents``: a stored run's snapshots as one self-contained HTML page: the office
tree, a sample of the network, histograms, and one member's and one office's history.

The run must have been run with ``--snapshot`` (``thermidor run ... --snapshot 1924-01``).
Everything is read and drawn before the page is written: an unknown id, a run without
snapshots, a date outside the run or without a snapshot is one ``error:`` line, exit
status 2, and no file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from thermidor.cli._common import (
    HTML_SUFFIXES,
    check_output,
    check_store,
    fail,
    fail_store,
    write_page,
)


def agents(
    run_id: Annotated[str, typer.Argument(help="The id printed by `thermidor run`.")],
    *,
    store_path: Annotated[
        Path, typer.Option("--store", help="The results store (a DuckDB file).")
    ] = Path("results.duckdb"),
    at: Annotated[
        str | None,
        typer.Option(
            metavar="WHEN",
            help="The snapshot shown: a date (1924-01) or a step. Default: the last one.",
            show_default=False,
        ),
    ] = None,
    member: Annotated[
        int | None,
        typer.Option(
            help="The member followed (its number, in order of arrival). Default: the "
            "holder of the first branch's top office.",
            show_default=False,
        ),
    ] = None,
    office: Annotated[
        int | None,
        typer.Option(
            help="The office followed. Default: the first branch's top office.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="The HTML file to write (.html).")] = Path(
        "agents.html"
    ),
) -> None:
    """Write the agent-level views of a run's snapshots as one HTML page (opens offline)."""
    if out.suffix.lower() not in HTML_SUFFIXES:
        fail(f"--out {out}: suffix must be one of {', '.join(HTML_SUFFIXES)}")
    check_output(out, "--out")
    check_store(store_path, "--store")
    from thermidor.model.snapshots import WhenError  # noqa: PLC0415
    from thermidor.reports.agents import agents_page_from_store  # noqa: PLC0415
    from thermidor.store import StoreError  # noqa: PLC0415

    try:
        text = agents_page_from_store(store_path, run_id, at, member=member, office=office)
    except StoreError as exc:
        fail_store(exc)
    except WhenError as exc:
        fail(f"--at {exc}")
    except ValueError as exc:
        fail(str(exc))
    write_page(out, text)
