"""The ablation table of ``docs/model.md``: Thermidor in Paris and in the Soviet history, and
the eight stylized facts, with every mechanism of the plan switched off in turn.

Usage::

    .venv/bin/python benchmarks/ablation.py                 # Thermidor rows, 12 seeds
    .venv/bin/python benchmarks/ablation.py --facts         # and the stylized facts
    .venv/bin/python benchmarks/ablation.py --only-facts    # the stylized facts alone (hours)
    .venv/bin/python benchmarks/ablation.py --members 2000 --seeds 12 --workers 2

A mechanism is switched off with the scenario field ``switched_off`` (its stage is left out
of every step); the letter's historical causes are removed by the ids of their dated events
(``--without``). Thermidor is reported over the ensemble, never from one seed: the share of
runs that reach it and the quartiles of its date. It prints Markdown tables.

It takes a few minutes per scenario on two cores at the default size.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from thermidor import load_scenario
from thermidor.model.plan import NAMES
from thermidor.model.run import run
from thermidor.reports.panels import step_date

HISTORIES = ("paris-1789-1794", "soviet-1917-1928")
PARIS_LEFT = (
    "commune-functionaries-1794",
    "enrages-press-silenced-1793",
    "popular-press-silenced-1794",
)
# The letter's causes, as the scenarios' dated events: by kind, plus for Paris the letter's own
# distinction between the liquidation of the left ("beginning with the Enragés and ending with
# the Hébertistes and the Chaumettists": the repressions, their press, the Commune's leaders),
# the "gradual elimination of the elective principle" (the sections' committees and
# societies), and "the principle of nominations" (Robespierre naming the presidents of the
# revolutionary committees), which "it would seem ridiculous" to hold responsible alone.
CAUSES: dict[str, dict[str, tuple[str, ...]]] = {
    "the liquidation of the left (repression)": {
        "paris-1789-1794": ("repression", *PARIS_LEFT),
        "soviet-1917-1928": ("repression",),
    },
    "the elimination of elections (Paris: sections' committees, societies)": {
        "paris-1789-1794": ("nominate-committees-1793", "named-mayor-1794"),
    },
    "the principle of nominations (Paris: the presidents named)": {
        "paris-1789-1794": ("nominate-presidents-1793",),
    },
    "every dated nomination": dict.fromkeys(HISTORIES, ("nominate",)),
    "the shortages (harvest shocks)": dict.fromkeys(HISTORIES, ("harvest",)),
    "the dated crises": dict.fromkeys(HISTORIES, ("crisis",)),
}
ABLATABLE = tuple(name for name in NAMES if name not in ("economy", "interventions"))


def _thermidor(args: tuple[str, list[str], list[str], int]) -> int | None:
    name, overrides, without, seed = args
    return run(load_scenario(name, overrides, without), seed).thermidor_step


def event_ids(name: str, kinds: Sequence[str]) -> list[str]:
    """The ids of the scenario's dated events of the given kinds or ids."""
    scenario = load_scenario(name)
    events = [*scenario.shocks, *scenario.interventions]
    return [e.id for e in events if e.kind in kinds or e.id in kinds]


def distribution(name: str, steps: list[int | None], total: int) -> str:
    """'P = 0.83; 1794-06 / 1794-07 / 1794-09' (quartiles of the date among runs that reach
    it), or 'P = 0.00'."""
    reached = sorted(s for s in steps if s is not None)
    share = len(reached) / len(steps)
    if not reached:
        return f"P = {share:.2f}"
    params = load_scenario(name).model_dump(mode="json")
    q = np.quantile(reached, [0.25, 0.5, 0.75], method="nearest")
    dates = " / ".join(str(step_date(params, int(s))) for s in q)
    del total
    return f"P = {share:.2f}; {dates}"


def thermidor_rows(
    pool: ProcessPoolExecutor, members: int, seeds: int
) -> list[tuple[str, str, str]]:
    """(condition, paris, soviet) rows: all on, each mechanism off, each cause removed."""
    conditions: list[tuple[str, list[str], Callable[[str], list[str] | None]]] = [
        ("all mechanisms on", [], lambda _name: [])
    ]
    conditions += [(f"{m} off", [f'switched_off=["{m}"]'], lambda _name: []) for m in ABLATABLE]
    conditions += [
        (
            f"without {label}",
            [],
            lambda name, kinds=kinds: event_ids(name, kinds[name]) if name in kinds else None,
        )
        for label, kinds in CAUSES.items()
    ]
    rows = []
    for label, overrides, without in conditions:
        cells = []
        for name in HISTORIES:
            removed = without(name)
            if removed is None:
                cells.append("(not separable)")
                continue
            args = [(name, [f"meta.members={members}", *overrides], removed, s)
                    for s in range(seeds)]  # fmt: skip
            steps = list(pool.map(_thermidor, args))
            cells.append(distribution(name, steps, load_scenario(name).meta.steps))
        rows.append((label, cells[0], cells[1]))
        print(f"  {label}: {cells}", file=sys.stderr, flush=True)
    return rows


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
    parser.add_argument("--facts", action="store_true", help="also the stylized facts (slow)")
    parser.add_argument("--only-facts", action="store_true", help="the stylized facts alone")
    args = parser.parse_args(argv)
    if not args.only_facts:
        with ProcessPoolExecutor(args.workers) as pool:
            rows = thermidor_rows(pool, args.members, args.seeds)
        print(f"Thermidor over {args.seeds} seeds at {args.members} members: the share of runs")
        print("that reach it, and the quartiles of its date among them.\n")
        print("| condition | Paris 1789-1794 | Soviet 1917-1928 |")
        print("| --- | --- | --- |")
        for label, paris, soviet in rows:
            print(f"| {label} | {paris} | {soviet} |")
    if args.facts or args.only_facts:
        print("\nStylized facts (the tests' own checks; yes = holds):\n")
        print("| fact | all on | " + " | ".join(f"{m} off" for m in ABLATABLE) + " |")
        print("| --- " * (len(ABLATABLE) + 2) + "|")
        for label, held in fact_rows():
            print(f"| {label} | " + " | ".join("yes" if h else "no" for h in held) + " |")


if __name__ == "__main__":
    main()
