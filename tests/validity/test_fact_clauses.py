"""The facts' verdicts: a margin is positive exactly when the fact holds, and the facts'
small society is the tests' own."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from thermidor.validity.clauses import FactResult, above, at_least, below
from thermidor.validity.facts import FACTS, by_id
from thermidor.validity.facts_institutions import SMALL


def test_the_facts_small_society_is_the_tests_own() -> None:
    tests_copy = Path(__file__).parents[1] / "data" / "small.toml"
    assert Path(SMALL).read_bytes() == tests_copy.read_bytes()


@pytest.mark.parametrize(
    ("clause", "holds", "margin"),
    [
        (above("x", 0.3, 0.15, 0.15), True, 1.0),
        (above("x", 0.15, 0.15, 0.15), False, 0.0),
        (below("x", 0.04, 0.05, 0.05), True, 0.2),
        (below("x", 0.06, 0.05, 0.05), False, -0.2),
    ],
)
def test_a_clause_margin_is_its_slack_over_its_scale(clause, holds, margin) -> None:  # type: ignore[no-untyped-def]
    assert clause.holds is holds
    assert clause.margin == pytest.approx(margin)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 10, 12, 15])
@pytest.mark.parametrize("threshold", [0.5, 0.8, 0.9, 1.0])
def test_a_share_at_least_holds_exactly_when_the_plain_share_does(n: int, threshold: float) -> None:
    for hits in range(n + 1):
        clause = at_least("share", hits, n, threshold, threshold)
        assert clause.holds is (hits / n >= threshold)
        assert (clause.margin > 0) is clause.holds


def test_a_fact_holds_when_every_clause_does_and_its_margin_is_the_smallest() -> None:
    result = FactResult("f", (above("a", 2.0, 1.0, 1.0), below("b", 0.9, 1.0, 0.5)))
    assert result.holds
    assert result.margin == pytest.approx(0.2)
    failing = FactResult("f", (above("a", 2.0, 1.0, 1.0), below("b", 1.1, 1.0, 0.5)))
    assert not failing.holds
    assert failing.margin == pytest.approx(-0.2)


def test_a_clause_without_a_number_fails_and_leaves_no_margin() -> None:
    result = FactResult("f", (above("a", math.nan, 1.0, 1.0), above("b", 2.0, 1.0, 1.0)))
    assert not result.holds
    assert math.isnan(result.margin)


def test_facts_are_named_once_and_an_unknown_name_is_refused() -> None:
    ids = [fact.id for fact in FACTS]
    assert len(set(ids)) == len(ids)
    assert [f.id for f in by_id(["fact_8", "fact_1"])] == ["fact_1", "fact_8"]
    with pytest.raises(ValueError, match="unknown fact 'fact_9'"):
        by_id(["fact_9"])
