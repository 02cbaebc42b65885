"""The dashboard the browser tests serve: ``thermidor.dashboard.app``, recording how each run
ended and, if ``THERMIDOR_TEST_GATE`` names a file, holding each run just after its first
partial series until the test opens the gate (creates that file; the run removes it and
goes on) or the page is gone.

How each run ended (``finished``, ``stopped`` by the Stop button, or ``dropped`` because
nobody waits for it any more) is appended to the file named by ``THERMIDOR_TEST_RUNS``, if
set. The browser tests synchronise on the page's Step, Pause and Resume; the gate is for
the tests that stop the server with a run going on.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import solara

from thermidor.dashboard import app, runner

GATE = Path(os.environ["THERMIDOR_TEST_GATE"]) if os.environ.get("THERMIDOR_TEST_GATE") else None
RUNS = os.environ.get("THERMIDOR_TEST_RUNS")
HOLD = 300.0  # seconds: only so that a failed test leaves no run held for ever
_simulate = getattr(runner.simulate, "__wrapped__", runner.simulate)


def _held(scenario: Any, seed: int, on_update: runner.Update, **kwargs: Any) -> Any:
    held = False
    page_gone = solara.kernel_closed_event()

    def update(series: dict, done: int, total: int) -> None:
        nonlocal held
        on_update(series, done, total)
        if GATE is not None and series and not held:  # the first partial series is out
            held = True
            deadline = time.monotonic() + HOLD
            while not GATE.exists() and not page_gone.is_set() and time.monotonic() < deadline:
                time.sleep(0.05)
            GATE.unlink(missing_ok=True)

    outcome = _simulate(scenario, seed, update, **kwargs)
    if RUNS:
        ended = "dropped" if outcome is None else "finished" if outcome.finished else "stopped"
        with Path(RUNS).open("a", encoding="utf-8") as runs:
            runs.write(f"{ended}\n")
    return outcome


_held.__wrapped__ = _simulate  # type: ignore[attr-defined]
runner.simulate = _held
Page = app.Page
