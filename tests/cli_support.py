"""Shared helpers of the command-line tests: the one JSON line, the one-line usage error."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import Result


def one_json_line(result: Result) -> dict[str, Any]:
    """A successful command's stdout: exactly one JSON object on one line."""
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0])


def assert_usage_error(result: Result, *needles: str) -> None:
    """Exit 2, nothing on stdout, one ``error:`` line on stderr naming each needle."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for needle in needles:
        assert needle in lines[0]


def assert_one_error(result: Result, status: int, *needles: str, longest: int = 400) -> str:
    """Exit ``status``, no traceback, exactly one ``error:`` line on stderr (``note:`` lines
    aside), at most ``longest`` characters (a huge value is shortened), naming each needle."""
    assert result.exit_code == status, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("note: ")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert len(lines[0]) <= longest, lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]
