"""Snapshots in the results store: a round trip gives back every column bit for bit, a save
replaces a run's snapshots whole, and what a store says is read as data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import thermidor
from thermidor.model.results import Results
from thermidor.model.snapshots import Snapshot, run_with_snapshots
from thermidor.model.state import RULES
from thermidor.snapshot_store import (
    TABLES,
    has_snapshots,
    load_snapshots,
    save_snapshots,
    snapshot_steps,
)
from thermidor.store import Store, StoreError

SMALL = str(Path(__file__).parent / "data" / "small.toml")


@pytest.fixture(scope="module")
def taken() -> tuple[Results, list[Snapshot]]:
    scenario = thermidor.load_scenario(SMALL, ["meta.members=300", "meta.steps=12"])
    return run_with_snapshots(scenario, 3, [0, 5, 11])


def _stored(path: Path, results: Results) -> str:
    with Store(path) as store:
        run_id = store.start_run(
            results.scenario, results.params, seed=results.seed, version=results.version,
            steps=results.steps, members=results.members,
        )  # fmt: skip
        store.finish_run(run_id, results)
    return run_id


def _same(a: Snapshot, b: Snapshot) -> None:
    assert (a.step, a.date, a.branches) == (b.step, b.date, b.branches)
    for part in ("members", "offices", "ties"):
        left, right = getattr(a, part), getattr(b, part)
        assert list(left) == list(right)
        for name in left:
            assert left[name].dtype == right[name].dtype, (part, name)
            assert left[name].tobytes() == right[name].tobytes(), (part, name)


def test_a_round_trip_gives_back_every_column(tmp_path, taken) -> None:
    results, snapshots = taken
    path = tmp_path / "r.duckdb"
    run_id = _stored(path, results)
    with Store(path) as store:
        assert save_snapshots(store, run_id, snapshots) == 3
    with Store(path, read_only=True) as store:
        assert has_snapshots(store)
        assert snapshot_steps(store, run_id) == [(s.step, s.date) for s in snapshots]
        back = load_snapshots(store, run_id)
        only = load_snapshots(store, run_id, [5])
    for a, b in zip(snapshots, back, strict=True):
        _same(a, b)
    _same(only[0], snapshots[1])


def test_a_save_replaces_the_run_s_snapshots_and_leaves_other_runs(tmp_path, taken) -> None:
    results, snapshots = taken
    path = tmp_path / "r.duckdb"
    first, second = _stored(path, results), _stored(path, results)
    with Store(path) as store:
        save_snapshots(store, first, snapshots)
        save_snapshots(store, second, snapshots)
        save_snapshots(store, first, snapshots[:1])
        assert [s for s, _ in snapshot_steps(store, first)] == [0]
        assert [s for s, _ in snapshot_steps(store, second)] == [0, 5, 11]
        rows = store.connection.execute(
            "SELECT count(*) FROM snapshot_members WHERE run_id = ?", [first]
        ).fetchall()[0][0]
        assert rows == snapshots[0].members["member"].size


def test_a_store_without_snapshots_has_none_and_says_which_steps_exist(tmp_path, taken) -> None:
    results, snapshots = taken
    path = tmp_path / "r.duckdb"
    run_id = _stored(path, results)
    with Store(path, read_only=True) as store:
        assert not has_snapshots(store)
        assert snapshot_steps(store, run_id) == []
        assert load_snapshots(store, run_id) == []
        with pytest.raises(StoreError, match="no run"):
            snapshot_steps(store, "nope")
    with Store(path) as store:
        save_snapshots(store, run_id, snapshots)
        with pytest.raises(
            StoreError, match=r"no snapshot at step 4 \(snapshots at steps: 0, 5, 11\)"
        ):
            load_snapshots(store, run_id, [4])


def test_stored_codes_are_read_by_name(tmp_path, taken) -> None:
    """A store written when the rules were in another order is read by their names."""
    results, snapshots = taken
    path = tmp_path / "r.duckdb"
    run_id = _stored(path, results)
    with Store(path) as store:
        save_snapshots(store, run_id, snapshots[:1])
        con = store.connection
        codes = json.loads(con.execute("SELECT codes FROM snapshots").fetchall()[0][0])
        codes["rule"] = list(reversed(codes["rule"]))
        con.execute("UPDATE snapshots SET codes = ?", [json.dumps(codes)])
        con.execute(
            "UPDATE snapshot_offices SET rule = ? - rule", [len(RULES) - 1]
        )  # the codes of the reversed order
        back = load_snapshots(store, run_id)[0]
        assert np.array_equal(back.offices["rule"], snapshots[0].offices["rule"])
        codes["rule"] = ["election", "decree", "lot"]
        con.execute("UPDATE snapshots SET codes = ?", [json.dumps(codes)])
        with pytest.raises(StoreError, match="'decree'"):
            load_snapshots(store, run_id)
        con.execute("UPDATE snapshots SET codes = ?", ['{"rule": 3}'])
        with pytest.raises(StoreError, match="lack a list of names"):
            load_snapshots(store, run_id)


def test_the_tables_are_the_snapshot_s_columns(tmp_path, taken) -> None:
    results, snapshots = taken
    path = tmp_path / "r.duckdb"
    run_id = _stored(path, results)
    with Store(path) as store:
        save_snapshots(store, run_id, snapshots[:1])
        for table, (part, columns) in TABLES.items():
            described = [r[0] for r in store.connection.execute(f"DESCRIBE {table}").fetchall()]
            assert described == ["run_id", "step", *columns]
            assert list(getattr(snapshots[0], part)) == list(columns)
