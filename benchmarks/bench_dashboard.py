"""Dashboard benchmark: the same run from ``thermidor run`` and from the dashboard's Run button.

Issue 14 asks that a run from the dashboard cost at most 1.3 times the same run from the
command line. Both sides run the same scenario and seed, with the code of this checkout:

- **CLI**: ``python -m thermidor run SCENARIO --seed S`` in a fresh temporary folder (its
  store is the default ``results.duckdb`` there), timed from start to exit: the wall time
  and the child's CPU time (``RUSAGE_CHILDREN``). This includes the interpreter start, the
  imports and writing the store: what a user waits for.
- **Dashboard**: ``python -m thermidor.dashboard.server`` (what ``thermidor ui`` becomes),
  driven by headless chromium through Playwright. The page is loaded and a first tiny run
  warms numba up (a user's second run is the typical case; the CLI's kernels are cached on
  disk by then), then the seed is typed, Run clicked and the clock stopped when the page
  shows the finished marker (``.run-progress.finished``). The server's CPU time over the
  same interval is read from ``/proc/PID/stat``.

It also times a field edit: from typing a value in a field to the page's "Run will run"
line naming it (the server has validated the form and redrawn the page).

Usage::

    python benchmarks/bench_dashboard.py                     # soviet-1917-1928, seed 1
    python benchmarks/bench_dashboard.py --members 2000      # a quick smoke run
    python benchmarks/bench_dashboard.py --edits 5           # time five field edits

Timings are wall-clock: run it on an otherwise idle machine (the load average is printed
before and after). Needs chromium (``--chromium``, default ``/usr/bin/chromium``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "soviet-1917-1928"
TIMEOUT = 1800.0  # seconds: only stops a hung benchmark
TICKS = os.sysconf("SC_CLK_TCK")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


def cli_run(scenario: str, seed: int, members: int, steps: int) -> tuple[float, float]:
    """Wall and CPU seconds of ``thermidor run`` in a fresh folder."""
    command = [sys.executable, "-m", "thermidor", "run", scenario, "--seed", str(seed)]
    command += ["--members", str(members), "--steps", str(steps)]
    with tempfile.TemporaryDirectory() as folder:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=folder, env=_env(), check=True, capture_output=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its threads so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@contextlib.contextmanager
def dashboard_server():  # type: ignore[no-untyped-def]
    """The dashboard on a free port: (url, pid); stopped on exit."""
    port = _free_port()
    command = [sys.executable, "-m", "thermidor.dashboard.server", "--host", "127.0.0.1"]
    command += ["--port", str(port), "thermidor.dashboard.app"]
    proc = subprocess.Popen(command, env=_env(), start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + TIMEOUT
    try:
        while True:  # polled until the server answers
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the dashboard server did not start") from None
                time.sleep(0.2)
        yield url, proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()


def _type(page, key: str, text: str) -> None:  # type: ignore[no-untyped-def]
    field = page.locator(f".field-{key} input").first
    field.fill(text)
    field.press("Enter")


def _ready(page, *edits: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the server has read the form with ``edits`` and Run can be clicked."""
    page.wait_for_function(
        """edits => {
          const ready = document.querySelector('.run-ready');
          const run = document.querySelector('.run-button');
          return ready !== null && run !== null && !run.disabled
            && edits.every(e => ready.innerText.includes(e));
        }""",
        arg=list(edits),
    )


def _run(page, *, first: bool = False) -> float:  # type: ignore[no-untyped-def]
    """Click Run and wait for the finished marker of a new run: wall seconds. The page's
    first run is only waited for finished (it may be over before "running" shows)."""
    start = time.perf_counter()
    page.locator(".run-button").click()
    if not first:
        page.wait_for_selector(".run-progress.running", timeout=TIMEOUT * 1000)
    page.wait_for_selector(".run-progress.finished", timeout=TIMEOUT * 1000)
    return time.perf_counter() - start


def dashboard_run(
    scenario: str, seed: int, members: int, steps: int, edits: int, chromium: str
) -> tuple[float, float, list[float]]:
    """Wall and server CPU seconds of the run from Run to finished, and the edits' seconds."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with dashboard_server() as (url, pid), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(TIMEOUT * 1000)
        page.goto(url)
        page.wait_for_selector(".run-button")
        if scenario != SCENARIO:
            page.locator(".scenario-select").click()
            page.locator(".v-menu__content .v-list-item", has_text=scenario).click()
        timed_edits = []
        for i in range(edits):  # a headline knob, typed as a user types it
            value = f"0.{41 + i}"
            start = time.perf_counter()
            _type(page, "institutions-nominated-share", value)
            _ready(page, f"nominated_share={value}")
            timed_edits.append(time.perf_counter() - start)
        if edits:
            _type(page, "institutions-nominated-share", "")
        _type(page, "meta-members", "200")  # the warm-up: numba compiles its kernels
        _type(page, "meta-steps", str(min(steps, 150)))
        _ready(page, "meta.members=200")
        _run(page, first=True)
        _type(page, "meta-members", str(members))
        _type(page, "meta-steps", str(steps))
        _type(page, "seed", str(seed))
        _ready(page, f"seed {seed}")
        page.wait_for_function(  # the warm-up's size is gone from what Run will run
            "() => !/meta[.]members=200( |$)/.test(document.querySelector('.run-ready').innerText)"
        )
        cpu = _cpu_seconds(pid)
        wall = _run(page)
        cpu = _cpu_seconds(pid) - cpu
        browser.close()
    return wall, cpu, timed_edits


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default=SCENARIO)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--members", type=int, help="default: the scenario's own")
    parser.add_argument("--steps", type=int, help="default: the scenario's own")
    parser.add_argument("--edits", type=int, default=3, help="field edits to time")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    from thermidor import load_scenario  # noqa: PLC0415

    meta = load_scenario(args.scenario).meta
    members, steps = args.members or meta.members, args.steps or meta.steps
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{args.scenario}, seed {args.seed}, {members} members, {steps} steps")
    cli_run(args.scenario, args.seed, 200, min(steps, 150))  # numba's on-disk cache, warmed
    cli_wall, cli_cpu = cli_run(args.scenario, args.seed, members, steps)
    print(f"CLI:       {cli_wall:7.1f} s wall, {cli_cpu:7.1f} s CPU (thermidor run, whole process)")
    wall, cpu, edits = dashboard_run(
        args.scenario, args.seed, members, steps, args.edits, args.chromium
    )
    print(f"dashboard: {wall:7.1f} s wall, {cpu:7.1f} s CPU of the server (Run to finished)")
    print(f"ratio dashboard / CLI: {wall / cli_wall:.2f} wall, {cpu / cli_cpu:.2f} CPU")
    if edits:
        shown = ", ".join(f"{s:.2f}" for s in edits)
        print(f"field edit to redrawn page: {shown} s")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
