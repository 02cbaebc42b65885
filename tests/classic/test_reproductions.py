"""The classic reproductions stored and read back: measured at the smallest sizes, resumed
without measuring again, and judged from the stored rows alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_support import assert_usage_error, one_json_line
from experiment_support import InProcess
from thermidor.cli import app
from thermidor.experiments.reproductions import REPRODUCTIONS, run_reproductions, sizes_of
from thermidor.reports.reproductions import COLUMNS, agrees, classic_table
from thermidor.store import Store, StoreError

TINY = {
    "peter": {"runs": 2, "steps": 30, "tail": 10},
    "parliament": {"step": 100, "legislatures": 2, "proposals": 50},
    "epstein": {"steps": 60, "model_ii_steps": 10},
}
CLAIMS = sum(len(r.claims) for r in REPRODUCTIONS)
runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("classic") / "classic.duckdb"
    measured, total = run_reproductions(str(path), sizes=TINY, seeds=2, executor=InProcess())
    assert measured == total == 1 + 3 * 2  # granovetter is deterministic: one seed
    return path


def test_a_rerun_measures_nothing(store: Path) -> None:
    seen: list[tuple[int, int]] = []
    measured, total = run_reproductions(
        str(store), sizes=TINY, seeds=2, executor=InProcess(),
        progress=lambda d, t: seen.append((d, t)),
    )  # fmt: skip
    assert (measured, total) == (0, 7)
    assert seen == [(7, 7)]


def test_the_table_comes_from_the_stored_rows(store: Path) -> None:
    with Store(store) as opened:
        frame = classic_table(opened)
        assert list(frame.columns) == list(COLUMNS)
        assert len(frame) == CLAIMS
        assert set(frame["model"]) == {"granovetter", "peter", "parliament", "epstein"}
        assert all(frame["paper"].str.contains(r"\(19|\(20"))  # every claim cites its paper
        assert set(frame["agrees"]) <= {"yes", "no"}
        granovetter = frame[frame["model"] == "granovetter"]
        assert granovetter["seeds"].tolist() == [1] * len(granovetter)
        assert (granovetter["agrees"] == "yes").all()  # deterministic, at the paper's sizes
        critical = granovetter[granovetter["claim"].str.contains("critical sd")].iloc[0]
        assert round(critical["value"], 2) == 12.22
        peter = frame[frame["model"] == "peter"]
        assert peter["seeds"].tolist() == [2] * len(peter)
        assert peter.iloc[0]["sizes"] == sizes_of("peter", TINY["peter"])
        # the judgement reads the stored value: move the riot of 100 and it disagrees
        opened.connection.execute(
            "UPDATE classic_measures SET value = 99 WHERE claim = 'granovetter-riot-100'"
        )
        moved = classic_table(opened)
    assert moved.iloc[0]["agrees"] == "no"
    assert moved.iloc[0]["reproduced"] == "99"


def test_agreement_is_the_stated_interval() -> None:
    assert agrees(0.0, None, 0.0)
    assert not agrees(0.1, None, 0.0)
    assert agrees(140.0, 120.0, 160.0)
    assert not agrees(float("nan"), None, None)


def test_bad_sizes_and_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no size 'nope'"):
        run_reproductions(str(tmp_path / "s.duckdb"), sizes={"peter": {"nope": 1}})
    with pytest.raises(ValueError, match="reproduction 'nope': unknown"):
        run_reproductions(str(tmp_path / "s.duckdb"), names=["nope"])
    assert not (tmp_path / "s.duckdb").exists()


def test_summary_command(store: Path) -> None:
    data = one_json_line(
        runner.invoke(app, ["classic", "summary", "--store", str(store), "--format", "json"])
    )
    assert len(data["rows"]) == CLAIMS
    assert set(data["rows"][0]) == set(COLUMNS)


def test_command_errors_are_one_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["classic", "reproduce", "--store", str(tmp_path / "a.duckdb"), "--only", "nope"]
    )
    assert_usage_error(result, "--only", "'nope'")
    result = runner.invoke(app, ["classic", "summary", "--store", str(tmp_path / "no.duckdb")])
    assert_usage_error(result, "no results store")
    with Store(tmp_path / "empty.duckdb"):
        pass
    result = runner.invoke(app, ["classic", "summary", "--store", str(tmp_path / "empty.duckdb")])
    assert_usage_error(result, "no classic reproductions")
    with pytest.raises(StoreError), Store(tmp_path / "empty.duckdb", read_only=True) as opened:
        classic_table(opened)
