"""Every run of the golden cases equals the stored baseline bit for bit.

A reorganisation, a speed-up or a refactoring must leave this green; a model change
regenerates the baseline in a commit of its own (see ``make_baseline.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

from golden.cases import BASELINE, compute


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit: same type, shape and bytes (so -0.0 differs from 0.0)."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.fixture(scope="module")
def runs() -> dict[str, np.ndarray]:
    return compute()


@pytest.fixture(scope="module")
def baseline() -> dict[str, np.ndarray]:
    with np.load(BASELINE) as stored:
        return {name: stored[name] for name in stored.files}


def test_the_same_cases_and_series_are_recorded(runs, baseline) -> None:
    assert sorted(runs) == sorted(baseline)


def test_every_series_equals_the_baseline_bit_for_bit(runs, baseline) -> None:
    differing = [
        name for name in sorted(baseline) if name in runs and not _same(runs[name], baseline[name])
    ]
    assert not differing, f"{len(differing)} arrays differ, e.g. {differing[:5]}"
