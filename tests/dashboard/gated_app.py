"""The dashboard the browser tests serve: ``thermidor.dashboard.app`` with each run held
just after its first partial series until the test opens the gate (creates the file named
by ``THERMIDOR_TEST_GATE``; the run removes it and goes on) or the page is gone. How each
run ended (``finished`` or ``stopped``) is appended to the file named by
``THERMIDOR_TEST_RUNS``, if set.

A run of a few hundred steps can end before the browser shows it running; held, the
running bar and the partial plot stay on screen until the test has seen them, on any
machine.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import solara

from thermidor.dashboard import app, runner

GATE = Path(os.environ["THERMIDOR_TEST_GATE"])
RUNS = os.environ.get("THERMIDOR_TEST_RUNS")
HOLD = 300.0  # seconds: only so that a failed test leaves no run held for ever
_simulate = getattr(runner.simulate, "__wrapped__", runner.simulate)


def _held(scenario: Any, seed: int, on_update: runner.Update, **kwargs: Any) -> Any:
    held = False
    page_gone = solara.kernel_closed_event()

    def update(series: dict, done: int, total: int) -> None:
        nonlocal held
        on_update(series, done, total)
        if series and not held:  # the first partial series is out: wait for the test
            held = True
            deadline = time.monotonic() + HOLD
            while not GATE.exists() and not page_gone.is_set() and time.monotonic() < deadline:
                time.sleep(0.05)
            GATE.unlink(missing_ok=True)

    results = _simulate(scenario, seed, update, **kwargs)
    if RUNS:
        with Path(RUNS).open("a", encoding="utf-8") as runs:
            runs.write("finished\n" if results is not None else "stopped\n")
    return results


_held.__wrapped__ = _simulate  # type: ignore[attr-defined]
runner.simulate = _held
Page = app.Page
