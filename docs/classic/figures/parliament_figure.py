"""Efficiency against the number of independents, golden rule marked (Pluchino et al. 2011).

Run from the project root: ``.venv/bin/python docs/classic/figures/parliament_figure.py``.
Writes ``docs/classic/figures/parliament.png`` and prints the argmax (about 10 s).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from thermidor.classic.parliament import golden_rule, sweep

N, P, STEP, LEGISLATURES, PROPOSALS, SEED = 500, 0.6, 10, 100, 1000, 0


def main() -> None:
    """Sweep N_ind over 0..N and plot the mean efficiency with its 95% interval."""
    values, means, half = sweep(
        n=N, p=P, step=STEP, legislatures=LEGISLATURES, proposals=PROPOSALS, seed=SEED
    )
    star = golden_rule(N, P)
    best = int(values[means.argmax()])
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.fill_between(values, means - half, means + half, color="tab:blue", alpha=0.2, lw=0)
    ax.plot(values, means, "o-", color="tab:blue", ms=3, label="mean efficiency (95% CI)")
    ax.axvline(star, color="tab:red", ls="--", label=f"golden rule N*_ind = {star:.0f}")
    ax.axvline(best, color="grey", ls=":", label=f"simulated maximum = {best}")
    ax.set_xlabel("number of independents N_ind")
    ax.set_ylabel("efficiency = N_acc% x Y_avg")
    ax.set_title(
        f"Accidental politicians: N = {N}, p = {P}, "
        f"{LEGISLATURES} legislatures x {PROPOSALS} proposals"
    )
    ax.legend(frameon=False)
    fig.tight_layout()
    out = Path(__file__).with_name("parliament.png")
    fig.savefig(out, dpi=120)
    print(f"argmax N_ind = {best} (efficiency {means.max():.2f}); golden rule = {star:.1f}")
    print(f"efficiency at 0: {means[0]:.2f}, at {N}: {means[-1]:.2f}; wrote {out}")


if __name__ == "__main__":
    main()
