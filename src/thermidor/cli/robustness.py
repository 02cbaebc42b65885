"""``thermidor robustness run``, ``sensitivity`` and ``summary``: in what share of a region
of parameters each stylized fact (and Thermidor) holds, and which parameters move its
margin (docs/robustness.md).

Files and arguments are checked before any run starts or anything is written: a fault is
one ``error:`` line and exit status 2 (3 when the environment is at fault).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from thermidor.cli._common import (
    DEFAULT_STORE,
    Format,
    FormatOption,
    StoreOption,
    check_output,
    fail,
    fail_input,
    jsonable,
    open_store,
    sigterm_exits,
    store_errors,
)

if TYPE_CHECKING:
    from thermidor.validity.facts import Fact
    from thermidor.validity.robustness import Study

SeedsOption = Annotated[
    int, typer.Option("--seeds", help="Seeds of every ensemble (0 .. K-1; the tests use 12).")
]
WorkersOption = Annotated[
    int | None, typer.Option(min=1, help="Worker processes (default: the cores, at most 4).")
]
FactsOption = Annotated[
    str | None,
    typer.Option("--facts", help="Comma-separated fact ids (default: all; see docs)."),
]
SampleSeedOption = Annotated[
    int, typer.Option("--sample-seed", min=0, max=2**32 - 1, help="Seed of the sampling design.")
]


def _facts(text: str | None) -> tuple[Fact, ...]:
    from thermidor.validity.robustness import RobustnessError, choose  # noqa: PLC0415

    ids = None if text is None else [part.strip() for part in text.split(",") if part.strip()]
    if ids is not None and not ids:
        fail(f"--facts {text!r}: give fact ids separated by commas")
    try:
        return choose(ids)
    except RobustnessError as exc:
        fail(f"--facts: {exc}")


def _evaluate(store: Path, study: Study, facts: tuple[Fact, ...], workers: int | None) -> str:
    """Run the study, a line on stderr per point; its id."""
    from thermidor.validity.robustness import RobustnessError, run_study  # noqa: PLC0415

    def progress(done: int, total: int, seconds: float) -> None:
        note = f"{seconds:.1f} s" if seconds else "already stored"
        typer.echo(f"point {done}/{total}: {note}", err=True)

    check_output(store, "--store")
    try:
        with store_errors(store, "write to"), sigterm_exits():
            result = run_study(store, study, facts=facts, workers=workers, progress=progress)
    except RobustnessError as exc:
        fail_input(exc)
    return str(result["study_id"])


def run_command(
    *,
    points: Annotated[
        Path | None, typer.Option("--points", help="Posterior points: CSV, weight + parameters.")
    ] = None,
    box: Annotated[
        Path | None, typer.Option("--box", help='A TOML [box] of "dotted.path" = [low, high].')
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(min=1, max=100_000, help="Latin hypercube points, with --box (16)."),
    ] = None,
    sample_seed: SampleSeedOption = 0,
    store: StoreOption = DEFAULT_STORE,
    seeds: SeedsOption = 6,
    workers: WorkersOption = None,
    facts: FactsOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Evaluate the facts at posterior points (--points) or a wide box (--box); resumable."""
    from thermidor.validity.robustness import (  # noqa: PLC0415
        RobustnessError,
        posterior_study,
        seeds_of,
        wide_study,
    )

    if (points is None) == (box is None):
        fail("give one of --points P.csv (the posterior) or --box B.toml (the wide region)")
    if samples is not None and box is None:
        fail("--samples goes with --box (the points of a --points file are its rows)")
    chosen = _facts(facts)
    try:
        ensemble = seeds_of(seeds)
        if points is not None:
            study = posterior_study(points, ensemble)
        else:
            assert box is not None
            study = wide_study(box, samples or 16, sample_seed, ensemble)
    except RobustnessError as exc:
        fail_input(exc)
    study_id = _evaluate(store, study, chosen, workers)
    _summary(store, [study_id], fmt)


def sensitivity_command(
    *,
    box: Annotated[
        Path, typer.Option("--box", help='A TOML [box] of "dotted.path" = [low, high].')
    ],
    method: Annotated[str, typer.Option("--method", help="The method: morris or sobol.")],
    trajectories: Annotated[
        int | None, typer.Option(min=2, max=10_000, help="Trajectories, with morris (default 4).")
    ] = None,
    base: Annotated[
        int | None, typer.Option(min=2, max=65_536, help="Base N, a power of 2, with sobol (8).")
    ] = None,
    levels: Annotated[int, typer.Option(min=2, max=100, help="Grid levels, with morris.")] = 4,
    sample_seed: SampleSeedOption = 0,
    store: StoreOption = DEFAULT_STORE,
    seeds: SeedsOption = 6,
    workers: WorkersOption = None,
    facts: FactsOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Morris or Sobol' indices of each fact's margin over a box; the runs are stored."""
    from thermidor.validity.robustness import RobustnessError, seeds_of  # noqa: PLC0415
    from thermidor.validity.sensitivity import sensitivity_study  # noqa: PLC0415

    if method not in ("morris", "sobol"):
        fail(f"--method {method!r}: allowed: morris, sobol")
    if method == "morris" and base is not None:
        fail("--base goes with --method sobol; Morris takes --trajectories")
    if method == "sobol" and trajectories is not None:
        fail("--trajectories goes with --method morris; Sobol' takes --base")
    samples = (trajectories or 4) if method == "morris" else (base or 8)
    chosen = _facts(facts)
    try:
        study = sensitivity_study(
            box, method, samples, seeds_of(seeds), seed=sample_seed, levels=levels
        )
    except RobustnessError as exc:
        fail_input(exc)
    study_id = _evaluate(store, study, chosen, workers)
    _summary(store, [study_id], fmt)


def summary_command(
    *,
    store: StoreOption = DEFAULT_STORE,
    study: Annotated[
        list[str] | None,
        typer.Option("--study", help="Study id (repeatable; default: the latest of each kind)."),
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Shares of the posterior and the wide region where each fact holds; indices per fact."""
    _summary(store, study, fmt)


def _summary(store: Path, study_ids: list[str] | None, fmt: Format) -> None:
    """The shares of the studies named (or the latest posterior and wide), the indices of
    the sensitivity studies named (or the latest Morris and Sobol')."""
    from thermidor.validity import records  # noqa: PLC0415
    from thermidor.validity.robustness import RobustnessError, chosen_studies  # noqa: PLC0415
    from thermidor.validity.robustness import shares as read_shares  # noqa: PLC0415
    from thermidor.validity.sensitivity import METHODS, fact_indices  # noqa: PLC0415

    result: dict[str, Any] = {"store": str(store)}
    with open_store(store, read_only=True) as db, store_errors(store):
        try:
            if not records.has_tables(db):
                fail(f"{store}: no robustness study (run thermidor robustness run first)")
            if study_ids:
                chosen = chosen_studies(db, study_ids, ())
                of_shares = [s["study_id"] for s in chosen if s["region"] not in METHODS]
                of_indices = [s["study_id"] for s in chosen if s["region"] in METHODS]
                result["shares"] = read_shares(db, of_shares) if of_shares else []
                result["indices"] = fact_indices(db, of_indices) if of_indices else []
            else:
                result["shares"] = read_shares(db)
                result["indices"] = fact_indices(db)
        except RobustnessError as exc:
            fail(str(exc))
    if fmt is Format.json:
        typer.echo(json.dumps(jsonable(result), allow_nan=False))
        return
    console = Console(markup=False)
    if result["shares"]:
        _print_shares(console, result["shares"])
    if result["indices"]:
        _print_indices(console, result["indices"])
    if not result["shares"] and not result["indices"]:
        console.print(f"{store}: no verdicts of this version stored")


def _cell(value: float, spec: str = ".3f") -> str:
    return f"{value:{spec}}" if isinstance(value, float) and math.isfinite(value) else "—"


def _print_shares(console: Console, rows: list[dict[str, Any]]) -> None:
    """A table per study: each fact's share of the points (weighted), its margins."""
    for study_id in dict.fromkeys(row["study_id"] for row in rows):
        mine = [row for row in rows if row["study_id"] == study_id]
        first = mine[0]
        seeds = first["seeds"] or []
        weighted = ", weighted" if first["region"] == "posterior" else ""
        console.print(
            f"{first['region']} study {study_id}: share of the points where each fact holds"
            f"{weighted} ({len(seeds)} seeds per ensemble)",
            style="bold",
        )
        table = Table(show_edge=False)
        for header in ("fact", "points", "share", "mean margin", "min margin"):
            table.add_column(header, justify="left" if header == "fact" else "right")
        table.add_column("", overflow="fold")
        for row in mine:
            table.add_row(
                row["fact"],
                f"{row['points']}/{row['of']}",
                _cell(row["share"], ".2f"),
                _cell(row["mean_margin"]),
                _cell(row["min_margin"]),
                row["label"],
            )
        console.print(table)


def _print_indices(console: Console, rows: list[dict[str, Any]]) -> None:
    """Per sensitivity study and fact, the parameters ranked by their effect on its margin."""
    for study_id in dict.fromkeys(row["study_id"] for row in rows):
        mine = [row for row in rows if row["study_id"] == study_id]
        sobol = mine[0]["method"] == "sobol"
        key = "ST" if sobol else "mu_star"
        console.print(
            f"{mine[0]['method']} study {study_id}: the parameters that move each fact's "
            f"margin, ranked by {key} (± the half-width of its 95% interval)",
            style="bold",
        )
        table = Table(show_edge=False)
        table.add_column("fact")
        table.add_column("parameters, most influential first", overflow="fold")
        for row in mine:
            if "error" in row:
                ranked = f"({row['error']})"
            else:
                ranked = "; ".join(
                    f"{p['name']} {_cell(p[key], '.3g')}±{_cell(p[key + '_conf'], '.2g')}"
                    + (" (negligible)" if p["negligible"] else "")
                    for p in row["parameters"]
                )
            table.add_row(row["fact"], ranked)
        console.print(table)
