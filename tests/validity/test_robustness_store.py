"""Robustness studies in the store: verdicts round-trip, shares are the stored points'
weighted shares, a study run again resumes instead of recomputing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from robustness_support import NEEDED, RESTRICTED, linear_fact, write
from thermidor._version import __version__
from thermidor.store import Store
from thermidor.validity import records
from thermidor.validity.ensembles import scenario
from thermidor.validity.facts_institutions import SMALL
from thermidor.validity.points import RobustnessError
from thermidor.validity.robustness import posterior_study, run_study, shares, wide_study

POINTS = f"""weight,{NEEDED},{RESTRICTED}
0.5,0.6,0.1
0.3,0.2,0.1
0.2,0.5,0.9
"""


def test_verdicts_round_trip_and_shares_are_weighted(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    # holds where needed > 0.4: points 0 and 2, weights 0.5 + 0.2
    fact, seen = linear_fact("needed_high", {NEEDED: 1.0}, bound=0.4)
    study = posterior_study(write(tmp_path / "p.csv", POINTS), (0, 1))
    done = run_study(store, study, facts=(fact,))
    assert done["evaluated"] == 3
    assert seen[0] == (f"{NEEDED}=0.6", f"{RESTRICTED}=0.1")
    with Store(store, read_only=True) as db:
        rows = records.verdicts(db, done["study_id"])
        params = db.connection.execute(
            "SELECT params, seeds, region FROM fact_robustness ORDER BY point"
        ).fetchall()
        (row,) = shares(db)
    assert [(r["point"], r["holds"]) for r in rows] == [(0, True), (1, False), (2, True)]
    assert [r["margin"] for r in rows] == pytest.approx([0.2, -0.2, 0.1])
    assert {r["version"] for r in rows} == {__version__}
    assert json.loads(params[1][0]) == {NEEDED: 0.2, RESTRICTED: 0.1}
    assert json.loads(params[0][1]) == [0, 1]
    assert params[0][2] == "posterior"
    assert row["share"] == pytest.approx(0.7)
    assert row["weight"] == pytest.approx(1.0)
    assert row["mean_margin"] == pytest.approx(0.5 * 0.2 - 0.3 * 0.2 + 0.2 * 0.1)
    assert row["min_margin"] == pytest.approx(-0.2)
    assert (row["points"], row["of"], row["region"]) == (3, 3, "posterior")


def test_a_study_run_again_resumes_and_a_new_fact_is_added(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    study = posterior_study(write(tmp_path / "p.csv", POINTS), (0, 1))
    first, seen_first = linear_fact("a", {NEEDED: 1.0})
    run_study(store, study, facts=(first,))
    again, seen_again = linear_fact("a", {NEEDED: 1.0})
    other, seen_other = linear_fact("b", {RESTRICTED: 1.0}, bound=0.5)
    done = run_study(store, study, facts=(again, other))
    assert len(seen_first) == 3
    assert seen_again == []  # stored already: not evaluated again
    assert len(seen_other) == 3
    assert done["evaluated"] == 3
    with Store(store, read_only=True) as db:
        found = {r["fact"]: r["share"] for r in shares(db)}
    assert found == {"a": 1.0, "b": pytest.approx(0.2)}  # b holds at the last point alone


def test_the_wide_region_is_a_seeded_latin_hypercube_with_equal_weights(tmp_path: Path) -> None:
    box = write(tmp_path / "b.toml", f'[box]\n"{NEEDED}" = [0.0, 1.0]\n')
    study = wide_study(box, 20, 3, (0, 1))
    assert study == wide_study(box, 20, 3, (0, 1))  # the same file and seed: the same points
    values = sorted(p.params[NEEDED] for p in study.points)
    # one point in each twentieth of the range
    assert [int(v * 20) for v in values] == list(range(20))
    assert {p.weight for p in study.points} == {1.0}
    store = tmp_path / "s.duckdb"
    fact, _ = linear_fact("half", {NEEDED: 1.0}, bound=0.5)
    run_study(store, study, facts=(fact,))
    with Store(store, read_only=True) as db:
        (row,) = shares(db)
    assert row["region"] == "wide"
    assert row["share"] == pytest.approx(0.5)


def test_the_latest_study_of_each_region_is_summarised(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    fact, _ = linear_fact("f", {NEEDED: 1.0}, bound=0.4)
    run_study(store, posterior_study(write(tmp_path / "p.csv", POINTS), (0, 1)), facts=(fact,))
    later = posterior_study(write(tmp_path / "q.csv", f"weight,{NEEDED}\n1,0.1\n"), (0, 1))
    run_study(store, later, facts=(fact,))
    with Store(store, read_only=True) as db:
        (row,) = shares(db)
        assert row["study_id"] == later.study_id
        assert row["share"] == 0.0
        with pytest.raises(RobustnessError, match="no study 'nope'"):
            shares(db, ["nope"])


def test_a_point_is_applied_under_the_facts_own_conditions() -> None:
    sc = scenario(
        SMALL,
        "institutions.nominated_share=1",
        overrides=("institutions.nominated_share=0.3", "mechanisms.crisis.needed=0.4"),
    )
    assert sc.institutions.nominated_share == 1.0
    assert getattr(sc.mechanisms, "crisis").needed == 0.4  # noqa: B009


def test_a_posterior_file_renamed_is_the_same_study(tmp_path: Path) -> None:
    first = posterior_study(write(tmp_path / "p.csv", POINTS), (0, 1))
    renamed = posterior_study(write(tmp_path / "q.csv", POINTS), (0, 1))
    assert first.study_id == renamed.study_id
    assert first.study_id != posterior_study(tmp_path / "p.csv", (0, 1, 2)).study_id
