"""The dashboard page (``solara run thermidor.dashboard.app``): edit, run, watch, compare.

What re-renders when: the page itself reads only the scenario, the form and the run's
start and end; a run's partial series reach only the plots and the progress line, and the
form is validated in a thread while the plots stay on screen. So a run costs about what
the same run costs from the command line, and an edit redraws no figure.

Elements the browser tests find carry stable classes: ``scenario-select``,
``field-<key>`` (a field's text box and its message; ``slider-<key>`` its slider),
``run-button``, ``step-button``, ``pause-button``, ``stop-button``, ``speed``,
``run-ready`` (what Run will run: the server's reading of the form), ``form-checking``,
``form-error``, ``run-why`` (why Run is greyed out), ``run-progress`` (with ``running``,
``paused``, ``finished`` or ``stopped``), ``run-status``, ``metric-select``,
``plot-<metric>`` (a figure's column, also ``fit-plot``), ``pin-baseline``,
``download-csv``, ``download-report``, ``tab-events``, ``about-model``, ``agents-place`` (the
Agents tab; the agent views inside carry the classes of :mod:`thermidor.dashboard.agent_views`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import solara
import solara.lab

from thermidor.dashboard import about, agent_views, event_list, export, figures, fit, runner, state
from thermidor.model.results import METRIC_DOCS, Results
from thermidor.reports.html import run_report_html
from thermidor.scenarios import Scenario, list_scenarios
from thermidor.scenarios.timeline import rows

SCENARIOS = list(list_scenarios())
DEFAULT = "soviet-1917-1928" if "soviet-1917-1928" in SCENARIOS else SCENARIOS[0]
DESCRIPTIONS = list_scenarios()
MAX_DELAY_MS = 1000  # the slowest speed: a second between steps


@dataclass(frozen=True)
class Snapshot:
    """The series of a run as last published: ``run`` numbers the page's runs, ``done`` its
    steps, so the pair names a version of the figures."""

    series: dict[str, np.ndarray]
    done: int
    run: int


def slug(key: str) -> str:
    """The CSS-class form of a field key (``institutions.term`` -> ``institutions-term``)."""
    return key.replace(".", "-").replace("_", "-")


def line_of(scenario: Scenario) -> figures.Timeline:
    """The dates and events every figure of ``scenario`` shares."""
    meta = scenario.meta
    return figures.timeline(meta.start, meta.time_step, meta.steps, rows(scenario))


def _number_text(spec: state.Field, value: float) -> str:
    return str(round(value)) if spec.kind.endswith("integer") else f"{round(value, 6):g}"


@solara.component
def FieldControl(  # noqa: N802 (a Solara component)
    spec: state.Field, text: str, error: str | None, on_text: Callable[[Any], None]
) -> None:
    """One labelled control, a slider beside the number box when the field has a range,
    with its error message right under it. Both write the same form value.

    The box writes the form as it is typed, not on Enter or leaving it: a page redrawn
    between the typing and the Enter (a check of the form ending in its thread, a run's
    progress) sets every box back to the form's value, and the text typed would be lost."""
    label = f"{spec.label} ({spec.hint})" if spec.hint else spec.label
    with solara.Column(classes=["field", f"field-{slug(spec.key)}"], gap="0px"):
        if spec.kind == "choice":
            solara.Select(label, list(spec.choices), text, on_value=on_text, dense=True)
        else:
            solara.InputText(
                label,
                text,
                on_value=on_text,
                error=bool(error),
                dense=True,
                continuous_update=True,  # see the docstring
            )
        if error:
            solara.Text(error, classes=["field-error"], style={"color": "#b00020"})
    if spec.slider is not None:
        low, high, step = spec.slider
        try:
            value = state.parse(spec, text)
        except ValueError:
            value = None
        shown = min(max(float(value), low), high) if isinstance(value, int | float) else low
        with solara.Column(classes=[f"slider-{slug(spec.key)}"], style={"margin-top": "-6px"}):
            solara.SliderFloat(
                "",
                value=shown,
                min=low,
                max=high,
                step=step,
                on_value=lambda v: on_text(_number_text(spec, v)),
                thumb_label=False,
            )


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
def LiveFigure(  # noqa: N802 (a Solara component)
    metric: str,
    run: Snapshot | None,
    baseline: Snapshot | None,
    line: figures.Timeline,
    thermidor_step: int | None,
    message: str,
    width: int,
) -> Any:
    """One figure, drawn whole when what it shows changes (another run, the baseline, the
    events, the width) and otherwise, as a run goes on, sent only the run's new values."""
    from plotly.graph_objs import FigureWidget  # noqa: PLC0415

    drawn = (
        metric,
        None if run is None else run.run,
        None if baseline is None else (baseline.run, baseline.done),
        line,
        thermidor_step,
        message,
        width,
    )
    element = FigureWidget.element()

    def draw() -> None:
        figure = figures.figure(
            metric,
            run.series if run is not None else {},
            baseline.series if baseline is not None else {},
            line,
            thermidor_step,
            message,
            width,
        )
        widget = solara.get_widget(element)
        widget.data = []  # traces may not be removed within a batch update
        with widget.batch_update():
            widget.layout = figure.layout
        widget.add_traces(figure.data)

    def refresh() -> None:
        if run is None or metric not in run.series:
            return
        widget = solara.get_widget(element)
        values = figures.plain(run.series[metric], len(line.dates))
        for trace in widget.data:
            if trace.name == "run":
                trace.y = values

    solara.use_effect(draw, [drawn])
    solara.use_effect(refresh, [None if run is None else (run.run, run.done)])
    return element


@solara.component
def Plots(  # noqa: N802 (a Solara component)
    live: solara.Reactive[Snapshot | None],
    baseline: solara.Reactive[Snapshot | None],
    metrics: solara.Reactive[list[str]],
    line: figures.Timeline,
    thermidor_step: int | None,
    message: str,
) -> None:
    """The chosen metrics, two figures a row on a wide screen, each fitted to its column."""
    width = solara.use_reactive(0)  # of a figure's column, measured by the browser
    fit.FitPlots(on_width=width.set)
    solara.SelectMultiple(
        "Metrics plotted",
        metrics.value,
        list(figures.CHOICES),
        on_value=lambda chosen: metrics.set([m for m in figures.CHOICES if m in chosen]),
        classes=["metric-select"],
    )
    run, base = live.value, baseline.value
    with solara.ColumnsResponsive(12, large=6):
        for metric in metrics.value:
            with solara.Column(  # a block, not a flex box: the figure takes its width
                classes=["fit-plot", f"plot-{slug(metric)}"],
                style={"min-width": "0", "overflow": "hidden", "display": "block"},
            ):
                LiveFigure(metric, run, base, line, thermidor_step, message, width.value)
                solara.Text(
                    METRIC_DOCS.get(metric, ""),
                    classes=["plot-caption"],
                    style={"font-size": "0.8em"},
                )


@solara.component
def Progress(  # noqa: N802 (a Solara component)
    progress: solara.Reactive[tuple[int, int]],
    paused: solara.Reactive[bool],
    outcome: runner.Outcome | None,
    going: bool,
    failed: str | None,
    dates: tuple[str, ...],
) -> None:
    """The run's bar and status line: running, paused, finished or stopped, with the date."""
    done, total = progress.value

    def when(step: int) -> str:
        return f" ({dates[step][:7]})" if 0 <= step < len(dates) else ""

    if going:
        value = 100 * done / total if total else True
        state_class = "paused" if paused.value else "running"
        solara.ProgressLinear(value, classes=["run-progress", state_class])
        text = (
            f"paused at step {done}/{total}{when(done - 1)}: Step, Resume or Stop"
            if paused.value
            else f"running: {done}/{total} steps{when(done - 1)}"
        )
        solara.Text(text, classes=["run-status"])
    elif failed is not None:
        solara.Error(f"the run failed: {failed}", classes=["run-failed"])
    elif outcome is not None:
        results = outcome.results
        when_thermidor = results.thermidor_step
        thermidor = (
            f"Thermidor at step {when_thermidor}{when(when_thermidor)}"
            if when_thermidor is not None
            else "no Thermidor"
        )
        if outcome.finished:
            solara.ProgressLinear(100, classes=["run-progress", "finished"])
            solara.Text(f"finished: {total}/{total} steps; {thermidor}", classes=["run-status"])
        else:
            solara.ProgressLinear(100 * outcome.done / total, classes=["run-progress", "stopped"])
            solara.Text(
                f"stopped at step {outcome.done}/{total}{when(outcome.done - 1)}, what was "
                f"computed is kept; {thermidor}",
                classes=["run-status"],
            )


@solara.component
def AgentsPlace(outcome: runner.Outcome | None) -> None:  # noqa: N802 (a Solara component)
    """The agents of the last run: its snapshots (five spread over the run) in
    :func:`~thermidor.dashboard.agent_views.AgentViews`, or what to do to get them."""
    with solara.Column(classes=["agents-place"], style={"min-width": "0"}):
        if outcome is None:
            solara.Text(
                "Run a scenario to see its office tree, a sample of its network and its "
                "members' distributions at five dates spread over the run."
            )
            return
        meta = outcome.results.params.get("meta", {})
        if not outcome.snapshots:
            solara.Text(
                "This run stopped before its first snapshot: run further to see its agents."
            )
            return
        agent_views.AgentViews(
            outcome.snapshots, start=str(meta["start"]), time_step=str(meta["time_step"])
        )


@solara.component
def Page() -> None:  # noqa: N802 (the name Solara serves)
    """Pick a scenario, edit it, run, step, pause or stop it, plot it, compare, download."""
    name = solara.use_reactive(DEFAULT)
    form = solara.use_reactive(state.defaults(DEFAULT))
    live: solara.Reactive[Snapshot | None] = solara.use_reactive(None)
    progress = solara.use_reactive((0, 0))
    outcome: solara.Reactive[runner.Outcome | None] = solara.use_reactive(None)
    baseline: solara.Reactive[Snapshot | None] = solara.use_reactive(None)
    paused = solara.use_reactive(False)
    metrics = solara.use_reactive(list(figures.PLOTTED))
    delay_ms = solara.use_reactive(0)
    shown_line: solara.Reactive[figures.Timeline | None] = solara.use_reactive(None)
    control = solara.use_ref(runner.Control())
    runs = solara.use_ref(0)
    last_built: Any = solara.use_ref(None)

    key = (name.value, tuple(sorted(form.value.items())))
    check = solara.lab.use_task(  # in a thread: the page stays drawn while it validates
        lambda: state.build(key[0], dict(key[1])), dependencies=[key]
    )
    if check.finished and isinstance(check.value, state.Built):
        last_built.current = check.value
    built: state.Built | None = last_built.current
    if built is not None and built.name != name.value:
        built = None
    checking = not check.finished

    def execute(job: state.Built, job_control: runner.Control, number: int) -> None:
        outcome.set(None)
        assert job.scenario is not None  # the buttons are disabled otherwise
        shown_line.set(line_of(job.scenario))

        def update(series: dict[str, np.ndarray], done: int, total: int) -> None:
            if series:
                live.set(Snapshot(series, done, number))
            progress.set((done, total))

        page_gone = solara.kernel_closed_event()  # set when the page is closed or left

        def stale() -> bool:
            """The page no longer waits for this run (gone, or run again): stop it."""
            return page_gone.is_set() or not task.is_current()

        ended = runner.simulate(
            job.scenario, job.seed, update, cancelled=stale, control=job_control
        )
        if ended is not None:
            outcome.set(ended)

    task = solara.lab.use_task(execute, dependencies=None)
    going = bool(task.pending)
    ready = built is not None and built.ok and not checking

    def start(*, playing: bool) -> None:
        assert built is not None
        runs.current += 1
        control.current = runner.Control(playing=playing, delay=delay_ms.value / 1000)
        if not playing:
            control.current.step()
        paused.set(not playing)
        task(built, control.current, runs.current)

    def run_or_resume() -> None:
        if going:
            paused.set(False)
            control.current.play()
        else:
            start(playing=True)

    def step() -> None:
        if going:
            paused.set(True)
            control.current.step()
        else:
            start(playing=False)

    def pause() -> None:
        paused.set(True)
        control.current.pause()

    def stop() -> None:
        control.current.stop()  # the run going on at the click

    def set_delay(ms: int) -> None:
        delay_ms.set(ms)
        control.current.set_delay(ms / 1000)

    def choose(new: str) -> None:
        name.set(new)
        form.set(state.defaults(new))

    base = state.shipped(name.value)
    errors = built.errors if built is not None else {}
    solara.Title("thermidor dashboard")
    with solara.Sidebar():
        solara.Select(
            "Scenario", SCENARIOS, name.value, on_value=choose, classes=["scenario-select"]
        )
        solara.Text(DESCRIPTIONS[name.value], style={"font-size": "0.85em"})
        with solara.Details("Run: members, steps, seed", expand=True):
            Controls(state.RUN_FIELDS, form, errors)
        with solara.Details("Institutions and society", expand=True):
            Controls(state.HEADLINE, form, errors)
        with solara.Details("Selection rule per branch and tier"):
            Controls(state.branch_fields(base), form, errors)
        with solara.Details("Add a shock or recruitment wave"):
            Controls(state.shock_fields(base), form, errors)
        with solara.Details("Schedule an intervention"):
            Controls(state.intervention_fields(), form, errors)
    playing = going and not paused.value
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button(
            "Resume" if going and paused.value else "Run",
            on_click=run_or_resume,
            disabled=(not ready and not going) or playing,
            color="primary",
            classes=["run-button"],
        )
        solara.Button(
            "Step", on_click=step, disabled=not ready and not going, classes=["step-button"]
        )
        solara.Button("Pause", on_click=pause, disabled=not playing, classes=["pause-button"])
        solara.Button("Stop", on_click=stop, disabled=not going, classes=["stop-button"])
        with solara.Column(classes=["speed"], style={"width": "330px", "margin": "0 12px"}):
            solara.SliderInt(
                f"Delay between steps: {delay_ms.value} ms",
                value=delay_ms.value,
                min=0,
                max=MAX_DELAY_MS,
                step=50,
                on_value=set_delay,
                thumb_label=False,
            )
        solara.Button(
            "Pin as baseline",
            on_click=lambda: baseline.set(live.value),
            disabled=outcome.value is None or going,
            classes=["pin-baseline"],
        )
        if baseline.value is not None:
            solara.Button("Clear baseline", on_click=lambda: baseline.set(None), text=True)
        ended = outcome.value
        if ended is not None and not going:
            results = ended.results
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
    # The messages come and go inside one column of their own, so the elements after it
    # (the progress line, the tabs and their figures) keep their place among the page's
    # children: a message shown before them would shift them, and a shifted element is
    # made anew, figures included (each new figure loads plotly.js again in the browser).
    with solara.Column(classes=["form-messages"], gap="0px"):
        if checking:
            solara.Info("checking the form...", dense=True, classes=["form-checking"])
        elif errors:
            messages = "; ".join(errors.values())
            solara.Error(f"Fix the marked fields to run: {messages}", classes=["form-error"])
        elif built is not None and built.ok:
            solara.Text(f"Run will run {built.summary()}", classes=["run-ready"])
        if playing:
            solara.Text(
                "Run is greyed out while a run goes on: Pause it to step, or Stop it.",
                classes=["run-why"],
            )
    line = shown_line.value
    if line is None or (not going and outcome.value is None):
        line = line_of(built.scenario if built is not None and built.scenario else base)
    Progress(
        progress,
        paused,
        outcome.value,
        going,
        str(task.exception) if task.error else None,
        line.dates,
    )
    ended = outcome.value
    thermidor_step = ended.results.thermidor_step if ended is not None else None
    message = f"Run or Step to simulate {name.value}"
    with solara.lab.Tabs(lazy=True):
        with solara.lab.Tab("Plots", classes=["tab-plots"]):
            Plots(live, baseline, metrics, line, thermidor_step, message)
        with solara.lab.Tab("Events", classes=["tab-events"]):
            event_list.Events(base, built.scenario if built is not None else None, form, errors)
        with solara.lab.Tab("Agents", classes=["tab-agents"]):
            AgentsPlace(outcome.value)
        with solara.lab.Tab("About this model", classes=["tab-about"]):
            about.About()


def _report(results: Results) -> str:
    """The finished run's HTML report, from ``thermidor.reports``."""
    title = f"{results.scenario}, seed {results.seed}"
    return run_report_html(results.series, results.params, results.thermidor_step, title)
