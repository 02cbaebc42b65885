"""A damaged or busy store is one line, never a traceback.

A truncated, bit-rotted, random or foreign file given to ``show``, ``report``, ``run --store``
or ``experiment summary``/``list`` is ``error:`` naming the file, exit 2, whether DuckDB
finds the damage on opening or only when a query reads the damaged block; the file is left
as it was. A store another process holds open (DuckDB's lock) is waited for up to
``THERMIDOR_STORE_WAIT`` seconds, said once on stderr, then ``error:``, exit 3; a store let
go during the wait is read."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from storeread_support import error_line, experiment_store, invoke

import thermidor
from thermidor.experiments import spool

SRC = Path(thermidor.__file__).resolve().parents[1]  # the thermidor under test
DEADLINE = 300  # seconds: only a guard against a hung process, never what a test waits for
HEADER = 3 * 4096  # DuckDB's file: three 4 KiB headers, then blocks of 256 KiB
BLOCK = 256 * 1024


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> tuple[bytes, str, list[str]]:
    """A store with an experiment and its runs (every table filled): its bytes, ids."""
    folder = tmp_path_factory.mktemp("pristine")
    path, eid, run_ids = experiment_store(folder)
    spool.settle(path)
    return path.read_bytes(), eid, run_ids


def _reads(store: Path, eid: str, run_id: str, folder: Path) -> dict[str, list]:
    return {
        "show": ["show", run_id, "--store", store, "--format", "json"],
        "report run": ["report", run_id, "--store", store, "--out", folder / "run.html"],
        "report experiment": ["report", eid, "--store", store, "--out", folder / "exp.html"],
        "experiment summary": ["experiment", "summary", store, "--format", "json"],
        "experiment list": ["experiment", "list", store, "--format", "json"],
    }


WRITE = ["run", "granovetter", "--steps", "3", "--members", "100", "--format", "json", "--store"]


def _flipped(data: bytes, offset: int, length: int = 16) -> bytes:
    rotten = bytearray(data)
    for i in range(offset, min(offset + length, len(data))):
        rotten[i] ^= 0xA5
    return bytes(rotten)


BROKEN = {
    "zero-length": lambda data: b"",
    "truncated in its header": lambda data: data[:100],
    "truncated after its headers": lambda data: data[:HEADER],
    "truncated by half": lambda data: data[: len(data) // 2],
    "random bytes": lambda data: os.urandom(len(data)),
    "text": lambda data: b"not a database\n" * 1000,
    "its first block rotten": lambda data: _flipped(data, HEADER + 64),
}


@pytest.mark.parametrize("how", list(BROKEN))
def test_a_broken_store_is_one_line_for_every_reader(tmp_path, pristine, how):
    data, eid, run_ids = pristine
    store = tmp_path / "broken.duckdb"
    store.write_bytes(BROKEN[how](data))
    broken = store.read_bytes()
    for command, args in _reads(store, eid, run_ids[0], tmp_path).items():
        result = invoke(*args)
        line = error_line(result, 2, str(store))
        assert "cannot" in line, (command, line)
        assert store.read_bytes() == broken, command  # left as it was
    assert not (tmp_path / "run.html").exists()


@pytest.mark.parametrize("how", list(BROKEN))
def test_a_broken_store_is_one_line_for_a_writer(tmp_path, pristine, how):
    data, _, _ = pristine
    store = tmp_path / "broken.duckdb"
    store.write_bytes(BROKEN[how](data))
    error_line(invoke(*WRITE, store), 2, str(store))


def test_bit_rot_anywhere_is_read_or_one_line(tmp_path, pristine):
    """Rot one block at a time: each reader either reads (a block it does not need) or says
    so in one line; some rot is found only by a query, after the file opened."""
    data, eid, run_ids = pristine
    offsets = [100, 4096 + 100, 8192 + 100]
    offsets += [HEADER + k * BLOCK + 64 for k in range((len(data) - HEADER) // BLOCK)]
    offsets += [HEADER + k * BLOCK + BLOCK // 2 for k in range((len(data) - HEADER) // BLOCK)]
    found_by_a_query = 0
    for n, offset in enumerate(offsets):
        store = tmp_path / f"rot{n}.duckdb"
        store.write_bytes(_flipped(data, offset))
        for args in _reads(store, eid, run_ids[0], tmp_path).values():
            result = invoke(*args)
            if result.exit_code == 0:
                continue
            line = error_line(result, 2, str(store))
            found_by_a_query += line.startswith(f"error: cannot read results store {store}")
    assert found_by_a_query > 0


def test_a_duckdb_file_that_is_not_a_store_is_one_line(tmp_path, pristine):
    _, eid, run_ids = pristine
    store = tmp_path / "other.duckdb"
    with duckdb.connect(str(store)) as con:
        con.execute("CREATE TABLE inventory (item VARCHAR, count INTEGER)")
    for args in _reads(store, eid, run_ids[0], tmp_path).values():
        error_line(invoke(*args), 2, str(store), "not a thermidor results store")


# --- a store another process holds ---------------------------------------------------------

_HOLDER = """
import sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
print("holding", flush=True)
sys.stdin.read()  # holds the file until the test closes this pipe
con.close()
"""


def _line(stream) -> str:
    ready, _, _ = select.select([stream], [], [], DEADLINE)
    assert ready, f"no line within {DEADLINE} s"
    return stream.readline()


@contextmanager
def _held(store: Path, mode: str) -> Iterator[subprocess.Popen]:
    """Another process holds ``store`` open (``read`` or ``write``) until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(store), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert _line(holder.stdout) == "holding\n"
        yield holder
    finally:
        holder.stdin.close()
        holder.wait(timeout=DEADLINE)


def _store(tmp_path: Path, pristine) -> Path:
    store = tmp_path / "busy.duckdb"
    store.write_bytes(pristine[0])
    return store


@pytest.mark.parametrize("command", ["show", "report run", "experiment summary", "experiment list"])
def test_a_reader_waits_for_a_writer_then_says_so_in_one_line(
    tmp_path, pristine, monkeypatch, command
):
    _, eid, run_ids = pristine
    store = _store(tmp_path, pristine)
    monkeypatch.setenv("THERMIDOR_STORE_WAIT", "0.5")
    with _held(store, "write"):
        result = invoke(*_reads(store, eid, run_ids[0], tmp_path)[command])
    error_line(result, 3, str(store), "locked by another process", "0.5 s")
    waiting = [line for line in result.stderr.splitlines() if line.startswith("note: waiting")]
    assert len(waiting) == 1
    assert str(store) in waiting[0]


@pytest.mark.parametrize("mode", ["read", "write"])
def test_a_writer_waits_for_any_holder_then_says_so_in_one_line(
    tmp_path, pristine, monkeypatch, mode
):
    store = _store(tmp_path, pristine)
    before = store.read_bytes()
    monkeypatch.setenv("THERMIDOR_STORE_WAIT", "0.5")
    with _held(store, mode):
        result = invoke(*WRITE, store)
    error_line(result, 3, str(store), "locked by another process")
    assert store.read_bytes() == before


def test_a_store_let_go_during_the_wait_is_read(tmp_path, pristine):
    store = _store(tmp_path, pristine)
    env = dict(os.environ, THERMIDOR_STORE_WAIT=str(DEADLINE))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))
    with _held(store, "write") as holder:
        reader = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "thermidor",
                "experiment",
                "list",
                str(store),
                "--format",
                "json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert _line(reader.stderr).startswith(f"note: waiting for the store {store}")
            holder.stdin.close()  # let go: the reader, still waiting, takes the file
            out, err = reader.communicate(timeout=DEADLINE)
        finally:
            if reader.poll() is None:
                reader.kill()
                reader.wait()
    assert reader.returncode == 0, err
    assert '"name": "faults"' in out
    assert "error" not in err


@pytest.mark.parametrize("value", ["soon", "-1", "inf"])
def test_a_wait_that_is_not_a_number_of_seconds_is_one_line(tmp_path, pristine, monkeypatch, value):
    store = _store(tmp_path, pristine)
    monkeypatch.setenv("THERMIDOR_STORE_WAIT", value)
    error_line(invoke("experiment", "list", store), 2, "THERMIDOR_STORE_WAIT", value)
