"""Epstein's civil violence against Mesa's own example, side by side in one run: speed, agreement.

Why one orchestrator and two workers: Mesa's current release (3.5.1) needs Python >= 3.12 and
lives in its own venv (``make mesa-venv``), while the project's venv runs ours. The orchestrator
(this script, in the project's venv) starts one worker per side, this same file run with
``--worker mesa`` by the Mesa venv's Python and ``--worker ours`` by its own, and sends each one
job per line (JSON); each answers one line. The workers import only the standard library,
numpy, scipy (both venvs have them) and their own side's model, imported inside the
worker's functions (the ``noqa: PLC0415`` below), so both venvs can run this file.

Speed (default part). For each grid (40, 100, 200 side) and settings (Mesa's defaults, and the
slider defaults of Mesa's ``app.py``, its "GUI settings"), ``--repeat`` times, the two workers
run the same job one after the other, the order alternating from one job to the next. Each
measures ``time.process_time()`` of its own process around 100 steps only:

- Mesa: ``EpsteinCivilViolence`` from ``mesa.examples.advanced.epstein_civil_violence``,
  unmodified, built with ``EpsteinScenario(rng=seed, **settings)``; its DataCollector cannot be
  switched off by a parameter (``step`` calls ``self.datacollector.collect(self)``), so after
  construction the instance's ``datacollector`` attribute is replaced by an object whose
  ``collect`` does nothing. The class, its agents and its ``_update_counts`` run as shipped.
- Ours: the public ``thermidor.classic.epstein.simulate`` with preset ``mesa`` and the same
  settings, whatever kernel the checkout has. ``simulate`` builds and runs in one call, so the
  worker times ``simulate`` with 101 steps and with 1 step (same seed, same placement) and takes
  the difference: 100 steps without construction. Numba is compiled before any timing.

Rates are agent-steps per CPU second; agents are counted as Mesa counts them, citizens plus
cops (jailed included): ``len(model.agents)`` for Mesa, the expected count of the same
per-cell placement for ours (``MODEL.agents``; a seed's own count differs by about 1% at 40x40).

Agreement (``--agreement``). For Mesa's defaults, its GUI settings and ``MESA_LIVELY``, per
seed the means of active, quiet and jailed citizens over steps 51-100 (Mesa's ``ACTIVE``,
``QUIET`` and ``ARRESTED`` counts after each step); per count the means with 95% CIs and a
two-sample Kolmogorov-Smirnov test, judged at 0.05 divided by the number of tests (Bonferroni).

    python benchmarks/epstein_vs_mesa.py                    # speed, 3 repetitions
    python benchmarks/epstein_vs_mesa.py --agreement        # the agreement (about 20 minutes)
    python benchmarks/epstein_vs_mesa.py --quick            # smoke run of both (a minute)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
MESA_PYTHON = ROOT / ".venv-mesa" / "bin" / "python"
STEPS = 100
BURN = 50  # the agreement averages steps BURN+1..STEPS
COUNTS = ("active", "quiet", "jailed")

# Mesa 3.5.1's EpsteinScenario defaults (model.py) at its default 40x40 grid.
MESA_DEFAULTS: dict[str, Any] = {}
# The slider defaults of Mesa 3.5.1's app.py (citizen density 0.7, vision 7/7 as the defaults).
MESA_GUI: dict[str, Any] = {"cop_density": 0.04, "legitimacy": 0.82, "max_jail_term": 30}
SETTINGS: dict[str, dict[str, Any]] = {"defaults": MESA_DEFAULTS, "GUI": MESA_GUI}


# ---------------------------------------------------------------- workers (either venv)


class _NoCollector:
    """Stands in for Mesa's DataCollector: ``step`` still calls ``collect``, which does nothing."""

    def collect(self, model: object) -> None:
        return None


def _mesa_model(settings: dict[str, Any], seed: int) -> Any:
    from mesa.examples.advanced.epstein_civil_violence.model import (  # noqa: PLC0415
        EpsteinCivilViolence,
        EpsteinScenario,
    )

    kw = dict(settings)
    width, height = kw.pop("width", 40), kw.pop("height", 40)
    model = EpsteinCivilViolence(width, height, scenario=EpsteinScenario(rng=seed, **kw))
    model.datacollector = _NoCollector()
    return model


def _mesa_speed(job: dict[str, Any]) -> dict[str, Any]:
    model = _mesa_model(job["settings"], job["seed"])
    t0 = time.process_time()
    for _ in range(job["steps"]):
        model.step()
    cpu = time.process_time() - t0
    return {"agents": len(model.agents), "cpu": cpu}


def _mesa_ensemble(job: dict[str, Any]) -> dict[str, Any]:
    means: dict[str, list[float]] = {c: [] for c in COUNTS}
    for seed in job["seeds"]:
        model = _mesa_model(job["settings"], seed)
        sums = dict.fromkeys(COUNTS, 0.0)
        for step in range(1, job["steps"] + 1):
            model.step()
            if step > job["burn"]:
                sums["active"] += model.ACTIVE
                sums["quiet"] += model.QUIET
                sums["jailed"] += model.ARRESTED
        for c in COUNTS:
            means[c].append(sums[c] / (job["steps"] - job["burn"]))
    return {"means": means}


def _ours_params(settings: dict[str, Any], steps: int) -> Any:
    from thermidor.classic.epstein import MODEL  # noqa: PLC0415

    return MODEL.resolve(
        ["preset=mesa", f"steps={steps}", *(f"{k}={v}" for k, v in settings.items())]
    )


def _ours_speed(job: dict[str, Any]) -> dict[str, Any]:
    from thermidor.classic.epstein import MODEL, simulate  # noqa: PLC0415

    long, short = _ours_params(job["settings"], job["steps"] + 1), _ours_params(job["settings"], 1)
    t0 = time.process_time()
    simulate(short, job["seed"])
    t1 = time.process_time()
    simulate(long, job["seed"])
    t2 = time.process_time()
    return {"agents": MODEL.agents(long), "cpu": (t2 - t1) - (t1 - t0)}


def _ours_ensemble(job: dict[str, Any]) -> dict[str, Any]:
    from thermidor.classic.epstein import simulate  # noqa: PLC0415

    params = _ours_params(job["settings"], job["steps"])
    means: dict[str, list[float]] = {c: [] for c in COUNTS}
    for seed in job["seeds"]:
        series = simulate(params, seed)
        for c in COUNTS:
            means[c].append(float(series[c][job["burn"] :].mean()))
    return {"means": means}


def _versions(kind: str) -> dict[str, Any]:
    out = {"python": platform.python_version()}
    if kind == "mesa":
        import mesa  # noqa: PLC0415

        out["mesa"] = mesa.__version__
    else:
        from thermidor.classic.epstein import MODEL, simulate  # noqa: PLC0415

        simulate(MODEL.resolve(["preset=mesa", "steps=3"]), 0)  # compile numba before timing
    return out


HANDLERS: dict[str, dict[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "mesa": {"speed": _mesa_speed, "ensemble": _mesa_ensemble},
    "ours": {"speed": _ours_speed, "ensemble": _ours_ensemble},
}


def worker(kind: str, lines: Iterable[str], write: Callable[[str], None]) -> None:
    """Answer each JSON job line with one JSON line; the first answer names the versions."""
    write(json.dumps({"hello": _versions(kind)}))
    for line in lines:
        if not line.strip():
            continue
        job = json.loads(line)
        write(json.dumps(HANDLERS[kind][job["job"]](job)))


# ---------------------------------------------------------------- orchestrator (project venv)


class Worker:
    """One worker process of one side, kept for the whole run (numba compiles once)."""

    def __init__(self, kind: str, argv: Sequence[str], env: dict[str, str] | None = None) -> None:
        self.kind = kind
        self.proc = subprocess.Popen(
            [*argv, str(Path(__file__).resolve()), "--worker", kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.versions: dict[str, Any] = self._read()["hello"]

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            msg = f"the {self.kind} worker stopped (exit {self.proc.wait()})"
            raise RuntimeError(msg)
        return dict(json.loads(line))

    def ask(self, job: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def ours_worker() -> Worker:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return Worker("ours", [sys.executable], env)


def mesa_worker(python: Path) -> Worker:
    if not python.exists():
        sys.exit(f"error: no Mesa venv at {python}; run `make mesa-venv` or pass --mesa-python")
    return Worker("mesa", [str(python)])


@dataclass
class SpeedRow:
    side: int
    settings: str
    mesa_rates: list[float]
    ours_rates: list[float]
    agents: int


def rate(answer: dict[str, Any], steps: int) -> float:
    """Agent-steps per CPU second of a speed answer."""
    return float(answer["agents"]) * steps / float(answer["cpu"])


def speed_rows(
    ask_mesa: Callable[[dict[str, Any]], dict[str, Any]],
    ask_ours: Callable[[dict[str, Any]], dict[str, Any]],
    plan: Sequence[tuple[int, str]],
    repeat: int,
    steps: int = STEPS,
) -> list[SpeedRow]:
    """Run each (side, settings) ``repeat`` times on both sides, the order alternating."""
    rows = [SpeedRow(side, name, [], [], 0) for side, name in plan]
    turn = 0
    for rep in range(repeat):
        for row in rows:
            job = {
                "job": "speed",
                "settings": {**SETTINGS[row.settings], "width": row.side, "height": row.side},
                "steps": steps,
                "seed": rep + 1,
            }
            order = [(ask_mesa, row.mesa_rates), (ask_ours, row.ours_rates)]
            for ask, rates in order if turn % 2 == 0 else order[::-1]:
                answer = ask(job)
                rates.append(rate(answer, steps))
                if ask is ask_mesa:
                    row.agents = int(answer["agents"])
            turn += 1
    return rows


def _si(x: float) -> str:
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.1f} k"


def speed_table(rows: Sequence[SpeedRow]) -> str:
    """Markdown: rate ranges and the ratio range min(ours)/max(Mesa) .. max(ours)/min(Mesa)."""
    out = [
        "| grid | settings | agents (Mesa) | Mesa agent-steps/CPU s | ours | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lo, hi = min(r.ours_rates) / max(r.mesa_rates), max(r.ours_rates) / min(r.mesa_rates)
        out.append(
            f"| {r.side}x{r.side} | Mesa {r.settings} | {r.agents:,} | "
            f"{_si(min(r.mesa_rates))} - {_si(max(r.mesa_rates))} | "
            f"{_si(min(r.ours_rates))} - {_si(max(r.ours_rates))} | {lo:,.0f} - {hi:,.0f}x |"
        )
    return "\n".join(out)


@dataclass
class Comparison:
    setting: str
    count: str
    mesa: list[float]
    ours: list[float]
    ks_p: float


def mean_ci(x: Sequence[float]) -> tuple[float, float]:
    """Mean and the half-width of its 95% CI (normal approximation, 1.96 standard errors)."""
    a = np.asarray(x, dtype=float)
    half = 1.96 * a.std(ddof=1) / np.sqrt(a.size) if a.size > 1 else float("nan")
    return float(a.mean()), float(half)


def compare(
    setting: str, mesa: dict[str, list[float]], ours: dict[str, list[float]]
) -> list[Comparison]:
    return [
        Comparison(setting, c, mesa[c], ours[c], float(stats.ks_2samp(mesa[c], ours[c]).pvalue))
        for c in COUNTS
    ]


def agreement_table(comparisons: Sequence[Comparison], alpha: float = 0.05) -> str:
    """Markdown: means +- 95% CI, KS p, and whether p is below alpha / number of tests."""
    threshold = alpha / len(comparisons)
    out = [
        f"Bonferroni: {len(comparisons)} KS tests, reject at p < {alpha} / {len(comparisons)}"
        f" = {threshold:.4f}",
        "",
        "| settings | count | Mesa mean +- 95% CI | ours mean +- 95% CI | KS p | rejected |",
        "|---|---|---|---|---|---|",
    ]
    for cmp in comparisons:
        (m, mh), (o, oh) = mean_ci(cmp.mesa), mean_ci(cmp.ours)
        out.append(
            f"| {cmp.setting} | {cmp.count} | {m:.2f} +- {mh:.2f} | {o:.2f} +- {oh:.2f} | "
            f"{cmp.ks_p:.3f} | {'yes' if cmp.ks_p < threshold else 'no'} |"
        )
    rejected = sum(cmp.ks_p < threshold for cmp in comparisons)
    out += ["", f"{rejected} of {len(comparisons)} rejected."]
    return "\n".join(out)


def agreement_settings() -> dict[str, dict[str, Any]]:
    from thermidor.classic.epstein import MESA_LIVELY  # noqa: PLC0415

    return {"Mesa defaults 40x40": MESA_DEFAULTS, "Mesa GUI 40x40": MESA_GUI, "lively": MESA_LIVELY}


def agreement(mesa: Worker, ours: Worker, mesa_seeds: int, ours_seeds: int) -> str:
    comparisons = []
    for name, settings in agreement_settings().items():
        job = {"job": "ensemble", "settings": settings, "steps": STEPS, "burn": BURN}
        t0 = time.perf_counter()
        theirs = mesa.ask({**job, "seeds": list(range(mesa_seeds))})["means"]
        t1 = time.perf_counter()
        mine = ours.ask({**job, "seeds": list(range(10_000, 10_000 + ours_seeds))})["means"]
        t2 = time.perf_counter()
        print(
            f"{name}: Mesa {mesa_seeds} seeds {t1 - t0:.0f} s, ours {ours_seeds} seeds "
            f"{t2 - t1:.0f} s (wall)",
            file=sys.stderr,
        )
        comparisons += compare(name, theirs, mine)
    return agreement_table(comparisons)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--worker", choices=("mesa", "ours"), help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="smoke run: 40x40 only, few seeds")
    ap.add_argument("--agreement", action="store_true", help="the seed ensembles, not the speed")
    ap.add_argument("--repeat", type=int, default=3, help="speed repetitions per grid (3)")
    ap.add_argument("--sides", type=int, nargs="+", default=[40, 100, 200], help="grid sides")
    ap.add_argument("--mesa-seeds", type=int, default=60, help="Mesa seeds per setting (60)")
    ap.add_argument("--ours-seeds", type=int, default=400, help="our seeds per setting (400)")
    ap.add_argument("--mesa-python", type=Path, default=MESA_PYTHON, help="the Mesa venv's Python")
    args = ap.parse_args(argv)
    if args.worker:

        def write(s: str) -> None:
            print(s, flush=True)

        worker(args.worker, sys.stdin, write)
        return
    sys.path.insert(0, str(ROOT / "src"))  # the orchestrator reads MESA_LIVELY from this checkout
    before = load()
    mesa, ours = mesa_worker(args.mesa_python), ours_worker()
    print(
        f"Mesa {mesa.versions['mesa']} on Python {mesa.versions['python']}; ours on Python "
        f"{ours.versions['python']}\n{machine()}\nload average before: {before}\n"
    )
    try:
        if args.agreement:
            seeds = (10, 20) if args.quick else (args.mesa_seeds, args.ours_seeds)
            t0 = time.perf_counter()
            print(agreement(mesa, ours, *seeds))
            print(
                f"\n{seeds[0]} Mesa seeds and {seeds[1]} of ours per setting, steps 51-100, "
                f"{time.perf_counter() - t0:.0f} s wall"
            )
        else:
            sides = [40] if args.quick else args.sides
            repeat = 2 if args.quick else args.repeat
            plan = [(s, "defaults") for s in sides] + [(s, "GUI") for s in sides]
            print(speed_table(speed_rows(mesa.ask, ours.ask, plan, repeat)))
            print(f"\n{STEPS} steps, {repeat} repetition(s), seeds 1..{repeat}, order alternating")
    finally:
        mesa.close()
        ours.close()
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
