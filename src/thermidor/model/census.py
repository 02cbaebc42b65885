"""Censuses of the members, read by name, and the cache that lets the recorder reuse them.

A census is one pass over every member slot that sums the state (``StateCensus``) or the
incomes (``IncomeCensus``). Stages take them for their own use; the recorder needs the
same sums at the end of the step. Recounting costs a pass over 10^6 members, so a stage
may leave its census in ``Censuses``; the recorder reuses it only if no later stage of
the plan writes a column the census reads (each mechanism declares ``WRITES``). Reordering
the plan can then cost a recount, never change what is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np


def _column(index: int, doc: str) -> property:
    return property(lambda self: self.sums[index], doc=doc)


class StateCensus:
    """Sums over present members of the state (``model.kernels.state_census``)."""

    READS = frozenset(
        ("present", "activity", "capacity", "hardship", "fear", "legitimacy", "opposition",
         "mobilised")
    )  # fmt: skip
    __slots__ = ("sums",)

    def __init__(self, sums: np.ndarray) -> None:
        self.sums = sums

    present = _column(0, "members present")
    activity = _column(1, "their activity, summed")
    capacity = _column(2, "their capacity, summed")
    hardship = _column(3, "their hardship, summed")
    fear = _column(4, "their fear, summed")
    legitimacy = _column(5, "the legitimacy they see, summed")
    voice = _column(6, "effective voice, activity x (1 - fear) x (1 - hardship), summed")
    opposition = _column(7, "members in the opposition")
    mobilised = _column(8, "members who would mobilise now")


class IncomeCensus:
    """Sums over present members of incomes, wage x privilege (``model.kernels.income_census``)."""

    READS = frozenset(("present", "role", "wage", "privilege"))
    __slots__ = ("sums",)

    def __init__(self, sums: np.ndarray) -> None:
        self.sums = sums

    present = _column(0, "members present")
    ranks = _column(1, "rank-and-file members present")
    ranks_wage = _column(2, "their wages, summed")
    ranks_income = _column(3, "their incomes, summed")
    apparatus = _column(4, "members of the apparatus present (holders and staff)")
    apparatus_income = _column(5, "their incomes, summed")
    lowest = _column(6, "the lowest income")
    highest = _column(7, "the highest income")


Census = StateCensus | IncomeCensus
AnyCensus = TypeVar("AnyCensus", StateCensus, IncomeCensus)


@dataclass
class _Taken:
    step: int
    stage: str
    census: Census


@dataclass
class Censuses:
    """Censuses stages took this step, kept for the recorder when still true at the step's end.

    Attributes:
        written_after: for each stage of the plan, the member columns that later stages
            write (``later_writes``); a stage missing here (a test driving stages by hand)
            never has its census reused.
    """

    written_after: dict[str, frozenset[str]] = field(default_factory=dict)
    _taken: dict[type, _Taken] = field(default_factory=dict)

    def put(self, census: Census, *, stage: str, step: int) -> None:
        """Leave ``census``, taken by ``stage`` at ``step``, for later readers."""
        self._taken[type(census)] = _Taken(step, stage, census)

    def get(self, kind: type[AnyCensus], step: int) -> AnyCensus | None:
        """The census of ``kind`` taken at ``step``, if no later stage may have changed it."""
        taken = self._taken.get(kind)
        if taken is None or taken.step != step or taken.stage not in self.written_after:
            return None
        if self.written_after[taken.stage] & kind.READS:
            return None
        census = taken.census
        assert isinstance(census, kind)
        return census


def later_writes(stages: Iterable[tuple[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    """For each (name, WRITES) of a plan, in order: the columns written by the stages after it."""
    ordered = list(stages)
    out: dict[str, frozenset[str]] = {}
    after: frozenset[str] = frozenset()
    for name, writes in reversed(ordered):
        out[name] = after
        after = after | writes
    return out
