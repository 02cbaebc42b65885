"""The dashboard page (``solara run thermidor.dashboard.app``): edit, run, watch, compare.

Elements the browser tests find carry stable classes: ``scenario-select``,
``field-<key>`` (a field and its message), ``run-button``, ``run-ready`` (what Run will
run: the server's reading of the form), ``run-progress`` (with
``running`` or ``finished``), ``run-status``, ``plot-<metric>``, ``pin-baseline``,
``download-csv``, ``download-report`` and ``form-error``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import solara
import solara.lab

from thermidor.dashboard import export, figures, runner, state
from thermidor.model.results import Results
from thermidor.reports.html import run_report_html
from thermidor.scenarios import list_scenarios

SCENARIOS = list(list_scenarios())
DEFAULT = "soviet-1917-1928" if "soviet-1917-1928" in SCENARIOS else SCENARIOS[0]


def slug(key: str) -> str:
    """The CSS-class form of a field key (``institutions.term`` -> ``institutions-term``)."""
    return key.replace(".", "-").replace("_", "-")


@solara.component
def FieldControl(  # noqa: N802 (a Solara component)
    spec: state.Field, text: str, error: str | None, on_text: Callable[[Any], None]
) -> None:
    """One labelled control with its error message right under it."""
    label = f"{spec.label} ({spec.hint})" if spec.hint else spec.label
    with solara.Column(classes=["field", f"field-{slug(spec.key)}"], gap="0px"):
        if spec.kind == "choice":
            solara.Select(label, list(spec.choices), text, on_value=on_text, dense=True)
        else:
            solara.InputText(label, text, on_value=on_text, error=bool(error), dense=True)
        if error:
            solara.Text(error, classes=["field-error"], style={"color": "#b00020"})


@solara.component
def Controls(  # noqa: N802 (a Solara component)
    specs: tuple[state.Field, ...], form: solara.Reactive[dict[str, str]], errors: dict[str, str]
) -> None:
    """A group of fields bound to the form."""

    def setter(key: str) -> Callable[[Any], None]:
        return lambda text: form.set({**form.value, key: "" if text is None else str(text)})

    for spec in specs:
        FieldControl(spec, form.value.get(spec.key, ""), errors.get(spec.key), setter(spec.key))


@solara.component
def Page() -> None:  # noqa: N802 (the name Solara serves)
    """Pick a scenario, edit it, run it with progress, plot it, pin a baseline, download."""
    name = solara.use_reactive(DEFAULT)
    form = solara.use_reactive(state.defaults(DEFAULT))
    live: solara.Reactive[dict[str, np.ndarray]] = solara.use_reactive({})
    progress = solara.use_reactive((0, 0))
    finished: solara.Reactive[Results | None] = solara.use_reactive(None)
    baseline: solara.Reactive[dict[str, np.ndarray]] = solara.use_reactive({})
    key = (name.value, tuple(sorted(form.value.items())))
    built = solara.use_memo(lambda: state.build(name.value, form.value), [key])

    def execute(job: state.Built) -> None:
        finished.set(None)

        def update(series: dict[str, np.ndarray], done: int, total: int) -> None:
            if series:
                live.set({m: series[m] for m in figures.PLOTTED})
            progress.set((done, total))

        assert job.scenario is not None  # the button is disabled otherwise
        page_gone = solara.kernel_closed_event()  # set when the page is closed or left

        def stale() -> bool:
            """The page no longer waits for this run (gone, or run again): stop it."""
            return page_gone.is_set() or not task.is_current()

        results = runner.simulate(job.scenario, job.seed, update, cancelled=stale)
        if results is not None:
            finished.set(results)

    task = solara.lab.use_task(execute, dependencies=None)

    def choose(new: str) -> None:
        name.set(new)
        form.set(state.defaults(new))

    scenario = state.load_scenario(name.value)
    errors = built.errors
    solara.Title("thermidor dashboard")
    with solara.Sidebar():
        solara.Select(
            "Scenario", SCENARIOS, name.value, on_value=choose, classes=["scenario-select"]
        )
        solara.Text(list_scenarios()[name.value], style={"font-size": "0.85em"})
        with solara.Details("Run: members, steps, seed", expand=True):
            Controls(state.RUN_FIELDS, form, errors)
        with solara.Details("Institutions and society", expand=True):
            Controls(state.HEADLINE, form, errors)
        with solara.Details("Selection rule per branch and tier"):
            Controls(state.branch_fields(scenario), form, errors)
        with solara.Details("Add a shock or recruitment wave"):
            Controls(state.shock_fields(scenario), form, errors)
        with solara.Details("Schedule an intervention"):
            Controls(state.intervention_fields(), form, errors)
    with solara.Row(style={"align-items": "center"}):
        solara.Button(
            "Run",
            on_click=lambda: task(built),
            disabled=not built.ok or task.pending,
            color="primary",
            classes=["run-button"],
        )
        solara.Button(
            "Pin as baseline",
            on_click=lambda: baseline.set(dict(live.value)),
            disabled=finished.value is None or task.pending,
            classes=["pin-baseline"],
        )
        if baseline.value:
            solara.Button("Clear baseline", on_click=lambda: baseline.set({}), text=True)
        results = finished.value
        if results is not None and not task.pending:
            stem = f"{results.scenario}-seed{results.seed}"
            solara.FileDownload(
                lambda: export.series_csv(results.series),
                filename=f"{stem}.csv",
                mime_type="text/csv",
                children=[solara.Button("Download CSV", classes=["download-csv"])],
            )
            solara.FileDownload(
                lambda: _report(results),
                filename=f"{stem}.html",
                mime_type="text/html",
                children=[solara.Button("Download HTML report", classes=["download-report"])],
            )
    if built.ok and not task.pending:
        solara.Text(f"Run will run {built.summary()}", classes=["run-ready"])
    if errors:
        messages = "; ".join(errors.values())
        solara.Error(f"Fix the marked fields to run: {messages}", classes=["form-error"])
    done, total = progress.value
    if task.pending:
        value = 100 * done / total if total else True
        solara.ProgressLinear(value, classes=["run-progress", "running"])
        solara.Text(f"running: {done}/{total} steps", classes=["run-status"])
    elif task.error:
        solara.Error(f"the run failed: {task.exception}", classes=["run-failed"])
    elif finished.value is not None:
        solara.ProgressLinear(100, classes=["run-progress", "finished"])
        when = finished.value.thermidor_step
        thermidor = f"Thermidor at step {when}" if when is not None else "no Thermidor"
        solara.Text(f"finished: {total}/{total} steps; {thermidor}", classes=["run-status"])
    thermidor_step = finished.value.thermidor_step if finished.value is not None else None
    with solara.ColumnsResponsive(12, large=6):
        for metric in figures.PLOTTED:
            with solara.Column(classes=[f"plot-{slug(metric)}"]):
                solara.FigurePlotly(
                    figures.figure(metric, live.value, baseline.value, thermidor_step)
                )


def _report(results: Results) -> str:
    """The finished run's HTML report, from ``thermidor.reports``."""
    title = f"{results.scenario}, seed {results.seed}"
    return run_report_html(results.series, results.params, results.thermidor_step, title)
