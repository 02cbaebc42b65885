"""benchmarks/epstein_vs_mesa.py computes what its tables claim, and its worker protocol runs.

Why: the benchmark's figures go into the docs, so its arithmetic (rates, ratio ranges, the
alternating order, means with CIs, KS with Bonferroni) is checked here on made-up worker
answers, with no timing. CI has no Mesa venv, so only the worker of ours is started for real.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "epstein_vs_mesa.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("epstein_vs_mesa", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_speed_rows_alternate_the_order_and_rate_per_cpu_second(bench: ModuleType) -> None:
    calls: list[tuple[str, int, int]] = []

    def ask(kind: str, cpu: float) -> Any:
        def answer(job: dict[str, Any]) -> dict[str, Any]:
            calls.append((kind, job["settings"]["width"], job["seed"]))
            return {"agents": 1000 if kind == "mesa" else 1200, "cpu": cpu * (1 + job["seed"])}

        return answer

    plan = [(40, "defaults"), (100, "GUI")]
    rows = bench.speed_rows(ask("mesa", 2.0), ask("ours", 0.01), plan, repeat=2, steps=100)
    kinds = [k for k, _, _ in calls]
    assert kinds == ["mesa", "ours", "ours", "mesa", "mesa", "ours", "ours", "mesa"]
    assert [(w, s) for _, w, s in calls[::2]] == [(40, 1), (100, 1), (40, 2), (100, 2)]
    row = rows[0]
    assert row.agents == 1000  # agents as Mesa counts them
    assert row.mesa_rates == pytest.approx([1000 * 100 / 4.0, 1000 * 100 / 6.0])
    assert row.ours_rates == pytest.approx([1200 * 100 / 0.02, 1200 * 100 / 0.03])
    table = bench.speed_table(rows)
    # ratio range: min ours / max Mesa = 4 M / 25 k, max ours / min Mesa = 6 M / 16.7 k
    assert (
        "| 40x40 | Mesa defaults | 1,000 | 16.7 k - 25.0 k | 4.00 M - 6.00 M | 160 - 360x |"
        in table
    )
    assert "| 100x100 | Mesa GUI |" in table


def test_agreement_means_cis_and_bonferroni(bench: ModuleType) -> None:
    rng = np.random.default_rng(0)
    same = {c: list(rng.normal(50, 5, 200)) for c in bench.COUNTS}
    shifted = {c: [x + 10 for x in same[c]] for c in bench.COUNTS}
    comparisons = bench.compare("same", same, same) + bench.compare("shifted", same, shifted)
    assert [c.ks_p for c in comparisons[:3]] == [1.0, 1.0, 1.0]
    assert all(c.ks_p < 1e-6 for c in comparisons[3:])
    mean, half = bench.mean_ci([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5
    assert half == pytest.approx(1.96 * np.std([1, 2, 3, 4], ddof=1) / 2)
    table = bench.agreement_table(comparisons)
    assert "6 KS tests, reject at p < 0.05 / 6 = 0.0083" in table
    assert table.count("| no |") == 3
    assert table.count("| yes |") == 3
    assert "3 of 6 rejected." in table
    m, h = bench.mean_ci(same["jailed"])
    assert f"| same | jailed | {m:.2f} +- {h:.2f} |" in table


def test_the_ours_worker_answers_speed_and_ensemble_jobs(bench: ModuleType) -> None:
    """The real worker process, as the orchestrator starts it, on tiny jobs."""
    worker = bench.ours_worker()
    try:
        assert worker.versions["python"]
        settings = {"width": 20, "height": 20, "citizen_vision": 3, "cop_vision": 3}
        speed = worker.ask({"job": "speed", "settings": settings, "steps": 5, "seed": 1})
        assert speed["agents"] == round((0.7 + 0.074) * 400)
        assert isinstance(speed["cpu"], float)
        job = {"job": "ensemble", "settings": settings, "steps": 6, "burn": 3, "seeds": [1, 2]}
        means = worker.ask(job)["means"]
    finally:
        worker.close()
    assert worker.proc.returncode == 0
    from thermidor.classic.epstein import MODEL, simulate  # noqa: PLC0415

    params = MODEL.resolve(["preset=mesa", "steps=6", *(f"{k}={v}" for k, v in settings.items())])
    for i, seed in enumerate((1, 2)):
        series = simulate(params, seed)
        for c in bench.COUNTS:
            assert means[c][i] == pytest.approx(series[c][3:].mean())
    json.dumps(means)  # what the orchestrator reads back is plain JSON
