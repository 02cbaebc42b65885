"""``thermidor classic ...``: the classic models' own reproductions, as commands.

Two results of the literature are not a single run but a search: Granovetter's
critical spread of thresholds (a bisection on the mean-field map) and the
golden rule of accidental politicians (a sweep over the number of
independents). These commands print them, as a table or one JSON object.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from thermidor.cli._common import Format, FormatOption, seed_option


def critical_sd(
    *,
    n: Annotated[float, typer.Option(min=2, help="Population size N.")] = 100,
    mean: Annotated[float, typer.Option(min=0, help="Mean threshold (people).")] = 25.0,
    fmt: FormatOption = Format.table,
) -> None:
    """Granovetter (1978): the threshold sd at which the riot jumps from a few to nearly all."""
    from thermidor.classic.granovetter import critical_sd as search  # noqa: PLC0415
    from thermidor.classic.granovetter import normal_fixed_point  # noqa: PLC0415

    sd = search(n, mean, lo=1e-3, hi=max(4.0 * mean, 1.0))
    below, above = normal_fixed_point(n, mean, sd - 0.01), normal_fixed_point(n, mean, sd + 0.01)
    result = {"n": n, "mean": mean, "critical_sd": round(sd, 2), "below": below, "above": above}
    if fmt is Format.json:
        typer.echo(json.dumps(result))
        return
    Console(markup=False).print(
        f"critical sd {sd:.2f} (N = {n:g}, mean {mean:g}): equilibrium {below:.1f} acting "
        f"at sd {sd - 0.01:.2f}, {above:.1f} at sd {sd + 0.01:.2f}"
    )


def golden_rule(
    *,
    n: Annotated[int, typer.Option(min=3, help="Number of legislators N.")] = 500,
    p: Annotated[float, typer.Option(min=0.5, max=1.0, help="Majority party's share.")] = 0.6,
    step: Annotated[int, typer.Option(min=1, help="Step of the sweep over N_ind.")] = 10,
    legislatures: Annotated[int, typer.Option(min=1, help="Legislatures per point.")] = 100,
    seed: Annotated[int, seed_option("Seed of the sweep")] = 0,
    fmt: FormatOption = Format.table,
) -> None:
    """Pluchino et al. (2011): sweep the number of independents; compare with the formula."""
    from thermidor.classic import parliament  # noqa: PLC0415

    values, means, half = parliament.sweep(n, p, step, legislatures, seed)
    best = int(values[means.argmax()])
    formula = parliament.golden_rule(n, p)
    if fmt is Format.json:
        typer.echo(
            json.dumps(
                {
                    "n": n,
                    "p": p,
                    "golden_rule": formula,
                    "simulated_maximum": best,
                    "independents": values.tolist(),
                    "efficiency": means.tolist(),
                    "ci95": half.tolist(),
                }
            )
        )
        return
    table = Table(title=f"N = {n}, p = {p:g}: efficiency against independents")
    for column in ("independents", "efficiency", "95% CI"):
        table.add_column(column, justify="right")
    for k, m, h in zip(values, means, half, strict=True):
        table.add_row(str(k), f"{m:.3f}", f"± {h:.3f}", style="bold" if k == best else None)
    console = Console(markup=False)
    console.print(table)
    console.print(
        f"simulated maximum at {best}; golden rule (2N - 4Np + 4) / (1 - 4p) = {formula:g}"
    )
