"""Snapshots: what the agent-level views need, taken at a few chosen steps of a run.

The recorder keeps one number per metric per step; the views of the agents (the office
tree, a piece of the network, histograms, one member's or one office's history) need the
members and offices themselves. Keeping every member at every step would cost
``steps x members`` rows, so a run takes them only at the steps asked for, at the end of
the step (after the recorder, the same state the step's metrics describe).

Taking a snapshot only reads the world: no column is written, no random stream is drawn
from (the network sample is a breadth-first walk, not a draw), so a run with snapshots is
bit for bit the run without them.

A snapshot obeys the model's rule that the future never changes the past (docs/model.md,
2.1): members are named by ``serial``, their order of arrival, not by row (rows shift
with the recruits a longer run brings), only members arrived so far are kept, and the
walk that picks the network sample never steps onto a member not yet arrived. So the
snapshot at step T is the same whether the run stops at T or goes on, and whatever other
snapshots are asked for.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from thermidor.engine.calendar import CalendarError, step_date, step_of
from thermidor.model.results import Results
from thermidor.model.run import Simulation
from thermidor.model.scenario import Scenario
from thermidor.model.state import World

SAMPLE = 300  # members in the network sample: enough to see clusters, few enough to draw
AUTO = "auto"  # ``--snapshot auto``: AUTO_COUNT snapshots spread over the run
AUTO_COUNT = 5

# The columns of a snapshot and their types, defined once: the store makes its tables
# from them, and the size documented in docs/agents.md is their sum.
MEMBER_COLUMNS: dict[str, type[np.generic]] = {
    "member": np.int32,  # serial: the order of arrival, the member's id across snapshots
    "present": np.bool_,  # in the population now (False: deported)
    "party": np.bool_,
    "opposition": np.bool_,
    "sampled": np.bool_,  # in the network sample (its ties are in ``ties``)
    "role": np.int8,  # MEMBER / STAFF / HOLDER (model.state)
    "post": np.int32,  # office held (HOLDER) or employing office (STAFF), else -1
    "activity": np.float32,
    "fear": np.float32,
    "identification": np.float32,
    "privilege": np.float32,  # income multiplier of the apparatus (>= 1)
    "income": np.float32,  # wage x privilege
}
OFFICE_COLUMNS: dict[str, type[np.generic]] = {
    "office": np.int32,  # office id (the same in every run of the scenario's size)
    "branch": np.int8,  # index into ``Snapshot.branches``
    "tier": np.int8,  # TOP / MIDDLE / BOTTOM (engine.hierarchy)
    "level": np.int8,  # depth, 0 = top of its branch
    "parent": np.int32,  # office above, -1 at the top
    "rule": np.int8,  # ELECTION / NOMINATION / SORTITION (model.state.RULES)
    "holder": np.int32,  # the holder's serial, -1 when vacant
    "privilege": np.float32,  # the holder's privilege, NaN when vacant
    "income": np.float32,  # the holder's income, NaN when vacant
    "turnout": np.float32,  # at the office's last election
    "staff": np.int32,  # staff posts attached
}
TIE_COLUMNS: dict[str, type[np.generic]] = {"source": np.int32, "target": np.int32}


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The members, offices and a sample of the network at the end of one step.

    Attributes:
        step: the step (0-based) whose end this is.
        date: its calendar date (``engine.calendar.step_date``).
        branches: the branch names, indexed by the offices' ``branch`` column.
        members: ``MEMBER_COLUMNS``, one row per member arrived so far, by serial.
        offices: ``OFFICE_COLUMNS``, one row per office, by id.
        ties: ``TIE_COLUMNS``: the ties among the sampled members (serials, source <
            target), each once.
    """

    step: int
    date: str
    branches: tuple[str, ...]
    members: dict[str, np.ndarray]
    offices: dict[str, np.ndarray]
    ties: dict[str, np.ndarray]

    @property
    def nbytes(self) -> int:
        """Bytes of its columns in memory (what a store holds before compression)."""
        return sum(c.nbytes for part in (self.members, self.offices, self.ties)
                   for c in part.values())  # fmt: skip


def network_sample(world: World, size: int = SAMPLE) -> np.ndarray:
    """Rows of up to ``size`` arrived members, walked breadth first from the first founder.

    A uniform sample of 300 out of 20,000 would hold almost no ties among its members (a
    member knows a few dozen others); a walk along the ties keeps the clusters that make
    the network what it is. The walk is a rule, not a draw: it starts at serial 0, visits
    neighbours in order of serial, steps only onto members arrived so far, and restarts
    from the lowest serial not yet visited when a component is exhausted.
    """
    m, net = world.members, world.network
    arrived = world.arrived
    size = min(size, arrived)
    rows_by_serial = world.arrivals[:arrived]
    seen = np.zeros(m.size, dtype=bool)
    order: list[int] = []
    next_start = 0
    while len(order) < size:
        while seen[rows_by_serial[next_start]]:
            next_start += 1
        frontier = deque([int(rows_by_serial[next_start])])
        seen[frontier[0]] = True
        while frontier and len(order) < size:
            row = frontier.popleft()
            order.append(row)
            near = net.indices[net.indptr[row] : net.indptr[row + 1]]
            near = near[(m.serial[near] < arrived) & ~seen[near]]
            near = near[np.argsort(m.serial[near], kind="stable")]
            seen[near] = True
            frontier.extend(int(r) for r in near)
    return np.asarray(order, dtype=np.int64)


def take(world: World, date: str, sample: int = SAMPLE) -> Snapshot:
    """The snapshot of ``world`` as it stands (read only; no stream is drawn from)."""
    m, off = world.members, world.offices
    rows = world.arrivals[: world.arrived]  # by serial
    chosen = network_sample(world, sample)
    sampled = np.zeros(m.size, dtype=bool)
    sampled[chosen] = True
    members = {
        "member": m.serial[rows],
        "present": m.present[rows],
        "party": m.party[rows],
        "opposition": m.opposition[rows],
        "sampled": sampled[rows],
        "role": m.role[rows],
        "post": m.post[rows],
        "activity": m.activity[rows],
        "fear": m.fear[rows],
        "identification": m.identification[rows],
        "privilege": m.privilege[rows],
        "income": m.wage[rows] * m.privilege[rows],
    }
    held = off.holder >= 0
    holder_rows = off.holder[held]

    def holders_value(values: np.ndarray) -> np.ndarray:
        out = np.full(off.size, np.nan, dtype=np.float32)
        out[held] = values[holder_rows]
        return out

    holder = np.full(off.size, -1, dtype=np.int32)
    holder[held] = m.serial[holder_rows]
    tree = off.tree
    offices = {
        "office": np.arange(off.size, dtype=np.int32),
        "branch": tree.branch,
        "tier": tree.tier,
        "level": tree.level,
        "parent": tree.parent,
        "rule": off.rule,
        "holder": holder,
        "privilege": holders_value(m.privilege),
        "income": holders_value(m.wage * m.privilege),
        "turnout": off.turnout,
        "staff": off.staff,
    }
    return Snapshot(
        step=world.step,
        date=date,
        branches=world.branch_names,
        members=_typed(members, MEMBER_COLUMNS),
        offices=_typed(offices, OFFICE_COLUMNS),
        ties=_typed(_ties_among(world, chosen), TIE_COLUMNS),
    )


def _ties_among(world: World, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The ties among ``rows``, each once, as serials (source < target), sorted."""
    net, serial = world.network, world.members.serial
    inside = np.zeros(world.members.size, dtype=bool)
    inside[rows] = True
    counts = net.indptr[rows + 1] - net.indptr[rows]
    starts = np.repeat(net.indptr[rows], counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    ends = net.indices[starts + within]
    origin = np.repeat(rows, counts)
    keep = inside[ends]
    a, b = serial[origin[keep]], serial[ends[keep]]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique(np.stack([lo, hi], axis=1), axis=0) if lo.size else np.empty((0, 2))
    return {"source": pairs[:, 0], "target": pairs[:, 1]}


def _typed(
    columns: dict[str, np.ndarray], spec: dict[str, type[np.generic]]
) -> dict[str, np.ndarray]:
    """Copies of ``columns`` in ``spec``'s order and types (a snapshot never shares memory
    with the world it was taken from)."""
    return {name: np.array(columns[name], dtype=kind, copy=True) for name, kind in spec.items()}


class SnapshotTaker:
    """Takes a snapshot at the end of each chosen step of a run driven by ``Simulation``.

    Call ``after_step(simulation)`` after each ``simulation.advance()``; the snapshots are
    in ``taken``, in order of step. The dashboard's runner and ``run_with_snapshots`` both
    drive it, so a run is observed the same way wherever it runs.
    """

    def __init__(self, scenario: Scenario, steps: Iterable[int], *, sample: int = SAMPLE) -> None:
        self.steps = frozenset(int(s) for s in steps)
        total = scenario.meta.steps
        outside = sorted(s for s in self.steps if not 0 <= s < total)
        if outside:
            msg = f"snapshot step {outside[0]}: outside the run (steps 0 .. {total - 1})"
            raise ValueError(msg)
        self._start, self._unit = scenario.meta.start, scenario.meta.time_step
        self.sample = sample
        self.taken: list[Snapshot] = []

    def after_step(self, simulation: Simulation) -> None:
        """Take the snapshot of the step just simulated, if it is one of the chosen."""
        step = simulation.t - 1
        if step in self.steps:
            date = step_date(self._start, self._unit, step)
            self.taken.append(take(simulation.world, date, self.sample))


def run_with_snapshots(
    scenario: Scenario,
    seed: int,
    steps: Iterable[int],
    *,
    progress: Callable[[int, int], None] | None = None,
    sample: int = SAMPLE,
) -> tuple[Results, list[Snapshot]]:
    """``model.run.run`` that also takes snapshots at ``steps``: the same results, bit for bit.

    Raises:
        ValueError: a step outside the run (0 .. ``meta.steps`` - 1).
    """
    taker = SnapshotTaker(scenario, steps, sample=sample)
    simulation = Simulation(scenario, seed)
    total = scenario.meta.steps
    for t in range(total):
        simulation.advance()
        taker.after_step(simulation)
        if progress is not None:
            progress(t + 1, total)
    return simulation.results(), taker.taken


def evenly_spaced(total: int, count: int) -> list[int]:
    """``count`` steps spread evenly over a run of ``total`` steps, the last step included
    (fewer when the run is shorter)."""
    if total <= 0 or count <= 0:
        return []
    return sorted({round(i * (total - 1) / max(count - 1, 1)) for i in range(count)})


class WhenError(ValueError):
    """A ``--snapshot`` or ``--at`` value that names no step of the run (one line)."""


def snapshot_step(text: str, start: str, time_step: str, total: int) -> int:
    """The step a ``--snapshot`` or ``--at`` value names in a run of ``total`` steps from
    ``start``: a date (``1924-01``, ``1924-01-15``: the step it falls in) or a step number.

    Raises:
        WhenError: one line naming the value, the run's span and what is allowed.
    """
    last = total - 1
    span = (
        f"the run covers steps 0 .. {last}, "
        f"{step_date(start, time_step, 0)} .. {step_date(start, time_step, last)}"
    )
    value = text.strip()
    if value.isascii() and value.isdigit():
        step = int(value)
    elif "-" in value:
        try:
            step = step_of(start, time_step, value)
        except CalendarError:
            msg = f"{text!r}: not a date YYYY-MM or YYYY-MM-DD, nor a step number ({span})"
            raise WhenError(msg) from None
    else:
        msg = f"{text!r}: a date YYYY-MM or YYYY-MM-DD, or a step number ({span})"
        raise WhenError(msg)
    if not 0 <= step <= last:
        hint = "; a date is written YYYY-MM" if len(value) == 4 else ""
        msg = f"{text!r}: outside the run ({span}){hint}"
        raise WhenError(msg)
    return step


def snapshot_steps(values: Iterable[str], scenario: Scenario) -> list[int]:
    """The steps ``--snapshot`` values name, sorted, each once; ``auto`` adds
    ``AUTO_COUNT`` steps spread evenly over the run (``evenly_spaced``).

    Raises:
        WhenError: a value naming no step of the run.
    """
    meta = scenario.meta
    steps: set[int] = set()
    for value in values:
        if value.strip().lower() == AUTO:
            steps.update(evenly_spaced(meta.steps, AUTO_COUNT))
        else:
            steps.add(snapshot_step(value, meta.start, meta.time_step, meta.steps))
    return sorted(steps)
