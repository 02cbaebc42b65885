"""``thermidor classic ...``: the classic models' own reproductions, as commands.

Two results of the literature are not a single run but a search: Granovetter's
critical spread of thresholds (a bisection on the mean-field map) and the
golden rule of accidental politicians (a sweep over the number of
independents). These commands print them, as a table or one JSON object.
``reproduce`` measures every model's key published results again into a results store,
and ``summary`` reads them back against the papers.
"""

from __future__ import annotations

import json
import math
import time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from thermidor.cli._common import (
    DEFAULT_STORE,
    AddressOption,
    ExecutorKind,
    ExecutorOption,
    Format,
    FormatOption,
    RunProgress,
    StoreOption,
    WorkersOption,
    check_address,
    check_output,
    fail,
    jsonable,
    open_store,
    seed_option,
    sigterm_exits,
    store_errors,
)
from thermidor.engine.seeds import DEFAULT_SEED

if TYPE_CHECKING:
    from pydantic import BaseModel


def check_within(option: str, value: float, params: type[BaseModel], name: str) -> None:
    """``value`` of ``option`` is finite and within the bounds the model declares for its
    field ``name`` (the one source of the limits), or one ``error:`` line and exit 2."""
    from thermidor.classic.base import bounds  # noqa: PLC0415

    low, high = bounds(params, name)
    if math.isfinite(value) and (low is None or value >= low) and (high is None or value <= high):
        return
    allowed = " and ".join(
        [f">= {low:g}"] * (low is not None) + [f"<= {high:g}"] * (high is not None)
    )
    what = params.model_fields[name].description or name
    fail(f"{option} {value:g}: {what} must be a finite number {allowed}")


def critical_sd(
    *,
    n: Annotated[
        float, typer.Option(help="Population size N (within the model's bounds of n).")
    ] = 100,
    mean: Annotated[
        float, typer.Option(help="Mean threshold (people; within the model's bounds of mean).")
    ] = 25.0,
    fmt: FormatOption = Format.table,
) -> None:
    """Granovetter (1978): the threshold sd at which the riot jumps from a few to nearly all."""
    from thermidor.classic.granovetter import (  # noqa: PLC0415
        GranovetterParams,
        normal_fixed_point,
    )
    from thermidor.classic.granovetter import critical_sd as search  # noqa: PLC0415

    check_within("--n", n, GranovetterParams, "n")
    check_within("--mean", mean, GranovetterParams, "mean")
    low, high = 1e-3, max(4.0 * mean, 1.0)
    try:
        sd = search(n, mean, lo=low, hi=high)
    except ValueError:  # no jump to find: the equilibrium stays on one side
        fail(
            f"--n {n:g} --mean {mean:g}: no critical sd in [{low:g}, {high:g}]: the equilibrium "
            "never jumps from a few to nearly all there (it does for 0 < mean < N/2)"
        )
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
    n: Annotated[
        int, typer.Option(help="Number of legislators N (within the model's bounds of n).")
    ] = 500,
    p: Annotated[
        float, typer.Option(help="Majority party's share (within the model's bounds of p).")
    ] = 0.6,
    step: Annotated[int, typer.Option(min=1, help="Step of the sweep over N_ind.")] = 10,
    legislatures: Annotated[
        int, typer.Option(help="Legislatures per point (within the model's bounds of steps).")
    ] = 100,
    seed: Annotated[int, seed_option("Seed of the sweep")] = DEFAULT_SEED,
    fmt: FormatOption = Format.table,
) -> None:
    """Pluchino et al. (2011): sweep the number of independents; compare with the formula."""
    from thermidor.classic import parliament  # noqa: PLC0415

    check_within("--n", n, parliament.ParliamentParams, "n")
    check_within("--p", p, parliament.ParliamentParams, "p")
    check_within("--legislatures", legislatures, parliament.ParliamentParams, "steps")
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


def reproduce(
    *,
    store: StoreOption = DEFAULT_STORE,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Only this reproduction (repeatable): granovetter, peter, parliament, epstein.",
        ),
    ] = None,
    seeds: Annotated[
        int | None,
        typer.Option("--seeds", min=1, max=1000, help="Seeds per reproduction (default: its own)."),
    ] = None,
    executor: ExecutorOption = ExecutorKind.local,
    workers: WorkersOption = None,
    address: AddressOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Measure the classic models' key published results again and store them (resumable);
    then print the table of claims against the papers."""
    from thermidor.experiments.reproductions import chosen, run_reproductions  # noqa: PLC0415

    check_address(executor, address)
    try:
        chosen(only)
    except ValueError as exc:
        fail(f"--only: {exc}")
    check_output(store, "--store")
    started = time.monotonic()
    with store_errors(store, "write to"), sigterm_exits(), RunProgress("reproduce", "units") as bar:
        measured, total = run_reproductions(
            str(store), names=only, seeds=seeds, executor=executor.value, workers=workers,
            address=address, progress=bar,
        )  # fmt: skip
    seconds = time.monotonic() - started
    if fmt is Format.json:
        typer.echo(json.dumps({"store": str(store), "units": total, "measured": measured,
                               "seconds": round(seconds, 3)}))  # fmt: skip
        return
    Console(markup=False, stderr=True).print(
        f"{measured} of {total} units measured ({total - measured} already in {store}), "
        f"{seconds:.1f} s"
    )
    summary(store=store, fmt=fmt)


def summary(
    *,
    store: StoreOption = DEFAULT_STORE,
    fmt: FormatOption = Format.table,
) -> None:
    """The classic models' stored reproductions against their papers."""
    from thermidor.reports.reproductions import classic_table  # noqa: PLC0415

    with store_errors(store), open_store(store, read_only=True) as opened:
        frame = classic_table(opened)
    if fmt is Format.json:
        rows = [jsonable(row) for row in frame.to_dict(orient="records")]
        typer.echo(json.dumps({"store": str(store), "rows": rows}))
        return
    table = Table(title="The classic models against their papers")
    for column in ("model", "claim", "paper", "reproduced", "tolerance", "agrees"):
        table.add_column(column)
    for _, row in frame.iterrows():
        table.add_row(
            row["model"], row["claim"], row["paper_value"], row["reproduced"], row["tolerance"],
            row["agrees"],
        )  # fmt: skip
    Console(markup=False).print(table)
