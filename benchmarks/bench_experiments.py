"""Experiment benchmark: 1,000 small runs on the default executor, against one run's speed.

Prints three figures (see README_experiments.md):

- single-run time: the mean of ``--probe`` runs of the experiment's kind done one after
  another in this process, the engine on one thread (as each worker runs it);
- the experiment: ``--runs`` runs (points x seeds) with ``thermidor.experiments.run_experiment``
  on the local executor, wall-clock, into a fresh store; parallel efficiency = runs x
  single-run time / (wall-clock x workers);
- the store's overhead per run: storing copies of finished runs into a fresh store as the
  runner does (each written to the spool as it arrives, moved into the tables in bulk).

    python benchmarks/bench_experiments.py                  # 1,000 runs of 2,000 x 240
    python benchmarks/bench_experiments.py --runs 100       # a quick look
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numba

from thermidor.experiments import parse_experiment, run_experiment, spool
from thermidor.experiments.design import points
from thermidor.experiments.executors import Task, simulate
from thermidor.experiments.records import register, run_key
from thermidor.experiments.runner import INGEST_EVERY, point_overrides
from thermidor.store import Store


def experiment(runs: int, members: int, steps: int, seeds: int):
    n_points = max(runs // seeds, 1)
    return parse_experiment(
        {
            "name": "bench",
            "scenario": "soviet-1917-1928",
            "seeds": seeds,
            "members": members,
            "steps": steps,
            "parameters": [
                {
                    "name": "institutions.nominated_share",
                    "range": {"start": 0.0, "stop": 1.0, "num": n_points},
                }
            ],
        },
        "benchmark",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=240)
    parser.add_argument("--seeds", type=int, default=10, help="seeds per point")
    parser.add_argument("--workers", type=int, default=None, help="default: every core")
    parser.add_argument("--probe", type=int, default=10, help="runs timed one by one")
    args = parser.parse_args()

    exp = experiment(args.runs, args.members, args.steps, args.seeds)
    workers = args.workers or len(os.sched_getaffinity(0))
    total = len(points(exp)) * exp.seeds
    print(f"thermidor experiment benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine : {platform.node()} | {platform.platform()} | {os.cpu_count()} cpus")
    print(f"load    : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"runs    : {total} = {len(points(exp))} points x {exp.seeds} seeds, "
          f"{args.members} members x {args.steps} steps, {workers} workers")  # fmt: skip

    numba.set_num_threads(1)
    first = points(exp)[0]
    task = Task(exp.scenario, point_overrides(exp, first), 0)
    simulate(task)  # compile or load the kernels
    started = time.perf_counter()
    outcomes = [simulate(Task(task.scenario, task.overrides, seed)) for seed in range(args.probe)]
    single = (time.perf_counter() - started) / args.probe
    print(f"single  : {single:.3f} s per run (mean of {args.probe}, one thread)")

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "bench.duckdb"
        started = time.perf_counter()
        run_experiment(exp, workers=workers, store_path=str(store))
        wall = time.perf_counter() - started
        ideal = total * single / workers
        print(f"run     : {wall:.1f} s wall-clock, {total / wall:.2f} runs/s; ideal {ideal:.1f} s;"
              f" parallel efficiency {ideal / wall:.0%}")  # fmt: skip

        fresh = Path(tmp) / "overhead.duckdb"
        with Store(fresh) as db:
            eid = register(db, exp, points(exp))
            copies = outcomes * max(1, 500 // len(outcomes))
            started = time.perf_counter()
            for k, outcome in enumerate(copies):
                # a distinct seed per stored copy, so each is a new run
                copy = replace(outcome, results=replace(outcome.results, seed=10_000 + k))
                run_id = run_key(copy.params_hash, copy.results.seed, copy.results.version)
                spool.write(fresh, run_id, copy, eid, [(0, 10_000 + k)])
                if (k + 1) % INGEST_EVERY == 0:
                    spool.ingest(db)
            spool.ingest(db)
            per_run = (time.perf_counter() - started) / len(copies) * 1000
            assert len(db.list_runs()) == len(copies)
        print(f"store   : {per_run:.2f} ms per run ({len(copies)} runs of {args.steps} steps: "
              "spooled as each arrives, ingested in bulk as the runner does)")  # fmt: skip
    print(f"targets : parallel efficiency close to 100% -> {ideal / wall:.0%}; "
          f"store overhead < 5 ms per run -> {per_run:.2f} ms: "
          f"{'PASS' if per_run < 5 else 'FAIL'}")  # fmt: skip


if __name__ == "__main__":
    main()
