"""``thermidor compare``: the letter's three 1928 futures (status quo, remedies, purge) as
ensembles of seeds, read panel by panel in one HTML page (or one JSON object).

Runs the store already holds (same resolved parameters, seed and version) are read, not
computed again; the missing ones run in local worker processes and are stored as they end.
Every input is checked before the first run: a wrong suffix, an unwritable file or a
setting a scenario refuses is one ``error:`` line and exit status 2.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from thermidor.cli._common import (
    HTML_SUFFIXES,
    RunProgress,
    WorkersOption,
    check_output,
    fail,
    fail_input,
    store_errors,
    write_page,
)


class PageFormat(StrEnum):
    html = "html"
    json = "json"


def compare(
    *,
    store_path: Annotated[
        Path,
        typer.Option("--store", help="The results store read, and where missing runs go."),
    ] = Path("results.duckdb"),
    seeds: Annotated[int, typer.Option(min=2, max=1000, help="Seeds per arm (1, 2, ...).")] = 20,
    members: Annotated[
        int | None,
        typer.Option(
            min=50, help="Members per run (default: the scenarios' own).", show_default=False
        ),
    ] = None,
    steps: Annotated[
        int | None,
        typer.Option(
            min=2, help="Steps per run (default: the scenarios' own).", show_default=False
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="The file written (.html, or .json with --format json).")
    ] = Path("compare.html"),
    fmt: Annotated[
        PageFormat,
        typer.Option(
            "--format",
            help="What to write: `html`, the page, or `json`, its sentences and numbers.",
        ),
    ] = PageFormat.html,
    workers: WorkersOption = None,
) -> None:
    """Run or read the ensembles of the letter's three futures from 1928 (status quo,
    remedies, purge) and write them side by side: median and 50%/90% bands per metric on a
    date axis, the split marked, each panel read in one sentence, and when each arm reaches
    Thermidor."""
    suffixes = HTML_SUFFIXES if fmt is PageFormat.html else (".json",)
    if out.suffix.lower() not in suffixes:
        fail(f"--out {out}: with --format {fmt.value} the suffix must be {' or '.join(suffixes)}")
    check_output(out, "--out")
    if store_path.is_dir():
        fail(f"--store {store_path}: is a directory, not a results store")
    from thermidor.experiments import comparison  # noqa: PLC0415
    from thermidor.reports import letter_page  # noqa: PLC0415
    from thermidor.scenarios import ScenarioError  # noqa: PLC0415

    settings = tuple(
        f"meta.{key}={value}"
        for key, value in (("members", members), ("steps", steps))
        if value is not None
    )
    try:
        scenarios = comparison.resolve(comparison.ARMS, settings)
    except ScenarioError as exc:
        fail_input(exc)
    split = comparison.split_step(scenarios)
    if split is None or split >= scenarios[0].meta.steps - 1:
        last = scenarios[0].meta.steps
        fail(f"--steps {last}: the arms split at step {split}; give more steps than that")
    chosen = list(range(comparison.FIRST_SEED, comparison.FIRST_SEED + seeds))
    with store_errors(store_path, "write"), RunProgress("compare") as progress:
        found = comparison.collect(store_path, settings, chosen, workers=workers, progress=progress)
        comp = letter_page.comparison_from_store(store_path, found, chosen)
    text = (
        letter_page.page(comp)
        if fmt is PageFormat.html
        else json.dumps(letter_page.as_json(comp), indent=2, allow_nan=False)
    )
    write_page(out, text)
