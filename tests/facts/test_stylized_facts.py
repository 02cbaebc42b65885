"""The eight stylized facts of the model brief, over ensembles of seeds.

Each test compares scenarios or settings with the same seeds, and is run once
with the model as it is and once with the responsible mechanism switched off
(through its parameters): the fact must hold in the first case and fail in
the second, so the test proves it would catch the loss of the mechanism.
"""

from __future__ import annotations

import numpy as np
import pytest

from facts.ensemble import SEEDS, final, founders_final, scenario, series, thermidor_steps
from thermidor.model.mechanisms.crisis import CrisisParams
from thermidor.scenarios.loader import validate

# ensembles of seeds, the slowest tests: `make test` runs them, `make test-quick` leaves them out
pytestmark = pytest.mark.slow

SMALL = "tests/data/small.toml"
DECADE = "meta.steps=120"
ON: tuple[str, ...] = ()

DIFFERENTIATION_OFF = (
    "mechanisms.differentiation.privilege_growth=0",
    "mechanisms.differentiation.tenure_decay=0",
    "mechanisms.differentiation.privilege_decay=0",
)
KNOWLEDGE_OFF = (
    "mechanisms.knowledge.witness=0",
    "mechanisms.knowledge.tell=0",
    "mechanisms.knowledge.press=0",
    "mechanisms.knowledge.upward_witness=0",
)
ACTIVITY_OFF = tuple(
    f"mechanisms.activity.{name}=0"
    for name in (
        "success_gain",
        "futility_loss",
        "fear_loss",
        "hardship_loss",
        "idle_loss",
        "practice_gain",
        "learn",
        "office_learn",
        "education_gain",
        "decay",
    )
)
# the two links of statistical charlatanism: a superior who rewards reported results, and
# audits, the press and watching voters who catch inflation (the scenario's audits with them)
REWARD_OFF = ("mechanisms.reporting.superior_reward=0",)
# the motive of elected holders: voters who do not watch the real output judge by the report
VOTER_REWARD_OFF = ("mechanisms.reporting.voter_reward=0",)
CATCH_OFF = (
    "mechanisms.reporting.voter_catch=0",
    "mechanisms.reporting.press_catch=0",
    "transparency.audit_rate=0",
)
CAPACITY_GATE_OFF = ("mechanisms.activity.capacity_gate=0",)
ABUSE_OFF = ("mechanisms.abuse.base_rate=0",)
SOVIET_SIZE = "meta.members=5000"  # the 1928 counterfactuals at a quarter of their default size


def fact_1(off: tuple[str, ...]) -> bool:
    """Nomination, no cap: identification falls, privilege rises; election with a cap: much less."""
    nominated = scenario(SMALL, DECADE, "institutions.nominated_share=1", *off)
    elected = scenario(
        SMALL, DECADE, "institutions.nominated_share=0", "institutions.privilege_cap=1.5", *off
    )
    fall_nom = series(nominated, "identification")
    fall_nom = (fall_nom[:, 0] - fall_nom[:, -1]).mean()
    fall_ele = series(elected, "identification")
    fall_ele = (fall_ele[:, 0] - fall_ele[:, -1]).mean()
    priv_nom = final(nominated, "privilege_ratio").mean()
    priv_ele = final(elected, "privilege_ratio").mean()
    return bool(fall_nom > 0.15 and fall_nom > 1.5 * fall_ele and priv_nom > 2.0 * priv_ele)


@pytest.mark.parametrize(("off", "holds"), [(ON, True), (DIFFERENTIATION_OFF, False)])
def test_fact_1_nomination_without_cap_breeds_privilege(off: tuple[str, ...], holds: bool) -> None:
    assert fact_1(off) is holds


def fact_2(off: tuple[str, ...]) -> bool:
    """Nomination and repression: most widely known abuses go unsanctioned; participation falls.

    Each clause has its chain: abuses committed (abuse) become widely known (knowledge) and
    stand because a superior, not the electorate, judges the holder (accountability); and
    participation falls because no election is held for the members to take part in
    (practice) while punishment frightens them (repression)."""
    repressive = scenario(
        SMALL, DECADE, "institutions.nominated_share=1", "repression.intensity=0.5", *off
    )
    elective = scenario(SMALL, DECADE, "institutions.nominated_share=0", *off)
    participation = series(repressive, "participation")
    known = series(repressive, "known_abuse_share")[:, -24:].mean()
    fall = (participation[:, 0] - participation[:, -1]).mean()
    # hardship wears activity down under any rule: the fall that counts is the one election
    # would have spared
    below = (final(elective, "participation") - participation[:, -1]).mean()
    print(
        f"fact 2 {off}: sanctioned {final(repressive, 'sanctioned_share').mean():.3f} "
        f"(elective {final(elective, 'sanctioned_share').mean():.3f}), known {known:.3f}, "
        f"participation falls by {fall:.3f}, ends {below:.3f} below election's"
    )
    return bool(
        final(repressive, "sanctioned_share").mean() < 0.5
        and known > 0.5
        and final(elective, "sanctioned_share").mean() > 0.7
        and fall > 0.2
        and below > 0.15
    )


# the chains cut: nothing to know; no practice lost and no fear from punishment
PRACTICE_AND_FEAR_OFF = (
    "mechanisms.activity.practice_gain=0",
    "mechanisms.activity.idle_loss=0",
    "mechanisms.activity.fear_loss=0",
)


@pytest.mark.parametrize(
    ("off", "holds"),
    [(ON, True), (KNOWLEDGE_OFF, False), (ABUSE_OFF, False), (PRACTICE_AND_FEAR_OFF, False)],
)
def test_fact_2_we_knew_already_for_some_time(off: tuple[str, ...], holds: bool) -> None:
    assert fact_2(off) is holds


def fact_3(off: tuple[str, ...]) -> bool:
    """Dose-response: the more nominated offices, the lower activity and capacity after a decade.

    The chain: a nominated office holds no election, so its members lose the practice of
    deciding (accountability) that activity and capacity are made of (activity). Cut the
    link from practice to activity, and the dose-response goes."""
    shares = (0.0, 0.25, 0.5, 0.75, 1.0)
    runs = [scenario(SMALL, DECADE, f"institutions.nominated_share={s}", *off) for s in shares]
    activity = [final(sc, "participation").mean() for sc in runs]
    capacity = [final(sc, "capacity").mean() for sc in runs]
    print(f"fact 3 {off}: activity {np.round(activity, 3)}, capacity {np.round(capacity, 3)}")
    return bool(
        np.all(np.diff(activity) < 0)
        and np.all(np.diff(capacity) < 0)
        and activity[0] - activity[-1] > 0.2
    )


PRACTICE_OFF = ("mechanisms.activity.practice_gain=0", "mechanisms.activity.idle_loss=0")


@pytest.mark.parametrize(
    ("off", "holds"), [(ON, True), (ACTIVITY_OFF, False), (PRACTICE_OFF, False)]
)
def test_fact_3_dose_response_of_nomination(off: tuple[str, ...], holds: bool) -> None:
    assert fact_3(off) is holds


def fact_4(off: tuple[str, ...]) -> bool:
    """Report inflation grows under nomination, stays near 1 with election and transparency."""
    nominated = scenario(SMALL, DECADE, "institutions.nominated_share=1", *off)
    open_ = scenario(
        SMALL, DECADE, "institutions.nominated_share=0", "transparency.level=0.8", *off
    )
    grown = series(nominated, "report_inflation")[:, -24:].mean()
    # how far a typical run strays from honest figures at its worst step
    spread = np.abs(series(open_, "report_inflation") - 1.0).max(axis=1).mean()
    print(
        f"fact 4 {off}: nominated, last 24 steps {grown:.4f}; "
        f"elected and open, mean over runs of max |x - 1| {spread:.4f}"
    )
    return bool(grown > 1.3 and spread < 0.05)


@pytest.mark.parametrize(("off", "holds"), [(ON, True), (REWARD_OFF, False), (CATCH_OFF, False)])
def test_fact_4_statistical_charlatanism(off: tuple[str, ...], holds: bool) -> None:
    assert fact_4(off) is holds


def elected_inflate(off: tuple[str, ...]) -> bool:
    """Election alone does not keep reports honest: elected holders inflate too when their
    electorate is passive and there is neither a free press nor audits to catch them."""
    closed = scenario(
        SMALL,
        DECADE,
        "institutions.nominated_share=0",
        "transparency.level=0",
        "transparency.audit_rate=0",
        *off,
    )
    x = series(closed, "report_inflation")
    above = (x.max(axis=1) > 1.05).mean()
    print(
        f"fact 4, elected without press or audits {off}: last 24 steps "
        f"{x[:, -24:].mean():.4f}, share of runs above 1.05 at some step {above:.2f}"
    )
    return bool(x[:, -24:].mean() > 1.01 and above > 0.5)


@pytest.mark.parametrize(("off", "holds"), [(ON, True), (VOTER_REWARD_OFF, False)])
def test_fact_4_is_not_true_by_construction(off: tuple[str, ...], holds: bool) -> None:
    assert elected_inflate(off) is holds


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


def _wave(levels: dict[str, float] | None):
    def edit(raw: dict) -> None:
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


def fact_5(recruits: dict[str, float] = RAW, off: tuple[str, ...] = ON) -> bool:
    """A recruitment wave without experience of struggle speeds the decline.

    Each metric ends lower with the wave than without it (same seeds, paired), by more
    than twice the standard error of the difference and by at least a substantive margin
    (identification falls by about 0.02: its margin is the significance alone).
    """
    settings = (SMALL, DECADE, "institutions.nominated_share=0.5", *off)
    without = scenario(*settings, edit=_wave(None))
    with_wave = scenario(*settings, edit=_wave(recruits))
    checks = []
    for metric, margin in (("participation", 0.01), ("capacity", 0.05), ("identification", 0.0)):
        drop = final(without, metric) - final(with_wave, metric)
        standard_error = drop.std(ddof=1) / np.sqrt(drop.size)
        checks.append(drop.mean() > margin and drop.mean() > 2.0 * standard_error)
    return all(checks)


@pytest.mark.parametrize(("recruits", "holds"), [(RAW, True), (VETERAN_LIKE, False)])
def test_fact_5_recruits_without_struggle_dilute(recruits: dict[str, float], holds: bool) -> None:
    # "switched off": the recruits bring the same experience as the veterans
    assert fact_5(recruits) is holds


def fact_5_founders(recruits: dict[str, float] = RAW, off: tuple[str, ...] = ON) -> bool:
    """Not only averaging: the wave lowers the activity of the members who were there before
    it (same seeds, paired), by more than 0.05 and twice the standard error of the drop.

    The test society keeps its own rules (no knob held), so superiors may nominate and a
    crisis may find the regime undefended. The chain: raw recruits stand up less, so the
    mobilisation a crisis finds falls short; at Thermidor the reaction nominates to every
    office, and the founders lose the practice of elections with everybody else.
    """
    settings = (SMALL, DECADE, *off)
    drop = founders_final(scenario(*settings, edit=_wave(None)), "activity") - founders_final(
        scenario(*settings, edit=_wave(recruits)), "activity"
    )
    standard_error = drop.std(ddof=1) / np.sqrt(drop.size)
    return bool(drop.mean() > 0.05 and drop.mean() > 2.0 * standard_error)


@pytest.mark.parametrize(
    ("recruits", "off", "holds"),
    [(RAW, ON, True), (VETERAN_LIKE, ON, False), (RAW, ('switched_off=["crisis"]',), False)],
)
def test_fact_5_the_wave_lowers_the_founders_own_activity(
    recruits: dict[str, float], off: tuple[str, ...], holds: bool
) -> None:
    """Measured (12 seeds): founders end at 0.28 without a wave, 0.05 after a raw one, 0.26
    after a veteran-like one; with the crisis switched off (no Thermidor) a raw wave costs
    them 0.03."""
    assert fact_5_founders(recruits, off) is holds


def test_fact_5_passes_through_the_elections_the_recruits_vote_in() -> None:
    """The chain cut: with accountability switched off (no election held, no practice for
    anyone) the raw wave no longer speeds the decline (benchmarks/ablation.py, 7.16)."""
    assert fact_5(RAW, ('switched_off=["accountability"]',)) is False


def _worse_shortage(raw: dict) -> None:
    for shock in raw["shocks"]:
        if shock["kind"] == "harvest":
            shock["magnitude"] = min(10.0, 2.0 * shock["magnitude"])


def _more_nominations(raw: dict) -> None:
    """The dated nominations of 1793-1794 half a year earlier: more of the apparatus named
    from above at every date before Thermidor (an edit of the file, not a ``--set``: a knob
    set holds and would cancel the dated ones)."""
    for event in raw["interventions"]:
        if event["kind"] == "nominate" and event["start"] < PARIS_THERMIDOR:
            event["start"] -= 6


PARIS_THERMIDOR = 60  # 1794-07, 9-10 Thermidor Year II
NEEDED = CrisisParams().needed  # the thresholds of Thermidor, as the model has them
RESTRICTED = CrisisParams().restricted


def defenceless_steps(sc) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Per seed, the first step from which a crisis would find the regime undefended: the
    standing mobilisation below the share needed, and control fallen below the restricted
    share of its peak so far (Thermidor's two conditions, read from the recorded series)."""
    potential, control = series(sc, "mobilization_potential"), series(sc, "control_index")
    bad = (potential < NEEDED) & (control < RESTRICTED * np.maximum.accumulate(control, axis=1))
    return np.where(bad.any(axis=1), bad.argmax(axis=1), sc.meta.steps).astype(float)


def fact_6(off: tuple[str, ...]) -> bool:
    """Paris ends in Thermidor, in the summer of 1794; a worse shortage and more nominations
    bring it earlier, the shortage more than the nominations.

    The date of Thermidor itself is that of the challenge the regime meets (the dated crisis
    of 9 Thermidor, or one the state of the model draws); what the mechanisms move is the
    step from which any challenge would find the regime undefended, which is what "earlier"
    is measured on, with Thermidor itself never later. The letter's ranking: "the food
    shortage played a decisive role", while nomination only accelerated the process.
    """
    paris = scenario("paris-1789-1794", *off)
    steps = thermidor_steps(paris)
    ended = float(np.mean(steps < paris.meta.steps))
    summer = float(np.mean(np.abs(steps - PARIS_THERMIDOR) <= 3))
    nominated_sc = scenario("paris-1789-1794", *off, edit=_more_nominations)
    hungry_sc = scenario("paris-1789-1794", *off, edit=_worse_shortage)
    base = defenceless_steps(paris)
    by_nomination = (base - defenceless_steps(nominated_sc)).mean()
    by_shortage = (base - defenceless_steps(hungry_sc)).mean()
    print(
        f"fact 6 {off}: reached {ended:.2f} ({summer:.2f} in the summer of 1794), mean step "
        f"{steps.mean():.1f}; undefended from {base.mean():.1f}, earlier by {by_nomination:.2f} "
        f"with more nominations, by {by_shortage:.2f} with a worse shortage"
    )
    return bool(
        ended >= 0.8
        and summer >= 0.8
        and np.all(thermidor_steps(nominated_sc) <= steps)
        and np.all(thermidor_steps(hungry_sc) <= steps)
        and by_shortage > by_nomination > 0.0
    )


# the food shortage's road to the masses' indifference: weariness, and hardship's toll on
# legitimacy and activity
SHORTAGE_CHAIN_OFF = (
    "mechanisms.crisis.weariness=0",
    "mechanisms.legitimacy.hardship_weight=0",
    "mechanisms.activity.hardship_loss=0",
)


@pytest.mark.parametrize(("off", "holds"), [(ON, True), (SHORTAGE_CHAIN_OFF, False)])
def test_fact_6_paris_ends_in_thermidor(off: tuple[str, ...], holds: bool) -> None:
    assert fact_6(off) is holds


def _hysteresis_scenario(*off: str):
    def edit(raw: dict) -> None:
        raw["interventions"] = [
            {"kind": "nominate", "share": 1.0, "start": 60},
            {"kind": "restore_elections", "start": 180},
        ]

    return scenario(SMALL, "meta.steps=360", *off, edit=edit)


def fact_7(off: tuple[str, ...]) -> bool:
    """Remedies raise control and participation, but recovery is slower than the decline was."""
    remedies = scenario("rakovsky-remedies-1928", SOVIET_SIZE, *off)
    purge = scenario("purge-1928", SOVIET_SIZE, *off)
    seeds = SEEDS[:4]
    better = all(
        final(remedies, m, seeds).mean() > final(purge, m, seeds).mean() + 0.1
        for m in ("control_index", "participation")
    )
    x = series(_hysteresis_scenario(*off), "participation", seeds).mean(axis=0)
    high, low = x[50:60].mean(), x[170:180].mean()
    half = (high + low) / 2
    down = int(np.argmax(x[60:180] <= half))
    up = int(np.argmax(x[180:] >= half)) if (x[180:] >= half).any() else 10_000
    return bool(better and up > 1.5 * down)


@pytest.mark.parametrize(("off", "holds"), [(ON, True), (CAPACITY_GATE_OFF, False)])
def test_fact_7_harder_to_re_educate_than_to_conquer(off: tuple[str, ...], holds: bool) -> None:
    assert fact_7(off) is holds


def fact_8(off: tuple[str, ...]) -> bool:
    """A purge without a change of method improves things only for a while.

    Measured on legitimacy, the members' judgement of the regime. A purge removes people, not
    the record of their abuses (docs/model.md 7.8): the gain comes from new holders who have
    not yet accrued the privileges of office (differentiation: without it there is no gain),
    and it fades as they accrue them and abuse under the same method (without abuses it does
    not fade). The unpurged run is the same file without the purge."""
    purged = scenario("purge-1928", SOVIET_SIZE, *off)
    start = max(i.start for i in purged.interventions if i.kind == "purge")
    raw = purged.model_dump(mode="python")
    raw["interventions"] = [i for i in raw["interventions"] if i["start"] != start]
    unpurged = validate(raw)
    diff = series(purged, "legitimacy") - series(unpurged, "legitimacy")
    early = diff[:, start + 1 : start + 13].mean(axis=1)
    late = diff[:, start + 60 :].mean()
    standard_error = early.std(ddof=1) / np.sqrt(early.size)
    print(
        f"fact 8 {off}: legitimacy, purged - unpurged: first year {early.mean():.4f} "
        f"(se {standard_error:.4f}), from five years on {late:.4f}"
    )
    return bool(
        early.mean() > 0.005
        and early.mean() > 3.0 * standard_error
        and abs(late) < 0.3 * early.mean()
    )


@pytest.mark.parametrize(
    ("off", "holds"), [(ON, True), (DIFFERENTIATION_OFF, False), (ABUSE_OFF, False)]
)
def test_fact_8_purge_helps_only_for_a_while(off: tuple[str, ...], holds: bool) -> None:
    assert fact_8(off) is holds
