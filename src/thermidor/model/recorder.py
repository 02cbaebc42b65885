"""The recorder: every metric of every step into preallocated columns."""

from __future__ import annotations

import numpy as np

from thermidor.engine.aggregate import binned_gini
from thermidor.mechanisms.crisis import control_index
from thermidor.mechanisms.legitimacy import privilege_ratio
from thermidor.model.results import EXTRA_SERIES, METRICS
from thermidor.model.world import MEMBER, NOMINATION, World


class Recorder:
    """Holds one float64 column per series; ``record`` fills row ``t``."""

    def __init__(self, steps: int) -> None:
        self.series = {name: np.full(steps, np.nan) for name in (*METRICS, *EXTRA_SERIES)}
        self._turnout = float("nan")

    def record(self, world: World, t: int) -> None:
        m, off, tally = world.members, world.offices, world.tally
        s = self.series
        present = m.present
        n_present = max(int(present.sum()), 1)
        in_apparatus = present & (m.role != MEMBER)
        occupied = off.holder >= 0
        open_cases = off.open_abuses > 0
        top = off.tree.level == 0

        s["participation"][t] = m.activity[present].mean()
        s["capacity"][t] = m.capacity[present].mean()
        s["apparatus_share"][t] = in_apparatus.sum() / n_present
        s["nominated_share"][t] = (off.rule == NOMINATION).mean()
        s["privilege_ratio"][t] = privilege_ratio(world)
        s["gini"][t] = binned_gini((m.wage * m.privilege)[present])
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
        s["identification"][t] = m.identification[holders].mean() if holders.size else np.nan
        s["legitimacy"][t] = m.legitimacy[present].mean()
        s["opposition_share"][t] = (present & m.opposition).sum() / n_present
        s["control_index"][t] = control_index(world)
        s["mobilization_potential"][t] = (present & m.mobilised).sum() / n_present

        if tally.elections_held:
            self._turnout = tally.turnout_sum / tally.elections_held
        elif np.isnan(self._turnout):
            self._turnout = float(m.activity[present].mean())
        s["turnout"][t] = self._turnout
        s["apparatus_size"][t] = in_apparatus.sum()
        s["members_present"][t] = present.sum()
        s["expelled_total"][t] = tally.expelled_total
        s["deported_total"][t] = tally.deported_total
        s["punished"][t] = tally.punished_this_step
        s["crisis"][t] = float(tally.crisis)
        s["mobilised"][t] = tally.mobilised_at_crisis
        s["hardship"][t] = m.hardship[present].mean()
        s["fear"][t] = m.fear[present].mean()
