"""The Rakovsky model's step plan: which mechanism runs when, and why in that order.

Events first (shocks, then decisions), then the cycle the letter describes:
privilege and identification, abuse, knowledge, reports, voice, accountability,
repression, the apparatus' growth, then the slow variables (activity and
capacity, legitimacy) and last the crisis test, which reads them all.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanEntry:
    name: str
    summary: str


STEP_PLAN: tuple[PlanEntry, ...] = (
    PlanEntry("economy", "shocks move hardship and market temptation; recruits arrive"),
    PlanEntry("interventions", "decisions starting this step change rules and policy"),
    PlanEntry("differentiation", "privilege accrues in the apparatus; identification decays"),
    PlanEntry("abuse", "holders abuse office: more with low identification and impunity"),
    PlanEntry("knowledge", "constituents witness abuses; knowledge spreads on the network"),
    PlanEntry("reporting", "output reported upward; nominees inflate; audits catch some"),
    PlanEntry("voice", "members who know speak out past fear and their threshold"),
    PlanEntry("accountability", "elections, recalls, superiors' reviews, draws; vacancies filled"),
    PlanEntry("repression", "voice and opposition punished: expulsion, deportation, fear"),
    PlanEntry("apparatus", "officials multiply staff posts up to the apparatus cap"),
    PlanEntry("activity", "activity and capacity grow with working voice, decay unused"),
    PlanEntry("legitimacy", "legitimacy follows known abuses, privilege gap, hardship"),
    PlanEntry("crisis", "mobilisation cascade; at a crisis, Thermidor if it fails"),
)
