"""Regenerate docs/classic/figures/granovetter.png: final share acting against threshold spread.

The continuous map r(t+1) = N F(r(t)) (normal thresholds, mean 25 of N = 100) against
the exact cascade of sampled crowds of N = 100 and N = 10 000 (thresholds scaled with
N: mean 0.25 N, sd as a share of N), mean and 10-90% band over seeds.

Run: ``.venv/bin/python docs/classic/figures/granovetter_figure.py`` (a few seconds).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from thermidor.classic.granovetter import (
    GranovetterParams,
    cascade,
    critical_sd,
    normal_fixed_point,
    sample_thresholds,
)

OUT = Path(__file__).with_name("granovetter.png")
SDS = np.arange(0.5, 40.01, 0.5)  # per 100 agents


def sampled(n: int, seeds: int) -> np.ndarray:
    """Final share acting, shape (len(SDS), seeds), seeds 0..seeds-1 as ``simulate`` draws."""
    out = np.empty((SDS.size, seeds))
    for i, sd in enumerate(SDS):
        params = GranovetterParams(n=n, mean=0.25 * n, sd=sd * n / 100)
        for seed in range(seeds):
            theta = sample_thresholds(params, np.random.default_rng(seed))
            out[i, seed] = cascade(theta)[-1] / n
    return out


def main() -> None:
    """Draw and save the figure."""
    mapped = np.array([normal_fixed_point(100, 25, sd) / 100 for sd in SDS])
    crit = critical_sd(100, 25)
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for n, seeds, colour in ((100, 200, "tab:orange"), (10_000, 20, "tab:blue")):
        finals = sampled(n, seeds)
        lo, hi = np.quantile(finals, [0.1, 0.9], axis=1)
        ax.fill_between(SDS, lo, hi, color=colour, alpha=0.2, lw=0)
        ax.plot(SDS, finals.mean(axis=1), color=colour, lw=1.2, label=f"sampled, N = {n:,}")
    ax.plot(SDS, mapped, color="black", lw=1.4, ls="--", label="continuous map, N F(r)")
    ax.axvline(crit, color="grey", ls=":", lw=1)
    ax.annotate(f"critical sd = {crit:.2f}", (crit + 0.6, 0.45), color="grey", fontsize=9)
    ax.set_xlabel("threshold sd (people per 100; mean threshold 25 per 100)")
    ax.set_ylabel("final share acting")
    ax.set_title("Granovetter (1978): riot size against threshold spread")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="center right", fontsize=9)
    fig.tight_layout()
    fig.savefig(OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
