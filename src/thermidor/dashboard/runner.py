"""Run a simulation step by step in its thread, under the page's play, pause, step and stop.

Every run the dashboard starts goes through :func:`simulate`, which refuses a run larger
than :mod:`~thermidor.dashboard.limits` allows or beyond the runs going on at once: the
server's own check, whatever the page sent.

The page and the run's thread talk through a :class:`Control`, made of
:class:`threading.Event` objects: the page sets what it wants (play, pause, one more step,
stop, a delay between steps) and pokes the run; the run waits on the poke when it has
nothing to do. No clock is a signal: a paused run waits until it is told, and the delay
between steps (the speed) is a wait that pause and stop cut short.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from thermidor.dashboard import limits
from thermidor.model.results import Results
from thermidor.model.run import Simulation
from thermidor.model.snapshots import AUTO, Snapshot, SnapshotTaker, snapshot_steps
from thermidor.scenarios import Scenario

Update = Callable[[dict[str, np.ndarray], int, int], None]
UPDATES = 25  # partial series pushed at most this many times per run (by step count)
MIN_INTERVAL = 0.25  # seconds: and at most 4 a second, for display; the last always goes
SHARE = 0.1  # and drawing them takes at most this share of the run's time (on a busy server)
CHECK = 0.5  # seconds a waiting run takes to notice that its page is gone
_SLOTS = threading.BoundedSemaphore(limits.MAX_RUNS)  # shared by every page of the server


class Control:
    """What the page wants of its run: play or pause, single steps, stop, the delay.

    Made by the page before a run starts and handed to :func:`simulate`; the methods are
    called from the page's thread, :meth:`turn` and :meth:`pace` from the run's.
    """

    def __init__(self, *, playing: bool = True, delay: float = 0.0) -> None:
        self._playing = threading.Event()
        self._stopped = threading.Event()
        self._poke = threading.Event()  # set on every change; the run clears it, then looks
        self._lock = threading.Lock()
        self._steps = 0  # single steps asked for while paused
        self.delay = delay
        if playing:
            self._playing.set()

    @property
    def playing(self) -> bool:
        """Whether the run goes on by itself (False: paused, or stopped)."""
        return self._playing.is_set() and not self._stopped.is_set()

    @property
    def stopped(self) -> bool:
        """Whether stop was asked."""
        return self._stopped.is_set()

    def play(self) -> None:
        """Go on step after step (resume a paused run)."""
        self._playing.set()
        self._poke.set()

    def pause(self) -> None:
        """Stop after the step under way, and wait for play, step or stop."""
        self._playing.clear()
        self._poke.set()

    def step(self) -> None:
        """One more step (pauses a playing run after the step under way)."""
        with self._lock:
            self._playing.clear()
            self._steps += 1
        self._poke.set()

    def stop(self) -> None:
        """End the run after the step under way, keeping what it computed."""
        self._stopped.set()
        self._poke.set()

    def set_delay(self, seconds: float) -> None:
        """Seconds between two steps of a playing run (0: as fast as it computes)."""
        self.delay = max(0.0, float(seconds))
        self._poke.set()

    def turn(self, gone: Callable[[], bool]) -> bool:
        """Wait until the run may compute its next step: True, or False to end it (stop
        asked, or ``gone()``: nobody waits for it). Called by the run's thread."""
        while True:
            self._poke.clear()
            if self._stopped.is_set() or gone():
                return False
            with self._lock:
                if self._playing.is_set():
                    return True
                if self._steps:
                    self._steps -= 1
                    return True
            self._poke.wait(CHECK)  # woken by play, step or stop; CHECK looks at gone()

    def pace(self) -> None:
        """The delay after a step of a playing run, cut short by pause, step or stop."""
        deadline = time.monotonic() + self.delay
        while self.playing and (left := deadline - time.monotonic()) > 0:
            self._poke.clear()
            if not self.playing:
                return
            self._poke.wait(min(left, CHECK))
            deadline = min(deadline, time.monotonic() + self.delay)  # a faster speed counts

    def waiting(self) -> bool:
        """Whether the run will wait before its next step (paused, no step asked)."""
        with self._lock:
            return not self._playing.is_set() and self._steps == 0


@dataclass(frozen=True)
class Outcome:
    """How a run ended: its results (the steps done when stopped), whether it finished, and
    the snapshots of its members taken on the way, for the Agents tab."""

    results: Results
    done: int
    finished: bool
    snapshots: tuple[Snapshot, ...] = ()


def simulate(
    scenario: Scenario,
    seed: int,
    on_update: Update,
    *,
    cancelled: Callable[[], bool] = lambda: False,
    control: Control | None = None,
) -> Outcome | None:
    """Advance ``scenario`` from ``seed`` under ``control``; None if ``cancelled()`` turned
    true (nobody waits for the run any more).

    ``on_update(series, done, total)`` receives copies of the recorded series (NaN for
    steps not run yet) every ``total // UPDATES`` steps (for display, no oftener than
    ``MIN_INTERVAL`` seconds, nor than keeps drawing under ``SHARE`` of the time), after
    each step when there is a delay between steps, whenever the run waits (paused, or a
    single step done) and at its end: what a test waits for never depends on the clock.
    ``limits.RunRefusedError`` if the run is larger than the dashboard runs, or if
    ``limits.MAX_RUNS`` runs are going on already.
    """
    limits.check(scenario.meta)
    if not _SLOTS.acquire(blocking=False):
        msg = (
            f"{limits.MAX_RUNS} runs are going on already on this server (the dashboard's "
            "limit): run again when one has finished"
        )
        raise limits.RunRefusedError(msg)
    try:
        return _advance(scenario, seed, on_update, cancelled, control or Control())
    finally:
        _SLOTS.release()


def _advance(
    scenario: Scenario,
    seed: int,
    on_update: Update,
    cancelled: Callable[[], bool],
    control: Control,
) -> Outcome | None:
    simulation = Simulation(scenario, seed)
    total = scenario.meta.steps
    # what ``--snapshot auto`` takes: five steps spread over the run, the last included;
    # about 0.02 s each at 20,000 members, against seconds for the run
    taker = SnapshotTaker(scenario, snapshot_steps([AUTO], scenario))
    every = max(1, total // UPDATES)
    on_update({}, 0, total)
    last, shown, gap = time.monotonic(), 0, MIN_INTERVAL

    def publish() -> None:
        """Hand the series on; the next partial update waits until the page has had
        ``1 / SHARE`` times as long as this one took to draw (on_update draws in this thread)."""
        nonlocal last, shown, gap
        start = time.monotonic()
        on_update({k: v.copy() for k, v in simulation.recorder.series.items()}, done, total)
        last, shown = time.monotonic(), done
        gap = max(MIN_INTERVAL, (last - start) / SHARE)

    done = 0
    while done < total:
        if control.waiting() and shown != done:  # about to wait: show where the run stands
            publish()
        if not control.turn(cancelled):
            break
        simulation.advance()
        taker.after_step(simulation)
        done += 1
        due = done % every == 0 and time.monotonic() - last >= gap
        if done == total or due or control.waiting() or control.delay > 0:
            publish()
        control.pace()
    if cancelled():
        return None
    if shown != done:
        publish()
    return Outcome(simulation.results(), done, done == total, tuple(taker.taken))
