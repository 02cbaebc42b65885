"""Build the world at step 0 from a validated scenario and the run's random streams."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from thermidor.engine.hierarchy import BOTTOM, MIDDLE, TOP, build_hierarchy
from thermidor.engine.network import (
    Network,
    clustered_network,
    neighbourhoods_for,
    network_from_ties,
    newcomer_ties,
)
from thermidor.engine.rng import Streams
from thermidor.model.mechanisms.apparatus import hire_staff
from thermidor.model.mechanisms.interventions import convert_share
from thermidor.model.mechanisms.offices import fill_vacancies
from thermidor.model.scenario import Scenario, Society
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
    """(step, cohort index, count) for every step of every recruitment wave.

    A wave's recruits up to a step do not depend on how long the run is: the first
    ``i`` steps of a wave bring ``round(i * total / duration)`` recruits (halves up), in
    integers, whether or not the run ends before the wave does.
    """
    names = [c.name for c in scenario.society.cohorts]
    out: list[tuple[int, int, int]] = []
    for shock in scenario.shocks:
        if shock.kind != "recruitment" or shock.start >= scenario.meta.steps:
            continue
        total = round(shock.magnitude * scenario.meta.members)
        steps = min(shock.duration, scenario.meta.steps - shock.start)
        so_far = (2 * np.arange(steps + 1) * total + shock.duration) // (2 * shock.duration)
        cohort = names.index(shock.cohort or names[-1])
        per_step = np.diff(so_far)
        out.extend((shock.start + i, cohort, int(k)) for i, k in enumerate(per_step) if k > 0)
    return out


def _attributes(
    soc: Society, cohort: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """The drawn and the cohort's columns of members of the given cohorts, in one draw order."""
    n = cohort.size
    stratum = rng.choice(len(soc.strata), size=n, p=[s.share for s in soc.strata]).astype(np.int8)
    k_max = soc.wage_categories
    lo = np.minimum([s.wage_min for s in soc.strata], k_max)[stratum]
    hi = np.minimum([s.wage_max for s in soc.strata], k_max)[stratum]
    category = (lo + np.floor(rng.random(n) * (hi - lo + 1))).astype(np.int8)

    def per_cohort(attr: str) -> np.ndarray:
        return np.array([getattr(c, attr) for c in soc.cohorts], dtype=np.float64)[cohort]

    return {
        "cohort": cohort.astype(np.int8),
        "stratum": stratum,
        "wage_category": category,
        "wage": np.power(soc.wage_ratio, (category - 1) / max(k_max - 1, 1)).astype(np.float32),
        "party": rng.random(n) < per_cohort("party_share"),
        "activity": _beta_around(per_cohort("activity"), CONCENTRATION, rng),
        "capacity": _beta_around(per_cohort("capacity"), CONCENTRATION, rng),
        "hardship": np.array([s.hardship for s in soc.strata], dtype=np.float32)[stratum],
        "fear": per_cohort("fear").astype(np.float32),
        "identification": per_cohort("identification").astype(np.float32),
        "threshold": _beta_around(per_cohort("threshold_mean"), CONCENTRATION / 2, rng),
    }


@dataclass
class _Arrivals:
    """Members in order of arrival (their serial numbers), named by cell and position in the
    cell (numbered in order of arrival, so a name never changes as others arrive)."""

    columns: list[dict[str, np.ndarray]]
    cell: list[np.ndarray]
    position: list[np.ndarray]
    steps: list[int]  # arrival step of each part (-1: the founders)
    ties: list[tuple[np.ndarray, np.ndarray]]  # (cells, positions) of both ends, (ties, 2) each

    def concatenated(self, name: str) -> np.ndarray:
        return np.concatenate([part[name] for part in self.columns])


def _recruits(
    scenario: Scenario,
    streams: Streams,
    arrived: _Arrivals,
    pool: np.ndarray,
    neighbourhood: np.ndarray,
) -> None:
    """Append each step's recruits to ``arrived``: cells, attributes and ties drawn from
    that step's own stream, ``recruits@<step>``, so that no recruit changes anything drawn
    for those who arrive before it. ``pool`` (members per cell) is brought up to date."""
    soc, net = scenario.society, scenario.society.network
    by_step: dict[int, list[np.ndarray]] = {}
    for step, index, k in recruitment_schedule(scenario):  # waves may overlap: add up
        by_step.setdefault(step, []).append(np.full(k, index, dtype=np.int8))
    for step in sorted(by_step):
        rng = streams(f"recruits@{step}")
        cohort = np.concatenate(by_step[step])
        cell = rng.integers(0, pool.size, size=cohort.size)
        # positions follow those already in the cell, in the order drawn
        order = np.argsort(cell, kind="stable")
        counts = np.bincount(cell, minlength=pool.size)
        rank = np.empty(cell.size, dtype=np.int64)
        rank[order] = np.arange(cell.size) - np.repeat(np.cumsum(counts) - counts, counts)
        position = pool[cell] + rank
        pool += counts
        arrived.columns.append(_attributes(soc, cohort, rng))
        arrived.cell.append(cell)
        arrived.position.append(position)
        arrived.steps.append(step)
        arrived.ties.append(
            newcomer_ties(
                cell,
                position,
                pool,
                neighbourhood,
                workplace_degree=net.workplace_degree,
                neighbourhood_degree=net.neighbourhood_degree,
                random_degree=net.random_degree,
                dispersion=net.dispersion,
                rng=rng,
            )
        )


def _members(
    scenario: Scenario, streams: Streams, rng: np.random.Generator
) -> tuple[Members, Network, dict[int, np.ndarray], np.ndarray, np.ndarray]:
    """Every member slot of the run, numbered by cell, with the network and the recruits due.

    The founders (``meta.members``, cells in order) are drawn from the build's stream and
    tied by ``clustered_network``; each later step's recruits from that step's stream
    (``_recruits``). Slots are then numbered by cell, and within a cell by arrival (``row =
    cell_start[cell] + position``): which rows the recruits take shifts the later cells' rows
    but changes no draw, and the kernels treat a slot not yet filled as absent.

    Returns:
        ``(members, network, queue, cell_start, serial_rows)``, ``serial_rows`` holding the
        rows in order of arrival.
    """
    soc, net = scenario.society, scenario.society.network
    n0 = scenario.meta.members
    n_cells = math.ceil(n0 / soc.cell_size)
    cell0 = (np.arange(n0) // soc.cell_size).astype(np.int64)
    cohort0 = rng.choice(len(soc.cohorts), size=n0, p=[c.share for c in soc.cohorts])
    arrived = _Arrivals(
        columns=[_attributes(soc, cohort0, rng)],
        cell=[cell0],
        position=[np.arange(n0) % soc.cell_size],
        steps=[-1],
        ties=[],
    )
    nbhd = neighbourhoods_for(cell0, net.neighbourhood_size, soc.cell_size, rng)
    first = clustered_network(
        cell0,
        nbhd,
        workplace_degree=net.workplace_degree,
        neighbourhood_degree=net.neighbourhood_degree,
        random_degree=net.random_degree,
        dispersion=net.dispersion,
        rng=rng,
    )
    pool = np.bincount(cell0, minlength=n_cells).astype(np.int64)
    nbhd_of_cell = np.zeros(n_cells, dtype=np.int64)
    nbhd_of_cell[cell0] = nbhd
    _recruits(scenario, streams, arrived, pool, nbhd_of_cell)

    cell_start = np.concatenate(([0], np.cumsum(pool))).astype(np.int64)
    cell = np.concatenate(arrived.cell)
    rows = cell_start[cell] + np.concatenate(arrived.position)  # in order of arrival
    n = rows.size
    columns: dict[str, np.ndarray] = {}
    for name in arrived.columns[0]:
        column = arrived.concatenated(name)
        columns[name] = np.empty_like(column)
        columns[name][rows] = column
    joined_at = np.repeat(arrived.steps, [c.size for c in arrived.cell]).astype(np.int32)
    slot_cell = np.empty(n, dtype=np.int32)
    slot_cell[rows] = cell
    serial = np.empty(n, dtype=np.int32)
    serial[rows] = np.arange(n, dtype=np.int32)
    present = np.zeros(n, dtype=bool)
    present[rows[:n0]] = True

    founder_ties = np.stack(first.edges(), axis=1).astype(np.int64)
    tie_rows = [rows[:n0][founder_ties]] + [cell_start[c] + p for c, p in arrived.ties]
    ties = np.concatenate([np.empty((0, 2), dtype=np.int64), *tie_rows])
    network = network_from_ties(ties[:, 0], ties[:, 1], n)

    queue: dict[int, np.ndarray] = {}
    for step in np.unique(joined_at[n0:]):
        queue[int(step)] = np.sort(rows[n0:][joined_at[n0:] == step])
    ident = columns.pop("identification")
    members = Members(
        cell=slot_cell,
        present=present,
        expelled=np.zeros(n, dtype=bool),
        deported=np.zeros(n, dtype=bool),
        role=np.full(n, MEMBER, dtype=np.int8),
        post=np.full(n, -1, dtype=np.int32),
        legitimacy=np.full(n, INITIAL_LEGITIMACY, dtype=np.float32),
        identification=ident.copy(),
        base_identification=ident,
        privilege=np.ones(n, dtype=np.float32),
        knows=np.zeros(n, dtype=np.uint8),
        heard=np.zeros(n, dtype=np.float32),
        voicing=np.zeros(n, dtype=bool),
        voice_count=np.zeros(n, dtype=np.int32),
        opposition=np.zeros(n, dtype=bool),
        mobilised=np.zeros(n, dtype=bool),
        success=np.zeros(n, dtype=bool),
        futility=np.zeros(n, dtype=bool),
        practice=np.zeros(n, dtype=np.float32),
        joined=np.full(n, -1, dtype=np.int32),
        serial=serial,
        **columns,
    )
    return members, network, queue, cell_start, rows


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
        turnout=np.zeros(m, dtype=np.float32),
        priority=tree.level + rng.random(m),
    )


def build_world(scenario: Scenario, streams: Streams) -> tuple[World, dict[int, np.ndarray]]:
    """The world at step 0 and the recruits due at each later step (rows, by step)."""
    rng = streams("build")
    inst = scenario.institutions
    members, network, queue, cell_start, arrivals = _members(scenario, streams, rng)
    n_cells = cell_start.size - 1
    offices = _offices(scenario, n_cells, rng)
    tree = offices.tree
    child = np.flatnonzero(tree.parent >= 0)
    child_order = child[np.argsort(tree.parent[child], kind="stable")].astype(np.int64)
    child_start = np.concatenate(
        ([0], np.cumsum(np.bincount(tree.parent[child], minlength=tree.size)))
    ).astype(np.int64)
    n0 = scenario.meta.members
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
            entrenched=inst.entrenched,
        ),
        tally=Tally(),
        cell_start=cell_start,
        cell_stop=cell_start[:-1] + np.bincount(members.cell[arrivals[:n0]], minlength=n_cells),
        arrivals=arrivals,
        arrived=n0,
        n_cells=n_cells,
        n_branches=len(names),
        branch_names=names,
        party_branch=names.index("party") if "party" in names else -1,
        child_start=child_start,
        child_order=child_order,
        initial_members=n0,
        mobilised_neighbours=NeighbourCount.empty(members.size),
        scandal_tellers=NeighbourCount.empty(members.size),
        voicing_neighbours=NeighbourCount.empty(members.size),
        opposition_neighbours=NeighbourCount.empty(members.size),
        present_neighbours=NeighbourCount.empty(members.size),
    )
    if inst.nominated_share is not None:
        offices.rule[offices.rule == NOMINATION] = ELECTION
        convert_share(world, inst.nominated_share, NOMINATION, np.ones(tree.size, dtype=bool))
    for _ in range(tree.depth + 1):
        fill_vacancies(world, rng)
    # until its first election an office's turnout is what its founders' activity promises
    founders = members.present
    offices.turnout[:] = members.activity[founders].mean() if founders.any() else 0.0
    # elections and reviews are staggered: filling set every term to start now
    offices.term_left = (1 + np.floor(rng.random(tree.size) * offices.term)).astype(np.int32)
    holders = int((offices.holder >= 0).sum())
    room = int(inst.apparatus_cap * scenario.meta.members) - holders
    wanted = min(round(inst.staff_per_office * tree.size), max(room, 0))
    hire_staff(world, rng.integers(0, tree.size, size=wanted), rng)
    return world, queue
