"""Engine benchmark: the shipped Soviet scenario at 10^4, 10^5 and 10^6 members.

Each size runs in a fresh child process, so the peak resident memory reported
is that size's own (``ru_maxrss`` of the child), and numba's compiled kernels
are warmed up in the child by a tiny run before anything is timed. The build
of the world and the stepping are timed separately; the last column divides
the cost of a member-step at each size by its cost at the smallest size, so a
column of ones means linear scaling.

Usage::

    python benchmarks/bench_engine.py                  # 10^4, 10^5, 10^6 members x 600 steps
    python benchmarks/bench_engine.py --quick          # smoke run: 10^4, 10^5 x 60 steps
    python benchmarks/bench_engine.py --sizes 10000 100000 --steps 120 --seed 2 --repeat 3

Timings are wall-clock: run it on an otherwise idle machine (the load average
is printed before and after), or use ``--repeat`` to keep the fastest run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

SCENARIO = "soviet-1917-1928"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_STEPS = 600
QUICK_SIZES = (10_000, 100_000)
QUICK_STEPS = 60
# Warm-up: tiny, but long enough to pass every event the scenario schedules (its last is at
# step 129), so that code paths only a crisis, a recruitment wave or an intervention reaches
# are compiled before the clock starts.
WARMUP_MEMBERS, WARMUP_STEPS = 200, 150
TARGET_MEMBERS, TARGET_STEPS = 1_000_000, 600
TARGET_SECONDS, TARGET_GB = 60.0, 3.0
SRC = Path(__file__).resolve().parents[1] / "src"


# --- the child: one size, one process ----------------------------------------------------------


def _simulate(members: int, steps: int, seed: int) -> tuple[dict, dict]:
    """Build and step the scenario as ``thermidor.run`` does, timing the two phases apart."""
    # imported here: only the child imports thermidor (the parent stays light and path-agnostic)
    from thermidor.model.run import Simulation  # noqa: PLC0415
    from thermidor.scenarios import load_scenario  # noqa: PLC0415

    scenario = load_scenario(SCENARIO, [f"meta.members={members}", f"meta.steps={steps}"])
    t0 = time.perf_counter()
    simulation = Simulation(scenario, seed)
    t1 = time.perf_counter()
    spent = dict.fromkeys([*(stage.name for stage in simulation.plan), "record"], 0.0)
    for _ in range(steps):
        simulation.advance(spent)
    t2 = time.perf_counter()
    world = simulation.world
    series = simulation.recorder.series
    timings = {
        "build_s": t1 - t0,
        "run_s": t2 - t1,
        "slots": int(world.members.size),
        "offices": int(world.offices.size),
        "edges": int(world.network.indices.size),
        "final_present": float(series["members_present"][-1]),
        "stages": spent,
    }
    return timings, series


def _warm_up(steps: int, seed: int) -> None:
    """Compile numba kernels on a tiny run, and check the timed loop still mirrors ``run``."""
    import numpy as np  # noqa: PLC0415

    import thermidor  # noqa: PLC0415

    steps = min(steps, WARMUP_STEPS)
    scenario = thermidor.load_scenario(
        SCENARIO, [f"meta.members={WARMUP_MEMBERS}", f"meta.steps={steps}"]
    )
    reference = thermidor.run(scenario, seed)
    _, mirrored = _simulate(WARMUP_MEMBERS, steps, seed)
    for name, column in reference.series.items():
        if not np.array_equal(column, mirrored[name], equal_nan=True):
            msg = f"benchmark loop no longer mirrors thermidor.run (series {name!r} differs)"
            raise SystemExit(msg)


def child(members: int, steps: int, seed: int) -> None:
    import numba  # noqa: PLC0415

    _warm_up(steps, seed)
    out, _ = _simulate(members, steps, seed)
    out["numba_threads"] = numba.get_num_threads()
    try:
        out["threading_layer"] = numba.threading_layer()
    except ValueError:  # no parallel kernel ran
        out["threading_layer"] = "none"
    out["members"] = members
    out["steps"] = steps
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    print(json.dumps(out), flush=True)


# --- the parent: one child per size, then the table -------------------------------------------


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> list[str]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 0
    return [
        f"machine : {platform.node()} | {platform.system()} {platform.release()} | {_cpu_model()}",
        f"cpus    : {os.cpu_count()} logical, {usable} usable by this process",
        f"python  : {platform.python_version()} | numpy {_version('numpy')} | "
        f"numba {_version('numba')}",
        f"threads : NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', 'default')} "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'default')}",
    ]


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    if SRC.is_dir():  # a source checkout: run the code next to this script
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return env


def _load() -> str:
    try:
        return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "load average unknown"


def measure(members: int, steps: int, seed: int, timeout: float | None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(members),
           "--steps", str(steps), "--seed", str(seed)]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, env=_child_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        msg = f"child for {members} members failed ({proc.returncode}):\n{proc.stderr}"
        raise SystemExit(msg)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - t0
    return out


HEADER = (
    f"{'members':>10} {'steps':>6} {'build s':>9} {'run s':>9} {'member-steps/s':>15} "
    f"{'peak RSS MB':>12} {'cost ratio':>11}"
)


def row(r: dict, base: float) -> str:
    rate = r["members"] * r["steps"] / r["run_s"]
    per_member = r["run_s"] / (r["members"] * r["steps"])
    return (
        f"{r['members']:>10,} {r['steps']:>6} {r['build_s']:>9.2f} {r['run_s']:>9.2f} "
        f"{rate:>15,.0f} {r['peak_rss_mb']:>12,.0f} {per_member / base:>11.2f}"
    )


def stage_table(results: list[dict]) -> str:
    """Seconds spent in each stage of the step plan (and the recorder), per size."""
    names = list(results[0]["stages"])
    head = f"{'stage':>16} " + " ".join(f"{r['members']:>12,}" for r in results)
    lines = [head]
    for name in names:
        cells = " ".join(
            f"{r['stages'][name]:>8.2f} {100 * r['stages'][name] / r['run_s']:>2.0f}%"
            for r in results
        )
        lines.append(f"{name:>16} {cells}")
    return "\n".join(lines)


def targets(results: list[dict]) -> list[str]:
    lines = [
        f"targets : {TARGET_MEMBERS:,} members x {TARGET_STEPS} steps in < {TARGET_SECONDS:.0f} s "
        f"(build + run) and < {TARGET_GB:.0f} GB peak RSS"
    ]
    for r in results:
        if r["members"] == TARGET_MEMBERS and r["steps"] == TARGET_STEPS:
            total = r["build_s"] + r["run_s"]
            gb = r["peak_rss_mb"] / 1024.0
            time_ok = "PASS" if total < TARGET_SECONDS else "FAIL"
            mem_ok = "PASS" if gb < TARGET_GB else "FAIL"
            lines.append(f"          time {total:.1f} s: {time_ok}; memory {gb:.2f} GB: {mem_ok}")
            break
    else:
        lines.append("          (not measured in this run)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", help=f"members (default {DEFAULT_SIZES})")
    parser.add_argument("--steps", type=int, help=f"steps per run (default {DEFAULT_STEPS})")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {QUICK_SIZES} members x {QUICK_STEPS} steps")  # fmt: skip
    parser.add_argument(
        "--repeat", type=int, default=1, help="fresh children per size; the fastest is kept"
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds allowed per child")
    parser.add_argument(
        "--stages", action="store_true", help="also print seconds per stage of the step plan"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    steps = args.steps or (QUICK_STEPS if args.quick else DEFAULT_STEPS)
    if args.child is not None:
        child(args.child, steps, args.seed)
        return 0
    sizes = sorted(args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES))

    print(f"thermidor engine benchmark: {SCENARIO}, seed {args.seed}, "
          f"{time.strftime('%Y-%m-%d %H:%M %Z')}")  # fmt: skip
    for line in machine_info():
        print(line)
    print(f"before  : {_load()}")
    print()
    print(HEADER, flush=True)
    results: list[dict] = []
    for members in sizes:
        repeats = range(max(args.repeat, 1))
        runs = [measure(members, steps, args.seed, args.timeout) for _ in repeats]
        r = min(runs, key=lambda x: x["build_s"] + x["run_s"])
        r["peak_rss_mb"] = max(x["peak_rss_mb"] for x in runs)
        results.append(r)
        base = results[0]["run_s"] / (results[0]["members"] * results[0]["steps"])
        print(row(r, base), flush=True)
    print()
    first = results[0]
    print(f"numba   : {first['numba_threads']} threads, {first['threading_layer']} threading layer")
    print(f"after   : {_load()}")
    print("cost ratio: run seconds per member-step / the same at the smallest size (1 = linear)")
    print("peak RSS includes the interpreter, numpy and numba (about the warm-up run's size)")
    for line in targets(results):
        print(line)
    if args.stages:
        print()
        print(stage_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
