"""``thermidor validity-report``: one self-contained HTML page of what the model's
credibility rests on, rebuilt from what is stored.

Its parts, each read from where it is stored (a part with nothing stored says which
command makes it): the calibrations (posterior, targets against the posterior
predictive bands, held-out predictions; from each calibration folder), the
robustness of the stylized facts and of Thermidor over the posterior and a wider
region, with their sensitivity indices, the ablation table, and the classic models'
reproductions against their papers (from the results store).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from thermidor._version import __version__
from thermidor.reports.calibration_figures import posterior_figure, targets_figure
from thermidor.reports.sections import Section, number, render
from thermidor.reports.validity_parts import STORE_PARTS

if TYPE_CHECKING:
    pass


def calibration_sections(folder: Path) -> list[Section]:
    """A calibration's posterior and its predictive checks (fitted and held out)."""
    from thermidor.calibration import predictive  # noqa: PLC0415
    from thermidor.calibration.posterior import read_posterior  # noqa: PLC0415

    posterior = read_posterior(folder)
    c = posterior.calibration
    gens = posterior.generations
    intro = Section(
        f"Calibration {c.name}",
        [
            f"{c.description.rstrip('.')}. Scenario {c.scenario}; ABC-SMC (pyabc) with "
            f"{c.budget.population} particles, {len(gens)} generations, "
            f"{int(gens['samples'].sum())} simulations, last epsilon "
            f"{number(float(gens['epsilon'].iloc[-1]))}; seed {c.seed}. Folder: {folder}.",
        ],
    )
    rows = []
    for prior in c.parameters:
        low, median, high = posterior.quantiles(prior.name, (0.05, 0.5, 0.95))
        rows.append([prior.name, f"{prior.prior} {number(prior.low)} .. {number(prior.high)}",
                     number(median), f"{number(low)} .. {number(high)}"])  # fmt: skip
    intro.figures.append(posterior_figure(posterior, f"{c.name}: posterior against prior"))
    intro.tables.append((["parameter", "prior", "median", "90% interval"], rows))
    intro.tables.append(
        (
            ["generation", "epsilon", "simulations", "particles"],
            [[str(int(g.t)), number(g.epsilon), str(int(g.samples)), str(int(g.particles))]
             for g in gens.itertuples()],
        )
    )  # fmt: skip
    table = predictive.load(folder)
    if table is None:
        return [
            intro,
            Section(
                f"{c.name}: posterior predictive checks",
                [f"No predictive runs stored: run `thermidor calibrate summary {folder}`."],
            ),
        ]
    checks = predictive.checks(posterior, table)
    sections = [intro]
    for held_out, title in ((False, "calibration targets"), (True, "held-out predictions")):
        chosen = [k for k in checks if k.held_out is held_out]
        if not chosen:
            continue
        inside = sum(k.inside for k in chosen)
        section = Section(
            f"{c.name}: {title}",
            [
                f"{inside} of {len(chosen)} published ranges meet the 90% band of "
                f"{len(table)} posterior predictive runs (fresh runs at posterior draws, "
                "new seeds)." + (" These targets were not fitted." if held_out else ""),
            ],
        )
        section.figures.append(targets_figure(chosen, f"{c.name}: {title}"))
        section.tables.append(
            (
                ["target", "published value [range]", "source", "90% predictive band",
                 "median", "inside"],
                [[k.target,
                  f"{number(k.observed.value)} [{number(k.observed.low)}, "
                  f"{number(k.observed.high)}]",
                  "; ".join(k.observed.sources), f"{number(k.low)} .. {number(k.high)}",
                  number(k.median), "yes" if k.inside else "no"] for k in chosen],
            )
        )  # fmt: skip
        sections.append(section)
    return sections


def validity_html(calibrations: list[Path], store: Path | None) -> str:
    sections: list[Section] = []
    for folder in calibrations:
        sections += calibration_sections(folder)
    for title, part, command in STORE_PARTS:
        found = part(store) if store is not None and store.is_file() else None
        if found is None:
            sections.append(Section(title, [f"Not in the store: run `{command}`."]))
        else:
            sections += found
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    intro = (
        f"thermidor {__version__}, generated {when} from "
        f"{len(calibrations)} calibration folder(s) and the store {store}. Rerun "
        "`thermidor validity-report` after changing anything: every number below is read "
        "from what is stored, none is typed in."
    )
    return render("thermidor: validity report", intro, sections)
