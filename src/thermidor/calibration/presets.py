"""A calibration's posterior medians written as a preset, with its provenance."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from thermidor._version import __version__

if TYPE_CHECKING:
    from thermidor.calibration.posterior import Posterior


def preset_text(posterior: Posterior, folder: Path, mechanisms_only: bool = False) -> str:
    """The preset TOML: ``[values]`` the medians, ``[preset]`` where they come from.

    ``mechanisms_only`` keeps the model-wide parameters (``mechanisms.*``), which apply
    to any scenario, and leaves out the scenario's own (its events' magnitudes)."""
    c = posterior.calibration
    generations = posterior.generations
    lines = [
        f"# Posterior medians of the calibration {c.name!r} ({folder.name}).",
        "# Apply with --set preset=NAME; later --set items override it.",
        "[preset]",
        f"calibration = {json.dumps(c.name)}",
        f"description = {json.dumps(c.description)}",
        f"scenario = {json.dumps(c.scenario)}",
        f"fixed = {json.dumps(list(c.set))}",
        f"targets = {json.dumps([t.name for t in c.fitted])}",
        f"held_out = {json.dumps([t.name for t in c.targets if t.held_out])}",
        f"data = {json.dumps(sorted({t.data for t in c.targets}))}",
        f"seed = {c.seed}",
        f"generations = {len(generations)}",
        f"simulations = {int(generations['samples'].sum())}",
        f"epsilon = {float(generations['epsilon'].iloc[-1])!r}",
        f"population = {c.budget.population}",
        f"version = {json.dumps(__version__)}",
        f"created = {json.dumps(datetime.now(UTC).strftime('%Y-%m-%d'))}",
        "",
        "[preset.interval90]",
    ]
    medians = {}
    kept = [p for p in c.parameters if not mechanisms_only or p.name.startswith("mechanisms.")]
    lines.insert(
        lines.index("[preset.interval90]") - 1, f"mechanisms_only = {str(mechanisms_only).lower()}"
    )
    for prior in kept:
        low, median, high = posterior.quantiles(prior.name, (0.05, 0.5, 0.95))
        medians[prior.name] = median
        lines.append(f"{json.dumps(prior.name)} = [{low!r}, {high!r}]")
    lines += ["", "[values]"]
    lines += [f"{json.dumps(name)} = {value!r}" for name, value in medians.items()]
    return "\n".join(lines) + "\n"
