"""The scenario's shocks and interventions: listed as ``thermidor timeline`` lists them, each
switched off (``--without ID``) with its switch and edited by id (``--set events.ID.FIELD``).

Elements the browser tests find: ``event-<id>`` (a row), ``event-on-<id>`` (its switch),
``event-edit-<id>`` (its edit button), ``event-field-<id>-<field>`` (an edited field).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from thermidor.dashboard import state
from thermidor.scenarios import Scenario
from thermidor.scenarios.timeline import rows


def _fields(row: dict[str, Any]) -> str:
    return ", ".join(
        f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in row["fields"].items()
    )


def _status(row: dict[str, Any]) -> str:
    if row["suppressed"] == "--without":
        return "off"
    if row["suppressed"] is not None:
        return f"held by {row['suppressed']}"
    return "runs" if row["in_run"] else "after the end"


@solara.component
def EventEditor(  # noqa: N802 (a Solara component)
    base: Scenario, event_id: str, form: solara.Reactive[dict[str, str]], errors: dict[str, str]
) -> None:
    """The fields of one event, each a text box holding the scenario's value until edited."""
    specs = state.event_fields(base).get(event_id, ())

    def setter(key: str) -> Callable[[Any], None]:
        return lambda text: form.set({**form.value, key: "" if text is None else str(text)})

    with solara.Row(classes=["event-editor"], style={"flex-wrap": "wrap", "gap": "12px"}):
        solara.Text(f"Edit {event_id}:", style={"font-weight": "bold"})
        for spec in specs:
            part = spec.key.rsplit(".", 1)[1]
            text = form.value.get(spec.key, state.event_text(base, spec.key))
            with solara.Column(classes=[f"event-field-{event_id}-{part}"], gap="0px"):
                solara.InputText(
                    f"{spec.label} ({spec.hint})" if spec.hint else spec.label,
                    text,
                    on_value=setter(spec.key),
                    error=bool(errors.get(spec.key)),
                    style={"width": "240px"},  # the longest label, the start's, reads whole
                    continuous_update=True,  # as the form's boxes: a redraw keeps no draft
                )
                if errors.get(spec.key):
                    solara.Text(
                        errors[spec.key], classes=["field-error"], style={"color": "#b00020"}
                    )


@solara.component
def Events(  # noqa: N802 (a Solara component)
    base: Scenario,
    current: Scenario | None,
    form: solara.Reactive[dict[str, str]],
    errors: dict[str, str],
) -> None:
    """Every event of ``current`` (the form's scenario as last validated, or ``base``)."""
    editing = solara.use_reactive("")
    known = state.event_fields(base)
    shown = rows(current if current is not None else base)
    edited = {k.split(".")[1] for k in form.value if k.startswith(state.EVENT)}

    def switch(event_id: str) -> Callable[[bool], None]:
        key = f"{state.OFF}{event_id}"
        return lambda on: form.set({**form.value, key: "" if on else state.YES})

    solara.HTML(  # not Markdown: it loads KaTeX from a CDN, which hangs offline
        tag="p",
        unsafe_innerHTML=(
            "Each shock or intervention of the scenario, as <code>thermidor timeline</code> "
            "lists it. Switch one off to run without it (<code>--without ID</code>), or edit "
            "its date, duration or size (<code>--set events.ID.FIELD=value</code>); the plots "
            "mark each event with a triangle (hover for what it does)."
        ),
        style={"font-size": "0.9em"},
    )
    if editing.value in known:
        EventEditor(base, editing.value, form, errors)
    for row in shown:
        event_id = row["id"]
        off = form.value.get(f"{state.OFF}{event_id}") == state.YES
        with solara.Row(
            classes=["event-row", f"event-{event_id}"],
            style={"align-items": "center", "gap": "8px", "font-size": "0.85em"},
        ):
            with solara.Column(classes=[f"event-on-{event_id}"], style={"flex": "0 0 auto"}):
                solara.Checkbox(
                    label="", value=not off, on_value=switch(event_id),
                    disabled=event_id not in known, style="margin: 0",
                )  # fmt: skip
            mark = " (edited)" if event_id in edited else ""
            solara.Text(
                f"{row['date']} {event_id}{mark}",
                style={"font-weight": "bold", "min-width": "260px"},
            )
            solara.Text(f"{row['type']} {row['kind']}", style={"min-width": "170px"})
            solara.Text(_fields(row) or "-", style={"flex-grow": "1"})
            solara.Text(_status(row), style={"min-width": "60px"})
            solara.Button(
                "edit",
                text=True,
                small=True,
                on_click=lambda event_id=event_id: editing.set(event_id),
                disabled=event_id not in known,
                classes=[f"event-edit-{event_id}"],
            )
