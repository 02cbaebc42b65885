"""The ablation (docs/model.md 7.16) stored and read back: its runs are ordinary experiment
runs, a rerun computes nothing, and the table comes from the stored runs alone."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_support import assert_usage_error, one_json_line
from experiment_support import InProcess
from thermidor.cli import app
from thermidor.experiments.ablation import (
    HISTORIES,
    chosen,
    conditions,
    experiment_for,
    run_ablation,
)
from thermidor.reports.ablation import COLUMNS, ablation_markdown, ablation_table
from thermidor.store import Store, StoreError

# the cheapest: two conditions (one a cause Paris alone has), two seeds, three steps
LABELS = [
    "all mechanisms on",
    "without the principle of nominations (Paris: the presidents named)",
]
runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ablation") / "ablation.duckdb"
    done = run_ablation(
        str(path), members=100, seeds=2, steps=3, executor=InProcess(), labels=LABELS
    )
    # 2 histories x 2 seeds for all on, Paris alone for the cause
    assert (done.answered, done.total) == (6, 6)
    return path


def test_conditions_are_the_plan_and_the_causes() -> None:
    labels = [c.label for c in conditions()]
    assert labels[0] == "all mechanisms on"
    assert "crisis off" in labels
    assert "without the dated crises" in labels
    assert len(labels) == len(set(labels))
    with pytest.raises(ValueError, match="condition 'nope': unknown"):
        chosen(["nope"])


def test_a_cause_one_history_lacks_is_not_separable() -> None:
    cause = next(c for c in conditions() if c.label == LABELS[1])
    assert experiment_for(cause, "soviet-1917-1928", 100, 2) is None
    paris = experiment_for(cause, "paris-1789-1794", 100, 2)
    assert paris is not None
    assert paris.without == ["nominate-presidents-1793"]
    off = experiment_for(conditions()[1], "paris-1789-1794", 100, 2)
    assert off is not None
    assert off.set == [f'switched_off=["{conditions()[1].switched_off[0]}"]']


def test_a_rerun_computes_nothing(store: Path) -> None:
    seen: list[tuple[int, int]] = []
    done = run_ablation(
        str(store),
        members=100,
        seeds=2,
        steps=3,
        executor=InProcess(),
        labels=LABELS,
        progress=lambda a, t: seen.append((a, t)),
    )
    assert seen == [(6, 6)]
    assert (done.answered, done.total) == (6, 6)


def test_the_table_is_read_from_the_stored_runs(store: Path) -> None:
    with Store(store) as opened:
        frame = ablation_table(opened)
        assert list(frame.columns) == list(COLUMNS)
        assert frame[["condition", "history"]].values.tolist() == [
            [LABELS[0], HISTORIES[0]],
            [LABELS[0], HISTORIES[1]],
            [LABELS[1], HISTORIES[0]],
            [LABELS[1], HISTORIES[1]],
        ]
        assert frame["separable"].tolist() == [True, True, True, False]
        assert frame["runs"].tolist() == [2, 2, 2, 0]
        assert frame["reached"].tolist() == [0, 0, 0, 0]  # three steps: no Thermidor
        # the table reads thermidor_step from the store: mark one Paris run as reaching it
        opened.connection.execute(
            "UPDATE runs SET thermidor_step = 5 WHERE run_id = (SELECT min(run_id) FROM runs "
            "WHERE scenario = 'paris-1789-1794')"
        )
        frame = ablation_table(opened, members=100, seeds=2)
    paris = frame[frame["history"] == HISTORIES[0]]
    assert sorted(paris["reached"].tolist()) in ([0, 1], [1, 1])  # the run may answer both
    reached = frame[frame["reached"] > 0].iloc[0]
    assert reached["q25"] == reached["median"] == reached["q75"] == "1789-12"  # 1789-07 + 5
    assert math.isnan(frame.iloc[3]["share"])
    text = ablation_markdown(frame)
    assert "(not separable)" in text
    assert "P = 0.00" in text
    assert "1789-12 / 1789-12 / 1789-12" in text


def test_a_size_not_stored_is_one_error(store: Path) -> None:
    with Store(store, read_only=True) as opened, pytest.raises(StoreError, match="100 members"):
        ablation_table(opened, members=300)


def test_summary_command(store: Path) -> None:
    data = one_json_line(runner.invoke(app, ["ablation", "summary", "--store", str(store),
                                             "--format", "json"]))  # fmt: skip
    assert len(data["rows"]) == 4
    assert set(data["rows"][0]) == set(COLUMNS)
    shown = runner.invoke(app, ["ablation", "summary", "--store", str(store)])
    assert shown.exit_code == 0
    assert "not separable" in shown.stdout


def test_command_errors_are_one_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["ablation", "run", "--store", str(tmp_path / "a.duckdb"), "--condition", "nope"]
    )
    assert_usage_error(result, "--condition", "'nope'")
    assert not (tmp_path / "a.duckdb").exists()
    result = runner.invoke(app, ["ablation", "summary", "--store", str(tmp_path / "none.duckdb")])
    assert_usage_error(result, "no results store")
    with Store(tmp_path / "empty.duckdb"):
        pass
    result = runner.invoke(app, ["ablation", "summary", "--store", str(tmp_path / "empty.duckdb")])
    assert_usage_error(result, "no ablation in")
    result = runner.invoke(app, ["ablation", "run", "--store", str(tmp_path), "--seeds", "2"])
    assert_usage_error(result, "--store", "is a directory")
