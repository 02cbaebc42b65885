"""``thermidor experiment sensitivity``: Sobol' or Morris indices of a stored experiment's
metric, every varying parameter ranked and flagged negligible or not."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from thermidor.cli._common import (
    ExperimentOption,
    Format,
    FormatOption,
    OptionalStoreOption,
    Stat,
    StatOption,
    StoreArgument,
    chosen_store,
    fail,
    jsonable,
    open_store,
    store_errors,
)


def sensitivity_command(
    positional: StoreArgument = None,
    *,
    store_option: OptionalStoreOption = None,
    metric: Annotated[
        str | None, typer.Option("--metric", help="Metric to analyse (required).")
    ] = None,
    experiment: ExperimentOption = None,
    stat: StatOption = Stat.final,
    fmt: FormatOption = Format.table,
) -> None:
    """Rank the parameters of a sobol or morris experiment by their effect on a metric."""
    store = chosen_store(positional, store_option)
    from thermidor.experiments import records  # noqa: PLC0415
    from thermidor.experiments.sensitivity import from_store  # noqa: PLC0415
    from thermidor.experiments.spec import ExperimentError  # noqa: PLC0415

    with open_store(store, read_only=True) as db, store_errors(store):
        try:
            if metric is None:
                kept = records.experiment(db, experiment)["spec"]["metrics"]
                fail(f"--metric is required; the experiment's metrics: {', '.join(kept)}")
            result = from_store(db, experiment, metric, stat.value)
        except ExperimentError as exc:
            fail(str(exc))
    if fmt is Format.json:
        typer.echo(json.dumps(jsonable(result), allow_nan=False))
        return
    _print_indices(result)


def _interval(value: float, half: float, spec: str) -> list[str]:
    """A value and the half-width of its interval, as two cells."""
    return [f"{x:{spec}}" if math.isfinite(x) else "—" for x in (value, half)]


def _print_indices(result: dict[str, Any]) -> None:
    console = Console(markup=False)
    sobol = result["method"] == "sobol"
    seeds, method = result["seeds"], "Sobol'" if sobol else "Morris"
    console.print(
        f"experiment {result['experiment_id']} ({result['name']}): "
        f"{method} indices of {result['metric']} "
        f"{'at the last step' if result['stat'] == 'final' else 'averaged over the run'}, "
        f"{result['points']} points, {seeds} seed{'s' if seeds > 1 else ''} each; "
        f"ranked by {result['ranked_by']}, ± the half-width of the "
        f"{result['conf_level']:.0%} interval",
        style="bold",
    )
    table = Table(show_edge=False)
    rows = []
    for row in result["parameters"]:
        if sobol:
            cells = [
                *_interval(row["S1"], row["S1_conf"], ".3f"),
                *_interval(row["ST"], row["ST_conf"], ".3f"),
            ]
        else:
            cells = [
                *_interval(row["mu_star"], row["mu_star_conf"], ".3g"),
                f"{row['mu']:.3g}",
                f"{row['sigma']:.3g}",
            ]
        rows.append([str(row["rank"]), row["name"], *cells, "yes" if row["negligible"] else "no"])
    headers = [
        "rank",
        "parameter",
        *(["S1", "±", "ST", "±"] if sobol else ["mu*", "±", "mu", "sigma"]),
    ]
    for i, header in enumerate((*headers, "negligible")):
        if header == "parameter":  # long dotted names fold; numbers are never cut
            table.add_column(header, overflow="fold")
        else:
            width = max(len(header), *(len(cells[i]) for cells in rows))
            table.add_column(header, justify="right", no_wrap=True, min_width=width)
    for cells in rows:
        table.add_row(*cells)
    console.print(table)
    if result.get("second_order"):
        pairs = Table(title="second order")
        for header in ("parameter", "parameter", "S2", "±"):
            pairs.add_column(header, no_wrap=header == "parameter")
        for pair in result["second_order"]:
            pairs.add_row(pair["a"], pair["b"], *_interval(pair["S2"], pair["S2_conf"], ".3f"))
        console.print(pairs)
    console.print(f"negligible: {result['negligible_rule']}")
