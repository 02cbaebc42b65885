"""The one range of every seed a user gives: a whole number from 0 to 2**32 - 1.

Seeds come from ``--seed`` options, experiment files (``base_seed`` and the
seeds after it, ``design.seed``), optimize tables (``sampler_seed``) and the
dashboard's form; each is checked against this range before anything is
written. Why this range: it is the widest every consumer of a seed accepts.
The model's streams (``numpy.random.SeedSequence``), ``default_rng`` and SALib
take any non-negative integer, but the store keeps seeds as BIGINT (below
2**63, and an experiment's seeds run from ``base_seed`` to ``base_seed + seeds
- 1``), and Optuna's samplers seed numpy's ``RandomState``, which takes at most
2**32 - 1. One range for all of them means a seed that works in one place works
in every other.
"""

from __future__ import annotations

SEED_MIN = 0
# The seed of a single run when none is given: ``thermidor run`` (a scenario or a classic
# model), ``thermidor classic golden-rule`` and the dashboard's Seed field, and what
# ``make demo`` runs. One constant, so that a run started from any of them without a seed
# is the same run. (An ensemble's seeds are numbered from its own ``base_seed``.)
DEFAULT_SEED = 1
SEED_MAX = 2**32 - 1
SEED_RANGE = f"{SEED_MIN}..{SEED_MAX}"


def seed_problem(field: str, value: int, count: int = 1) -> str | None:
    """Why ``value`` cannot be ``field`` (None when it can): it, and the ``count - 1`` seeds
    after it, must lie in ``SEED_RANGE``. ``field`` names the option or key as the user wrote
    it (``--seed``, ``base_seed``)."""
    given = f"{field} {value}" if field.startswith("-") else f"{field} = {value}"
    last = value + count - 1
    if value >= SEED_MIN and last <= SEED_MAX:
        return None
    if count == 1 or not SEED_MIN <= value <= SEED_MAX:
        return f"{given}: a seed must be a whole number in {SEED_RANGE}"
    return (
        f"{given} with {count} seeds: the seeds {value}..{last} must lie in {SEED_RANGE}; "
        f"{field} can be at most {SEED_MAX - count + 1}"
    )
