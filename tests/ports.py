"""Servers the tests start on a free port, started again on another if that one was taken.

A port found free can be taken by another process before the server binds it: the server
then fails to start. That is a race between processes, not a defect of the code under test,
so the start is tried again on a fresh port (a few times) before the test fails.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
ATTEMPTS = 3


class PortTakenError(RuntimeError):
    """The server did not start on its port (most likely taken meanwhile)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def on_free_port(start: Callable[[int], T], attempts: int = ATTEMPTS) -> tuple[int, T]:
    """``start(port)`` on a free port; on ``PortTakenError``, again on a fresh one, at most
    ``attempts`` times. Returns the port and what ``start`` returned."""
    for attempt in range(1, attempts + 1):
        port = free_port()
        try:
            return port, start(port)
        except PortTakenError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
