"""The form's boxes, rendered without a browser: what is typed is in the form at once.

A box that waited for Enter (or for the focus to leave it) lost its text whenever the page
was redrawn in between, as it is when a check of the form ends in its thread or a run
reports its progress: the redraw sets every box back to the form's value. Seen in
chromium as a typed ``meta.steps=48`` that Run never ran (2 pages in 11)."""

from __future__ import annotations

import ipyvuetify as v
import solara

from thermidor.dashboard import state
from thermidor.dashboard.app import Controls
from thermidor.dashboard.event_list import EventEditor


def _field(rc, label: str):  # type: ignore[no-untyped-def]
    return rc.find(v.TextField, label=label).widget


def test_a_typed_number_is_in_the_form_without_enter() -> None:
    form = solara.reactive(state.defaults("present-day-union"))
    _, rc = solara.render(Controls(state.RUN_FIELDS, form, {}), handle_error=False)
    steps = next(f for f in state.RUN_FIELDS if f.key == "meta.steps")
    label = f"{steps.label} ({steps.hint})" if steps.hint else steps.label
    _field(rc, label).v_model = "48"  # what the browser sends as the box is filled
    assert form.value["meta.steps"] == "48"
    form.set({**form.value, "meta.members": "500"})  # the page redrawn: the box keeps it
    assert _field(rc, label).v_model == "48"
    assert form.value["meta.steps"] == "48"


def test_a_typed_event_field_is_in_the_form_without_enter() -> None:
    base = state.shipped("soviet-1917-1928")
    event_id, specs = next(iter(state.event_fields(base).items()))
    spec = specs[0]
    form = solara.reactive(state.defaults("soviet-1917-1928"))
    _, rc = solara.render(EventEditor(base, event_id, form, {}), handle_error=False)
    label = f"{spec.label} ({spec.hint})" if spec.hint else spec.label
    _field(rc, label).v_model = "2"
    assert form.value[spec.key] == "2"
