"""The letter's comparison read in sentences: the numbers behind them on constructed series
(rises, falls, stays; returns, does not return, never leaves), the split found from the
arms' event lists, and the Thermidor quartiles."""

from __future__ import annotations

import numpy as np
import pytest

from thermidor.experiments.comparison import ARMS, Arm, resolve, split_step
from thermidor.reports import letter

CAL = letter.Calendar("1917-11", "month")
STEPS, SPLIT = 250, 130
END = STEPS - 1


def flat(value: float, width: float = 0.02, steps: int = STEPS) -> letter.Bands:
    """A band of constant median ``value``, its 50% band ``value +- width``."""
    med = np.full(steps, value)
    q = np.stack([med - 2 * width, med - width, med, med + width, med + 2 * width])
    return letter.Bands(q)


def with_median(median: np.ndarray, width: float = 0.02) -> letter.Bands:
    return letter.Bands(np.stack([median - 2 * width, median - width, median, median + width,
                                  median + 2 * width]))  # fmt: skip


def test_change_rises_falls_and_stays() -> None:
    assert letter.change(0.21, 0.48) == "rises from 0.21 to 0.48"
    assert letter.change(0.48, 0.21) == "falls from 0.48 to 0.21"
    assert letter.change(0.210, 0.215) == "stays near 0.21"  # within 5% of the larger
    assert letter.change(0.0104, 0.0112) == "rises from 0.01 to 0.011"
    assert letter.change(0.0996, 0.105) == "rises from 0.0996 to 0.105"  # not "0.1 to 0.1"


def purge_out_then_back(months_out: int) -> np.ndarray:
    """The purge's median: the status quo's 0.3, then 0.5 for ``months_out`` steps."""
    median = np.full(STEPS, 0.3)
    median[SPLIT : SPLIT + months_out] = 0.5
    return median


def test_return_is_the_first_of_six_steps_inside_the_band() -> None:
    sq = flat(0.3)
    back = letter.return_step(purge_out_then_back(14), sq.low50, sq.high50, SPLIT)
    assert back == SPLIT + 14
    # five steps back inside, then out again: not a return; the later six are
    median = purge_out_then_back(14)
    median[SPLIT + 19 : SPLIT + 22] = 0.5
    assert letter.return_step(median, sq.low50, sq.high50, SPLIT) == SPLIT + 22
    # never out: the split itself; out to the end: None
    assert letter.return_step(np.full(STEPS, 0.3), sq.low50, sq.high50, SPLIT) == SPLIT
    assert letter.return_step(purge_out_then_back(STEPS), sq.low50, sq.high50, SPLIT) is None
    # back only for the last five steps: not yet returned
    late = purge_out_then_back(STEPS - SPLIT - 5)
    assert letter.return_step(late, sq.low50, sq.high50, SPLIT) is None


def test_sentence_reads_the_numbers() -> None:
    sq = flat(0.21)
    remedies = with_median(np.r_[np.full(SPLIT, 0.21), np.linspace(0.25, 0.48, STEPS - SPLIT)])
    purge = with_median(np.r_[np.full(SPLIT, 0.21), purge_out_then_back(14)[SPLIT:] + 0.21 - 0.3])
    purge = with_median(np.where(np.arange(STEPS) < SPLIT + 14, purge.median, 0.21))
    purge.median[SPLIT : SPLIT + 14] = 0.4
    said = letter.sentence("control_index", sq, remedies, purge, SPLIT, END, CAL)
    assert said == (
        "Control rises from 0.21 to 0.48 under the remedies by 1938-08 (status quo 0.21); "
        "after the purge it returns to the status quo within 14 months."
    )
    stuck = with_median(np.r_[np.full(SPLIT, 0.21), np.full(STEPS - SPLIT, 0.1)])
    said = letter.sentence("participation", sq, sq, stuck, SPLIT, END, CAL)
    assert said == (
        "Participation stays near 0.21 under the remedies by 1938-08 (status quo 0.21); "
        "after the purge it does not return to the status quo by 1938-08."
    )
    falling = with_median(np.r_[np.full(SPLIT, 0.21), np.full(STEPS - SPLIT, 0.05)])
    said = letter.sentence("legitimacy", sq, falling, sq, SPLIT, END, CAL)
    assert said.startswith("Legitimacy falls from 0.21 to 0.05 under the remedies")
    assert said.endswith("the purge stays within the status quo's 50% band throughout.")


def test_bands_are_quantiles_over_seeds() -> None:
    series = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [3.0, 4.0], [4.0, 5.0]])
    found = letter.bands(series)
    np.testing.assert_allclose(found.median, [2.0, 3.0])
    np.testing.assert_allclose(found.low50, [1.0, 2.0])
    np.testing.assert_allclose(found.q[0], [0.2, 1.2])


def test_thermidor_quartiles_and_share() -> None:
    row = letter.thermidor_row("purge", [114, 120, 126, None], CAL)
    assert (row.reached, row.runs) == (3, 4)
    assert row.quartiles == ("1927-08", "1927-11", "1928-02")
    assert letter.thermidor_row("remedies", [None, None], CAL).quartiles is None


def test_window_is_1926_to_1938_within_the_runs() -> None:
    assert letter.window(CAL, STEPS) == (98, 249)  # 1926-01 .. 1938-08, the last step
    assert letter.window(CAL, 150) == (98, 149)
    assert letter.window(letter.Calendar("1789-07", "month"), 60) == (0, 59)


def test_the_split_is_where_the_event_lists_first_differ() -> None:
    arms = resolve(ARMS, ("meta.members=300",))
    assert split_step(arms) == SPLIT  # September 1928: found, not written down anywhere
    moved = resolve(
        (Arm("a", "soviet-1917-1928"), Arm("b", "soviet-1917-1928", ("events.purge-1921=none",))),
        (),
    )
    purge = next(e for e in moved[0].interventions if e.id == "purge-1921")
    assert split_step(moved) == purge.start
    same = resolve((Arm("a", "soviet-1917-1928"), Arm("b", "soviet-1917-1928")), ())
    assert split_step(same) is None


@pytest.mark.parametrize("steps", [STEPS])
def test_the_arms_share_everything_before_the_split(steps: int) -> None:
    sq, remedies, purge = resolve(ARMS, (f"meta.steps={steps}",))
    before = [
        [e.model_dump(mode="json") for e in [*sc.shocks, *sc.interventions] if e.start < SPLIT]
        for sc in (sq, remedies, purge)
    ]
    assert before[0] == before[1] == before[2]
    assert {e.id for e in purge.interventions} - {e.id for e in sq.interventions} == {"purge-1928"}


def test_a_thermidor_in_the_shared_history_is_said_to_be_shared() -> None:
    from thermidor.reports.letter_page import ArmData, Comparison, shared_thermidor  # noqa: PLC0415

    def comparison(*steps: int | None) -> Comparison:
        arms = [ArmData(label, "s", (), [], {}, list(steps)) for label in ("a", "b")]
        return Comparison(arms, [1, 2], 100, STEPS, SPLIT, CAL, [])

    (said,) = shared_thermidor(comparison(100, None, 129))
    assert said.startswith("Every Thermidor here comes before the split (1928-09)")
    assert shared_thermidor(comparison(100, 130)) == []  # one after the split: the arms may differ
    assert shared_thermidor(comparison(None, None)) == []
