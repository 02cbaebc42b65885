"""The dashboard server as the tests start it: the command ``thermidor ui`` becomes, started
in its own session, waited for until it answers, stopped by its process group.

The waits poll for the server's answer; their deadline only stops a hung test.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

import pytest
from typer.testing import CliRunner, Result

from ports import PortTakenError

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
    """``command`` serving on ``port``, once it answers; ``PortTakenError`` if it exits first."""
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(command, env=env, start_new_session=True, stderr=stderr)
    deadline = time.monotonic() + DEADLINE
    while not answers(url):  # polled until the port answers; the deadline only guards
        if proc.poll() is not None:
            raise PortTakenError(f"the dashboard server exited on port {port}")
        if time.monotonic() >= deadline:
            stop(proc)
            raise AssertionError(f"the dashboard did not answer in {DEADLINE} s")
        time.sleep(0.2)
    if proc.poll() is not None:  # what answered was another server on a port taken meanwhile
        raise PortTakenError(f"the dashboard server exited on port {port}")
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
