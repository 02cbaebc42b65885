"""A calibration killed at any point resumes where it stopped and ends with the posterior
of a calibration never interrupted, bit for bit.

The kills are ``kill -9`` at named points (``THERMIDOR_FAULT``): between generations
(the first stored, the second about to start), and inside a generation (its first
batch simulated, nothing of it stored). No timing: the process kills itself there.
"""

from __future__ import annotations

import signal

import pytest
from calibration_support import TINY, calibrate_cli, populations

pytestmark = pytest.mark.slow  # three tiny calibrations of the Soviet scenario, ~60 s


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("whole") / "calibration"
    done = calibrate_cli(str(TINY), "--out", str(folder), "--workers", "2")
    assert done.returncode == 0, done.stderr
    return populations(folder)


@pytest.mark.parametrize("fault", ["calibrate-generation-1", "calibrate-batch-1-0"])
def test_a_killed_calibration_resumes_to_the_same_posterior(tmp_path, uninterrupted, fault):
    folder = tmp_path / "calibration"
    killed = calibrate_cli(str(TINY), "--out", str(folder), "--workers", "2", fault=fault)
    assert killed.returncode == -signal.SIGKILL
    assert [p[0] for p in populations(folder)] == [0]  # generation 0 stored, no more
    resumed = calibrate_cli(str(TINY), "--out", str(folder), "--workers", "2")
    assert resumed.returncode == 0, resumed.stderr
    assert populations(folder) == uninterrupted
    assert len(uninterrupted) == 2


def test_a_finished_calibration_run_again_changes_nothing(tmp_path, uninterrupted):
    folder = tmp_path / "calibration"
    for _ in range(2):
        done = calibrate_cli(str(TINY), "--out", str(folder), "--workers", "1")
        assert done.returncode == 0, done.stderr
    # one worker instead of two: the same posterior
    assert populations(folder) == uninterrupted
