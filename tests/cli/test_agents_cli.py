"""``thermidor run --snapshot`` and ``thermidor agents`` end to end on a tiny run: dates and
steps are taken, a value outside the run is one line and exit 2 before anything is stored,
and the page draws the stored snapshots."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_support import assert_one_error, one_json_line
from thermidor.cli import app
from thermidor.store import Store

runner = CliRunner()
TINY = ["soviet-1917-1928", "--members", "300", "--steps", "40", "--seed", "2"]


def invoke(*args: object):  # type: ignore[no-untyped-def]
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> tuple[Path, str]:
    store = tmp_path_factory.mktemp("agents") / "r.duckdb"
    done = one_json_line(
        invoke(
            "run",
            *TINY,
            "--store",
            store,
            "--format",
            "json",
            "--snapshot",
            "1918-03",
            "--snapshot",
            "30",
            "--snapshot",
            "1918-03-20",
        )
    )
    assert done["snapshots"] == ["1918-03", "1920-05"]
    return store, done["run_id"]


def _figures(page: str) -> list[dict]:
    found = re.findall(r'<script type="application/json" data-figure="[^"]+">\n(.*?)\n</script>',
                       page, flags=re.S)  # fmt: skip
    return [json.loads(text.replace("<\\/", "</")) for text in found]


def test_the_agents_page_draws_the_stored_snapshots(stored, tmp_path) -> None:
    store, run_id = stored
    out = tmp_path / "agents.html"
    done = invoke("agents", run_id, "--store", store, "--at", "1918-03", "--out", out)
    assert done.exit_code == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    titles = [f["layout"]["title"]["text"] for f in _figures(page)]
    assert titles[0].startswith("Offices at 1918-03")
    assert titles[1] == "The network at 1918-03"
    assert titles[2] == "Members' state at 1918-03"  # the first snapshot: nothing to overlay
    with Store(store, read_only=True) as opened:
        rules = opened.connection.execute(
            "SELECT count(*) FROM snapshot_offices WHERE run_id = ? AND step = 4", [run_id]
        ).fetchall()[0][0]
    tree = _figures(page)[0]
    assert len(tree["data"][0]["ids"]) == rules + 1  # every office, and the root
    default = invoke("agents", run_id, "--store", store, "--out", out, "--member", "7")
    assert default.exit_code == 0, default.stderr
    assert "Member 7 across the snapshots" in out.read_text(encoding="utf-8")
    assert "at 1920-05" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "needle"),
    [("1930-01", "outside the run"), ("1917-01", "outside the run"), ("40", "outside the run"),
     ("1924", "a date is written YYYY-MM"), ("June", "a date YYYY-MM")],
)  # fmt: skip
def test_a_snapshot_outside_the_run_is_refused_before_anything_is_stored(
    tmp_path, value, needle
) -> None:
    store = tmp_path / "r.duckdb"
    done = invoke("run", *TINY, "--store", store, "--snapshot", value)
    assert_one_error(done, 2, "--snapshot", repr(value), needle, "1917-11 .. 1921-02")
    assert not store.exists()


def test_a_classic_model_has_no_snapshots(tmp_path) -> None:
    done = invoke("run", "granovetter", "--store", tmp_path / "r.duckdb", "--snapshot", "3")
    assert_one_error(done, 2, "--snapshot", "granovetter")


def test_the_agents_command_says_what_is_missing(stored, tmp_path) -> None:
    store, run_id = stored
    out = tmp_path / "agents.html"
    cases = [
        (["--at", "1919-01"], ["--at '1919-01' (step 14)", "1918-03, 1920-05"]),
        (["--at", "1925-01"], ["--at '1925-01'", "outside the run"]),
        (["--office", "100000"], ["office 100000"]),
    ]
    for extra, needles in cases:
        assert_one_error(invoke("agents", run_id, "--store", store, "--out", out, *extra), 2,
                         *needles)  # fmt: skip
    assert_one_error(invoke("agents", "nope", "--store", store, "--out", out), 2, "no run 'nope'")
    assert_one_error(invoke("agents", run_id, "--store", store, "--out", tmp_path / "a.txt"), 2,
                     "--out", ".html")  # fmt: skip
    plain = one_json_line(invoke("run", *TINY, "--store", store, "--format", "json"))
    assert "snapshots" not in plain
    assert_one_error(
        invoke("agents", plain["run_id"], "--store", store, "--out", out), 2,
        "has no snapshots", "--snapshot auto",
    )  # fmt: skip
    assert not out.exists()
