"""A tiny calibration of the Soviet scenario on synthetic figures, and reading a
calibration's history back for comparisons."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

TINY = Path(__file__).resolve().parents[1] / "data" / "calibration" / "tiny.toml"
SRC = Path(__file__).resolve().parents[2] / "src"


def calibrate_cli(*args: str, fault: str | None = None) -> subprocess.CompletedProcess:
    """``thermidor calibrate ARGS`` in a new process (killed at ``fault`` if given)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))
    env.pop("THERMIDOR_FAULT", None)
    if fault is not None:
        env["THERMIDOR_FAULT"] = fault
    return subprocess.run(
        [sys.executable, "-m", "thermidor", "calibrate", *args],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )  # fmt: skip


def populations(folder: Path) -> list[tuple]:
    """Every stored population: (t, epsilon, samples) and its particles' parameters,
    weights and distances, in order: what must be equal bit for bit."""
    with sqlite3.connect(f"file:{folder / 'history.db'}?mode=ro", uri=True) as db:
        generations = db.execute(
            "SELECT id, t, epsilon, nr_samples FROM populations WHERE t >= 0 ORDER BY t"
        ).fetchall()
        found = []
        for population, t, epsilon, samples in generations:
            particles = db.execute(
                "SELECT particles.w, parameters.name, parameters.value, samples.distance"
                " FROM particles JOIN models ON particles.model_id = models.id"
                " JOIN parameters ON parameters.particle_id = particles.id"
                " JOIN samples ON samples.particle_id = particles.id"
                " WHERE models.population_id = ? ORDER BY particles.id, parameters.name",
                (population,),
            ).fetchall()
            found.append((t, epsilon, samples, particles))
    return found
