"""``thermidor ablation run`` and ``summary``: the ablation of docs/model.md section 7.16 (each
mechanism switched off in turn, each of the letter's causes removed), computed into a results
store (resumable) and read back from it."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from typing import Annotated

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
    sigterm_exits,
    store_errors,
)

MembersOption = Annotated[
    int, typer.Option("--members", min=100, max=10_000_000, help="Members of every run.")
]
SeedsOption = Annotated[
    int, typer.Option("--seeds", min=1, max=10_000, help="Runs per condition (seeds 0..K-1).")
]
ConditionOption = Annotated[
    list[str] | None,
    typer.Option("--condition", help="Only this condition (repeatable; default: all)."),
]


def run_command(
    *,
    store: StoreOption = DEFAULT_STORE,
    members: MembersOption = 2000,
    seeds: SeedsOption = 12,
    condition: ConditionOption = None,
    executor: ExecutorOption = ExecutorKind.local,
    workers: WorkersOption = None,
    address: AddressOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Run every condition's runs not yet in the store; rerun to resume after a kill."""
    from thermidor.experiments.ablation import chosen, run_ablation  # noqa: PLC0415

    check_address(executor, address)
    try:
        chosen(condition)
    except ValueError as exc:
        fail(f"--condition: {exc}")
    check_output(store, "--store")
    started = time.monotonic()
    first: list[int] = []

    def progress_of(bar: RunProgress) -> Callable[[int, int], None]:
        def call(answered: int, total: int) -> None:
            if not first:
                first.append(answered)
            bar(answered, total)

        return call

    with store_errors(store, "write to"), sigterm_exits(), RunProgress("ablation") as bar:
        done = run_ablation(
            str(store),
            members=members,
            seeds=seeds,
            executor=executor.value,
            workers=workers,
            address=address,
            progress=progress_of(bar),
            labels=condition,
        )
    seconds = time.monotonic() - started
    computed = done.answered - (first[0] if first else 0)
    result = {
        "store": str(store),
        "members": members,
        "seeds": seeds,
        "runs": done.total,
        "computed": computed,
        "reused": done.total - computed,
        "seconds": round(seconds, 3),
    }
    if fmt is Format.json:
        typer.echo(json.dumps(result))
        return
    Console(markup=False).print(
        f"ablation ({members} members, {seeds} seeds): {done.total} runs, {computed} computed, "
        f"{result['reused']} already in {store}, {seconds:.1f} s"
    )


def summary_command(
    *,
    store: StoreOption = DEFAULT_STORE,
    members: Annotated[
        int | None, typer.Option("--members", help="The ablation of this size (default: latest).")
    ] = None,
    seeds: Annotated[
        int | None, typer.Option("--seeds", help="The ablation of this many seeds.")
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """The ablation table from the stored runs: the share reaching Thermidor, its dates."""
    from thermidor.reports.ablation import ablation_table  # noqa: PLC0415

    with store_errors(store), open_store(store, read_only=True) as opened:
        frame = ablation_table(opened, members, seeds)
    if fmt is Format.json:
        rows = [jsonable(row) for row in frame.to_dict(orient="records")]
        typer.echo(json.dumps({"store": str(store), "rows": rows}))
        return
    first = frame.iloc[0]
    table = Table(
        title=f"Thermidor by condition ({first['members']} members, {first['seeds']} seeds)"
    )
    for column in ("condition", "history", "runs", "P (Thermidor)", "date q25 / median / q75"):
        table.add_column(column, justify="left" if column in ("condition", "history") else "right")
    for _, row in frame.iterrows():
        share = row["share"]
        dates = f"{row['q25']} / {row['median']} / {row['q75']}" if row["reached"] else "—"
        shown = "not separable" if not row["separable"] else (
            f"{share:.2f}" if not math.isnan(share) else "—"
        )  # fmt: skip
        table.add_row(row["condition"], row["history"], str(row["runs"]), shown, dates)
    Console(markup=False).print(table)
