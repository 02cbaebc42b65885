"""The calibration target files under ``src/thermidor/data/`` keep one schema.

A calibration reads these rows by id and fits against the interval ``[low, high]``: a row
that silently breaks the schema (a swapped bound, a malformed date, a missing source)
would turn into a wrong target rather than an error. Read through ``importlib.resources``
so the check also covers what an installed wheel ships.
"""

from __future__ import annotations

import csv
import io
import math
import re
from importlib.resources import files

import pytest

HEADER = ["id", "series", "date", "value", "low", "high", "unit", "source", "note"]
ID = re.compile(r"^[a-z0-9_.]+$")
SERIES = re.compile(r"^[a-z0-9_]+$")
MONTH = r"(\d{4})-(0[1-9]|1[0-2])"
DATE = re.compile(rf"^{MONTH}(?:/{MONTH})?$")
EXPECTED_FILES = {"soviet.csv", "parkinson.csv", "paris.csv", "union.csv"}


def data_files() -> dict[str, str]:
    folder = files("thermidor") / "data"
    return {
        f.name: f.read_text(encoding="utf-8") for f in folder.iterdir() if f.name.endswith(".csv")
    }


def rows(text: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows, after the leading ``#`` comment block."""
    lines = text.splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    table = list(csv.reader(io.StringIO("\n".join(lines))))
    return table[0], [r for r in table[1:] if r]


FILES = data_files()


def test_the_expected_files_ship_with_the_package() -> None:
    assert set(FILES) >= EXPECTED_FILES, sorted(FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_file_names_its_sources_and_keeps_the_schema(name: str) -> None:
    text = FILES[name]
    assert text.startswith("#"), f"{name}: no comment block naming the sources"
    header, body = rows(text)
    assert header == HEADER, f"{name}: header {header}"
    assert body, f"{name}: no rows"
    for row in body:
        assert len(row) == len(HEADER), f"{name}: {row[:1]} has {len(row)} fields"
        record = dict(zip(HEADER, row, strict=True))
        where = f"{name}: {record['id']}"
        assert ID.match(record["id"]), where
        assert SERIES.match(record["series"]), f"{where}: series {record['series']!r}"
        date = DATE.match(record["date"])
        assert date, f"{where}: date {record['date']!r}"
        if date.group(3):
            assert (date.group(1), date.group(2)) <= (date.group(3), date.group(4)), where
        value, low, high = (float(record[k]) for k in ("value", "low", "high"))
        assert all(math.isfinite(x) for x in (value, low, high)), where
        assert low <= value <= high, f"{where}: {low} <= {value} <= {high}"
        assert low < high, f"{where}: low == high"
        for field in ("unit", "source", "note"):
            assert record[field].strip(), f"{where}: empty {field}"


def test_ids_are_unique_across_all_files() -> None:
    seen: dict[str, str] = {}
    for name, text in sorted(FILES.items()):
        for row in rows(text)[1]:
            assert row[0] not in seen, f"{row[0]} in {seen.get(row[0])} and {name}"
            seen[row[0]] = name
