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
import sys
from collections.abc import Sequence

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


# the rows of the table in docs/model.md 7.16 (thermidor.validity.facts ids)
FACT_ROWS = (
    "fact_1",
    "fact_2",
    "fact_3",
    "fact_4",
    "fact_5",
    "fact_5_founders",
    "fact_6",
    "fact_7",
    "fact_8",
)


def fact_rows() -> list[tuple[str, list[bool]]]:
    """(fact, holds with each of ``ABLATABLE`` off), by the facts' own checks (the library
    definitions the stylized-fact tests call, their seeds and thresholds)."""
    from thermidor.validity.facts import by_id  # noqa: PLC0415

    off = {m: (f'switched_off=["{m}"]',) for m in ABLATABLE}
    rows = []
    for fact in by_id(list(FACT_ROWS)):
        results = [fact.check(())] + [fact.check(off[m]) for m in ABLATABLE]
        held = [result.holds for result in results]
        rows.append((fact.label, held))
        print(f"  fact {fact.label}: {held}", file=sys.stderr, flush=True)
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
