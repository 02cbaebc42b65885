"""The dashboard in Debian's chromium: run, progress, plots, baseline, bad input, report.

The tests wait for what the page shows, never for a time: the server is what `thermidor ui`
starts, serving gated_app (each run held after its first partial series until the test
opens the gate), so the running state is on screen when the test looks for it however fast
the machine. The timeouts only stop a hung test.
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
def gate(tmp_path_factory) -> Path:
    """Created by the test to let a held run go on (gated_app removes it)."""
    return tmp_path_factory.mktemp("gate") / "open"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    """How each run ended, one line each (gated_app appends ``finished`` or ``stopped``)."""
    return tmp_path_factory.mktemp("runs") / "runs"


def _serve(port: int, gate: Path, runs: Path) -> subprocess.Popen[bytes]:
    """The dashboard on ``port``, once it answers; ``PortTakenError`` if it exits first."""
    env = dict(environment(HERE), THERMIDOR_TEST_GATE=str(gate), THERMIDOR_TEST_RUNS=str(runs))
    return serve(_ui_command(port), port, env)


@pytest.fixture(scope="module")
def server(gate: Path, runs: Path) -> Iterator[str]:
    port, proc = on_free_port(lambda port: _serve(port, gate, runs))
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
    page.wait_for_function(
        "n => document.querySelector('.scenario-select').innerText.includes(n)", arg=name
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


def _run(page, gate: Path, *edits: str) -> None:  # type: ignore[no-untyped-def]
    """Run once the server has read the form with ``edits`` (its "Run will run" line)."""
    page.wait_for_function(
        """edits => {
          const ready = document.querySelector('.run-ready');
          return ready !== null && edits.every(e => ready.innerText.includes('--set ' + e));
        }""",
        arg=list(edits),
    )
    page.wait_for_function("() => !document.querySelector('.run-button').disabled")
    page.locator(".run-button").click()
    # held after its first partial series: the bar shows the run going (a previous run's
    # finished bar is replaced) and the plots the part done; then it goes on and finishes
    page.wait_for_selector(".run-progress.running, .run-failed")
    failed = page.locator(".run-failed")
    assert failed.count() == 0, failed.inner_text()
    _status(page, "running")
    page.wait_for_function(RUN_TRACES, arg=[CHECKED, False])
    gate.touch()
    page.wait_for_selector(".run-progress.finished")
    _status(page, "finished")
    page.wait_for_function(RUN_TRACES, arg=[CHECKED, True])


def _trace(page, metric: str, name: str) -> dict:  # type: ignore[no-untyped-def]
    traces = page.evaluate(PLOT_DATA, f".plot-{metric}")
    assert traces is not None, f"no plotly graph for {metric}"
    found = [t for t in traces if t["name"] == name]
    assert found, f"no {name!r} trace in {metric}: {[t['name'] for t in traces]}"
    return found[0]


def test_run_move_control_pin_baseline(page, gate) -> None:  # type: ignore[no-untyped-def]
    _choose_scenario(page, "present-day-union")
    _type(page, "meta-members", "2000")
    _type(page, "meta-steps", "120")
    _run(page, gate, "meta.members=2000", "meta.steps=120")
    first = _trace(page, "participation", "run")["y"]
    assert len(first) == 120
    assert all(v is not None for v in first)
    page.locator(".pin-baseline").click()
    page.wait_for_function(f"() => ({PLOT_DATA})('.plot-participation').length == 2")
    _type(page, "institutions-nominated-share", "1")
    _run(page, gate, "meta.members=2000", "institutions.nominated_share=1")
    page.screenshot(path=ARTIFACTS / "dashboard-run-vs-baseline.png", full_page=True)
    baseline = _trace(page, "participation", "baseline")
    second = _trace(page, "participation", "run")["y"]
    assert baseline["dash"] == "dash"
    assert baseline["y"] == first
    assert len(second) == 120
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
    page.wait_for_function("() => !document.querySelector('.run-button').disabled")
    page.locator(".run-button").click()
    page.wait_for_selector(".run-progress.running")  # held after its first partial series
    page.goto("about:blank")  # the page is left: Solara closes its session, the hold ends
    deadline = time.monotonic() + DEADLINE
    while len(_ended(runs)) == before:  # polled until the run has ended; the deadline guards
        assert time.monotonic() < deadline, "the run did not end"
        time.sleep(0.2)
    assert _ended(runs)[before:] == ["stopped"]


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
