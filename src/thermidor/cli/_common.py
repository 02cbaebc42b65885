"""What the command modules share: the one-line usage error, the output format, the progress
bar, the experiment commands' options and their file and store openers.

A leaf: it imports no command module and nothing heavy at import time (the experiment
specification and the store are imported inside the functions that open them).
"""

from __future__ import annotations

import errno
import math
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Self

import typer
from rich.console import Console
from typer.core import TyperGroup

# light, and loaded with the package anyway (``import thermidor`` loads the engine)
from thermidor.engine.seeds import SEED_RANGE, seed_problem

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from thermidor.experiments.spec import Experiment
    from thermidor.scenarios import Scenario
    from thermidor.store import Store

# exit statuses (docs/reliability.md): 0 done, 2 bad input (arguments, files, stores given
# by the user), 3 the environment (disk full, file-size limit, permission, read-only file
# system, a store still locked after the bounded wait), 143 stopped by SIGTERM
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3
EXIT_TERMINATED = 128 + signal.SIGTERM  # what a shell reports for a process SIGTERM ended
EXPORT_SUFFIXES = (".csv", ".parquet")
DEFAULT_STORE = Path("results.duckdb")  # the store a command uses unless --store says
HTML_SUFFIXES = (".html", ".htm")
LONGEST_WORD = 200  # characters of one word of an error line, beyond which it is shortened


def fail(message: str, status: int = EXIT_USAGE) -> NoReturn:
    """Print one ``error:`` line on stderr (no rich wrapping or markup) and exit with
    ``status`` (2, bad input, unless said). A huge value in it (a 5,000-character path) is
    cut in the middle, so that the line stays one line a person can read."""
    line = re.sub(rf"\S{{{LONGEST_WORD},}}", _shortened, " ".join(message.splitlines()))
    typer.echo(f"error: {line}", err=True)
    raise typer.Exit(status)


def _shortened(word: re.Match[str]) -> str:
    from thermidor.scenarios.loader import shorten  # noqa: PLC0415

    return shorten(word.group())


def fail_store(exc: Exception) -> NoReturn:
    """``fail`` for an error of the store: 3 if the environment caused it, else 2."""
    from thermidor.store import StoreEnvironmentError  # noqa: PLC0415

    fail(str(exc), EXIT_ENVIRONMENT if isinstance(exc, StoreEnvironmentError) else EXIT_USAGE)


# --- the arguments: text --------------------------------------------------------------------


class TextArguments(TyperGroup):
    """The top-level command group: before any parsing, every argument must be UTF-8 text.

    Bytes that are not UTF-8 in an argument reach Python as lone surrogates, which no store
    (DuckDB), JSON consumer or terminal can encode: one ``error:`` line here, exit 2,
    instead of a traceback wherever the argument is first written.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # click's Context
        for position, argument in enumerate(args, start=1):
            try:
                argument.encode("utf-8")
            except UnicodeEncodeError as exc:
                code = ord(argument[exc.start])
                byte = f"byte 0x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "a surrogate"
                fail(
                    f"argument {position} {argument!r}: not UTF-8 text ({byte}); names, ids "
                    "and paths must be given in UTF-8"
                )
        return super().parse_args(ctx, args)


class DefaultCommand(TyperGroup):
    """A group whose first argument, when it names none of its commands, is the first
    argument of ``run``: ``thermidor calibrate FILE`` is ``thermidor calibrate run FILE``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # click's Context
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


# --- the user's files and paths: one line for every way they fail --------------------------

# what an OSError says about the machine rather than the path the user gave: no permission,
# a read-only file system, a full disk or quota, a file-size limit, a failing device
ENVIRONMENT_ERRNOS = frozenset(
    {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}
)


def caused_by_environment(exc: BaseException) -> bool:
    """Whether ``exc`` or an exception it was raised from is a fault of the environment: an
    OSError of ``ENVIRONMENT_ERRNOS`` or a ``StoreEnvironmentError`` (a loader's one-line
    error keeps the OSError it was raised from as its cause)."""
    from thermidor.store import StoreEnvironmentError  # noqa: PLC0415

    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, StoreEnvironmentError) or (
            isinstance(cause, OSError) and cause.errno in ENVIRONMENT_ERRNOS
        ):
            return True
        cause = cause.__cause__
    return False


def fail_input(exc: Exception) -> NoReturn:
    """``fail`` for a one-line error about a file the user gave (a ScenarioError, an
    ExperimentError, a StoreError): 3 if the environment caused it, else 2."""
    fail(str(exc), EXIT_ENVIRONMENT if caused_by_environment(exc) else EXIT_USAGE)


def fail_os(label: str, path: Path, exc: OSError | ValueError, doing: str = "") -> NoReturn:
    """One line for a path the system refused: the option, the path (shortened if huge),
    what was being done and why; 3 for the environment's faults, 2 for the path's (a name too
    long, a directory, a missing folder; a ValueError is a NUL byte in the path)."""
    from thermidor.scenarios.loader import os_reason  # noqa: PLC0415

    reason = os_reason(exc) if isinstance(exc, OSError) else f"not a path: {exc}"
    status = EXIT_ENVIRONMENT if caused_by_environment(exc) else EXIT_USAGE
    fail(f"{label} {path}: {doing + ': ' if doing else ''}{reason}", status)


def write_page(out: Path, text: str) -> None:
    """Write a page the command made to ``--out`` whole (aside, then renamed, with the
    user's umask) and say so; a disk full or a folder gone read-only since the check is
    one line and the environment's status."""
    from thermidor.outputs import write_text  # noqa: PLC0415

    try:
        write_text(out, text)
    except OSError as exc:
        fail_os("--out", out, exc, "cannot write it")
    typer.echo(f"wrote {out}")


def check_output(path: Path, label: str) -> None:
    """Before any work, that a file can be written at ``path``: not a directory, in a folder
    that exists, under a name the file system takes, in a folder where a file can be created
    (a read-only file system or no permission is found here, not after an hour of runs).
    Else one ``error:`` line: 2 for the path, 3 for the environment."""
    import tempfile  # noqa: PLC0415

    folder = path.parent
    try:
        if path.is_dir():
            fail(f"{label} {path}: is a directory; give the path of a file")
        if not folder.is_dir():
            fail(f"{label} {path}: no folder {folder}")
        with tempfile.TemporaryFile(dir=folder):  # unnamed where the system allows: no trace
            pass
        if path.exists() and not os.access(path, os.W_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    except (OSError, ValueError) as exc:
        fail_os(label, path, exc, "cannot write it")


def check_store(path: Path, label: str) -> None:
    """Before opening it, that ``path`` can name an existing results store, or one
    ``error:`` line (a name too long, a directory, no such file: 2; no permission: 3)."""
    try:
        if path.is_dir():
            fail(f"{label} {path}: is a directory, not a results store")
        if not path.exists():
            fail(f"no results store at {path}")
    except (OSError, ValueError) as exc:
        fail_os(label, path, exc, "cannot open it")


@contextmanager
def sigterm_exits() -> Iterator[None]:
    """Within: SIGTERM ends the command as an exception does, so its cleanup runs (the
    workers stopped, the runs already finished moved into the store) before it exits with
    status 143; a repeated SIGTERM does not interrupt that cleanup. (SIGTERM's default
    action would end the process at once, cleanup skipped.)"""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals
        return

    def stop(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise SystemExit(EXIT_TERMINATED)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- scenario options shared by the commands that resolve a scenario ----------------------


def _seed_in_range(param: typer.CallbackParam, value: int) -> int:
    """A seed option's check, as it is parsed (before any file is touched)."""
    problem = seed_problem(param.opts[0] if param.opts else "--seed", value)
    if problem:
        fail(problem)
    return value


def seed_option(purpose: str) -> Any:
    """A ``--seed`` option for ``purpose`` (its help), checked against the one range of
    seeds (``engine.seeds``): one ``error:`` line and exit 2 outside it."""
    return typer.Option(callback=_seed_in_range, help=f"{purpose} ({SEED_RANGE}).")


SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
        help="Override a parameter by its dotted path, e.g. institutions.recall=true, or a "
        "field of an event by its id, events.ID.FIELD=VALUE (repeatable). A headline knob "
        "set here holds: the interventions that would change it are left out.",
    ),
]
WithoutOption = Annotated[
    list[str] | None,
    typer.Option(
        "--without",
        metavar="ID",
        help="Leave out the shock or intervention with this id (repeatable; "
        "`thermidor timeline SCENARIO` lists the ids).",
    ),
]


def note_suppressed(scenario: Scenario) -> None:
    """One ``note:`` line on stderr per event a held headline knob left out of the run (an
    event removed with ``--without`` was asked for by name and needs no note)."""
    from thermidor.scenarios.loader import WITHOUT  # noqa: PLC0415

    calendar = {"meta": scenario.meta.model_dump(mode="json")}
    for record in scenario.suppressed:
        if record.by != WITHOUT:
            event = record.event
            when = dated(event.start, date_of(calendar, event.start))
            typer.echo(
                f"note: {event.id} ({event.kind} at {when}) left out: "
                f"{record.by} is set and holds for the whole run",
                err=True,
            )


class Format(StrEnum):
    """How a command prints its result: a rich table for people, one JSON object for programs."""

    table = "table"
    json = "json"


FormatOption = Annotated[
    Format, typer.Option("--format", help="Table for people, or json for programs (one object).")
]


# --- steps as calendar dates ---------------------------------------------------------------


def date_of(params: Any, step: int | None) -> str | None:
    """The calendar date of ``step`` (``1919-10``) in a run whose resolved parameters are
    ``params``, from their ``meta.start`` and ``meta.time_step`` through the one calendar
    (``engine.calendar``); None when there is no step, or no calendar (a classic model's
    run, or parameters a damaged store holds)."""
    from thermidor.engine.calendar import CalendarError, step_date  # noqa: PLC0415

    meta = params.get("meta") if isinstance(params, dict) else None
    if step is None or not isinstance(meta, dict):
        return None
    start, unit = meta.get("start"), meta.get("time_step")
    if not isinstance(start, str) or not isinstance(unit, str):
        return None
    try:
        return step_date(start, unit, int(step))
    except (CalendarError, ValueError, OverflowError):
        return None


def dated(step: int, date: str | None) -> str:
    """A step as the command line prints it: ``step 23 (1919-10)``, or ``step 23``."""
    return f"step {step}" if date is None else f"step {step} ({date})"


# --- numbers as JSON and tables print them -------------------------------------------------


def number(value: float | None) -> float | None:
    """NaN and infinities become None, so that JSON carries them as null."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def jsonable(value: Any) -> Any:
    """``value`` with every float inside it through :func:`number`."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, float):
        return number(value)
    return value


def shown_value(value: Any) -> str:
    """A parameter's value in a table cell."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


SIGNIFICANT = 3  # digits of the numbers a summary table prints


def significant(value: float, digits: int = SIGNIFICANT) -> str:
    """``value`` to ``digits`` significant figures: fixed point (``0.412``, ``0.00312``,
    ``41.2``) from 0.001 to 100,000, scientific beyond (``3.12e-05``). A small quantity (an
    abuse rate, a control index near 0) keeps its figures instead of printing as 0.000."""
    if not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude < -3 or magnitude >= 5:
        return f"{value:.{digits - 1}e}"
    return f"{value:.{max(0, digits - 1 - magnitude)}f}"


def interval(stats: dict[str, float], key: str = "mean") -> str:
    """A mean (or share) with its 95% interval, as the summary tables print it, to three
    significant figures each."""
    mean, low, high = stats[key], stats["low"], stats["high"]
    if not math.isfinite(mean):
        return "—"
    if not math.isfinite(low):
        return significant(mean)
    return f"{significant(mean)} [{significant(low)}, {significant(high)}]"


# --- progress ------------------------------------------------------------------------------


def progress_bar(console: Console, rate: bool = False) -> Progress:
    """The rich progress bar every long command shows: label, bar, done/total, (rate,)
    elapsed and time left; it vanishes when stopped."""
    from rich.progress import (  # noqa: PLC0415
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    if rate:
        columns.append(TextColumn("{task.fields[rate]}"))
    columns += [TimeElapsedColumn(), TimeRemainingColumn()]
    return Progress(*columns, console=console, transient=True)


class RunProgress:
    """done / total, runs per second and time left, on stderr: a live bar on a terminal, a
    plain line at most once a second otherwise (a batch job's log)."""

    def __init__(self, label: str, unit: str = "runs") -> None:
        self._label = label
        self._unit = unit
        self._console = Console(stderr=True)
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._start = time.monotonic()
        self._first: int | None = None
        self._said = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self._first is None:
            self._first, self._start = done, now
        elapsed = now - self._start
        rate = (done - self._first) / elapsed if elapsed > 0 else 0.0
        if not self._console.is_terminal:
            if now - self._said >= 1.0 or done == total:
                left = f", {(total - done) / rate:.0f} s left" if rate > 0 else ""
                self._console.print(
                    f"{self._label}: {done}/{total} {self._unit}, {rate:.1f} {self._unit}/s{left}",
                    markup=False,
                    highlight=False,
                )
                self._said = now
            return
        if self._bar is None:
            self._bar = progress_bar(self._console, rate=True)
            self._bar.start()
            self._task = self._bar.add_task(self._label, total=total, completed=done, rate="")
        assert self._task is not None
        self._bar.update(self._task, completed=done, total=total, rate=f"{rate:.1f} {self._unit}/s")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()


# --- the experiment commands' options, file and store --------------------------------------


class ExecutorKind(StrEnum):
    local = "local"
    ray = "ray"


class Stat(StrEnum):
    final = "final"
    mean = "mean"


StoreOption = Annotated[
    Path,
    typer.Option(
        "--store", metavar="STORE", help="The results store, a DuckDB file.", show_default=True
    ),
]
ExperimentStoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store", metavar="STORE", help="The results store, a DuckDB file (default: the file's)."
    ),
]
StoreArgument = Annotated[
    Path | None,
    typer.Argument(
        metavar="STORE",
        help="The results store, a DuckDB file; the same as --store.",
        show_default=False,
    ),
]
OptionalStoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        metavar="STORE",
        help="The results store, a DuckDB file (default: results.duckdb).",
    ),
]


def _not_the_store(value: Path | None) -> Path | None:
    """``--out`` given to a command whose only output is the store (``run``,
    ``experiment run``): once the store's name, it now always names a file a command
    writes, so one line says where the store goes instead."""
    if value is not None:
        fail(
            f"--out {value}: --out is the file a command writes (CSV, Parquet, HTML, image); "
            f"this command writes only the results store: give it as --store {value}"
        )
    return value


RetiredOutOption = Annotated[
    Path | None, typer.Option("--out", hidden=True, callback=_not_the_store)
]


def chosen_store(positional: Path | None, option: Path | None) -> Path:
    """The store of a command that takes it either as its argument (``thermidor runs
    STORE``) or as ``--store STORE``: the one given (both if they agree), else
    ``results.duckdb``."""
    if positional is not None and option is not None and positional != option:
        fail(f"store {positional} and --store {option}: give the results store once")
    return positional or option or DEFAULT_STORE


ExperimentOption = Annotated[
    str | None, typer.Option("--experiment", help="Experiment id (default: the latest).")
]
ExecutorOption = Annotated[
    ExecutorKind, typer.Option(help="Local worker processes, or a Ray cluster.")
]
WorkersOption = Annotated[
    int | None, typer.Option(min=1, help="Worker processes (default: every core).")
]
AddressOption = Annotated[
    str | None, typer.Option(help="Ray cluster address (default: start a local one).")
]
StatOption = Annotated[
    Stat, typer.Option("--stat", help="Each metric at the last step, or averaged over the run.")
]


def check_address(executor: ExecutorKind, address: str | None) -> None:
    """``--address`` goes only with ``--executor ray``."""
    if address is not None and executor is not ExecutorKind.ray:
        fail(f"--address {address!r}: only with --executor ray")


def read_experiment(path: Path) -> Experiment:
    """The experiment file at ``path``, or one ``error:`` line and exit 2."""
    from thermidor.experiments.spec import ExperimentError, load_experiment  # noqa: PLC0415

    try:
        return load_experiment(path)
    except ExperimentError as exc:
        fail_input(exc)


def open_store(path: Path, *, read_only: bool) -> Store:
    """The store at ``path`` (a killed experiment's spool settled first), or one ``error:``
    line and exit 2 (3 when the environment is at fault: still locked, no permission)."""
    from thermidor.experiments.spool import settle  # noqa: PLC0415
    from thermidor.store import Store  # noqa: PLC0415

    if read_only:
        check_store(path, "store")
    with store_errors(path):
        if path.is_file():
            settle(path)  # runs a killed experiment left in the spool
        return Store(path, read_only=read_only)


@contextmanager
def store_errors(path: Path, doing: str = "read") -> Iterator[None]:
    """Whatever the store at ``path`` raises inside becomes one ``error:`` line: a
    StoreError as ``fail_store`` says, and a DuckDB error (a block found corrupt or missing
    only when read) naming the file, never a traceback."""
    import duckdb  # noqa: PLC0415

    from thermidor.store import StoreError, failure  # noqa: PLC0415

    try:
        yield
    except StoreError as exc:
        fail_store(exc)
    except duckdb.Error as exc:
        fail_store(failure(path, exc, doing))
