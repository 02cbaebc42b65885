"""The dashboard in Debian's chromium: run, step, pause, stop, plots that fit, events,
baseline, bad input, report.

The tests wait for what the page shows, never for a time: the server is what `thermidor ui`
starts, serving gated_app (which records how each run ended), and a run is started with
Step, so it waits, paused after its first step, until the test has seen its partial
series and clicks Resume, however fast the machine. The timeouts only stop a hung test.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard_server import DEADLINE, answers, environment, serve, stop, ui_command
from ports import on_free_port

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("THERMIDOR_ARTIFACTS", Path(__file__).parents[1] / "artifacts"))
HERE = Path(__file__).resolve().parent
PLOT_DATA = """sel => {
  const gd = document.querySelector(sel + ' .js-plotly-plot');
  return gd ? gd.data.map(t => ({name: t.name, y: Array.from(t.y), dash: (t.line || {}).dash}))
            : null;
}"""


def _ui_command(port: int) -> list[str]:
    """The command line ``thermidor ui --port`` becomes (caught, not run), serving gated_app."""
    command = ui_command("--port", str(port))
    assert "thermidor.dashboard.app" in command, command
    return ["gated_app" if a == "thermidor.dashboard.app" else a for a in command]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """How each run ended, one line each (gated_app appends ``finished`` or ``stopped``)."""
    return tmp_path_factory.mktemp("runs") / "runs"


def _serve(port: int, runs: Path) -> subprocess.Popen[bytes]:
    """The dashboard on ``port``, once it answers; ``PortTakenError`` if it exits first."""
    env = dict(environment(HERE), THERMIDOR_TEST_RUNS=str(runs))
    env.pop("THERMIDOR_TEST_GATE", None)  # no run is held: the tests step and resume
    return serve(_ui_command(port), port, env)


@pytest.fixture(scope="module")
def server(runs: Path) -> Iterator[str]:
    port, proc = on_free_port(lambda port: _serve(port, runs))
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(DEADLINE * 1000)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: PLC0415

    page.goto(server)
    try:
        page.wait_for_selector(".run-button")
    except PlaywrightTimeout as exc:
        page.screenshot(path=ARTIFACTS / "dashboard-did-not-render.png")
        msg = (
            "the dashboard did not render: solara serves its front end from cdn.jsdelivr.net "
            "unless the solara-assets package is installed"
        )
        raise AssertionError(msg) from exc
    yield page
    context.close()


def _type(page, key: str, text: str) -> None:  # type: ignore[no-untyped-def]
    field = page.locator(f".field-{key} input")
    field.fill(text)
    field.press("Enter")


def _choose_scenario(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(".scenario-select").click()
    page.locator(".v-menu__content .v-list-item", has_text=name).click()
    # the server has read the new scenario's defaults into the form (the fields are redrawn
    # with them before the line is): a field typed in before that would be overwritten
    page.wait_for_function(
        "n => (document.querySelector('.run-ready') || {innerText: ''})"
        ".innerText.includes('Run will run ' + n + ',')",
        arg=name,
    )


def _status(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        "t => (document.querySelector('.run-status') || {innerText: ''}).innerText.includes(t)",
        arg=text,
    )


# the "run" trace of each plot asked: holding a partial series (gaps for the steps not run)
# or a whole one; the run's plots go from partial to whole, never back
RUN_TRACES = f"""([plots, whole]) => plots.every(sel => {{
  const run = ({PLOT_DATA})(sel)?.find(t => t.name == 'run');
  return run !== undefined && run.y.some(v => v === null) != whole;
}})"""
CHECKED = [".plot-participation", ".plot-control-index"]


def _ready(page, *edits: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the server's "Run will run" line names every one of ``edits``; if it
    never does, fail with what the line and the fields said instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: PLC0415

    try:
        page.wait_for_function(
            """edits => {
              const ready = document.querySelector('.run-ready');
              return ready !== null && edits.every(
                e => ready.innerText.includes(e.startsWith('--') ? e : '--set ' + e));
            }""",
            arg=list(edits),
        )
    except PlaywrightTimeout as exc:
        said = page.inner_text(".form-messages") if page.locator(".form-messages").count() else ""
        fields = page.evaluate(
            "() => [...document.querySelectorAll('.field input')].map(i => i.value).join(' | ')"
        )
        page.screenshot(path=ARTIFACTS / "dashboard-form-not-ready.png", full_page=True)
        msg = f"the form never read {edits}: it says {said!r}; the fields hold {fields}"
        raise AssertionError(msg) from exc


def _run(page, *edits: str) -> None:  # type: ignore[no-untyped-def]
    """Run once the server has read the form with ``edits`` (its "Run will run" line):
    Step first (the run waits after one step, its partial series on screen), then Resume."""
    _ready(page, *edits)
    page.wait_for_function("() => !document.querySelector('.step-button').disabled")
    page.locator(".step-button").click()
    # paused after its first step: the bar shows the run waiting (a previous run's
    # finished bar is replaced) and the plots the part done; Resume and it finishes
    page.wait_for_selector(".run-progress.paused, .run-failed")
    failed = page.locator(".run-failed")
    assert failed.count() == 0, failed.inner_text()
    _status(page, "paused at step 1/")
    page.wait_for_function(RUN_TRACES, arg=[CHECKED, False])
    page.locator(".run-button").click()  # Resume
    page.wait_for_selector(".run-progress.finished")
    _status(page, "finished")
    page.wait_for_function(RUN_TRACES, arg=[CHECKED, True])
    _ready(page, *edits)  # the run left the form as it was: its edits are what Run runs next


def _trace(page, metric: str, name: str) -> dict:  # type: ignore[no-untyped-def]
    traces = page.evaluate(PLOT_DATA, f".plot-{metric}")
    assert traces is not None, f"no plotly graph for {metric}"
    found = [t for t in traces if t["name"] == name]
    assert found, f"no {name!r} trace in {metric}: {[t['name'] for t in traces]}"
    return found[0]


def test_run_move_control_pin_baseline(page) -> None:  # type: ignore[no-untyped-def]
    _choose_scenario(page, "present-day-union")
    _type(page, "meta-members", "500")
    _type(page, "meta-steps", "48")
    _run(page, "meta.members=500", "meta.steps=48")
    first = _trace(page, "participation", "run")["y"]
    assert len(first) == 48
    assert all(v is not None for v in first)
    page.locator(".pin-baseline").click()
    page.wait_for_function(
        f"() => ({PLOT_DATA})('.plot-participation').some(t => t.name == 'baseline')"
    )
    _type(page, "institutions-nominated-share", "1")
    _run(page, "meta.members=500", "institutions.nominated_share=1")
    page.screenshot(path=ARTIFACTS / "dashboard-run-vs-baseline.png", full_page=True)
    baseline = _trace(page, "participation", "baseline")
    second = _trace(page, "participation", "run")["y"]
    assert baseline["dash"] == "dash"
    assert baseline["y"] == first
    assert len(second) == 48
    assert second != first, "moving the nominated share did not change the plotted series"
    assert (
        _trace(page, "control-index", "run")["y"] != _trace(page, "control-index", "baseline")["y"]
    )


def _ended(runs: Path) -> list[str]:
    return runs.read_text(encoding="utf-8").split() if runs.exists() else []


def test_a_run_stops_when_its_page_is_left(page, runs) -> None:  # type: ignore[no-untyped-def]
    """A page left mid-run does not leave its run taking a core (and a slot of the runs at
    once) to its end: it stops at its next step."""
    before = len(_ended(runs))
    _type(page, "meta-members", "2000")
    _type(page, "meta-steps", "2000")
    page.wait_for_function("() => !document.querySelector('.step-button').disabled")
    page.locator(".step-button").click()
    page.wait_for_selector(".run-progress.paused")  # waiting after its first step
    page.goto("about:blank")  # the page is left: Solara closes its session
    deadline = time.monotonic() + DEADLINE
    while len(_ended(runs)) == before:  # polled until the run has ended; the deadline guards
        assert time.monotonic() < deadline, "the run did not end"
        time.sleep(0.2)
    assert _ended(runs)[before:] == ["dropped"]


def test_bad_input_shows_message_and_refuses_run(page, server) -> None:  # type: ignore[no-untyped-def]
    _type(page, "institutions-apparatus-cap", "1.5")
    message = page.locator(".field-institutions-apparatus-cap .field-error")
    message.wait_for()
    assert "institutions.apparatus_cap = 1.5" in message.inner_text()
    assert "less than or equal to 1" in message.inner_text()
    page.wait_for_function("() => document.querySelector('.run-button').disabled")
    _type(page, "meta-members", "ten")
    page.locator(".field-meta-members .field-error").wait_for()
    page.screenshot(path=ARTIFACTS / "dashboard-bad-input.png", full_page=True)
    assert answers(server), "the server stopped answering after bad input"
    _type(page, "institutions-apparatus-cap", "0.2")
    _type(page, "meta-members", "1000")
    page.locator(".field-error").first.wait_for(state="detached")
    page.wait_for_function("() => !document.querySelector('.run-button').disabled")


def test_html_report_renders_its_plots(browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from thermidor import load_scenario  # noqa: PLC0415
    from thermidor.dashboard.app import _report  # noqa: PLC0415
    from thermidor.model.run import run  # noqa: PLC0415

    scenario = load_scenario("present-day-union", ["meta.members=500", "meta.steps=24"])
    report = tmp_path / "report.html"
    report.write_text(_report(run(scenario, 1)), encoding="utf-8")
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(report.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg")
    plots = page.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => g.data.length)"
    )
    page.screenshot(path=ARTIFACTS / "report.png", full_page=True)
    page.close()
    assert plots, "the report holds no plotly graph"
    assert all(n > 0 for n in plots), f"a graph without traces: {plots}"
    assert problems == []


# --- figures that fit, the date axis, step/pause/stop, events ------------------------------

FIT = """() => Array.from(document.querySelectorAll('.fit-plot')).map(column => {
  const box = column.getBoundingClientRect();
  const svg = column.querySelector('.main-svg');
  if (!svg) return null;
  const plot = svg.getBoundingClientRect();
  return {left: plot.left - box.left, right: box.right - plot.right, width: plot.width};
})"""
FITS = f"() => ({FIT})().every(f => f !== null && f.left >= -1 && f.right >= -1)"
X_AXIS = """sel => {
  const gd = document.querySelector(sel + ' .js-plotly-plot');
  const run = gd.data.find(t => t.name == 'run');
  return {range: gd.layout.xaxis.range, last: run ? run.x[run.x.length - 1] : null,
          type: gd.layout.xaxis.type};
}"""


@pytest.mark.slow
def test_every_figure_fits_its_column_at_three_widths(page) -> None:  # type: ignore[no-untyped-def]
    """At 1400 px, then 1280 and 1920: each figure's plotted width (its main svg) lies within
    its column, so the end of the x axis is never cut off."""
    for width in (1400, 1280, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_function(FITS)
        fits = page.evaluate(FIT)
        assert len(fits) == 4, fits
        assert all(f["width"] > 200 for f in fits), fits
        page.screenshot(path=ARTIFACTS / f"dashboard-{width}.png")


@pytest.mark.slow
def test_the_date_axis_runs_to_the_last_step(page) -> None:  # type: ignore[no-untyped-def]
    from thermidor import load_scenario  # noqa: PLC0415
    from thermidor.engine.calendar import axis_date  # noqa: PLC0415

    meta = load_scenario("soviet-1917-1928").meta
    last = axis_date(meta.start, meta.time_step, 35)
    # before any run, once the figure is drawn (its layout has a range): the run's span
    drawn = "sel => document.querySelector(sel + ' .js-plotly-plot')?.layout?.xaxis?.range"
    page.wait_for_function(drawn, arg=".plot-participation")
    axis = page.evaluate(X_AXIS, ".plot-participation")
    assert axis["type"] == "date"
    assert axis["range"][1].startswith(axis_date(meta.start, meta.time_step, meta.steps - 1))
    _type(page, "meta-members", "300")
    _type(page, "meta-steps", "36")
    _run(page, "meta.members=300", "meta.steps=36")
    page.wait_for_function(FITS)
    for metric in ("participation", "control-index", "apparatus-share", "privilege-ratio"):
        page.wait_for_function(  # the figure has received the run's whole series
            f"([sel, last]) => ({X_AXIS})(sel).last?.startsWith(last)",
            arg=[f".plot-{metric}", last],
        )
        axis = page.evaluate(X_AXIS, f".plot-{metric}")
        assert axis["range"][1].startswith(last), (metric, axis)
        assert axis["last"].startswith(last), (metric, axis)


@pytest.mark.slow
def test_step_pause_resume_and_stop(page, runs) -> None:  # type: ignore[no-untyped-def]
    """Step twice, resume slowly, pause, step once more, stop: the run keeps its steps."""
    before = len(_ended(runs))
    _type(page, "meta-members", "300")
    _type(page, "meta-steps", "60")
    page.wait_for_function(
        "() => (document.querySelector('.run-ready') || {innerText: ''})"
        ".innerText.includes('meta.steps=60')"
    )
    page.locator(".step-button").click()
    _status(page, "paused at step 1/60")
    page.locator(".step-button").click()
    _status(page, "paused at step 2/60")
    page.screenshot(path=ARTIFACTS / "dashboard-paused.png", full_page=True)
    slider = page.locator(".speed .v-slider")  # the slowest speed: a second between steps
    box = slider.bounding_box()
    slider.click(position={"x": box["width"] - 2, "y": box["height"] / 2})
    page.wait_for_function(
        "() => /Delay between steps: [1-9][0-9]{2,} ms/.test(document.body.innerText)"
    )
    page.locator(".run-button").click()  # Resume
    page.wait_for_selector(".run-progress.running")
    page.locator(".pause-button").click()
    page.wait_for_selector(".run-progress.paused")
    page.wait_for_function(
        "() => /paused at step [0-9]+\\/60/.test(document.querySelector('.run-status').innerText)"
    )
    paused_at = int(page.inner_text(".run-status").split("paused at step ")[1].split("/")[0])
    assert 2 <= paused_at < 60
    page.locator(".step-button").click()
    _status(page, f"paused at step {paused_at + 1}/60")
    page.locator(".stop-button").click()
    page.wait_for_selector(".run-progress.stopped")
    _status(page, f"stopped at step {paused_at + 1}/60")
    run = _trace(page, "participation", "run")["y"]
    assert [v is not None for v in run] == [True] * (paused_at + 1) + [False] * (59 - paused_at)
    assert _ended(runs)[before:] == ["stopped"]
    page.locator(".pin-baseline").wait_for()  # what was computed is kept: it can be pinned
    assert not page.locator(".pin-baseline").is_disabled()


@pytest.mark.slow
def test_switching_an_event_off_or_editing_it_changes_the_run(page) -> None:  # type: ignore[no-untyped-def]
    _type(page, "meta-members", "300")
    _type(page, "meta-steps", "36")
    _run(page, "meta.members=300", "meta.steps=36")
    shipped = _trace(page, "participation", "run")["y"]
    page.locator(".tab-events").click()
    page.locator(".event-war-communism-hunger-1918").wait_for()
    page.locator(".event-on-war-communism-hunger-1918 .v-input--selection-controls__ripple").click()
    page.locator(".tab-plots").click()  # the tabs are drawn only when shown
    _run(page, "meta.members=300", "--without war-communism-hunger-1918")
    without = _trace(page, "participation", "run")["y"]
    assert without != shipped, "switching the 1918 hunger off did not change the run"
    page.locator(".tab-events").click()
    page.locator(
        ".event-on-war-communism-hunger-1918 .v-input--selection-controls__ripple"
    ).click()  # back on
    page.locator(".event-edit-demobilisation-1918").click()
    field = page.locator(".event-field-demobilisation-1918-magnitude input")
    field.fill("2")
    field.press("Enter")
    page.wait_for_function(
        "() => (document.querySelector('.run-ready') || {innerText: ''})"
        ".innerText.includes('events.demobilisation-1918.magnitude=2')"
    )
    page.wait_for_function(  # the list shows the event as it will run
        "() => document.querySelector('.event-demobilisation-1918').innerText"
        ".includes('magnitude=2.0')"
    )
    page.screenshot(path=ARTIFACTS / "dashboard-events.png", full_page=True)
    page.locator(".tab-plots").click()
    _run(page, "events.demobilisation-1918.magnitude=2")
    edited = _trace(page, "participation", "run")["y"]
    assert edited not in (shipped, without), "a larger demobilisation did not change the run"
    hover = page.evaluate(
        """() => document.querySelector('.plot-participation .js-plotly-plot').data
             .filter(t => t.name == 'shocks').map(t => t.hovertext.join(' '))"""
    )
    assert "demobilisation-1918" in hover[0]


@pytest.mark.slow
def test_about_this_model_links_to_its_description(page, server) -> None:  # type: ignore[no-untyped-def]
    page.locator(".tab-about").click()
    page.locator(".about-model").wait_for()
    assert "Rakovsky" in page.inner_text(".about-model")
    link = page.locator(".model-doc-link")
    assert link.get_attribute("href") == "/docs/model.md"
    page.screenshot(path=ARTIFACTS / "dashboard-about.png", full_page=True)
    import urllib.request  # noqa: PLC0415

    with urllib.request.urlopen(server + "docs/model.md", timeout=30) as response:
        assert response.read().startswith(b"# The model")


AGENT_FIGURES = """() => [...document.querySelectorAll(
    '.agents-place .agent-tree, .agents-place .agent-network, .agents-place .agent-histograms')]
  .map(col => {
    const svg = col.querySelector('svg.main-svg');
    const box = col.getBoundingClientRect();
    const drawn = svg ? svg.getBoundingClientRect() : null;
    return {column: box.width, left: box.left, right: box.right,
            drawn: drawn ? drawn.width : 0, drawnRight: drawn ? drawn.right : 0};
  })"""


@pytest.mark.slow
def test_the_agents_tab_shows_the_runs_snapshots(page) -> None:  # type: ignore[no-untyped-def]
    """After a run, the Agents tab draws the office tree, the network sample and the
    histograms of its last snapshot, each within its column, and offers the five dates."""
    page.locator(".tab-agents").click()
    assert "Run a scenario" in page.inner_text(".agents-place")
    page.locator(".tab-plots").click()  # the run's plots are what _run waits on
    _type(page, "meta-members", "300")
    _type(page, "meta-steps", "36")
    _run(page, "meta.members=300", "meta.steps=36")
    page.locator(".tab-agents").click()
    try:
        page.wait_for_function(
            f"() => {{ const f = ({AGENT_FIGURES})(); return f.length == 3 && "
            "f.every(x => x.drawn > 200 && x.drawnRight <= x.right + 1); }"
        )
    except Exception:
        page.screenshot(path=ARTIFACTS / "dashboard-agents-failed.png")
        raise AssertionError(page.evaluate(AGENT_FIGURES)) from None
    assert "1920-10" in page.inner_text(".agents-place .agent-snapshot")  # step 35 of 1917-11
    page.screenshot(path=ARTIFACTS / "dashboard-agents.png", full_page=True)
