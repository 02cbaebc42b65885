"""The dashboard server as the tests start it: the command ``thermidor ui`` becomes, started
in its own session, waited for until it answers, stopped by its process group.

The wait is for the line the server prints once it listens; the deadline only stops a
hung test.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import IO

import pytest
from typer.testing import CliRunner, Result

from ports import PortTakenError
from thermidor.dashboard.server import READY

DEADLINE = int(os.environ.get("THERMIDOR_TEST_DEADLINE", "300"))  # s: a hung server's guard
SRC = Path(__file__).resolve().parents[1] / "src"


def answers(url: str) -> bool:
    """Whether ``url`` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def invoke_ui(*args: str) -> tuple[Result, list[list[str]]]:
    """``thermidor ui ARGS`` with its exec caught, not run: the result and the argv it would
    have become (none if it stopped before)."""
    from thermidor.cli import app  # noqa: PLC0415

    caught: list[list[str]] = []

    def catch(path: str, argv: list[str]) -> None:
        caught.append(list(argv))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "execv", catch)
        patch.setattr(subprocess, "call", lambda argv: catch(argv[0], argv) or 0)
        result = CliRunner().invoke(app, ["ui", *args])
    return result, caught


def ui_command(*args: str) -> list[str]:
    """The command line ``thermidor ui ARGS`` becomes."""
    result, caught = invoke_ui(*args)
    assert result.exit_code == 0, result.output
    [command] = caught
    return command


def environment(*paths: Path) -> dict[str, str]:
    """This environment with ``paths`` and the source tree first on PYTHONPATH."""
    env = dict(os.environ)
    parts = [*map(str, paths), str(SRC), env.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, parts))
    return env


def thermidor_ui(*args: str) -> list[str]:
    """``thermidor ui ARGS`` as a user types it, with this interpreter."""
    return [sys.executable, "-m", "thermidor", "ui", *args]


def serve(
    command: list[str], port: int, env: dict[str, str], stderr: int | IO[bytes] = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    """``command`` serving on ``port``, once it says it listens (its first line on stdout);
    ``PortTakenError`` if it exits first. The wait is for that line: DEADLINE only guards
    against a server that neither listens nor exits."""
    proc = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=stderr
    )
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=DEADLINE):
            stop(proc)
            raise AssertionError(f"the dashboard neither listened nor exited in {DEADLINE} s")
    line = proc.stdout.readline().decode(errors="replace")
    if not line.startswith(READY):  # end of file: it exited, the port taken by another
        stop(proc)
        raise PortTakenError(f"the dashboard server exited on port {port}: {line!r}")
    assert f":{port}/" in line, line
    # whatever else it prints is read and dropped, so a full pipe never blocks it
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server and whatever it started (its process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def port_is_free(port: int) -> bool:
    """Whether a new server can listen on ``port`` (as servers do, with SO_REUSEADDR, so
    that closed connections waiting out TIME_WAIT do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            return False
    return True
