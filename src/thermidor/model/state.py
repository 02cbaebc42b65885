"""The world a run evolves: members and offices as columns, the network, the policy in force.

Members live in a fixed buffer sized for every recruit the run will bring in;
``present`` marks who is in the population now, so recruitment and deportation
never reshuffle arrays (ids are row numbers, stable for the run). A slot whose
member has not yet arrived is absent in every respect: it is outside its cell's
arrived rows (``World.cell_stop``), counts in nobody's neighbours
(``World.present_degree``) and keys no random draw (draws are keyed by
``Members.serial``, the order of arrival), so the first steps of a run do not
depend on who arrives later, nor on how long the run is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np

from thermidor.engine.hierarchy import Hierarchy
from thermidor.engine.kernels import recount_flagged
from thermidor.engine.network import Network
from thermidor.model.census import Censuses

# How an office is filled, defined once: the scenario schema's choices, the codes in
# ``Offices.rule`` (a rule's code is its position here) and the dashboard's menu.
Rule = Literal["election", "nomination", "sortition"]
RULES: tuple[Rule, ...] = get_args(Rule)
ELECTION, NOMINATION, SORTITION = (RULES.index(rule) for rule in get_args(Rule))
MEMBER, STAFF, HOLDER = 0, 1, 2


@dataclass
class Members:
    """One row per member slot (present or not yet recruited or deported)."""

    cell: np.ndarray  # int32 workplace cell
    cohort: np.ndarray  # int8 index into scenario cohorts
    stratum: np.ndarray  # int8 index into scenario strata
    wage_category: np.ndarray  # int8 1..18
    wage: np.ndarray  # float32 base income of the category
    present: np.ndarray  # bool: in the population now
    party: np.ndarray  # bool: party member
    expelled: np.ndarray  # bool: expelled from the party
    deported: np.ndarray  # bool: removed from the population by repression
    role: np.ndarray  # int8 MEMBER / STAFF / HOLDER
    post: np.ndarray  # int32 office held (HOLDER) or employing office (STAFF), else -1
    activity: np.ndarray  # float32 0..1
    capacity: np.ndarray  # float32 0..1, the learned art of government
    hardship: np.ndarray  # float32 0..1
    legitimacy: np.ndarray  # float32 0..1
    fear: np.ndarray  # float32 0..1
    identification: np.ndarray  # float32 0..1, with the class one came from
    base_identification: np.ndarray  # float32: the cohort's level, toward which it recovers
    privilege: np.ndarray  # float32 >=1: income multiplier of the apparatus
    threshold: np.ndarray  # float32: share of neighbours needed before one acts
    knows: np.ndarray  # uint8 bit mask: knows of an open abuse by the local office of branch b
    # float32 0..1: fading memory of abuses beyond one's own offices (a scandal elsewhere, a
    # comrade punished): grievance only, never knowledge of one's own office's abuse
    heard: np.ndarray
    voicing: np.ndarray  # bool: spoke out this step
    voice_count: np.ndarray  # int32: times spoken out in vain since voice last worked
    opposition: np.ndarray  # bool
    mobilised: np.ndarray  # bool: would mobilise in defence of the regime now
    success: np.ndarray  # bool: this step's experience is that voice works
    futility: np.ndarray  # bool: this step's experience is that voice is futile
    practice: np.ndarray  # float32 0..1: share of recent steps in which one took part in a
    # decision (voted in an election held in one's cell): the exercise of one's rights
    joined: np.ndarray  # int32 step at which the member entered (-1 = at start)
    serial: np.ndarray  # int32 order of arrival (founders first): keys the member's own draws

    @property
    def size(self) -> int:
        return int(self.cell.size)


@dataclass
class Offices:
    """One row per office; the static tree is in ``tree``."""

    tree: Hierarchy
    rule: np.ndarray  # int8 ELECTION / NOMINATION / SORTITION
    term: np.ndarray  # int32 steps between elections/draws/reviews
    term_left: np.ndarray  # int32
    recall: np.ndarray  # bool
    holder: np.ndarray  # int32 member id, -1 vacant
    tenure: np.ndarray  # int32 steps the holder has held it
    open_abuses: np.ndarray  # int32 abuses committed and not yet closed
    known_frac: np.ndarray  # float32 share of the electorate that knows of them
    known_age: np.ndarray  # int32 steps the open abuses have been widely known
    parent_known: np.ndarray  # bool: this office's holder knows of an open abuse above
    inflation: np.ndarray  # float32 >=1: own multiplication of what is reported upward
    real_output: np.ndarray  # float32 output really produced in the subtree
    reported_output: np.ndarray  # float32 output reported upward
    staff: np.ndarray  # int32 staff posts attached
    turnout: np.ndarray  # float32: share of its electorate's votes cast at its last election
    # (a higher office: its delegates' mean activity); before any, the founders' mean activity
    priority: np.ndarray  # float64: order in which rule changes reach offices (top first)

    @property
    def size(self) -> int:
        return int(self.rule.size)


@dataclass
class Policy:
    """Institutions in force: the scenario's, as later changed by interventions."""

    privilege_cap: float | None
    apparatus_cap: float
    repression: float
    deport_share: float
    transparency: float
    audit_rate: float
    education: float
    market_temptation: float
    entrenched: bool = False  # the selection rules change only by dated events
    # how strictly the apparatus' functions and rights are determined: takes away that share
    # of a superior's power to turn elected offices into nominated ones (``mechanisms.rules``)
    bounded: float = 0.0


@dataclass
class Tally:
    """Running counts the recorder turns into rates."""

    abuses_this_step: int = 0
    sanctioned_known: float = 0.0  # smoothed count of widely known abuses sanctioned
    tolerated_known: float = 0.0  # smoothed count of widely known abuses left standing
    expelled_total: int = 0
    deported_total: int = 0  # deported and not returned (readmit)
    punished_this_step: int = 0
    crisis: bool = False
    mobilised_at_crisis: float = float("nan")
    thermidor_step: int | None = None
    peak_control: float = 0.0  # highest control index reached so far
    crises: list[dict[str, float | int | bool]] = field(default_factory=list)
    elections_held: int = 0
    turnout_sum: float = 0.0
    branch_impunity: np.ndarray = field(default_factory=lambda: np.full(3, 0.5, np.float32))


@dataclass
class NeighbourCount:
    """How many neighbours of each member have a flag set, as of ``flags`` (a copy of the
    flag column the counts were last brought up to date with)."""

    flags: np.ndarray  # bool
    count: np.ndarray  # int32

    @classmethod
    def empty(cls, n: int) -> NeighbourCount:
        return cls(np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int32))


@dataclass
class World:
    """Everything a mechanism may read or change at a step."""

    members: Members
    offices: Offices
    network: Network
    workmates: Network  # the ties within a cell (those who tell of the cell's offices)
    policy: Policy
    tally: Tally
    # members of cell c are rows cell_start[c]:cell_start[c + 1]: the build numbers slots by
    # cell, so per-cell work is one contiguous range (kernels rely on it); within a cell, in
    # order of arrival, so those arrived so far are rows cell_start[c]:cell_stop[c]
    cell_start: np.ndarray
    cell_stop: np.ndarray
    # rows in order of arrival (by serial): the first ``arrived`` of them have arrived
    arrivals: np.ndarray
    arrived: int
    n_cells: int
    n_branches: int
    branch_names: tuple[str, ...]
    party_branch: int  # index of the party branch, -1 when the scenario has none
    child_start: np.ndarray  # CSR over offices: children of o are child_order[start[o]:start[o+1]]
    child_order: np.ndarray
    initial_members: int
    step: int = 0
    pending_crisis: bool = False
    # censuses stages took this step, for the recorder to reuse while still true
    censuses: Censuses = field(default_factory=Censuses)
    # mobilised neighbours of each member, kept up to date by the crisis stage
    mobilised_neighbours: NeighbourCount = field(default_factory=lambda: NeighbourCount.empty(0))
    # neighbours who spoke last step, and neighbours present in the opposition, kept up to
    # date by the voice stage
    voicing_neighbours: NeighbourCount = field(default_factory=lambda: NeighbourCount.empty(0))
    opposition_neighbours: NeighbourCount = field(default_factory=lambda: NeighbourCount.empty(0))
    # neighbours in other cells telling of a scandal, kept up to date by the knowledge stage
    scandal_tellers: NeighbourCount = field(default_factory=lambda: NeighbourCount.empty(0))
    # neighbours present of each member, brought up to date by ``present_degree``
    present_neighbours: NeighbourCount = field(default_factory=lambda: NeighbourCount.empty(0))

    def present_ids(self) -> np.ndarray:
        return np.flatnonzero(self.members.present)

    def present_degree(self) -> np.ndarray:
        """Each member's neighbours present now (int32): the denominator of every share of
        neighbours. Only members who came or went since the last call are counted again."""
        counts, net = self.present_neighbours, self.network
        recount_flagged(net.indptr, net.indices, self.members.present, counts.flags, counts.count)
        return counts.count

    def admit(self, rows: np.ndarray, step: int) -> None:
        """The recruits in ``rows`` (the next ones in order of arrival) arrive at ``step``."""
        m = self.members
        m.present[rows] = True
        m.joined[rows] = step
        self.arrived += int(rows.size)
        self.cell_stop += np.bincount(m.cell[rows], minlength=self.n_cells)
