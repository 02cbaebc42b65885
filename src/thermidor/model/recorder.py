"""The recorder: every metric of every step into preallocated columns."""

from __future__ import annotations

import numpy as np

from thermidor.engine.kernels import gather
from thermidor.model.census import IncomeCensus, StateCensus
from thermidor.model.kernels import income_census, income_gini
from thermidor.model.mechanisms.crisis import census, control_index
from thermidor.model.results import EXTRA_SERIES, METRICS
from thermidor.model.state import NOMINATION, World

GINI_BINS = 4096  # as aggregate.binned_gini


def _mean(total: float, count: float) -> float:
    return total / count if count > 0 else float("nan")


class Recorder:
    """Holds one float64 column per series; ``record`` fills row ``t``."""

    def __init__(self, steps: int) -> None:
        self.series = {name: np.full(steps, np.nan) for name in (*METRICS, *EXTRA_SERIES)}
        self._turnout = float("nan")

    def record(self, world: World, t: int) -> None:
        m, off, tally = world.members, world.offices, world.tally
        s = self.series
        present = m.present
        # one pass each over the members, the sums of the state and of incomes: the censuses
        # stages took this step where they are still true at its end, else counted afresh
        st = world.censuses.get(StateCensus, t) or census(world)
        inc = world.censuses.get(IncomeCensus, t) or IncomeCensus(
            income_census(present, m.role, m.wage, m.privilege)
        )
        n_here = st.present
        n_present = max(n_here, 1.0)
        occupied = off.holder >= 0
        open_cases = off.open_abuses > 0
        top = off.tree.level == 0

        s["participation"][t] = _mean(st.activity, n_here)
        s["capacity"][t] = _mean(st.capacity, n_here)
        s["apparatus_share"][t] = inc.apparatus / n_present
        s["nominated_share"][t] = (off.rule == NOMINATION).mean()
        # legitimacy.privilege_ratio, from the same sums
        inside, outside = inc.apparatus, inc.ranks
        s["privilege_ratio"][t] = (
            (inc.apparatus_income / inside) / (inc.ranks_income / outside)
            if inside > 0 and outside > 0
            else 1.0
        )
        s["gini"][t] = income_gini(present, m.wage, m.privilege, inc.sums, GINI_BINS)
        s["abuse_rate"][t] = tally.abuses_this_step / max(int(occupied.sum()), 1)
        n_open = int(open_cases.sum())
        s["known_abuse_share"][t] = (
            (open_cases & (off.known_age > 0)).sum() / n_open if n_open else 0.0
        )
        judged = tally.sanctioned_known + tally.tolerated_known
        s["sanctioned_share"][t] = tally.sanctioned_known / judged if judged > 1e-9 else 1.0
        real_top = float(off.real_output[top].sum())
        s["report_inflation"][t] = (
            float(off.reported_output[top].sum()) / real_top if real_top > 0 else 1.0
        )
        holders = off.holder[occupied]
        s["identification"][t] = (
            gather(m.identification, holders).mean() if holders.size else np.nan
        )
        s["legitimacy"][t] = _mean(st.legitimacy, n_here)
        s["opposition_share"][t] = st.opposition / n_present
        s["control_index"][t] = control_index(world)
        s["mobilization_potential"][t] = st.mobilised / n_present

        if tally.elections_held:
            self._turnout = tally.turnout_sum / tally.elections_held
        elif np.isnan(self._turnout):
            self._turnout = _mean(st.activity, n_here)
        s["turnout"][t] = self._turnout
        s["apparatus_size"][t] = inc.apparatus
        s["members_present"][t] = n_here
        s["expelled_total"][t] = tally.expelled_total
        s["deported_total"][t] = tally.deported_total
        s["punished"][t] = tally.punished_this_step
        s["crisis"][t] = float(tally.crisis)
        s["mobilised"][t] = tally.mobilised_at_crisis
        s["hardship"][t] = _mean(st.hardship, n_here)
        s["fear"][t] = _mean(st.fear, n_here)
