"""Shared fixtures (helpers live in support.py so test modules can import them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ports import PortTakenError, on_free_port
from support import small_scenario, small_world
from thermidor.model.scenario import Scenario
from thermidor.model.state import World

# Property tests check values, not speed: Hypothesis's default 200 ms deadline per example
# fails a first call that compiles a kernel, or any example on a loaded machine ("Unreliable
# test timings"), and its too-slow health check times the data generation.
settings.register_profile(
    "any-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("any-machine")


@pytest.fixture
def scenario() -> Scenario:
    return small_scenario()


@pytest.fixture
def world() -> World:
    return small_world()


# --- a real Ray head on 127.0.0.1 (experiments' and calibration's Ray tests) ---------------

RAY = Path(sys.executable).with_name("ray")
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module")
def ray_head(tmp_path_factory):
    """A Ray head on 127.0.0.1 with two CPUs; its workers import thermidor from src/."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))
    env["RAY_USAGE_STATS_ENABLED"] = "0"
    # one authentication mode for the head and this driver: Ray 2.60 turns token
    # authentication on by itself once ~/.ray/auth_token exists (any local ray.init makes it)
    env["RAY_AUTH_MODE"] = "disabled"
    temp = tmp_path_factory.mktemp("ray")

    def start(port: int) -> None:
        try:
            subprocess.run(
                [
                    str(RAY), "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
                    "--num-cpus=2", "--include-dashboard=false", f"--temp-dir={temp}",
                    "--disable-usage-stats",
                ],
                check=True, env=env, capture_output=True, timeout=180,
            )  # fmt: skip
        except subprocess.CalledProcessError as error:
            subprocess.run([str(RAY), "stop", "--force"], check=False, env=env,
                           capture_output=True, timeout=120)  # fmt: skip
            raise PortTakenError(error.stderr.decode(errors="replace")[-400:]) from error

    port, _ = on_free_port(start)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("RAY_AUTH_MODE", "disabled")
            yield f"127.0.0.1:{port}"
    finally:
        subprocess.run(
            [str(RAY), "stop", "--force"], check=False, env=env, capture_output=True, timeout=120
        )
