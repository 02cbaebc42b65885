"""The ablation table of ``docs/model.md``: Thermidor in Paris and in the Soviet history, and
the eight stylized facts, with every mechanism of the plan switched off in turn.

Usage::

    .venv/bin/python benchmarks/ablation.py                 # Thermidor rows, 12 seeds
    .venv/bin/python benchmarks/ablation.py --facts         # and the stylized facts
    .venv/bin/python benchmarks/ablation.py --only-facts    # the stylized facts alone (hours)
    .venv/bin/python benchmarks/ablation.py --members 2000 --seeds 12 --workers 2

The Thermidor rows are ``thermidor ablation run`` and ``thermidor ablation summary``
(``thermidor.experiments.ablation``, ``thermidor.reports.ablation``): the runs go into a
results store (``--store``, resumable: runs already there are not computed again) and the
table is read back from it, printed as Markdown. A mechanism is switched off with the
scenario field ``switched_off`` (its stage is left out of every step); the letter's
historical causes are removed by the ids of their dated events. Thermidor is reported over
the ensemble, never from one seed: the share of runs that reach it and the quartiles of its
date.

It takes about 12 minutes on two cores at the default size.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from thermidor.experiments.ablation import ABLATABLE, run_ablation
from thermidor.reports.ablation import ablation_markdown, ablation_table
from thermidor.store import Store


def thermidor_table(store: str, members: int, seeds: int, workers: int) -> str:
    """The Markdown table of the Thermidor rows, computed into ``store`` as needed."""

    def progress(answered: int, total: int) -> None:
        print(f"  {answered}/{total} runs", file=sys.stderr, flush=True)

    run_ablation(store, members=members, seeds=seeds, workers=workers, progress=progress)
    with Store(store, read_only=True) as opened:
        return ablation_markdown(ablation_table(opened, members, seeds))


def fact_rows() -> list[tuple[str, list[bool]]]:
    """(fact, holds with each of ``ABLATABLE`` off) from the stylized-fact tests' own checks."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from facts import test_stylized_facts as facts  # noqa: PLC0415

    off = {m: (f'switched_off=["{m}"]',) for m in ABLATABLE}
    checks: list[tuple[str, Callable[[tuple[str, ...]], bool]]] = [
        ("1 privilege and identification", facts.fact_1),
        ("2 known abuses unsanctioned", facts.fact_2),
        ("3 dose-response of nomination", facts.fact_3),
        ("4 statistical charlatanism", facts.fact_4),
        ("5 recruits without struggle", lambda off: facts.fact_5(off=off)),
        ("5 (founders) the wave on the founders", lambda off: facts.fact_5_founders(off=off)),
        ("6 Paris ends in Thermidor", facts.fact_6),
        ("7 hysteresis", facts.fact_7),
        ("8 a purge helps for a while", facts.fact_8),
    ]
    rows = []
    for label, check in checks:
        # the checks print what they measured: to the log, not into the table
        with contextlib.redirect_stdout(sys.stderr):
            held = [check(())] + [check(off[m]) for m in ABLATABLE]
        rows.append((label, held))
        print(f"  fact {label}: {held}", file=sys.stderr, flush=True)
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--store", default="ablation.duckdb", help="results store (resumable)")
    parser.add_argument("--facts", action="store_true", help="also the stylized facts (slow)")
    parser.add_argument("--only-facts", action="store_true", help="the stylized facts alone")
    args = parser.parse_args(argv)
    if not args.only_facts:
        table = thermidor_table(args.store, args.members, args.seeds, args.workers)
        print(f"Thermidor over {args.seeds} seeds at {args.members} members: the share of runs")
        print("that reach it, and the quartiles of its date among them.\n")
        print(table)
    if args.facts or args.only_facts:
        print("\nStylized facts (the tests' own checks; yes = holds):\n")
        print("| fact | all on | " + " | ".join(f"{m} off" for m in ABLATABLE) + " |")
        print("| --- " * (len(ABLATABLE) + 2) + "|")
        for label, held in fact_rows():
            print(f"| {label} | " + " | ".join("yes" if h else "no" for h in held) + " |")


if __name__ == "__main__":
    main()
