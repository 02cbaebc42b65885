"""The tables under a run report's figure: the numbered events, the parameters that differ
between runs, every parameter, and the scenario's assumptions and sources as lists.

A report of three runs used to print three full tables of ~490 rows each (most of its
40,000 px): here the differences are shown and the full tables folded away.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from thermidor.reports.panels import flatten, numbered, step_date

if TYPE_CHECKING:
    from thermidor.reports.data import RunData

Table = tuple[str, list[str], list[list[str]]]
Listing = tuple[str, list[str]]

# lists of prose read as lists, not as one semicolon-joined cell
TEXT_LISTS = {"meta.assumptions": "Assumptions", "meta.sources": "Sources"}


def events_table(runs: list[RunData]) -> Table:
    """The runs' shocks and interventions, numbered as the figure's markers are."""
    from thermidor.reports.timeseries import events_of  # noqa: PLC0415

    params = events_of(runs)
    steps = max(len(run.series["step"]) for run in runs)
    rows = []
    for number, span in numbered(params, steps):
        date = step_date(params, span.start) or f"step {span.start}"
        until = "" if span.is_mark else (step_date(params, span.end - 1) or str(span.end - 1))
        rows.append(
            [str(number), date, until, span.event_id, f"{span.kind}: {span.label}", span.note]
        )
    header = ["#", "date", "until", "id", "kind", "note"]
    return "Shocks and interventions (numbered as in the figure)", header, rows


def _by_id(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters with each event list keyed by the events' ids (``shocks.nep-1921.
    duration``): runs whose lists differ by one event then differ by that event's rows only."""
    out = dict(params)
    for key in ("shocks", "interventions"):
        events = params.get(key)
        if isinstance(events, list) and all(isinstance(e, dict) and "id" in e for e in events):
            out[key] = {str(e["id"]): {k: v for k, v in e.items() if k != "id"} for e in events}
    return out


def _rows(run: RunData) -> dict[str, str]:
    return {key: value for key, value in flatten(_by_id(run.params)) if key not in TEXT_LISTS}


def params_table(run: RunData) -> Table:
    """Every resolved parameter of the run, dotted key and value (the prose lists apart)."""
    rows = [[key, value] for key, value in _rows(run).items()]
    return f"Every resolved parameter ({run.label}, {len(rows)} rows)", ["parameter", "value"], rows


def differences_table(runs: list[RunData]) -> Table:
    """The parameters whose values differ between the runs (absent: a dash), one column per
    run: what makes the runs differ."""
    tables = [_rows(run) for run in runs]
    keys = list(dict.fromkeys(key for table in tables for key in table))
    rows = [
        [key, *(table.get(key, "—") for table in tables)]
        for key in keys
        if len({table.get(key) for table in tables}) > 1
    ]
    header = ["parameter", *(run.label for run in runs)]
    if not rows:
        rows = [["none: the runs differ only in their seeds", *("" for _ in runs)]]
    return f"Parameters that differ between the runs ({len(rows)})", header, rows


def text_lists(runs: list[RunData]) -> list[Listing]:
    """The assumptions and sources as lists: once when the runs share them, else per run."""
    out: list[Listing] = []
    for key, name in TEXT_LISTS.items():
        path = key.split(".")
        found = []
        for run in runs:
            value = run.params.get(path[0], {}).get(path[1])
            if isinstance(value, list) and value:
                found.append((run.label, [str(v) for v in value]))
        if not found:
            continue
        if all(items == found[0][1] for _, items in found):
            out.append((f"{name} ({len(found[0][1])})", found[0][1]))
        else:
            out += [(f"{name} of {label} ({len(items)})", items) for label, items in found]
    return out
