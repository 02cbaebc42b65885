"""Calibration throughput: proposals (and model runs) per second on local workers, and
the cost of pyabc's bookkeeping beside the runs.

Usage::

    .venv/bin/python benchmarks/bench_calibration.py                 # 48 proposals, 2 workers
    .venv/bin/python benchmarks/bench_calibration.py --proposals 96 --workers 2

It draws ``--proposals`` points from the prior of the shipped Soviet calibration
(examples/calibration/soviet-1917-1928.toml: each proposal runs the scenario at its
size, 20,000 members, and the 5,000-member Parkinson arm) and runs them through the
calibration's batch function on the local executor, timed by the wall clock after the
workers have started and compiled. It prints proposals per second, model runs per
second, the worker-seconds per proposal, and how many proposals an hour allows.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from thermidor.calibration.inference import make_plan, simulate_on
from thermidor.calibration.spec import load_calibration
from thermidor.experiments.executors import LocalExecutor

FILE = Path(__file__).resolve().parents[1] / "examples" / "calibration" / "soviet-1917-1928.toml"


def prior_points(calibration, count: int, seed: int) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    points = []
    for _ in range(count):
        point = {}
        for p in calibration.parameters:
            if p.prior == "uniform":
                point[p.name] = float(rng.uniform(p.low, p.high))
            else:
                point[p.name] = float(np.exp(rng.uniform(np.log(p.low), np.log(p.high))))
        points.append(point)
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=48)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    calibration = load_calibration(FILE)
    plan = make_plan(calibration)
    arms = len(plan.probes)
    executor = LocalExecutor(args.workers)
    try:
        batch = simulate_on(executor, plan)
        warm = prior_points(calibration, args.workers, 0)
        batch(warm, list(range(len(warm))))  # start the workers, load the kernels
        points = prior_points(calibration, args.proposals, 1)
        started, cpu = time.perf_counter(), time.process_time()
        batch(points, list(range(100, 100 + len(points))))
        wall = time.perf_counter() - started
    finally:
        executor.close()
    print(f"calibration {calibration.name}: {args.proposals} proposals x {arms} arms "
          f"on {args.workers} local workers")  # fmt: skip
    print(f"  wall {wall:.1f} s: {args.proposals / wall:.3f} proposals/s, "
          f"{args.proposals * arms / wall:.3f} model runs/s")  # fmt: skip
    print(f"  per proposal: {wall * args.workers / args.proposals:.2f} worker-seconds")
    print(f"  driver CPU while waiting: {time.process_time() - cpu:.2f} s")
    hour = 3600 * args.proposals / wall
    print(f"  an hour on this machine: about {hour:.0f} proposals")


if __name__ == "__main__":
    main()
