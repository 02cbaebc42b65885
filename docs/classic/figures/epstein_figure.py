"""The key figure of Epstein (2002) model I: active citizens over time (NetLogo preset).

Writes ``docs/classic/figures/epstein.png`` and prints the outburst statistics the docs quote
(outburst: a maximal run of steps with more than 50 active citizens; see ``outbursts``).

    python docs/classic/figures/epstein_figure.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from thermidor.classic.epstein import MODEL, outbursts, simulate

OUT = Path(__file__).with_name("epstein.png")
THRESHOLD = 50
BURN = 50


def main() -> None:
    params = MODEL.resolve(["preset=netlogo", "steps=1000"])
    one = simulate(params, 1)
    sizes_all, waits_all = [], []
    for seed in range(20):
        s = simulate(params, seed)
        sizes, waits = outbursts(s["active"][BURN:], THRESHOLD)
        sizes_all.append(sizes)
        waits_all.append(waits)
    sizes = np.concatenate(sizes_all)
    waits = np.concatenate(waits_all)

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), gridspec_kw={"width_ratios": [2.2, 1, 1]})
    ax = axes[0]
    ax.plot(one["active"], lw=0.8, color="firebrick", label="active")
    ax.plot(one["jailed"], lw=0.8, color="slategray", label="jailed")
    ax.axhline(THRESHOLD, color="k", lw=0.5, ls=":", label=f"outburst threshold ({THRESHOLD})")
    ax.set_xlabel("step")
    ax.set_ylabel("citizens (of 1120)")
    ax.set_title("NetLogo Rebellion preset, seed 1")
    ax.legend(loc="upper right", fontsize=7)
    axes[1].hist(sizes, bins=20, color="firebrick")
    axes[1].set_xlabel("outburst size (peak active)")
    axes[1].set_title(f"{sizes.size} outbursts, 20 seeds")
    axes[2].hist(waits, bins=20, color="slategray")
    axes[2].set_xlabel("waiting time (steps)")
    axes[2].set_title("quiet spell before an outburst")
    fig.tight_layout()
    fig.savefig(OUT, dpi=110)
    q = [10, 50, 90]
    print(f"steps {BURN + 1}..1000, 20 seeds, threshold {THRESHOLD}")
    print(f"outbursts: {sizes.size}, per 100 steps {100 * sizes.size / (20 * (1000 - BURN)):.2f}")
    print(f"size: mean {sizes.mean():.1f}, percentiles {q}: {np.percentile(sizes, q)}")
    print(f"waiting: mean {waits.mean():.1f}, percentiles {q}: {np.percentile(waits, q)}")
    print(
        f"active share: mean {one['active_share'][BURN:].mean():.3f}, "
        f"median {np.median(one['active_share'][BURN:]):.3f}"
    )
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
