"""``thermidor scenarios``, ``plan`` and ``metrics``: what there is to run, what a step does,
what is measured. Each prints one table."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table


def scenarios() -> None:
    """List the shipped scenarios, and the classic models, with a one-line description each."""
    from thermidor.classic import get_model, model_names  # noqa: PLC0415
    from thermidor.scenarios import list_scenarios  # noqa: PLC0415

    table = Table()
    table.add_column("scenario", no_wrap=True)
    table.add_column("description")
    for name, description in list_scenarios().items():
        table.add_row(name, description)
    for name in model_names():
        table.add_row(name, f"classic model: {get_model(name).description}")
    Console(markup=False).print(table)


def plan() -> None:
    """Print the model's step plan: its mechanisms, in the order each step runs them."""
    from thermidor.model.plan import PLAN  # noqa: PLC0415

    table = Table()
    table.add_column("#", justify="right")
    table.add_column("mechanism", no_wrap=True)
    table.add_column("what it does")
    for index, mechanism in enumerate(PLAN, start=1):
        table.add_row(str(index), mechanism.NAME, mechanism.SUMMARY)
    Console(markup=False).print(table)


def metrics(
    *,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list the extra series the store records.")
    ] = False,
) -> None:
    """Print the headline metrics and what each one measures."""
    from thermidor.model.results import EXTRA_SERIES, METRIC_DOCS, METRICS  # noqa: PLC0415

    table = Table()
    table.add_column("metric", no_wrap=True)
    table.add_column("meaning")
    for name in (*METRICS, *EXTRA_SERIES) if show_all else METRICS:
        table.add_row(name, METRIC_DOCS.get(name, ""))
    Console(markup=False).print(table)
