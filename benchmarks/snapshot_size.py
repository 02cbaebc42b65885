"""The size and the cost of the agents' snapshots (docs/agents.md, "Size").

Runs the Soviet scenario (20,000 founders by default) with five snapshots spread over the
run, then reports for each: its members, offices and sampled ties, its bytes in memory,
the seconds it took, and the bytes it adds to a results store, measured as the growth of
a checkpointed DuckDB file when COPIES copies of it are saved under as many runs (DuckDB
allocates 256 KiB blocks, so one copy alone would measure the block, not the snapshot).

    python benchmarks/snapshot_size.py [--members 20000] [--copies 20] [--seed 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import thermidor
from thermidor.model.results import Results
from thermidor.model.run import Simulation
from thermidor.model.snapshots import AUTO_COUNT, Snapshot, evenly_spaced, take
from thermidor.snapshot_store import save_snapshots
from thermidor.store import Store


def stored_bytes(results: Results, snapshot: Snapshot | None, copies: int, folder: Path) -> int:
    """The size of a checkpointed store holding ``copies`` runs, each with ``snapshot``."""
    path = folder / f"size-{time.monotonic_ns()}.duckdb"
    with Store(path) as store:
        for seed in range(copies):
            run_id = store.start_run(results.scenario, results.params, seed=seed,
                                     version=results.version, steps=results.steps,
                                     members=results.members)  # fmt: skip
            store.finish_run(run_id, results)
            if snapshot is not None:
                save_snapshots(store, run_id, [snapshot])
    with Store(path) as store:
        store.connection.execute("CHECKPOINT")
    size = path.stat().st_size
    path.unlink()
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    scenario = thermidor.load_scenario("soviet-1917-1928", [f"meta.members={args.members}"])
    steps = set(evenly_spaced(scenario.meta.steps, AUTO_COUNT))
    simulation = Simulation(scenario, args.seed)
    taken: list[tuple[Snapshot, float]] = []
    from thermidor.engine.calendar import step_date  # noqa: PLC0415

    for t in range(scenario.meta.steps):
        simulation.advance()
        if t in steps:
            start = time.perf_counter()
            snap = take(
                simulation.world, step_date(scenario.meta.start, scenario.meta.time_step, t)
            )
            taken.append((snap, time.perf_counter() - start))
    results = simulation.results()
    with tempfile.TemporaryDirectory() as folder:
        base = stored_bytes(results, None, args.copies, Path(folder))
        print("date     members offices ties  memory B  B/member  took s  store B  B/member"
              "  offices+ties in store B/office")  # fmt: skip
        for snap, seconds in taken:
            members = snap.members["member"].size
            offices = snap.offices["office"].size
            full = stored_bytes(results, snap, args.copies, Path(folder))
            bare = dataclasses.replace(snap, members={k: v[:0] for k, v in snap.members.items()})
            rest = stored_bytes(results, bare, args.copies, Path(folder))
            per = (full - base) / args.copies
            print(
                f"{snap.date}  {members:7d} {offices:7d} {snap.ties['source'].size:5d}"
                f"  {snap.nbytes:8d}  {snap.nbytes / members:8.1f}  {seconds:6.3f}"
                f"  {per:7.0f}  {(full - rest) / args.copies / members:8.1f}"
                f"  {(rest - base) / args.copies / offices:8.1f}"
            )


if __name__ == "__main__":
    main()
