"""``thermidor timeline``: every shock and intervention of a scenario, with its id, its step
and calendar date, its end, its main fields, and whether this run leaves it out.

The scenario is resolved exactly as ``thermidor run`` resolves it (same ``--set`` and
``--without``), so the timeline shows what that run would do: which events a held headline
knob suppresses, which ``--without`` removes, which start after the last step.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from thermidor.cli._common import (
    Format,
    FormatOption,
    SetOption,
    WithoutOption,
    fail_input,
    jsonable,
    shown_value,
)

if TYPE_CHECKING:
    from thermidor.scenarios import Scenario


def rows(scenario: Scenario) -> list[dict[str, Any]]:
    """The timeline of a resolved scenario (:func:`thermidor.scenarios.timeline.rows`)."""
    from thermidor.scenarios import timeline as shared  # noqa: PLC0415

    return shared.rows(scenario)


def _status(row: dict[str, Any]) -> str:
    if row["suppressed"] == "--without":
        return "removed"
    if row["suppressed"] is not None:
        return "held"
    return "runs" if row["in_run"] else "after end"


def timeline(
    scenario: Annotated[
        str, typer.Argument(help="A shipped scenario's name or the path of a TOML file.")
    ],
    *,
    overrides: SetOption = None,
    without: WithoutOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List every shock and intervention: id, kind, start step and date, end, main fields,
    and whether the run leaves it out."""
    from thermidor.scenarios import load_scenario  # noqa: PLC0415

    try:
        resolved = load_scenario(scenario, list(overrides or []), without)
    except (ValueError, OSError) as exc:  # ScenarioError is a ValueError
        fail_input(exc)
    events = rows(resolved)
    meta = resolved.meta
    if fmt is Format.json:
        summary = {
            "scenario": meta.name,
            "start": meta.start,
            "time_step": meta.time_step,
            "steps": meta.steps,
            "events": events,
            "suppressed": [e["id"] for e in events if e["suppressed"] is not None],
        }
        typer.echo(json.dumps(jsonable(summary), allow_nan=False))
        return
    console = Console(markup=False)
    console.print(
        f"{meta.name}: {meta.steps} steps of one {meta.time_step} from {meta.start}",
        style="bold",
    )
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for column in ("id", "kind", "step", "date", "until", "fields", "status"):
        # on a narrow terminal kind and fields fold onto more lines; nothing is cut short
        table.add_column(
            column, no_wrap=column not in {"kind", "fields"}, overflow="fold", min_width=4
        )
    for row in events:
        until = "" if row["end"] is None or row["end"] == row["start"] else row["end_date"]
        fields = ", ".join(
            f"{k}={','.join(v) if isinstance(v, list) else shown_value(v)}"
            for k, v in row["fields"].items()
        )
        table.add_row(
            row["id"],
            row["kind"],
            str(row["start"]),
            row["date"] or "",
            until or "",
            fields,
            _status(row),
        )
    console.print(table)
    held: dict[str, list[str]] = {}
    for row in events:
        if row["suppressed"] not in (None, "--without"):
            held.setdefault(row["suppressed"], []).append(row["id"])
    for knob, ids in held.items():
        console.print(f"held: {knob} is set, so {', '.join(ids)} do not run")
    removed = [row["id"] for row in events if row["suppressed"] == "--without"]
    if removed:
        console.print(f"removed: {', '.join(removed)} (--without)")
