"""Morris and Sobol' indices of a fact's margin, from the stored verdicts of a design over a
box: a linear margin in which one parameter dominates is ranked as it must be."""

from __future__ import annotations

from pathlib import Path

import pytest

from robustness_support import BOX, NEEDED, RESTRICTED, WEARINESS, linear_fact, write
from thermidor.store import Store
from thermidor.validity.points import RobustnessError
from thermidor.validity.robustness import run_study
from thermidor.validity.sensitivity import fact_indices, sensitivity_study

WEIGHTS = {NEEDED: 5.0, RESTRICTED: 0.5, WEARINESS: 0.0}


@pytest.mark.parametrize(
    ("method", "samples", "key"), [("morris", 10, "mu_star"), ("sobol", 16, "ST")]
)
def test_one_dominant_parameter_ranks_first_and_the_idle_one_is_negligible(
    tmp_path: Path, method: str, samples: int, key: str
) -> None:
    store = tmp_path / "s.duckdb"
    study = sensitivity_study(write(tmp_path / "b.toml", BOX), method, samples, (0, 1), seed=1)
    k = 3
    assert len(study.points) == samples * (k + 1 if method == "morris" else k + 2)
    fact, _ = linear_fact("linear", WEIGHTS, bound=2.5)
    run_study(store, study, facts=(fact,))
    with Store(store, read_only=True) as db:
        (entry,) = fact_indices(db)
    assert entry["method"] == method
    assert entry["study_id"] == study.study_id
    names = [p["name"] for p in entry["parameters"]]
    assert names == [NEEDED, RESTRICTED, WEARINESS]
    ranked = {p["name"]: p for p in entry["parameters"]}
    assert ranked[NEEDED][key] > 5 * ranked[RESTRICTED][key]
    assert ranked[WEARINESS]["negligible"]
    assert not ranked[NEEDED]["negligible"]


def test_an_unfinished_design_and_a_constant_margin_are_reported_not_raised(
    tmp_path: Path,
) -> None:
    store = tmp_path / "s.duckdb"
    study = sensitivity_study(write(tmp_path / "b.toml", BOX), "morris", 2, (0, 1))
    flat, _ = linear_fact("flat", {}, bound=-1.0)
    run_study(store, study, facts=(flat,))
    with Store(store) as db:  # as if the study had been killed before its first point
        db.connection.execute("DELETE FROM fact_robustness WHERE point = 0")
    partial, _ = linear_fact("partial", WEIGHTS)
    with Store(store, read_only=True) as db:
        (entry,) = fact_indices(db)
    assert "7 of 8 points" in entry["error"]
    run_study(store, study, facts=(flat, partial))
    with Store(store, read_only=True) as db:
        found = {e["fact"]: e for e in fact_indices(db)}
    assert "every design point" in found["flat"]["error"]
    assert "parameters" in found["partial"]


def test_sobol_needs_a_power_of_two_and_the_method_is_checked(tmp_path: Path) -> None:
    box = write(tmp_path / "b.toml", BOX)
    with pytest.raises(RobustnessError, match="power of 2"):
        sensitivity_study(box, "sobol", 6, (0, 1))
    with pytest.raises(RobustnessError, match="allowed: morris, sobol"):
        sensitivity_study(box, "fast", 4, (0, 1))
