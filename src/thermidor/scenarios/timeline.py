"""A scenario's shocks and interventions as one timeline: id, kind, step and date, end, main
fields, and whether the run leaves the event out.

``thermidor timeline`` prints it and the dashboard lists it (to switch events off and edit
them by id), so both show the same events the same way.
"""

from __future__ import annotations

from typing import Any

from thermidor.engine import calendar
from thermidor.model.scenario import Scenario, Shock

# what every event has; the rest of its fields are the ones the timeline calls "main"
COMMON = ("id", "kind", "start", "duration", "note")


def main_fields(event: dict[str, Any]) -> dict[str, Any]:
    """The fields that say what an event does (its magnitude, share, level...), set ones only."""
    return {k: v for k, v in event.items() if k not in COMMON and v is not None}


def rows(scenario: Scenario) -> list[dict[str, Any]]:
    """The timeline of a resolved scenario: every event, in order of its start step (file
    order within a step, the events that run before those left out).

    Each row: ``id``, ``type`` (shock or intervention), ``kind``, ``start`` and ``date``,
    ``duration``, ``end`` and ``end_date`` (None without a duration), ``fields`` (the main
    ones), ``note``, ``in_run`` (it starts before the last step) and ``suppressed`` (None,
    ``--without``, or the headline knob that holds it back).
    """
    meta = scenario.meta
    found: list[tuple[str, dict[str, Any], str | None]] = [
        ("shock", s.model_dump(mode="json"), None) for s in scenario.shocks
    ]
    found += [("intervention", i.model_dump(mode="json"), None) for i in scenario.interventions]
    found += [
        (
            "shock" if isinstance(r.event, Shock) else "intervention",
            r.event.model_dump(mode="json"),
            r.by,
        )
        for r in scenario.suppressed
    ]
    out: list[dict[str, Any]] = []
    for which, event, by in sorted(found, key=lambda item: item[1]["start"]):
        start, duration = event["start"], event.get("duration")
        end = None if duration is None else start + duration - 1
        out.append(
            {
                "id": event["id"],
                "type": which,
                "kind": event["kind"],
                "start": start,
                "date": calendar.step_date(meta.start, meta.time_step, start),
                "duration": duration,
                "end": end,
                "end_date": None
                if end is None
                else calendar.step_date(meta.start, meta.time_step, end),
                "fields": main_fields(event),
                "note": event.get("note", ""),
                "in_run": start < meta.steps,
                "suppressed": by,
            }
        )
    return out
