"""Reading a calibration's history: the posterior population, its weights, the epsilon
schedule, and weighted quantiles.

Opened read-only from the SQLite file pyabc wrote, so reading never changes a
calibration that may still be running.
"""

from __future__ import annotations

import io
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from thermidor.calibration.inference import HISTORY, SPEC
from thermidor.calibration.spec import Calibration, parse_calibration


class HistoryError(ValueError):
    """A calibration folder that cannot be read, with a one-line reason."""


@dataclass(frozen=True)
class Posterior:
    """The last population of a calibration: parameter points with their weights."""

    calibration: Calibration
    points: pd.DataFrame  # one column per free parameter
    weights: np.ndarray  # normalised
    statistics: pd.DataFrame  # the accepted particles' simulated targets
    generations: pd.DataFrame  # t, epsilon, samples, particles

    def quantiles(self, name: str, probabilities: tuple[float, ...]) -> list[float]:
        return weighted_quantiles(self.points[name].to_numpy(), self.weights, probabilities)

    def draw(self, count: int, seed: int) -> pd.DataFrame:
        """``count`` points drawn by weight, with replacement (seeded)."""
        rng = np.random.default_rng(seed)
        rows = rng.choice(len(self.weights), size=count, p=self.weights)
        return self.points.iloc[rows].reset_index(drop=True)


def weighted_quantiles(
    values: np.ndarray, weights: np.ndarray, probabilities: tuple[float, ...]
) -> list[float]:
    """Quantiles of a weighted sample: the inverse of its step CDF, midpoints convention."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order] / weights.sum()
    cdf = np.cumsum(w) - 0.5 * w
    return [float(np.interp(p, cdf, v)) for p in probabilities]


def read_calibration(folder: Path) -> Calibration:
    spec = folder / SPEC
    try:
        raw = json.loads(spec.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HistoryError(f"{folder}: no readable {SPEC} ({exc.__class__.__name__})") from None
    try:
        return parse_calibration(raw, str(spec))
    except ValueError as exc:
        raise HistoryError(str(exc)) from None


def read_posterior(folder: Path) -> Posterior:
    """The last complete population of the calibration in ``folder``."""
    calibration = read_calibration(folder)
    path = folder / HISTORY
    if not path.is_file():
        raise HistoryError(f"{folder}: no {HISTORY}: run `thermidor calibrate FILE --out {folder}`")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return _population(calibration, db)
    except sqlite3.Error as exc:
        raise HistoryError(f"{path}: not a calibration history ({exc})") from None


_GENERATIONS = (
    "SELECT populations.t, populations.epsilon, populations.nr_samples,"
    " COUNT(particles.id) FROM populations"
    " JOIN models ON models.population_id = populations.id"
    " JOIN particles ON particles.model_id = models.id"
    " WHERE populations.t >= 0 GROUP BY populations.id ORDER BY populations.t"
)
_PARTICLES = (
    "SELECT particles.id, particles.w FROM particles"
    " JOIN models ON particles.model_id = models.id"
    " JOIN populations ON models.population_id = populations.id"
    " WHERE populations.t = ? ORDER BY particles.id"
)
_PARAMETERS = (
    "SELECT parameters.particle_id, parameters.name, parameters.value FROM parameters"
    " JOIN particles ON parameters.particle_id = particles.id"
    " JOIN models ON particles.model_id = models.id"
    " JOIN populations ON models.population_id = populations.id WHERE populations.t = ?"
)
_STATISTICS = (
    "SELECT sample.particle_id, summary_statistics.name, summary_statistics.value"
    " FROM summary_statistics JOIN samples AS sample"
    " ON summary_statistics.sample_id = sample.id"
    " JOIN particles ON sample.particle_id = particles.id"
    " JOIN models ON particles.model_id = models.id"
    " JOIN populations ON models.population_id = populations.id WHERE populations.t = ?"
)


def _population(calibration: Calibration, db: sqlite3.Connection) -> Posterior:
    generations = pd.DataFrame(
        db.execute(_GENERATIONS).fetchall(), columns=["t", "epsilon", "samples", "particles"]
    )
    if generations.empty:
        raise HistoryError("the calibration has no complete generation yet")
    last = int(generations["t"].iloc[-1])
    particles = db.execute(_PARTICLES, (last,)).fetchall()
    ids = [p[0] for p in particles]
    weights = np.array([p[1] for p in particles], dtype=float)
    points = _wide(db.execute(_PARAMETERS, (last,)).fetchall(), ids)
    statistics = _wide(db.execute(_STATISTICS, (last,)).fetchall(), ids, blob=True)
    return Posterior(calibration, points, weights / weights.sum(), statistics, generations)


def _wide(rows: list[tuple], ids: list[int], blob: bool = False) -> pd.DataFrame:
    """Long (particle, name, value) rows as one row per particle, in ``ids`` order."""
    table: dict[str, dict[int, float]] = {}
    for particle, name, value in rows:
        table.setdefault(name, {})[particle] = _decoded(value) if blob else float(value)
    return pd.DataFrame({name: [col.get(i, np.nan) for i in ids] for name, col in table.items()})


def _decoded(value: object) -> float:
    """A summary statistic as pyabc stores it (a ``.npy`` blob), read without unpickling:
    a history from someone else is data, never code. NaN when it is not a number."""
    if not isinstance(value, bytes):
        return float("nan")
    try:
        loaded = np.load(io.BytesIO(value), allow_pickle=False)
        return float(np.asarray(loaded, dtype=float).reshape(-1)[0])
    except (OSError, TypeError, ValueError, IndexError, EOFError):
        return float("nan")
