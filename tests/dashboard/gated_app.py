"""The dashboard the browser tests serve: ``thermidor.dashboard.app`` with each run held
just after its first partial series until the test opens the gate (creates the file named
by ``THERMIDOR_TEST_GATE``; the run removes it and goes on).

A run of a few hundred steps can end before the browser shows it running; held, the
running bar and the partial plot stay on screen until the test has seen them, on any
machine.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from thermidor.dashboard import app, runner

GATE = Path(os.environ["THERMIDOR_TEST_GATE"])
HOLD = 300.0  # seconds: only so that a failed test leaves no run held for ever
_simulate = getattr(runner.simulate, "__wrapped__", runner.simulate)


def _held(scenario: Any, seed: int, on_update: runner.Update, **kwargs: Any) -> Any:
    held = False

    def update(series: dict, done: int, total: int) -> None:
        nonlocal held
        on_update(series, done, total)
        if series and not held:  # the first partial series is out: wait for the test
            held = True
            deadline = time.monotonic() + HOLD
            while not GATE.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            GATE.unlink(missing_ok=True)

    return _simulate(scenario, seed, update, **kwargs)


_held.__wrapped__ = _simulate  # type: ignore[attr-defined]
runner.simulate = _held
Page = app.Page
