"""The Ray executor on a real local Ray head (started here on 127.0.0.1, stopped after) stores
exactly what the local executor stores."""

from __future__ import annotations

import pytest

from experiment_support import SWEEP, contents, same, write
from thermidor.experiments import load_experiment, run_experiment


@pytest.mark.slow  # ~37 s on the shared 2-core machine
def test_the_ray_executor_stores_what_the_local_executor_stores(tmp_path, ray_head):
    experiment = load_experiment(write(tmp_path, SWEEP))
    local, on_ray = tmp_path / "local.duckdb", tmp_path / "ray.duckdb"
    run_experiment(experiment, workers=2, store_path=str(local))
    run_experiment(experiment, executor="ray", address=ray_head, store_path=str(on_ray))
    same(contents(on_ray), contents(local))
