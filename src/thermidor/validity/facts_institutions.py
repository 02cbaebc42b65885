"""Stylized facts 1-4 of the model brief: what nomination, repression and the lack of
transparency do to a society over a decade (the tests' small society, tests/data/small.toml).

Each check compares scenarios with the same seeds and returns a ``FactResult``: its
clauses (the thresholds are those the stylized-fact tests have always used), whether all
hold, and the margin of the clause nearest to failing. ``off`` is the ablation (overrides
that switch the responsible mechanism off), ``overrides`` the parameter point under test,
``seeds`` the ensemble, ``runs`` where the runs are computed and remembered (the process's
shared ensembles by default).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from thermidor.validity.clauses import FactResult, above, below
from thermidor.validity.ensembles import Ensembles, scenario, shared

# twelve seeds: with six, a fact's margin could hinge on one realisation of the network
SEEDS = tuple(range(12))
# the tests' small society (a copy of tests/data/small.toml, kept identical by a test),
# shipped so that the facts run wherever the package is installed
SMALL = str(Path(__file__).with_name("data") / "small.toml")
DECADE = "meta.steps=120"
ON: tuple[str, ...] = ()
# a hundredth of a 0..1 metric: the unit of a clause whose threshold is zero
UNIT = 0.01


def fact_1(
    off: tuple[str, ...] = ON,
    *,
    overrides: tuple[str, ...] = (),
    seeds: tuple[int, ...] = SEEDS,
    runs: Ensembles | None = None,
) -> FactResult:
    """Nomination, no cap: identification falls, privilege rises; election with a cap: much less.

    Scales: the fall of identification in units of its threshold 0.15 (both clauses on it);
    the privilege ratio relative to twice the elected one (its bound)."""
    r = runs or shared()
    nominated = scenario(SMALL, DECADE, "institutions.nominated_share=1", *off, overrides=overrides)
    elected = scenario(
        SMALL,
        DECADE,
        "institutions.nominated_share=0",
        "institutions.privilege_cap=1.5",
        *off,
        overrides=overrides,
    )
    fall_nom = r.series(nominated, "identification", seeds)
    fall_nom = (fall_nom[:, 0] - fall_nom[:, -1]).mean()
    fall_ele = r.series(elected, "identification", seeds)
    fall_ele = (fall_ele[:, 0] - fall_ele[:, -1]).mean()
    priv_nom = r.final(nominated, "privilege_ratio", seeds).mean()
    priv_ele = r.final(elected, "privilege_ratio", seeds).mean()
    return FactResult(
        "fact_1",
        (
            above("identification falls, nominated", fall_nom, 0.15, 0.15),
            above("nominated fall vs 1.5 x elected fall", fall_nom, 1.5 * fall_ele, 0.15),
            above(
                "privilege ratio, nominated vs 2 x elected",
                priv_nom,
                2.0 * priv_ele,
                abs(2.0 * priv_ele) or UNIT,
            ),
        ),
    )


def fact_2(
    off: tuple[str, ...] = ON,
    *,
    overrides: tuple[str, ...] = (),
    seeds: tuple[int, ...] = SEEDS,
    runs: Ensembles | None = None,
) -> FactResult:
    """Nomination and repression: most widely known abuses go unsanctioned; participation falls.

    Each clause has its chain: abuses committed (abuse) become widely known (knowledge) and
    stand because a superior, not the electorate, judges the holder (accountability); and
    participation falls because no election is held for the members to take part in
    (practice) while punishment frightens them (repression). Hardship wears activity down
    under any rule: the fall that counts is also the one election would have spared.

    Scales: each clause's own threshold (0.5, 0.5, 0.7, 0.2, 0.15)."""
    r = runs or shared()
    repressive = scenario(
        SMALL,
        DECADE,
        "institutions.nominated_share=1",
        "repression.intensity=0.5",
        *off,
        overrides=overrides,
    )
    elective = scenario(SMALL, DECADE, "institutions.nominated_share=0", *off, overrides=overrides)
    participation = r.series(repressive, "participation", seeds)
    known = r.series(repressive, "known_abuse_share", seeds)[:, -24:].mean()
    fall = (participation[:, 0] - participation[:, -1]).mean()
    below_election = (r.final(elective, "participation", seeds) - participation[:, -1]).mean()
    return FactResult(
        "fact_2",
        (
            below(
                "sanctioned share, nominated and repressive",
                r.final(repressive, "sanctioned_share", seeds).mean(),
                0.5,
                0.5,
            ),
            above("known abuse share, last 24 steps", known, 0.5, 0.5),
            above(
                "sanctioned share, elective",
                r.final(elective, "sanctioned_share", seeds).mean(),
                0.7,
                0.7,
            ),
            above("participation falls", fall, 0.2, 0.2),
            above("participation ends below election's", below_election, 0.15, 0.15),
        ),
    )


NOMINATED_SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)


def fact_3(
    off: tuple[str, ...] = ON,
    *,
    overrides: tuple[str, ...] = (),
    seeds: tuple[int, ...] = SEEDS,
    runs: Ensembles | None = None,
) -> FactResult:
    """Dose-response: the more nominated offices, the lower activity and capacity after a decade.

    The chain: a nominated office holds no election, so its members lose the practice of
    deciding (accountability) that activity and capacity are made of (activity). Cut the
    link from practice to activity, and the dose-response goes.

    Scales: the steps of the ladder (each must fall: the largest step must be below 0) in
    units of 0.05, the mean step of the required total fall of 0.2 over four steps; the
    total fall of activity in units of its threshold 0.2."""
    r = runs or shared()
    runs_ = [
        scenario(SMALL, DECADE, f"institutions.nominated_share={s}", *off, overrides=overrides)
        for s in NOMINATED_SHARES
    ]
    activity = [r.final(sc, "participation", seeds).mean() for sc in runs_]
    capacity = [r.final(sc, "capacity", seeds).mean() for sc in runs_]
    step = 0.2 / (len(NOMINATED_SHARES) - 1)
    return FactResult(
        "fact_3",
        (
            below("largest step of activity up the ladder", np.max(np.diff(activity)), 0, step),
            below("largest step of capacity up the ladder", np.max(np.diff(capacity)), 0, step),
            above("activity, none nominated minus all", activity[0] - activity[-1], 0.2, 0.2),
        ),
    )


def fact_4(
    off: tuple[str, ...] = ON,
    *,
    overrides: tuple[str, ...] = (),
    seeds: tuple[int, ...] = SEEDS,
    runs: Ensembles | None = None,
) -> FactResult:
    """Report inflation grows under nomination, stays near 1 with election and transparency.

    Scales: inflation measured from honest figures (1), so the excess over 1.3 in units of
    0.3; the spread of the open society in units of its bound 0.05."""
    r = runs or shared()
    nominated = scenario(SMALL, DECADE, "institutions.nominated_share=1", *off, overrides=overrides)
    open_ = scenario(
        SMALL,
        DECADE,
        "institutions.nominated_share=0",
        "transparency.level=0.8",
        *off,
        overrides=overrides,
    )
    grown = r.series(nominated, "report_inflation", seeds)[:, -24:].mean()
    # how far a typical run strays from honest figures at its worst step
    spread = np.abs(r.series(open_, "report_inflation", seeds) - 1.0).max(axis=1).mean()
    return FactResult(
        "fact_4",
        (
            above("report inflation, nominated, last 24 steps", grown, 1.3, 0.3),
            below("elected and open: mean over runs of max |x - 1|", spread, 0.05, 0.05),
        ),
    )


def elected_inflate(
    off: tuple[str, ...] = ON,
    *,
    overrides: tuple[str, ...] = (),
    seeds: tuple[int, ...] = SEEDS,
    runs: Ensembles | None = None,
) -> FactResult:
    """Election alone does not keep reports honest: elected holders inflate too when their
    electorate is passive and there is neither a free press nor audits to catch them
    (fact 4 is not true by construction).

    Scales: the excess over 1.01 in units of 0.01; the share of runs in units of 0.5."""
    r = runs or shared()
    closed = scenario(
        SMALL,
        DECADE,
        "institutions.nominated_share=0",
        "transparency.level=0",
        "transparency.audit_rate=0",
        *off,
        overrides=overrides,
    )
    x = r.series(closed, "report_inflation", seeds)
    share_above = (x.max(axis=1) > 1.05).mean()
    return FactResult(
        "fact_4_elected",
        (
            above("report inflation, last 24 steps", x[:, -24:].mean(), 1.01, 0.01),
            above("share of runs above 1.05 at some step", share_above, 0.5, 0.5),
        ),
    )
