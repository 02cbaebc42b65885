"""Epstein's civil violence side by side with Mesa's own example: agreement, then speed.

(a) Agreement: Mesa's ``EpsteinCivilViolence`` and ours (preset ``mesa``: Mesa's defaults and
rules) over many seeds; per seed the counts of active, quiet and jailed citizens averaged over
steps ``burn+1..steps``; the two samples compared by means with 95% CIs, Kolmogorov-Smirnov and
Mann-Whitney. Mesa's defaults are almost quiescent (L = 0.8, 7.4% cops), so a second, livelier
set (20x20, vision 3, L = 0.7, J_max = 10, 4% cops, same rules) is compared as well.
(b) Speed: agent-steps per second, ours / Mesa's, at 40x40, 100x100 and 200x200 (Mesa with few
steps there), then ours alone up to ten million cells.

    python benchmarks/bench_epstein_mesa.py            # full run (about 15 minutes)
    python benchmarks/bench_epstein_mesa.py --quick    # smoke run (about a minute)
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import mesa
from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

from thermidor.classic.epstein import MESA_LIVELY as LIVELY
from thermidor.classic.epstein import MODEL, simulate

MESA_KEYS = (
    "width",
    "height",
    "citizen_density",
    "cop_density",
    "citizen_vision",
    "cop_vision",
    "legitimacy",
    "max_jail_term",
    "movement",
)


def mesa_run(kw: dict, seed: int, steps: int) -> tuple[dict[str, np.ndarray], int, float]:
    """Mesa's series (after steps 1..steps), its number of agents and its stepping seconds."""
    m = EpsteinCivilViolence(seed=seed, max_iters=steps + 10, **kw)
    t = time.perf_counter()
    for _ in range(steps):
        m.step()
    dt = time.perf_counter() - t
    df = m.datacollector.get_model_vars_dataframe()
    series = {
        "active": df["active"].to_numpy()[1:],
        "quiet": df["quiet"].to_numpy()[1:],
        "jailed": df["arrested"].to_numpy()[1:],
    }
    return series, len(m.agents), dt


def ci(x: np.ndarray) -> str:
    h = 1.96 * x.std(ddof=1) / np.sqrt(len(x)) if len(x) > 1 else float("nan")
    return f"{x.mean():8.2f} +- {h:6.2f}"


def agreement(label: str, overrides: dict, seeds: int, ours_seeds: int, steps: int, burn: int):
    params = MODEL.resolve(["preset=mesa", f"steps={steps}"])
    params = params.model_copy(update=overrides)
    params = type(params)(**params.model_dump())  # re-validate
    kw = {k: getattr(params, k) for k in MESA_KEYS}
    theirs = {m: [] for m in ("active", "quiet", "jailed")}
    ours = {m: [] for m in theirs}
    for s in range(seeds):
        series, _, _ = mesa_run(kw, s, steps)
        for m, values in theirs.items():
            values.append(series[m][burn:].mean())
    for s in range(ours_seeds):
        series = simulate(params, 10_000 + s)
        for m, values in ours.items():
            values.append(series[m][burn:].mean())
    print(f"\n## Agreement: {label}")
    print(f"{kw}, steps {steps}, averaged over steps {burn + 1}..{steps}")
    print(f"Mesa seeds {seeds}, ours {ours_seeds}")
    print("| count | Mesa mean +- 95% CI | ours mean +- 95% CI | KS p | Mann-Whitney p |")
    print("|---|---|---|---|---|")
    for m, values in theirs.items():
        a = np.array(values)
        b = np.array(ours[m])
        ks = stats.ks_2samp(a, b).pvalue
        mw = stats.mannwhitneyu(a, b).pvalue if np.ptp(np.concatenate([a, b])) > 0 else 1.0
        print(f"| {m} | {ci(a)} | {ci(b)} | {ks:.3f} | {mw:.3f} |")


def speed(side: int, mesa_steps: int, ours_steps: int) -> None:
    params = MODEL.resolve(["preset=mesa", f"width={side}", f"height={side}"])
    kw = {k: getattr(params, k) for k in MESA_KEYS}
    _, n_agents, dt = mesa_run(kw, 1, mesa_steps)
    mesa_rate = n_agents * mesa_steps / dt
    p = params.model_copy(update={"steps": ours_steps})
    t = time.perf_counter()
    simulate(p, 1)
    ours_dt = time.perf_counter() - t
    ours_rate = MODEL.agents(p) * ours_steps / ours_dt
    print(
        f"| {side}x{side} | {n_agents} | {mesa_steps} | {mesa_rate:,.0f} | {ours_steps} | "
        f"{ours_rate:,.0f} | {ours_rate / mesa_rate:,.0f}x |"
    )


def ours_alone(side: int, steps: int) -> None:
    p = MODEL.resolve(["preset=mesa", f"width={side}", f"height={side}", f"steps={steps}"])
    t = time.perf_counter()
    s = simulate(p, 1)
    dt = time.perf_counter() - t
    rate = MODEL.agents(p) * steps / dt
    print(
        f"| {side}x{side} | {side * side:,} | {MODEL.agents(p):,} | {steps} | {dt:.1f} | "
        f"{rate:,.0f} | {int(s['jailed'][-1]):,} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run (small, about a minute)")
    ap.add_argument("--seeds", type=int, default=20, help="Mesa seeds per agreement check")
    ap.add_argument("--ours-seeds", type=int, default=200, help="our seeds per check")
    ap.add_argument("--steps", type=int, default=100, help="steps per agreement run")
    args = ap.parse_args()
    seeds, steps = args.seeds, args.steps
    if args.quick:
        seeds, steps = min(seeds, 3), min(steps, 30)
    burn = steps // 2
    print(f"# Epstein civil violence vs Mesa {mesa.__version__}")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}"
    )
    simulate(MODEL.resolve(["preset=mesa", "steps=3"]), 0)  # compile (or load the cache)
    agreement("Mesa defaults (preset mesa, 40x40)", {}, seeds, args.ours_seeds, steps, burn)
    agreement("livelier set, same rules", LIVELY, seeds * 2, args.ours_seeds, steps, burn)
    print("\n## Speed, agent-steps per second (preset mesa)")
    print("| grid | agents (Mesa) | Mesa steps | Mesa | our steps | ours | ratio |")
    print("|---|---|---|---|---|---|---|")
    plan = [(40, 5, 200)] if args.quick else [(40, 20, 500), (100, 4, 200), (200, 2, 50)]
    for side, ms, os_ in plan:
        speed(side, ms, os_)
    print("\n## Ours alone (preset mesa, von Neumann vision 7)")
    print("| grid | cells | agents | steps | seconds | agent-steps/s | jailed at end |")
    print("|---|---|---|---|---|---|---|")
    sizes = [(316, 5)] if args.quick else [(1000, 5), (3163, 3)]
    for side, st in sizes:
        ours_alone(side, st)


if __name__ == "__main__":
    main()
