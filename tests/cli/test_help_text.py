"""``--help`` reads at 80 columns: every command's help exits 0, no line is wider than
80 columns, no sentence breaks before the line is full (a line break written in a
docstring printed as is), and every option's help is a phrase: a capital, a few words,
a full stop."""

from __future__ import annotations

import itertools
import re

import pytest
import typer
from click import Command
from typer.testing import CliRunner

from thermidor.cli import app

WIDTH = 80
BOX = "│"


def commands() -> dict[str, Command]:
    """Every command and group of the app by its words (``experiment run``; ``""`` is
    the top)."""
    found: dict[str, Command] = {}

    def walk(command: Command, words: str) -> None:
        found[words] = command
        for name, child in (getattr(command, "commands", None) or {}).items():
            walk(child, f"{words} {name}".strip())

    walk(typer.main.get_command(app), "")
    return found


COMMANDS = commands()


def rendered(words: str) -> str:
    result = CliRunner().invoke(app, [*words.split(), "--help"], env={"COLUMNS": str(WIDTH)})
    assert result.exit_code == 0, result.output
    return result.output


def early_breaks(text: str) -> list[str]:
    """The lines of a panel's text column broken before they were full: the next line of
    the same cell would have taken its first word. A continuation line holds one run of
    text, starting at the column where the line above has text after a space."""
    found = []
    lines = [line for line in text.splitlines() if line.startswith(BOX) and line.endswith(BOX)]
    for above, below in itertools.pairwise(lines):
        inner_above, inner_below = above[1:-1], below[1:-1]
        start = len(inner_below) - len(inner_below.lstrip())
        words = inner_below.split()
        if not words or start < 2 or len(inner_above) <= start:
            continue
        if inner_above[start - 1] != " " or inner_above[start] == " ":
            continue  # a new row, or text of another column
        text_above = inner_above[start:].rstrip()
        if "   " in inner_below.strip() or "   " in text_above:
            continue  # several columns on the line: not one cell's text
        if words[0].startswith("["):
            continue  # [default: ...] and [required] go on lines of their own
        width = len(inner_above) - start - 1  # the column, less its right padding
        if len(text_above) + 1 + len(words[0]) <= width:
            found.append(f"{above}\n{below}")
    return found


def panel(*cells: str) -> str:
    return "\n".join(f"{BOX}{cell.ljust(WIDTH - 2)}{BOX}" for cell in cells)


@pytest.mark.parametrize("words", sorted(COMMANDS))
def test_help_fits_80_columns_and_breaks_only_full_lines(words: str) -> None:
    text = rendered(words)
    too_wide = [line for line in text.splitlines() if len(line) > WIDTH]
    assert too_wide == [], "\n".join(too_wide)
    assert early_breaks(text) == [], "\n".join(early_breaks(text))


def test_the_early_break_check_can_fail() -> None:
    """A cell broken after a few words while its line had room is found; one broken
    when full is not."""
    short = panel(" run   Run a scenario, store the run, and print", "       its metrics.")
    assert early_breaks(short)
    full = " run   Run a scenario (or a classic model by name) with one seed, store the"
    assert early_breaks(panel(full, "       run, and print its metrics.")) == []


PHRASE = re.compile(r"^[A-Z`\"'][^\n]*\.$")


@pytest.mark.parametrize("words", sorted(COMMANDS))
def test_every_option_has_a_phrase_of_help(words: str) -> None:
    command = COMMANDS[words]
    assert (command.help or "").strip(), f"{words}: no help"
    for param in command.params:
        if getattr(param, "hidden", False):
            continue
        text = " ".join((getattr(param, "help", None) or "").split())
        assert PHRASE.match(text), (words, param.name, text)
        assert len(text.split()) >= 3, (words, param.name, text)
