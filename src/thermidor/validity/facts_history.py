"""Stylized facts 5-8 of the model brief: a wave of raw recruits, Paris's Thermidor, the
hysteresis of remedies, the passing gain of a purge.

Arguments and results as in ``facts_institutions``: ``off`` the ablation, ``overrides`` the
parameter point, ``seeds`` the ensemble, ``runs`` the ensembles that compute the runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from thermidor.model.scenario import Scenario
from thermidor.scenarios.loader import validate
from thermidor.validity.clauses import FactResult, above, at_least, below
from thermidor.validity.ensembles import Ensembles, scenario, shared
from thermidor.validity.facts_institutions import DECADE, ON, SEEDS, SMALL, UNIT

PARIS = "paris-1789-1794"
PARIS_THERMIDOR = 60  # 1794-07, 9-10 Thermidor Year II
SOVIET_SIZE = "meta.members=5000"  # the 1928 counterfactuals at a quarter of their default size
YEAR = 12.0  # steps: the unit of a clause on dates
HALF_STEP = 0.5  # the unit of "never later": a delay in whole steps against half a step
HYSTERESIS_SEEDS = 4  # fact 7 reads the first four seeds: its Soviet runs are the costliest

# the recruits of a wave: without experience of struggle, or as experienced as the veterans
RAW = {
    "activity": 0.15,
    "capacity": 0.05,
    "identification": 0.7,
    "fear": 0.2,
    "party_share": 0.5,
    "threshold_mean": 0.45,
}
VETERAN_LIKE = {
    "activity": 0.7,
    "capacity": 0.6,
    "identification": 0.9,
    "fear": 0.1,
    "party_share": 0.2,
    "threshold_mean": 0.3,
}


def wave(levels: dict[str, float] | None) -> Callable[[dict[str, Any]], None]:
    """The edit that adds a recruitment wave of ``levels`` (12 steps from step 24, 0.6 of the
    members), or none."""

    def edit(raw: dict[str, Any]) -> None:
        if levels is None:
            return
        raw["society"]["cohorts"].append({"name": "recruits", "share": 0.0, **levels})
        raw["shocks"].append(
            {
                "kind": "recruitment",
                "start": 24,
                "duration": 12,
                "magnitude": 0.6,
                "cohort": "recruits",
            }
        )

    return edit


# a wave's effect on each metric, and its substantive threshold (identification's is the
# significance alone: it falls by about 0.02)
WAVE_THRESHOLDS = (("participation", 0.01), ("capacity", 0.05), ("identification", 0.0))


def fact_5(
    recruits: dict[str, float] = RAW,
    off: tuple[str, ...] = ON,
    *,
    overrides: tuple[str, ...] = (),
    seeds: tuple[int, ...] = SEEDS,
    runs: Ensembles | None = None,
) -> FactResult:
    """A recruitment wave without experience of struggle speeds the decline.

    Each metric ends lower with the wave than without it (same seeds, paired), by more
    than twice the standard error of the difference and by at least a substantive margin.

    Scales: both clauses of a metric in units of its threshold (0.01 participation, 0.05
    capacity), identification's (threshold 0) in ``UNIT``."""
    r = runs or shared()
    settings = (SMALL, DECADE, "institutions.nominated_share=0.5", *off)
    without = scenario(*settings, overrides=overrides, edit=wave(None))
    with_wave = scenario(*settings, overrides=overrides, edit=wave(recruits))
    clauses = []
    for metric, threshold in WAVE_THRESHOLDS:
        drop = r.final(without, metric, seeds) - r.final(with_wave, metric, seeds)
        standard_error = drop.std(ddof=1) / np.sqrt(drop.size)
        scale = threshold or UNIT
        clauses += [
            above(f"{metric} drop", drop.mean(), threshold, scale),
            above(f"{metric} drop vs 2 standard errors", drop.mean(), 2.0 * standard_error, scale),
        ]
    return FactResult("fact_5", tuple(clauses))


def fact_5_founders(
    recruits: dict[str, float] = RAW,
    off: tuple[str, ...] = ON,
    *,
    overrides: tuple[str, ...] = (),
    seeds: tuple[int, ...] = SEEDS,
    runs: Ensembles | None = None,
) -> FactResult:
    """Not only averaging: the wave lowers the activity of the members who were there before
    it (same seeds, paired), by more than 0.05 and twice the standard error of the drop.

    The test society keeps its own rules (no knob held), so superiors may nominate and a
    crisis may find the regime undefended. The chain: raw recruits stand up less, so the
    mobilisation a crisis finds falls short; at Thermidor the reaction nominates to every
    office, and the founders lose the practice of elections with everybody else.

    Scales: both clauses in units of the threshold 0.05."""
    r = runs or shared()
    settings = (SMALL, DECADE, *off)
    drop = r.founders_final(
        scenario(*settings, overrides=overrides, edit=wave(None)), "activity", seeds
    ) - r.founders_final(
        scenario(*settings, overrides=overrides, edit=wave(recruits)), "activity", seeds
    )
    standard_error = drop.std(ddof=1) / np.sqrt(drop.size)
    return FactResult(
        "fact_5_founders",
        (
            above("founders' activity drop", drop.mean(), 0.05, 0.05),
            above("founders' drop vs 2 standard errors", drop.mean(), 2.0 * standard_error, 0.05),
        ),
    )


def worse_shortage(raw: dict[str, Any]) -> None:
    """Every harvest shock twice as deep (at most 10)."""
    for shock in raw["shocks"]:
        if shock["kind"] == "harvest":
            shock["magnitude"] = min(10.0, 2.0 * shock["magnitude"])


def more_nominations(raw: dict[str, Any]) -> None:
    """The dated nominations of 1793-1794 half a year earlier: more of the apparatus named
    from above at every date before Thermidor (an edit of the file, not a ``--set``: a knob
    set holds and would cancel the dated ones)."""
    for event in raw["interventions"]:
        if event["kind"] == "nominate" and event["start"] < PARIS_THERMIDOR:
            event["start"] -= 6


def defenceless_steps(r: Ensembles, sc: Scenario, seeds: tuple[int, ...]) -> np.ndarray:
    """Per seed, the first step from which a crisis would find the regime undefended: the
    standing mobilisation below the share needed, and control fallen below the restricted
    share of its peak so far (Thermidor's two conditions, with the scenario's thresholds,
    read from the recorded series)."""
    crisis = getattr(sc.mechanisms, "crisis")  # noqa: B009 - the plan builds the record
    potential = r.series(sc, "mobilization_potential", seeds)
    control = r.series(sc, "control_index", seeds)
    bad = (potential < crisis.needed) & (
        control < crisis.restricted * np.maximum.accumulate(control, axis=1)
    )
    return np.where(bad.any(axis=1), bad.argmax(axis=1), sc.meta.steps).astype(float)


def fact_6(
    off: tuple[str, ...] = ON,
    *,
    overrides: tuple[str, ...] = (),
    seeds: tuple[int, ...] = SEEDS,
    runs: Ensembles | None = None,
) -> FactResult:
    """Paris ends in Thermidor, in the summer of 1794; a worse shortage and more nominations
    bring it earlier, the shortage more than the nominations.

    The date of Thermidor itself is that of the challenge the regime meets (the dated crisis
    of 9 Thermidor, or one the state of the model draws); what the mechanisms move is the
    step from which any challenge would find the regime undefended, which is what "earlier"
    is measured on, with Thermidor itself never later. The letter's ranking: "the food
    shortage played a decisive role", while nomination only accelerated the process.

    Scales: the shares of runs (at least 0.8, ``at_least``) in units of 0.8; "never later"
    is the latest delay over the seeds below half a step (steps are whole), in units of half
    a step (+1 when never later, -1 when a step later); the advances in years (12 steps)."""
    r = runs or shared()
    paris = scenario(PARIS, *off, overrides=overrides)
    steps = r.thermidor_steps(paris, seeds)
    n = len(seeds)
    ended = int(np.sum(steps < paris.meta.steps))
    summer = int(np.sum(np.abs(steps - PARIS_THERMIDOR) <= 3))
    nominated_sc = scenario(PARIS, *off, overrides=overrides, edit=more_nominations)
    hungry_sc = scenario(PARIS, *off, overrides=overrides, edit=worse_shortage)
    base = defenceless_steps(r, paris, seeds)
    by_nomination = (base - defenceless_steps(r, nominated_sc, seeds)).mean()
    by_shortage = (base - defenceless_steps(r, hungry_sc, seeds)).mean()
    later_nominated = np.max(r.thermidor_steps(nominated_sc, seeds) - steps)
    later_hungry = np.max(r.thermidor_steps(hungry_sc, seeds) - steps)
    return FactResult(
        "fact_6",
        (
            at_least("share of runs reaching Thermidor", ended, n, 0.8, 0.8),
            at_least("share in the summer of 1794", summer, n, 0.8, 0.8),
            below("latest delay with more nominations", later_nominated, 0.5, HALF_STEP),
            below("latest delay with a worse shortage", later_hungry, 0.5, HALF_STEP),
            above("undefended earlier: shortage vs nominations", by_shortage, by_nomination, YEAR),
            above("undefended earlier with more nominations", by_nomination, 0.0, YEAR),
        ),
    )


def hysteresis_scenario(*off: str, overrides: tuple[str, ...] = ()) -> Scenario:
    """The small society for 30 years: every office nominated at year 5, elections restored at
    year 15."""

    def edit(raw: dict[str, Any]) -> None:
        raw["interventions"] = [
            {"kind": "nominate", "share": 1.0, "start": 60},
            {"kind": "restore_elections", "start": 180},
        ]

    return scenario(SMALL, "meta.steps=360", *off, overrides=overrides, edit=edit)


def fact_7(
    off: tuple[str, ...] = ON,
    *,
    overrides: tuple[str, ...] = (),
    seeds: tuple[int, ...] = SEEDS,
    runs: Ensembles | None = None,
) -> FactResult:
    """Remedies raise control and participation, but recovery is slower than the decline was.

    Read on the first ``HYSTERESIS_SEEDS`` seeds. Scales: the remedies' gains in units of
    their threshold 0.1; recovery against 1.5 x the decline in years (12 steps). A run that
    never recovers counts 10,000 steps, as the test always has."""
    r = runs or shared()
    remedies = scenario("rakovsky-remedies-1928", SOVIET_SIZE, *off, overrides=overrides)
    purge = scenario("purge-1928", SOVIET_SIZE, *off, overrides=overrides)
    first = seeds[:HYSTERESIS_SEEDS]
    clauses = [
        above(
            f"{m}, remedies vs purge + 0.1",
            r.final(remedies, m, first).mean(),
            r.final(purge, m, first).mean() + 0.1,
            0.1,
        )
        for m in ("control_index", "participation")
    ]
    x = r.series(hysteresis_scenario(*off, overrides=overrides), "participation", first)
    x = x.mean(axis=0)
    high, low = x[50:60].mean(), x[170:180].mean()
    half = (high + low) / 2
    down = int(np.argmax(x[60:180] <= half))
    up = int(np.argmax(x[180:] >= half)) if (x[180:] >= half).any() else 10_000
    clauses.append(above("steps to recover half vs 1.5 x steps to lose it", up, 1.5 * down, YEAR))
    return FactResult("fact_7", tuple(clauses))


def fact_8(
    off: tuple[str, ...] = ON,
    *,
    overrides: tuple[str, ...] = (),
    seeds: tuple[int, ...] = SEEDS,
    runs: Ensembles | None = None,
) -> FactResult:
    """A purge without a change of method improves things only for a while.

    Measured on legitimacy, the members' judgement of the regime. A purge removes people, not
    the record of their abuses (docs/model.md 7.8): the gain comes from new holders who have
    not yet accrued the privileges of office (differentiation: without it there is no gain),
    and it fades as they accrue them and abuse under the same method (without abuses it does
    not fade). The unpurged run is the same file without the purge.

    Scales: every clause in units of the first year's threshold 0.005 of legitimacy."""
    r = runs or shared()
    purged = scenario("purge-1928", SOVIET_SIZE, *off, overrides=overrides)
    start = max(i.start for i in purged.interventions if i.kind == "purge")
    raw = purged.model_dump(mode="python")
    raw["interventions"] = [i for i in raw["interventions"] if i["start"] != start]
    unpurged = validate(raw)
    diff = r.series(purged, "legitimacy", seeds) - r.series(unpurged, "legitimacy", seeds)
    early = diff[:, start + 1 : start + 13].mean(axis=1)
    late = diff[:, start + 60 :].mean()
    standard_error = early.std(ddof=1) / np.sqrt(early.size)
    return FactResult(
        "fact_8",
        (
            above("legitimacy gain, first year", early.mean(), 0.005, 0.005),
            above("first year's gain vs 3 s.e.", early.mean(), 3.0 * standard_error, 0.005),
            below("|gain from five years on|", abs(late), 0.3 * early.mean(), 0.005),
        ),
    )
