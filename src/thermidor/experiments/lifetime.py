"""Local workers end with the process that started them.

A pool's workers wait on a queue whose writing end they hold themselves, so when
their parent is killed (``kill -9``, the out-of-memory killer, a crash) nothing
tells them to stop: they would wait forever, and multiprocessing's resource
tracker, which ends when the last holder of its pipe does, with them. Each worker
therefore watches its parent two ways:

- on Linux, the kernel sends it a signal when its parent dies
  (``prctl(PR_SET_PDEATHSIG)``): at once, even while the worker is busy;
- everywhere, a daemon thread checks every ``POLL`` seconds that its parent is
  still the process that started it (an orphan is adopted by another one).

The kernel's signal also fires when the *thread* that started the worker ends,
which a pool may do from any thread: so the signal is one the worker handles,
and the handler exits only if the parent really is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from types import FrameType

POLL = 1.0  # seconds between a worker's checks that its parent lives
ORPHANED = 1  # a worker's exit status when it ends because its parent did
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_DEATH_SIGNAL = signal.SIGUSR1  # handled below, so a thread's end alone changes nothing


def follow_parent(parent: int) -> None:
    """Make this process end as soon as process ``parent`` (its parent) does.

    Called first in each worker (the pool's initializer, in the worker's main
    thread, where signal handlers can be set).
    """
    _ask_the_kernel(parent)
    threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()
    _exit_if_orphaned(parent)  # the parent died before the watch began


def _exit_if_orphaned(parent: int) -> None:
    if os.getppid() != parent:
        os._exit(ORPHANED)  # no cleanup to do: the runs in hand are nobody's now


def _ask_the_kernel(parent: int) -> None:
    """Linux: the death signal, handled by checking that the parent is gone."""
    if not sys.platform.startswith("linux"):
        return

    def on_signal(signum: int, frame: FrameType | None) -> None:
        _exit_if_orphaned(parent)

    signal.signal(_DEATH_SIGNAL, on_signal)
    with contextlib.suppress(OSError, AttributeError):  # no libc prctl: the watch remains
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(_DEATH_SIGNAL), 0, 0, 0)


def _watch(parent: int) -> None:
    while True:
        _exit_if_orphaned(parent)
        time.sleep(POLL)
