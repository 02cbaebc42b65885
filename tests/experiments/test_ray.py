"""The Ray executor on a real local Ray head (started here on 127.0.0.1, stopped after) stores
exactly what the local executor stores."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from experiment_support import SWEEP, contents, same, write
from ports import PortTakenError, on_free_port
from thermidor.experiments import load_experiment, run_experiment

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


@pytest.mark.slow  # ~37 s on the shared 2-core machine
def test_the_ray_executor_stores_what_the_local_executor_stores(tmp_path, ray_head):
    experiment = load_experiment(write(tmp_path, SWEEP))
    local, on_ray = tmp_path / "local.duckdb", tmp_path / "ray.duckdb"
    run_experiment(experiment, workers=2, store_path=str(local))
    run_experiment(experiment, executor="ray", address=ray_head, store_path=str(on_ray))
    same(contents(on_ray), contents(local))
