"""The ``thermidor`` command line, assembled: every command of the command modules, in the
order ``thermidor --help`` lists them.

The command modules only define functions; this is the one place that names the commands
and their groups. Heavy modules (the model, numpy, the scenario schema, DuckDB) are imported
inside the commands, so that building the app and ``thermidor --help`` stay fast.
"""

from __future__ import annotations

from typing import Final

import typer

from thermidor.cli import (
    ablation,
    agents,
    calibrate,
    classic,
    compare,
    experiment,
    export,
    info,
    optimize,
    report,
    robustness,
    run,
    runs,
    sensitivity,
    timeline,
    ui,
    validity,
)
from thermidor.cli._common import DefaultCommand, TextArguments

__all__ = ["app", "build_app"]

# Help is rendered as Markdown: a paragraph of a docstring or option help may be written
# over several source lines and is reflowed to the terminal (rich markup mode would print
# those line breaks mid-sentence, and eat a bracketed "[box]" as a style tag).
MARKUP: Final = "markdown"


def build_app() -> typer.Typer:
    """The ``thermidor`` app: the top-level commands, then the ``classic``, ``experiment``
    and ``robustness`` groups."""
    app = typer.Typer(
        name="thermidor",
        help="Simulate Rakovsky's 'professional dangers' of power: how an apparatus becomes a "
        "bureaucracy, and which institutions prevent it.",
        no_args_is_help=True,
        rich_markup_mode=MARKUP,
        pretty_exceptions_enable=False,
        add_completion=False,
        cls=TextArguments,
    )
    app.command("scenarios")(info.scenarios)
    app.command("timeline")(timeline.timeline)
    app.command("run")(run.run_command)
    app.command("show")(run.show)
    app.command("runs")(runs.runs_command)
    app.command("export")(export.export_command)
    app.command("plan")(info.plan)
    app.command("metrics")(info.metrics)
    app.command("report")(report.report)
    app.command("plot")(report.plot)
    app.command("agents")(agents.agents)
    app.command("compare")(compare.compare)
    app.command("validity-report")(validity.validity_report)
    app.command("ui")(ui.ui)

    classic_app = typer.Typer(
        help="Reproductions of the classic models: searches, and their papers' results stored.",
        no_args_is_help=True,
        rich_markup_mode=MARKUP,
    )
    classic_app.command("critical-sd")(classic.critical_sd)
    classic_app.command("golden-rule")(classic.golden_rule)
    classic_app.command("reproduce")(classic.reproduce)
    classic_app.command("summary")(classic.summary)
    app.add_typer(classic_app, name="classic")

    experiment_app = typer.Typer(
        help="Ensembles, sweeps, sensitivity analysis and policy search, resumable.",
        no_args_is_help=True,
        rich_markup_mode=MARKUP,
    )
    experiment_app.command("run")(experiment.run_command)
    experiment_app.command("summary")(experiment.summary_command)
    experiment_app.command("list")(experiment.list_command)
    experiment_app.command("optimize")(optimize.optimize_command)
    experiment_app.command("sensitivity")(sensitivity.sensitivity_command)
    app.add_typer(experiment_app, name="experiment")

    calibrate_app = typer.Typer(
        help="Calibration against history (ABC-SMC): `thermidor calibrate FILE` runs or "
        "resumes one; the subcommands read its folder.",
        no_args_is_help=True,
        rich_markup_mode=MARKUP,
        cls=DefaultCommand,
    )
    calibrate_app.command("run")(calibrate.run_command)
    calibrate_app.command("summary")(calibrate.summary_command)
    calibrate_app.command("points")(calibrate.points_command)
    calibrate_app.command("preset")(calibrate.preset_command)
    app.add_typer(calibrate_app, name="calibrate")

    robustness_app = typer.Typer(
        help="Where the stylized facts and Thermidor hold over regions of parameters.",
        no_args_is_help=True,
        rich_markup_mode=MARKUP,
    )
    robustness_app.command("run")(robustness.run_command)
    robustness_app.command("sensitivity")(robustness.sensitivity_command)
    robustness_app.command("summary")(robustness.summary_command)
    app.add_typer(robustness_app, name="robustness")

    ablation_app = typer.Typer(
        help="The ablation of the model (docs/model.md 7.16): each mechanism switched off, "
        "each of the letter's causes removed; stored runs, resumable.",
        no_args_is_help=True,
        rich_markup_mode=MARKUP,
    )
    ablation_app.command("run")(ablation.run_command)
    ablation_app.command("summary")(ablation.summary_command)
    app.add_typer(ablation_app, name="ablation")
    return app


app = build_app()
