"""Build the world at step 0 from a validated scenario and the run's random streams."""

from __future__ import annotations

import math

import numpy as np

from thermidor.engine.hierarchy import BOTTOM, MIDDLE, TOP, build_hierarchy
from thermidor.engine.network import clustered_network, neighbourhoods_for
from thermidor.engine.rng import Streams
from thermidor.model.mechanisms.apparatus import hire_staff
from thermidor.model.mechanisms.interventions import convert_share
from thermidor.model.mechanisms.offices import fill_vacancies
from thermidor.model.scenario import Scenario
from thermidor.model.state import (
    ELECTION,
    MEMBER,
    NOMINATION,
    RULES,
    Members,
    NeighbourCount,
    Offices,
    Policy,
    Tally,
    World,
)

INITIAL_LEGITIMACY = 0.8  # assumption: a revolution starts with broad consent (docs/model.md)
CONCENTRATION = 10.0  # Beta concentration of individual draws around a cohort's mean


def _beta_around(mean: np.ndarray, concentration: float, rng: np.random.Generator) -> np.ndarray:
    mu = np.clip(mean, 0.01, 0.99)
    return rng.beta(mu * concentration, (1.0 - mu) * concentration).astype(np.float32)


def recruitment_schedule(scenario: Scenario) -> list[tuple[int, int, int]]:
    """(step, cohort index, count) for every step of every recruitment wave."""
    names = [c.name for c in scenario.society.cohorts]
    out: list[tuple[int, int, int]] = []
    for shock in scenario.shocks:
        if shock.kind != "recruitment" or shock.start >= scenario.meta.steps:
            continue
        total = round(shock.magnitude * scenario.meta.members)
        steps = min(shock.duration, scenario.meta.steps - shock.start)
        per = np.diff(np.round(np.linspace(0, total * steps / shock.duration, steps + 1)))
        cohort = names.index(shock.cohort or names[-1])
        out.extend((shock.start + i, cohort, int(k)) for i, k in enumerate(per) if k > 0)
    return out


def _members(
    scenario: Scenario, rng: np.random.Generator
) -> tuple[Members, dict[int, np.ndarray], int]:
    soc = scenario.society
    n0 = scenario.meta.members
    schedule = recruitment_schedule(scenario)
    n = n0 + sum(k for _, _, k in schedule)
    n_cells = math.ceil(n0 / soc.cell_size)

    cell = np.empty(n, dtype=np.int32)
    cell[:n0] = np.arange(n0) // soc.cell_size
    cell[n0:] = rng.integers(0, n_cells, size=n - n0)
    cohort = np.empty(n, dtype=np.int8)
    cohort[:n0] = rng.choice(len(soc.cohorts), size=n0, p=[c.share for c in soc.cohorts])
    queue: dict[int, np.ndarray] = {}
    start = n0
    for step, index, k in schedule:
        cohort[start : start + k] = index
        arriving = np.arange(start, start + k)  # waves may overlap: add, never replace
        queue[step] = np.concatenate([queue[step], arriving]) if step in queue else arriving
        start += k
    stratum = rng.choice(len(soc.strata), size=n, p=[s.share for s in soc.strata]).astype(np.int8)

    k_max = soc.wage_categories
    lo = np.minimum([s.wage_min for s in soc.strata], k_max)[stratum]
    hi = np.minimum([s.wage_max for s in soc.strata], k_max)[stratum]
    category = (lo + np.floor(rng.random(n) * (hi - lo + 1))).astype(np.int8)
    wage = np.power(soc.wage_ratio, (category - 1) / max(k_max - 1, 1)).astype(np.float32)

    def per_cohort(attr: str) -> np.ndarray:
        return np.array([getattr(c, attr) for c in soc.cohorts], dtype=np.float64)[cohort]

    ident = per_cohort("identification").astype(np.float32)
    present = np.zeros(n, dtype=bool)
    present[:n0] = True
    members = Members(
        cell=cell,
        cohort=cohort,
        stratum=stratum,
        wage_category=category,
        wage=wage,
        present=present,
        party=rng.random(n) < per_cohort("party_share"),
        expelled=np.zeros(n, dtype=bool),
        deported=np.zeros(n, dtype=bool),
        role=np.full(n, MEMBER, dtype=np.int8),
        post=np.full(n, -1, dtype=np.int32),
        activity=_beta_around(per_cohort("activity"), CONCENTRATION, rng),
        capacity=_beta_around(per_cohort("capacity"), CONCENTRATION, rng),
        hardship=np.array([s.hardship for s in soc.strata], dtype=np.float32)[stratum],
        legitimacy=np.full(n, INITIAL_LEGITIMACY, dtype=np.float32),
        fear=per_cohort("fear").astype(np.float32),
        identification=ident.copy(),
        base_identification=ident,
        privilege=np.ones(n, dtype=np.float32),
        threshold=_beta_around(per_cohort("threshold_mean"), CONCENTRATION / 2, rng),
        knows=np.zeros(n, dtype=np.uint8),
        voicing=np.zeros(n, dtype=bool),
        voice_count=np.zeros(n, dtype=np.int32),
        opposition=np.zeros(n, dtype=bool),
        mobilised=np.zeros(n, dtype=bool),
        success=np.zeros(n, dtype=bool),
        futility=np.zeros(n, dtype=bool),
        joined=np.full(n, -1, dtype=np.int32),
    )
    members, queue = _in_cell_order(members, queue)
    return members, queue, n_cells


def _in_cell_order(
    members: Members, queue: dict[int, np.ndarray]
) -> tuple[Members, dict[int, np.ndarray]]:
    """Renumber slots so that each cell's members (recruits included) are contiguous.

    Most passes over members read or write per-cell quantities, and most ties are
    between workmates: with a cell's rows side by side those reads stay in cache
    instead of jumping across the whole buffer. Ids stay row numbers, stable for the run.
    """
    order = np.argsort(members.cell, kind="stable")
    new_id = np.empty_like(order)
    new_id[order] = np.arange(order.size)
    fields = {name: getattr(members, name)[order] for name in vars(members)}
    return Members(**fields), {step: np.sort(new_id[ids]) for step, ids in queue.items()}


def _offices(scenario: Scenario, n_cells: int, rng: np.random.Generator) -> Offices:
    inst = scenario.institutions
    tree = build_hierarchy(n_cells, scenario.society.fanout, len(inst.branches))
    m = tree.size
    rule = np.empty(m, dtype=np.int8)
    term = np.empty(m, dtype=np.int32)
    recall = np.empty(m, dtype=bool)
    for b, branch in enumerate(inst.branches):
        for tier_id, tier in ((TOP, branch.top), (MIDDLE, branch.middle), (BOTTOM, branch.bottom)):
            sel = (tree.branch == b) & (tree.tier == tier_id)
            rule[sel] = RULES.index(tier.rule)
            term[sel] = inst.term if inst.term is not None else tier.term
            recall[sel] = inst.recall if inst.recall is not None else tier.recall
    return Offices(
        tree=tree,
        rule=rule,
        term=term,
        term_left=term.copy(),
        recall=recall,
        holder=np.full(m, -1, dtype=np.int32),
        tenure=np.zeros(m, dtype=np.int32),
        open_abuses=np.zeros(m, dtype=np.int32),
        known_frac=np.zeros(m, dtype=np.float32),
        known_age=np.zeros(m, dtype=np.int32),
        parent_known=np.zeros(m, dtype=bool),
        inflation=np.ones(m, dtype=np.float32),
        real_output=np.zeros(m, dtype=np.float32),
        reported_output=np.zeros(m, dtype=np.float32),
        staff=np.zeros(m, dtype=np.int32),
        priority=tree.level + rng.random(m),
    )


def build_world(scenario: Scenario, streams: Streams) -> tuple[World, dict[int, np.ndarray]]:
    """The world at step 0 and the recruits due at each later step."""
    rng = streams("build")
    soc, inst = scenario.society, scenario.institutions
    members, queue, n_cells = _members(scenario, rng)
    net = soc.network
    neighbourhood = neighbourhoods_for(members.cell, net.neighbourhood_size, soc.cell_size, rng)
    network = clustered_network(
        members.cell,
        neighbourhood,
        workplace_degree=net.workplace_degree,
        neighbourhood_degree=net.neighbourhood_degree,
        random_degree=net.random_degree,
        dispersion=net.dispersion,
        rng=rng,
    )
    offices = _offices(scenario, n_cells, rng)
    tree = offices.tree
    child = np.flatnonzero(tree.parent >= 0)
    child_order = child[np.argsort(tree.parent[child], kind="stable")].astype(np.int64)
    child_start = np.concatenate(
        ([0], np.cumsum(np.bincount(tree.parent[child], minlength=tree.size)))
    ).astype(np.int64)
    cell_start = np.concatenate(
        ([0], np.cumsum(np.bincount(members.cell, minlength=n_cells)))
    ).astype(np.int64)
    names = tuple(b.name for b in inst.branches)
    world = World(
        members=members,
        offices=offices,
        network=network,
        workmates=network.within(members.cell),
        policy=Policy(
            privilege_cap=inst.privilege_cap,
            apparatus_cap=inst.apparatus_cap,
            repression=scenario.repression.intensity,
            deport_share=scenario.repression.deport_share,
            transparency=scenario.transparency.level,
            audit_rate=scenario.transparency.audit_rate,
            education=scenario.education.intensity,
            market_temptation=scenario.economy.market_temptation,
        ),
        tally=Tally(),
        cell_start=cell_start,
        n_cells=n_cells,
        n_branches=len(names),
        branch_names=names,
        party_branch=names.index("party") if "party" in names else -1,
        child_start=child_start,
        child_order=child_order,
        initial_members=scenario.meta.members,
        mobilised_neighbours=NeighbourCount.empty(members.size),
    )
    if inst.nominated_share is not None:
        offices.rule[offices.rule == NOMINATION] = ELECTION
        convert_share(world, inst.nominated_share, NOMINATION, np.ones(tree.size, dtype=bool))
    for _ in range(tree.depth + 1):
        fill_vacancies(world, rng)
    # elections and reviews are staggered: filling set every term to start now
    offices.term_left = (1 + np.floor(rng.random(tree.size) * offices.term)).astype(np.int32)
    holders = int((offices.holder >= 0).sum())
    room = int(inst.apparatus_cap * scenario.meta.members) - holders
    wanted = min(round(inst.staff_per_office * tree.size), max(room, 0))
    hire_staff(world, rng.integers(0, tree.size, size=wanted), rng)
    return world, queue
