"""Accountability: to whom a holder answers decides whether known abuses cost the office.

Letter: the Jacobins' "gradual elimination of the elective principle and its
replacement by the principle of nominations"; Robespierre "could not by all
these measures but reinforce the bureaucracy and kill popular initiative";
and the remedy: members "must recover their rights ... and be given worthwhile
guarantees".

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

import numba
import numpy as np
from pydantic import Field

from thermidor.engine.aggregate import group_sum
from thermidor.engine.kernels import gather
from thermidor.engine.rng import counter_uniform, step_key
from thermidor.model.kernels import rank_and_file_wages
from thermidor.model.mechanisms.base import ParamsBase
from thermidor.model.mechanisms.offices import close_cases, fill_vacancies, vacate
from thermidor.model.state import ELECTION, NOMINATION, SORTITION

if TYPE_CHECKING:
    from thermidor.model.state import World


NAME = "accountability"
SUMMARY = "elections, recalls, superiors' reviews, draws; vacancies filled"
# the member columns its step may change (checked by tests/model/test_invariants.py)
WRITES: frozenset[str] = frozenset(
    ("futility", "party", "post", "practice", "role", "success", "voice_count")
)


class AccountabilityParams(ParamsBase):
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
        0.3, ge=0, le=1, description="chance a superior dismisses a nominee reporting below peers"
    )
    results_tolerance: float = Field(
        0.8, ge=0, le=1, description="reports below this share of the peers' mean count as failing"
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
    practice_memory: float = Field(
        0.1,
        ge=0,
        le=1,
        description="share of practice that fades per step without a decision taken part in",
    )
    impunity_memory: float = Field(
        0.05, ge=0, le=1, description="how fast holders learn the branch's impunity"
    )


def removed_by_vote(against: np.ndarray, votes: np.ndarray, majority: float) -> np.ndarray:
    """An electorate removes its holder when votes against exceed ``majority`` of votes cast."""
    share = np.divide(against, votes, out=np.zeros_like(against, dtype=float), where=votes > 0)
    return share > majority


@numba.njit(cache=True, nogil=True)
def _electorates(
    cell_start: np.ndarray,
    present: np.ndarray,
    party: np.ndarray,
    cells: np.ndarray,
    party_only: bool,
) -> np.ndarray:
    """Electorate of the office of each of ``cells``: its members present (party members
    only for the party's office)."""
    out = np.zeros(cells.size)
    for k in range(cells.size):
        c = cells[k]
        for i in range(cell_start[c], cell_start[c + 1]):
            out[k] += present[i] and (party[i] or not party_only)
    return out


@numba.njit(cache=True, nogil=True, parallel=True)
def _tally_cells(
    cell_start: np.ndarray,
    serial: np.ndarray,
    present: np.ndarray,
    party: np.ndarray,
    knows: np.ndarray,
    activity: np.ndarray,
    fear: np.ndarray,
    legitimacy: np.ndarray,
    key: np.uint64,
    income_bottom: np.ndarray,
    needed: np.ndarray,
    party_branch: int,
    exposed: float,
    privilege_tolerance: float,
) -> np.ndarray:
    """Per cell office: electorate, votes cast and votes against (``out[q, b, c]``), where it
    holds an election (its bit set in ``needed[c]``; 0 elsewhere), one cell at a time over its rows
    ``cell_start[c]:cell_start[c + 1]``.

    Turnout follows activity: a member casts ``activity`` of a vote. Member i's draw is
    ``counter_uniform(key, serial[i])`` (the same whichever cells vote, and keyed by the
    order of arrival so that no later recruit changes it). A member who knows of an
    abuse votes against unless deterred, when its draw falls below its fear x ``exposed``
    (what the secret ballot leaves); any member votes against a holder whose income ratio
    exceeds ``privilege_tolerance`` x (0.5 + its legitimacy).
    """
    n_b, n_cells = income_bottom.shape
    work = np.zeros((n_cells, n_b, 3))  # a cell's counts side by side, transposed at the end
    left = np.float32(exposed)
    scale = np.float32(privilege_tolerance)
    for c in numba.prange(n_cells):
        bits = needed[c]
        if bits == 0:
            continue
        for i in range(cell_start[c], cell_start[c + 1]):
            if not present[i]:
                continue
            a = np.float64(activity[i])
            known = knows[i]
            # the draw only matters to one who knows
            deterred = (known & bits) != 0 and counter_uniform(key, serial[i]) < fear[i] * left
            tolerance = np.float64(scale * (np.float32(0.5) + legitimacy[i]))
            for b in range(n_b):
                if not (bits >> b) & 1 or (b == party_branch and not party[i]):
                    continue
                knows_b = (known >> b) & 1 != 0
                against = (knows_b and not deterred) or income_bottom[b, c] > tolerance
                work[c, b, 0] += 1.0
                work[c, b, 1] += a
                work[c, b, 2] += a * against
    return work.transpose((2, 1, 0)).copy()


def _bottom_petitions(world: World) -> np.ndarray:
    """Petition share of each bottom office: the share of its electorate who know of its
    abuse and spoke out this step (0 for the higher offices: ``_upper_votes`` counts
    their delegates). Read from the few who spoke, not from every member."""
    m, off, tree = world.members, world.offices, world.offices.tree
    petition = np.zeros(off.size)
    voiced = np.flatnonzero(m.voicing)
    voiced = voiced[m.present[voiced]]
    if voiced.size == 0:
        return petition
    known, cells, in_party = m.knows[voiced], m.cell[voiced], m.party[voiced]
    for b in range(tree.bottom_of.shape[0]):
        party_only = b == world.party_branch
        petitioners = np.bincount(
            cells[((known >> b) & 1).astype(bool) & (in_party | (not party_only))],
            minlength=world.n_cells,
        )
        asked = np.flatnonzero(petitioners)
        electorate = _electorates(world.cell_start, m.present, m.party, asked, party_only)
        petition[tree.bottom_of[b, asked]] = petitioners[asked] / np.maximum(electorate, 1.0)
    return petition


def _bottom_votes(
    world: World,
    params: AccountabilityParams,
    key: np.uint64,
    income_ratio: np.ndarray,
    election: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turnout, votes cast and votes against for the bottom offices holding an
    ``election``; 0 for the others, whose votes are never read."""
    m, off, tree = world.members, world.offices, world.offices.tree
    weights = (1 << np.arange(tree.bottom_of.shape[0])).astype(np.uint8)
    needed = (election[tree.bottom_of] * weights[:, None]).sum(axis=0).astype(np.uint8)
    electorate, votes_b, against_b = _tally_cells(
        world.cell_start,
        m.serial,
        m.present,
        m.party,
        m.knows,
        m.activity,
        m.fear,
        m.legitimacy,
        key,
        income_ratio[tree.bottom_of].astype(np.float64),
        needed,
        world.party_branch,
        1.0 - params.secret_ballot,
        params.privilege_tolerance,
    )
    turnout, votes, against = np.zeros(off.size), np.zeros(off.size), np.zeros(off.size)
    turnout[tree.bottom_of] = votes_b / np.maximum(electorate, 1.0)
    votes[tree.bottom_of] = votes_b
    against[tree.bottom_of] = against_b
    return turnout, votes, against


def _upper_votes(
    world: World, rng: np.random.Generator, income_ratio: np.ndarray, params: AccountabilityParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Delegates (holders of the offices below) vote on each higher office: votes, votes
    against, and the delegates' summed activity (their turnout, in the mean)."""
    m, off = world.members, world.offices
    child = np.flatnonzero((off.tree.parent >= 0) & (off.holder >= 0))
    parent = off.tree.parent[child]
    delegate = off.holder[child]
    # a delegate who still identifies with the class acts on what it knows
    acts = rng.random(child.size, dtype=np.float32) < gather(m.identification, delegate)
    tolerance = params.privilege_tolerance * (0.5 + gather(m.legitimacy, delegate))
    against = (off.parent_known[child] & acts) | (income_ratio[parent] > tolerance)
    votes = group_sum(parent, None, off.size)
    active = group_sum(parent, gather(m.activity, delegate).astype(np.float64), off.size)
    return votes, group_sum(parent, against.astype(np.float64), off.size), active


def _income_ratio(world: World) -> np.ndarray:
    m, off = world.members, world.offices
    ranks, ranks_wage = rank_and_file_wages(m.present, m.role, m.wage)
    mean_income = float(np.float32(ranks_wage / ranks)) if ranks > 0 else 1.0
    holder = np.maximum(off.holder, 0)
    ratio = gather(m.wage, holder) * gather(m.privilege, holder) / mean_income
    return np.where(off.holder >= 0, ratio, 0.0)


Params = AccountabilityParams


def step(world: World, params: AccountabilityParams, rng: np.random.Generator) -> None:
    m, off, tree = world.members, world.offices, world.offices.tree
    occupied = off.holder >= 0
    off.tenure[occupied] += 1
    off.term_left -= 1
    due = occupied & (off.term_left <= 0)
    income_ratio = _income_ratio(world)

    # a recall is called where enough of the electorate petitions; only an office holding
    # an election (due or recalled) counts its votes
    key = step_key(rng)
    petition = _bottom_petitions(world)
    up_votes, up_against, up_active = _upper_votes(world, rng, income_ratio, params)
    upper = tree.cell < 0
    petition[upper] = np.divide(
        up_against[upper],
        up_votes[upper],
        out=np.zeros(int(upper.sum())),
        where=up_votes[upper] > 0,
    )
    recall = off.recall & (petition >= params.recall_petition)
    election = occupied & (off.rule == ELECTION) & (due | recall)
    turnout, votes, against = _bottom_votes(world, params, key, income_ratio, election & ~upper)
    votes[upper], against[upper] = up_votes[upper], up_against[upper]
    turnout[upper] = np.divide(
        up_active[upper], up_votes[upper], out=np.zeros(int(upper.sum())), where=up_votes[upper] > 0
    )
    # what the apparatus reads from the last vote (``mechanisms.rules``)
    off.turnout[election] = turnout[election]
    voted_out = election & removed_by_vote(against, votes, params.majority)

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
    # a term renews only at its end: a failed recall leaves the regular election where it was
    kept = due & (election | review) & ~sanctioned
    off.term_left[kept] = off.term[kept]
    _account(world, params, sanctioned)

    bottom_elections = election & ~upper
    world.tally.elections_held = int(bottom_elections.sum())
    world.tally.turnout_sum = float(turnout[bottom_elections].sum())
    _experience(world, sanctioned, voted_out, election, params.practice_memory)

    # a sanction answers the office's open cases; the end of a lot's term does not
    close_cases(world, np.flatnonzero(sanctioned))
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


@numba.njit(cache=True, nogil=True, parallel=True)
def _member_experience(
    cell: np.ndarray,
    present: np.ndarray,
    knows: np.ndarray,
    voicing: np.ndarray,
    party: np.ndarray,
    fell: np.ndarray,
    dead_end: np.ndarray,
    held: np.ndarray,
    party_bit: int,
    memory: float,
    voice_count: np.ndarray,
    success: np.ndarray,
    futility: np.ndarray,
    practice: np.ndarray,
) -> None:
    """In place: success (an abuser one knew of fell) and futility (spoke to a dead end, no
    success); ``voice_count`` counts the futile since voice last worked (a success sets it
    back to 0); ``practice`` is 1 if the member took part in a decision this step (voted in
    an election ``held`` by an office of its cell open to it: the party's only to party
    members), else it fades by ``memory``: voice is no practice of government by itself
    (answered, it is success; unanswered, futility). ``fell[cell]``,
    ``dead_end[cell]`` and ``held[cell]`` hold one bit per branch: the local office's holder
    fell; voice there met a dead end; it held an election."""
    w = np.float32(memory)
    for i in numba.prange(cell.size):
        if not present[i]:
            success[i] = False
            futility[i] = False
            continue
        known = knows[i]
        c = cell[i]
        won = (known & fell[c]) != 0
        futile = not won and voicing[i] and (known & dead_end[c]) != 0
        success[i] = won
        futility[i] = futile
        if futile:
            voice_count[i] += 1
        elif won:
            voice_count[i] = 0
        open_to_me = held[c] if party[i] else held[c] & ~party_bit
        took_part = open_to_me != 0
        practice[i] = np.float32(1.0) if took_part else practice[i] * (np.float32(1.0) - w)


def _experience(
    world: World,
    sanctioned: np.ndarray,
    voted_out: np.ndarray,
    election: np.ndarray,
    memory: float,
) -> None:
    """Members learn whether voice works (success where an abuser they knew of fell), and
    their practice follows the decisions they took part in."""
    m, tree = world.members, world.offices.tree
    bottom = tree.bottom_of
    fell = sanctioned[bottom]
    dead_end = (world.offices.rule[bottom] == NOMINATION) | (election[bottom] & ~voted_out[bottom])
    weights = (1 << np.arange(bottom.shape[0])).astype(np.uint8)[:, None]
    _member_experience(
        m.cell,
        m.present,
        m.knows,
        m.voicing,
        m.party,
        (fell * weights).sum(axis=0).astype(np.uint8),
        ((dead_end & ~fell) * weights).sum(axis=0).astype(np.uint8),
        (election[bottom] * weights).sum(axis=0).astype(np.uint8),
        (1 << world.party_branch) if world.party_branch >= 0 else 0,
        memory,
        m.voice_count,
        m.success,
        m.futility,
        m.practice,
    )
