"""Accountability: to whom a holder answers decides whether known abuses cost the office.

Letter: the Jacobins' "gradual elimination of the elective principle and its
replacement by the principle of nominations ... could not but reinforce the
bureaucracy and kill popular initiative"; Rakovsky's remedy is to "restore the
elective principle" and give members "worthwhile guarantees".

Under election a majority of votes cast (turnout follows activity; a secret
ballot removes most of the fear) removes the holder at the end of the term,
or at once by recall when enough of the electorate petitions. Bottom offices
are elected by the members of their cell (party offices by party members);
higher offices by the holders of the offices below them, as soviet congresses
and party conferences were. Under nomination only the superior can remove,
and it weighs reported results against peers, acting on a known abuse only
when the press makes it a scandal. Under sortition a new holder is drawn at
the end of each term.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from thermidor.engine.aggregate import group_sum
from thermidor.mechanisms.base import Params
from thermidor.mechanisms.offices import fill_vacancies, vacate
from thermidor.model.world import ELECTION, NOMINATION, SORTITION

if TYPE_CHECKING:
    from thermidor.model.world import World


class AccountabilityParams(Params):
    majority: float = Field(0.5, ge=0, le=1, description="share of votes cast that removes")
    recall_petition: float = Field(
        0.25, ge=0, le=1, description="share of the electorate speaking out that forces a recall"
    )
    secret_ballot: float = Field(
        0.7, ge=0, le=1, description="share of fear the secret ballot takes away"
    )
    privilege_tolerance: float = Field(
        3.0, ge=1, le=1000, description="holder income ratio voters accept at legitimacy 0.5"
    )
    results_weight: float = Field(
        0.5, ge=0, le=1, description="chance a superior dismisses a nominee reporting below peers"
    )
    results_tolerance: float = Field(
        0.9, ge=0, le=1, description="reports below this share of the peers' mean count as failing"
    )
    scandal_weight: float = Field(
        0.3, ge=0, le=1, description="chance per review a superior acts on a widely known abuse"
    )
    tolerated_after: int = Field(
        12, ge=1, le=10_000, description="steps a widely known abuse stands before it is tolerated"
    )
    smoothing: float = Field(
        0.05, ge=0.001, le=1, description="weight of this step in the sanctioned share"
    )
    impunity_memory: float = Field(
        0.05, ge=0, le=1, description="how fast holders learn the branch's impunity"
    )


def removed_by_vote(against: np.ndarray, votes: np.ndarray, majority: float) -> np.ndarray:
    """An electorate removes its holder when votes against exceed ``majority`` of votes cast."""
    share = np.divide(against, votes, out=np.zeros_like(against, dtype=float), where=votes > 0)
    return share > majority


def _bottom_votes(
    world: World, params: AccountabilityParams, rng: np.random.Generator, income_ratio: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Votes cast, votes against, petition share and turnout for every bottom office."""
    m, off, tree = world.members, world.offices, world.offices.tree
    n_off = off.size
    votes, against = np.zeros(n_off), np.zeros(n_off)
    petition, turnout = np.zeros(n_off), np.zeros(n_off)
    deterred = rng.random(m.size, dtype=np.float32) < m.fear * (1.0 - params.secret_ballot)
    tolerance = params.privilege_tolerance * (0.5 + m.legitimacy)
    for b in range(world.n_branches):
        bottom = tree.bottom_of[b]
        voter = m.present & (m.party if b == world.party_branch else True)
        knows = ((m.knows >> b) & 1).astype(bool)
        too_rich = income_ratio[bottom][m.cell] > tolerance
        against_i = voter & ((knows & ~deterred) | too_rich)
        weight = m.activity * voter
        electorate = group_sum(m.cell, voter.astype(np.float64), world.n_cells)
        votes[bottom] = group_sum(m.cell, weight, world.n_cells)
        against[bottom] = group_sum(m.cell, weight * against_i, world.n_cells)
        petitioners = group_sum(m.cell, (voter & knows & m.voicing).astype(np.float64), world.n_cells)
        safe = np.maximum(electorate, 1.0)
        petition[bottom] = petitioners / safe
        turnout[bottom] = votes[bottom] / safe
    return votes, against, petition, turnout


def _upper_votes(
    world: World, rng: np.random.Generator, income_ratio: np.ndarray, params: AccountabilityParams
) -> tuple[np.ndarray, np.ndarray]:
    """Delegates (holders of the offices below) vote on each higher office."""
    m, off = world.members, world.offices
    child = np.flatnonzero((off.tree.parent >= 0) & (off.holder >= 0))
    parent = off.tree.parent[child]
    delegate = off.holder[child]
    # a delegate who still identifies with the class acts on what it knows
    acts = rng.random(child.size, dtype=np.float32) < m.identification[delegate]
    tolerance = params.privilege_tolerance * (0.5 + m.legitimacy[delegate])
    against = (off.parent_known[child] & acts) | (income_ratio[parent] > tolerance)
    votes = group_sum(parent, None, off.size)
    return votes, group_sum(parent, against.astype(np.float64), off.size)


def _income_ratio(world: World) -> np.ndarray:
    m, off = world.members, world.offices
    rank_and_file = m.present & (m.role == 0)
    mean_income = float(m.wage[rank_and_file].mean()) if rank_and_file.any() else 1.0
    holder = np.maximum(off.holder, 0)
    ratio = m.wage[holder] * m.privilege[holder] / mean_income
    return np.where(off.holder >= 0, ratio, 0.0)


def step(world: World, params: AccountabilityParams, rng: np.random.Generator) -> None:
    m, off, tree = world.members, world.offices, world.offices.tree
    occupied = off.holder >= 0
    off.tenure[occupied] += 1
    off.term_left -= 1
    due = occupied & (off.term_left <= 0)
    income_ratio = _income_ratio(world)

    votes, against, petition, turnout = _bottom_votes(world, params, rng, income_ratio)
    up_votes, up_against = _upper_votes(world, rng, income_ratio, params)
    upper = tree.cell < 0
    votes[upper], against[upper] = up_votes[upper], up_against[upper]
    petition[upper] = np.divide(
        up_against[upper], up_votes[upper], out=np.zeros(int(upper.sum())),
        where=up_votes[upper] > 0,
    )
    recall = off.recall & (petition >= params.recall_petition)
    election = occupied & (off.rule == ELECTION) & (due | recall)
    voted_out = election & removed_by_vote(against, votes, params.majority)
    off.inflation[election] = 1.0  # a campaign exposes the real results to the electorate

    review = occupied & (off.rule == NOMINATION) & due
    reported = off.reported_output
    has_parent = tree.parent >= 0
    parent = np.where(has_parent, tree.parent, 0)
    peer_sum = group_sum(parent[has_parent], reported[has_parent], off.size)
    peer_n = group_sum(parent[has_parent], None, off.size)
    peer_mean = np.divide(peer_sum, peer_n, out=np.zeros(off.size), where=peer_n > 0)[parent]
    failing = has_parent & (reported < params.results_tolerance * peer_mean)
    scandal = (off.known_age > 0) * world.policy.transparency
    p_dismiss = params.results_weight * failing + params.scandal_weight * scandal
    dismissed = review & (rng.random(off.size) < p_dismiss)
    drawn_out = occupied & (off.rule == SORTITION) & due

    sanctioned = voted_out | dismissed
    kept = (election | review | drawn_out) & ~sanctioned & ~drawn_out
    off.term_left[kept] = off.term[kept]
    _account(world, params, sanctioned)

    bottom_elections = election & ~upper
    world.tally.elections_held = int(bottom_elections.sum())
    world.tally.turnout_sum = float(turnout[bottom_elections].sum())
    _experience(world, sanctioned, voted_out, election)

    vacate(world, np.flatnonzero(sanctioned | drawn_out))
    fill_vacancies(world, rng)
    del m


def _account(world: World, params: AccountabilityParams, sanctioned: np.ndarray) -> None:
    """Update the smoothed sanctioned/tolerated counts and each branch's impunity."""
    off, tally = world.offices, world.tally
    known = off.known_age > 0
    hit = sanctioned & known
    tolerated = off.known_age == params.tolerated_after
    a = params.smoothing
    tally.sanctioned_known = (1 - a) * tally.sanctioned_known + a * float(hit.sum())
    tally.tolerated_known = (1 - a) * tally.tolerated_known + a * float(tolerated.sum())
    for b in range(world.n_branches):
        mine = off.tree.branch == b
        s, t = float((hit & mine).sum()), float((tolerated & mine).sum())
        if s + t > 0:
            imp = tally.branch_impunity[b]
            tally.branch_impunity[b] = imp + params.impunity_memory * (t / (s + t) - imp)


def _experience(
    world: World, sanctioned: np.ndarray, voted_out: np.ndarray, election: np.ndarray
) -> None:
    """Members learn whether voice works: success where an abuser they knew of fell."""
    m, tree = world.members, world.offices.tree
    success = np.zeros(m.size, dtype=bool)
    futile = np.zeros(m.size, dtype=bool)
    rule = world.offices.rule
    for b in range(world.n_branches):
        bottom = tree.bottom_of[b]
        knows = ((m.knows >> b) & 1).astype(bool)
        fell = sanctioned[bottom][m.cell]
        success |= knows & fell
        dead_end = (rule[bottom] == NOMINATION) | (election[bottom] & ~voted_out[bottom])
        futile |= knows & m.voicing & dead_end[m.cell] & ~fell
    m.success = (success & m.present).astype(np.float32)
    m.futility = (futile & ~success & m.present).astype(np.float32)
