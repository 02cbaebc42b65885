"""Figure and table of docs/classic/peter.md: efficiency against time for each promotion
strategy under both hypotheses, and the eight steady-state efficiencies with 95% CIs.

Run from the repository root: ``.venv/bin/python docs/classic/figures/peter_figure.py``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt

from thermidor.classic.peter import (
    HYPOTHESES,
    STRATEGIES,
    PeterParams,
    simulate_ensemble,
    steady_state_table,
)

RUNS, STEPS, TAIL, SEED = 50, 1000, 200, 0
OUT = Path(__file__).with_name("peter.png")
TITLES = {"peter": "Peter hypothesis", "common_sense": "Common-sense hypothesis"}


def main() -> None:
    """Print the table (markdown) and write the two-panel figure."""
    table = steady_state_table(runs=RUNS, steps=STEPS, tail=TAIL, seed=SEED)
    print(f"steady state: mean of the last {TAIL} of {STEPS} steps, {RUNS} runs, seed {SEED}")
    print("| hypothesis | strategy | E(0) | steady-state E | 95% CI | change |")
    print("|---|---|---|---|---|---|")
    for (hypothesis, strategy), row in table.items():
        print(
            f"| {hypothesis} | {strategy} | {row['initial']:.2f} | {row['mean']:.2f} | "
            f"[{row['ci_low']:.2f}, {row['ci_high']:.2f}] | {row['change']:+.2f} |"
        )

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for i, (ax, hypothesis) in enumerate(zip(axes, HYPOTHESES, strict=True)):
        for j, strategy in enumerate(STRATEGIES):
            params = PeterParams(hypothesis=hypothesis, strategy=strategy, steps=STEPS)
            # the seeds steady_state_table uses, so the curves end at the table's values
            series = simulate_ensemble(params, RUNS, seed=SEED + 1000 * i + j)
            ax.plot(series["efficiency"].mean(axis=0), lw=1.2, label=strategy)
        initial = series["initial_efficiency"].mean()
        ax.axhline(initial, color="grey", ls=":", lw=1, label="initial (mean)")
        ax.set_title(TITLES[hypothesis])
        ax.set_xlabel("time step (year)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"efficiency E (%), mean of {RUNS} runs")
    axes[1].legend(title="promote", loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT, dpi=120)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
