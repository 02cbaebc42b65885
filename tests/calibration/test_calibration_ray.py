"""The calibration on a real Ray head (127.0.0.1, started for the test) gives the posterior
the local processes give, bit for bit: the sampler sends Ray only the runs, and every
proposal's seeds come from the calibration's seed."""

from __future__ import annotations

import pytest
from calibration_support import TINY, calibrate_cli, populations


@pytest.mark.slow  # a Ray head and two tiny calibrations, ~60 s
def test_ray_gives_the_posterior_local_processes_give(tmp_path, ray_head):
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    done = calibrate_cli(str(TINY), "--out", str(local), "--workers", "2")
    assert done.returncode == 0, done.stderr
    done = calibrate_cli(str(TINY), "--out", str(on_ray), "--executor", "ray",
                         "--address", ray_head)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert populations(on_ray) == populations(local)
    assert len(populations(local)) == 2
