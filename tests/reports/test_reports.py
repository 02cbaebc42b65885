"""Reports and figures on real stored runs and experiments: one self-contained HTML file whose
figures carry the stored numbers, static images in three formats, one-line CLI errors."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from plotly.offline import get_plotlyjs
from typer.testing import CliRunner, Result

from cli_support import assert_usage_error, one_json_line
from experiment_support import SWEEP, write
from thermidor.cli import app
from thermidor.experiments import load_experiment, run_experiment
from thermidor.experiments.summary import summarize
from thermidor.reports.html import report_from_store, run_report_html, sensitivity_figure
from thermidor.reports.panels import PANEL_METRICS, PANELS, spans, step_date
from thermidor.store import Store, StoreError

runner = CliRunner()
STEPS = 66
SMALL = ["--members", "500", "--steps", str(STEPS)]
EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)
ANY_SOURCE = re.compile(r"""<\w+\b[^<>]*\b(?:src|href)\s*=""", re.IGNORECASE)
FIGURE = re.compile(
    r'<script type="application/json" data-figure="(figure-\d+)">\n(.*?)\n</script>', re.DOTALL
)


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """Two small Paris runs (seeds 0 and 1); seed 0 reaches Thermidor within the steps."""
    store = tmp_path_factory.mktemp("runs") / "results.duckdb"
    found = [
        one_json_line(
            invoke(
                "run",
                "paris-1789-1794",
                *SMALL,
                "--seed",
                str(seed),
                "--store",
                str(store),
                "--format",
                "json",
            )
        )
        for seed in (0, 1)
    ]
    return store, found


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The 2 x 2 grid of experiment_support (2 seeds per point)."""
    folder = tmp_path_factory.mktemp("sweep")
    store = folder / "results.duckdb"
    experiment_id = run_experiment(
        load_experiment(write(folder, SWEEP)), workers=2, store_path=str(store)
    )
    return store, experiment_id


def decode(value: Any) -> np.ndarray:
    """A plotly JSON array: a list, or a typed array ``{dtype, bdata[, shape]}``."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" in value:
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        return array.astype(np.float64)
    return np.array(value, dtype=np.float64)


def figures(text: str) -> list[dict[str, Any]]:
    return [json.loads(body) for _, body in FIGURE.findall(text)]


def by_metric(fig: dict[str, Any], run_id: str | None = None) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for trace in fig["data"]:
        meta = trace.get("meta") or {}
        if "metric" in meta and (run_id is None or meta.get("run") == run_id):
            assert meta["metric"] not in found, meta
            found[meta["metric"]] = trace
    return found


def stored_series(store: Path, run_id: str) -> dict[str, np.ndarray]:
    with Store(store, read_only=True) as s:
        table = s.series(run_id)
        run = s.get_run(run_id)
    columns = {
        name: table.column(name).to_numpy().astype(np.float64) for name in table.column_names
    }
    columns["_params"] = run["params"]  # type: ignore[assignment]
    return columns


def assert_self_contained(text: str) -> None:
    """No tag loads anything from the network; plotly.js is inlined exactly once; outside it
    (third-party code), no tag refers to any other file at all."""
    assert EXTERNAL.search(text) is None, EXTERNAL.search(text)
    plotly_js = get_plotlyjs()
    assert text.count(plotly_js) == 1
    ours = text.replace(plotly_js, "")
    assert ANY_SOURCE.search(ours) is None, ANY_SOURCE.search(ours)
    assert "http://" not in ours
    assert "https://" not in ours


def test_run_report_is_self_contained_and_draws_the_stored_series(
    runs: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    store, (run, _) = runs
    assert run["thermidor_step"] is not None
    out = tmp_path / "report.html"
    result = invoke("report", run["run_id"], "--store", str(store), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    assert_self_contained(text)
    (fig,) = figures(text)
    stored = stored_series(store, run["run_id"])
    traces = by_metric(fig)
    assert sorted(traces) == sorted(PANEL_METRICS)
    for panel, (_, metrics) in enumerate(PANELS):
        axis = "x" if panel == 0 else f"x{panel + 1}"
        for metric in metrics:
            trace = traces[metric]
            assert trace.get("xaxis", "x") == axis, (metric, trace.get("xaxis"))
            np.testing.assert_array_equal(decode(trace["x"]), stored["step"])
            np.testing.assert_array_equal(decode(trace["y"]), stored[metric])
    shapes = [s for s in fig["layout"]["shapes"] if s["xref"] == "x"]
    thermidor = [s["x0"] for s in shapes if s["name"] == "thermidor"]
    assert thermidor == [run["thermidor_step"]]
    params = stored["_params"]
    shocks = {
        (s["start"], min(s["start"] + s["duration"], STEPS), f"shock: {s['kind']}")
        for s in params["shocks"]  # type: ignore[index]
        if s["start"] < STEPS
    }
    assert len(shocks) >= 3
    drawn = {(s["x0"], s["x1"], s["name"]) for s in shapes if s["type"] == "rect"}
    assert drawn == shocks
    marks = sorted(
        i["start"]
        for i in params["interventions"]  # type: ignore[index]
        if i["start"] < STEPS
    )
    drawn_marks = sorted(s["x0"] for s in shapes if s["name"].startswith("intervention: "))
    assert marks
    assert drawn_marks == marks
    # every panel carries the spans and the Thermidor line, not only the first
    assert len(fig["layout"]["shapes"]) == len(PANELS) * (len(shocks) + len(marks) + 1)
    assert "<td>meta.members</td><td>500</td>" in text
    assert "<td>institutions.term</td>" in text
    assert f"Thermidor at step {run['thermidor_step']}" in text


def test_comparison_overlays_both_runs(runs: tuple[Path, list[dict[str, Any]]]) -> None:
    store, found = runs
    ids = [r["run_id"] for r in found]
    text = report_from_store(store, ids)
    assert_self_contained(text)
    overlay, *own = figures(text)
    assert len(own) == 2  # each run's own panels follow the overlay
    for run in found:
        stored = stored_series(store, run["run_id"])
        traces = by_metric(overlay, run["run_id"])
        assert sorted(traces) == sorted(PANEL_METRICS)
        for metric, trace in traces.items():
            np.testing.assert_array_equal(decode(trace["y"]), stored[metric])
    a, b = (stored_series(store, i)["control_index"] for i in ids)
    assert not np.array_equal(a, b)  # two different runs, not one drawn twice
    steps = {s["x0"] for s in overlay["layout"]["shapes"] if s["name"].startswith("thermidor")}
    assert steps == {r["thermidor_step"] for r in found if r["thermidor_step"] is not None}


def test_experiment_report_bands_and_phase_diagrams(sweep: tuple[Path, str]) -> None:
    store, experiment_id = sweep
    text = report_from_store(store, [experiment_id])
    assert_self_contained(text)
    means, *heats = figures(text)
    with Store(store, read_only=True) as s:
        summary = summarize(s, experiment_id, "final")
    points = summary["points"]
    checked = 0
    for metric in [*summary["metrics"], "thermidor"]:
        roles = [t for t in means["data"] if (t.get("meta") or {}).get("metric") == metric]
        assert len(roles) == 3 * 2  # mean, low, high for each of the two lines of the grid
        for trace in roles:
            meta = trace["meta"]
            key = meta["role"]
            if metric == "thermidor":
                key = "share" if key == "mean" else key
            expected = [points[p][metric][key] for p in meta["points"]]
            np.testing.assert_allclose(decode(trace["y"]), expected, equal_nan=True)
            first = summary["parameters"][0]
            assert list(decode(trace["x"])) == [points[p]["params"][first] for p in meta["points"]]
            checked += len(expected)
    assert checked == 3 * len(points) * (len(summary["metrics"]) + 1)
    heat = {t["meta"]["heatmap"]: t for fig in heats for t in fig["data"]}
    assert set(heat) == {"thermidor", "control_index"}
    first, second = summary["parameters"]
    xs = sorted({p["params"][first] for p in points})
    ys = sorted({p["params"][second] for p in points})
    share = np.full((len(ys), len(xs)), np.nan)
    for p in points:
        share[ys.index(p["params"][second]), xs.index(p["params"][first])] = p["thermidor"]["share"]
    np.testing.assert_array_equal(decode(heat["thermidor"]["z"]), share)
    control = np.full_like(share, np.nan)
    for p in points:
        control[ys.index(p["params"][second]), xs.index(p["params"][first])] = p["control_index"][
            "mean"
        ]
    np.testing.assert_allclose(decode(heat["control_index"]["z"]), control)
    assert heat["thermidor"]["x"] == [str(v) for v in xs]


def test_in_memory_run_report(runs: tuple[Path, list[dict[str, Any]]]) -> None:
    store, (run, _) = runs
    stored = stored_series(store, run["run_id"])
    params = stored.pop("_params")
    series = {k: v for k, v in stored.items() if k != "step"}
    text = run_report_html(series, params, None, "unsaved run")  # type: ignore[arg-type]
    assert_self_contained(text)
    (fig,) = figures(text)
    np.testing.assert_array_equal(decode(by_metric(fig)["legitimacy"]["y"]), stored["legitimacy"])
    assert not [s for s in fig["layout"]["shapes"] if s["name"] == "thermidor"]
    assert "no Thermidor" in text
    with pytest.raises(ValueError, match="control_index"):
        run_report_html({"participation": np.zeros(3)}, params, None, "bad")  # type: ignore[arg-type]


def test_panels_spans_and_dates() -> None:
    params = {
        "meta": {"start": "1917-11", "time_step": "month"},
        "shocks": [{"kind": "harvest", "start": 3, "duration": 41}],
        "interventions": [{"kind": "purge", "start": 45}, {"kind": "education", "start": 99}],
    }
    found = spans(params, 60)
    assert [(s.start, s.end, s.kind, s.is_mark) for s in found] == [
        (3, 44, "shock", False),
        (45, 45, "intervention", True),
    ]
    assert step_date(params, 40) == "1921-03"
    assert step_date({"meta": {"start": "1789-07", "time_step": "quarter"}}, 2) == "1790-01"
    assert step_date({}, 3) is None


def test_sensitivity_bars_carry_indices_and_intervals() -> None:
    found = {
        "method": "sobol",
        "metric": "control_index",
        "ranked_by": "ST",
        "parameters": [
            {"name": "a", "S1": 0.6, "S1_conf": 0.05, "ST": 0.7, "ST_conf": 0.08},
            {"name": "b", "S1": 0.1, "S1_conf": 0.02, "ST": 0.2, "ST_conf": 0.03},
        ],
    }
    data = json.loads(sensitivity_figure(found).to_json())["data"]
    bars = {t["name"]: t for t in data}
    assert list(decode(bars["ST"]["y"])) == [0.7, 0.2]
    assert list(decode(bars["S1"]["error_y"]["array"])) == [0.05, 0.02]


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<svg"), (".pdf", b"%PDF")]
)
def test_plot_writes_valid_images(
    runs: tuple[Path, list[dict[str, Any]]], tmp_path: Path, suffix: str, magic: bytes
) -> None:
    store, found = runs
    out = tmp_path / f"figure{suffix}"
    ids = [found[0]["run_id"]] if suffix != ".pdf" else [r["run_id"] for r in found]
    result = invoke("plot", *ids, "--store", str(store), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    head = out.read_bytes()[:4096]
    assert magic in head if suffix == ".svg" else head.startswith(magic)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def test_plot_of_an_experiment(sweep: tuple[Path, str], tmp_path: Path) -> None:
    store, experiment_id = sweep
    out = tmp_path / "sweep.png"
    result = invoke("plot", experiment_id, "--store", str(store), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith(b"\x89PNG")


def test_unknown_id_names_it_and_what_exists(runs: tuple[Path, list[dict[str, Any]]]) -> None:
    store, found = runs
    with pytest.raises(StoreError, match="no run or experiment 'nope'") as caught:
        report_from_store(store, ["nope"])
    assert found[0]["run_id"] in str(caught.value)


@pytest.mark.parametrize("command", ["report", "plot"])
def test_cli_errors_write_nothing(
    runs: tuple[Path, list[dict[str, Any]]], tmp_path: Path, command: str
) -> None:
    store, found = runs
    good = tmp_path / ("r.html" if command == "report" else "r.png")
    assert_usage_error(
        invoke(command, "nope", "--store", str(store), "--out", str(good)), "'nope'", "runs:"
    )
    missing = tmp_path / "missing.duckdb"
    assert_usage_error(
        invoke(command, found[0]["run_id"], "--store", str(missing), "--out", str(good)),
        "no results store",
    )
    wrong = tmp_path / "r.jpg"
    assert_usage_error(
        invoke(command, found[0]["run_id"], "--store", str(store), "--out", str(wrong)),
        "suffix must be one of",
    )
    assert list(tmp_path.iterdir()) == []


def test_classic_run_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "classic.duckdb"
    run = one_json_line(
        invoke(
            "run",
            "granovetter",
            "--set",
            "preset=riot-100",
            "--store",
            str(store),
            "--format",
            "json",
        )
    )
    out = tmp_path / "r.html"
    assert_usage_error(
        invoke("report", run["run_id"], "--store", str(store), "--out", str(out)), "classic"
    )
    assert not out.exists()
