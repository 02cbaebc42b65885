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

from browser_pages import ARTIFACTS, figure_boxes, needs_chromium, opened, overflow
from cli_support import assert_usage_error, one_json_line
from experiment_support import SWEEP, write
from thermidor.cli import app
from thermidor.engine import calendar
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


def panel_axis(panel: int) -> str:
    """The x axis of panel ``panel``: subplot 1 is the event strip, the panels follow."""
    return f"x{panel + 2}"


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
    params = stored["_params"]
    dates = calendar.axis_dates(params["meta"]["start"], params["meta"]["time_step"], STEPS)  # type: ignore[index]
    traces = by_metric(fig)
    assert sorted(traces) == sorted(PANEL_METRICS)
    for panel, (_, metrics) in enumerate(PANELS):
        for metric in metrics:
            trace = traces[metric]
            assert trace.get("xaxis", "x") == panel_axis(panel), (metric, trace.get("xaxis"))
            assert list(trace["x"]) == dates  # a date axis, step by step
            np.testing.assert_array_equal(decode(trace["y"]), stored[metric])
    # every panel's date axis runs to the last step
    for panel in range(len(PANELS)):
        name = f"xaxis{panel + 2}"
        assert fig["layout"][name]["type"] == "date"
        assert fig["layout"][name]["range"][1] == dates[-1]
    shapes = [s for s in fig["layout"]["shapes"] if s["xref"] == panel_axis(0)]
    thermidor = [s["x0"] for s in shapes if s["name"].startswith("thermidor")]
    assert thermidor == [dates[run["thermidor_step"]]]
    label = next(a for a in fig["layout"]["annotations"] if a.get("text") == "Thermidor")
    assert label["yref"].endswith("domain")
    assert label["y"] <= 1
    assert "hovertext" in label
    events = [
        (e["start"], e["id"])
        for e in [*params["shocks"], *params["interventions"]]  # type: ignore[misc]
        if e["start"] < STEPS
    ]
    assert len(events) >= 4
    strip = next(t for t in fig["data"] if t.get("name") == "events")
    numbers = [int(n) for n in strip["text"]]
    assert numbers == list(range(1, len(events) + 1))
    assert sorted(strip["meta"]["events"]) == sorted(i for _, i in events)
    for n, event_id, hover in zip(
        numbers, strip["meta"]["events"], strip["hovertext"], strict=True
    ):
        assert hover.startswith(f"{n}. {event_id} (")  # hover: number, id, kind, date
        # the list under the figure numbers the same event the same way
        assert f'<tr><td class="n">{n}</td>' in text
        assert f">{event_id}</td>" in text
    drawn = sorted(s["x0"] for s in shapes if not s["name"].startswith("thermidor"))
    assert drawn == sorted(dates[start] for start, _ in events)
    assert '<td class="n">meta.members</td><td class="n">500</td>' in text
    assert '<td class="n">institutions.term</td>' in text
    assert "<details><summary>Every resolved parameter" in text
    assert "<details><summary>Assumptions (" in text
    assert "<li>" in text
    assert f"Thermidor at step {run['thermidor_step']}" in text


def test_comparison_one_legend_entry_per_run_and_abuse_on_its_own_axis(
    runs: tuple[Path, list[dict[str, Any]]],
) -> None:
    store, found = runs
    ids = [r["run_id"] for r in found]
    text = report_from_store(store, ids)
    assert_self_contained(text)
    (overlay,) = figures(text)  # each run once: no per-run panels repeating the data
    for run in found:
        stored = stored_series(store, run["run_id"])
        traces = by_metric(overlay, run["run_id"])
        assert sorted(traces) == sorted(PANEL_METRICS)
        for metric, trace in traces.items():
            np.testing.assert_array_equal(decode(trace["y"]), stored[metric])
    legend = [t for t in overlay["data"] if t.get("showlegend")]
    assert len(legend) == len(found)  # one entry per run, not per metric and run
    assert {t["legendgroup"] for t in overlay["data"] if "metric" in (t.get("meta") or {})} == {
        t["name"] for t in legend
    }
    colours = {t["legendgroup"]: set() for t in legend}
    for trace in overlay["data"]:
        if "metric" in (trace.get("meta") or {}):
            colours[trace["legendgroup"]].add(trace["line"]["color"])
    assert all(len(c) == 1 for c in colours.values())
    assert len(set().union(*colours.values())) == len(found)  # a colour per run
    dashes = {
        t["meta"]["metric"]: t["line"]["dash"]
        for t in overlay["data"]
        if "metric" in (t.get("meta") or {})
    }
    for _, metrics in PANELS:
        assert len({dashes[m] for m in metrics}) == len(metrics)  # a line style per metric
    on_abuse = {
        t["meta"]["metric"]
        for t in overlay["data"]
        if t.get("xaxis") == by_metric(overlay, ids[0])["abuse_rate"]["xaxis"]
    }
    assert on_abuse == {"abuse_rate"}  # about 0.01: not flattened on a 0..1 axis of shares
    a, b = (stored_series(store, i)["control_index"] for i in ids)
    assert not np.array_equal(a, b)  # two different runs, not one drawn twice
    widths = [by_metric(overlay, i)["control_index"]["line"]["width"] for i in ids]
    assert widths[0] > widths[1]  # the first run beneath, wider: visible where they coincide
    steps = {s["x0"] for s in overlay["layout"]["shapes"] if s["name"].startswith("thermidor")}
    params = stored_series(store, ids[0])["_params"]
    dates = calendar.axis_dates(params["meta"]["start"], params["meta"]["time_step"], STEPS)  # type: ignore[index]
    assert steps == {dates[r["thermidor_step"]] for r in found if r["thermidor_step"] is not None}
    assert "Parameters that differ between the runs" in text


def test_experiment_report_bands_and_phase_diagrams(sweep: tuple[Path, str]) -> None:
    store, experiment_id = sweep
    text = report_from_store(store, [experiment_id])
    assert_self_contained(text)
    means, over_time, *heats = figures(text)
    with Store(store, read_only=True) as s:
        summary = summarize(s, experiment_id, "final")
    points = summary["points"]
    first = summary["parameters"][0]
    checked = 0
    for metric in [*summary["metrics"], "thermidor"]:
        drawn = [t for t in means["data"] if (t.get("meta") or {}).get("metric") == metric]
        # two values (0.0 and 1.0) are two conditions: points with error bars, no line or band
        assert len(drawn) == 2  # one trace per line of the grid (privilege_cap 2 and 4)
        for trace in drawn:
            meta = trace["meta"]
            assert trace["mode"] == "markers"
            assert meta["categorical"]
            key = "share" if metric == "thermidor" else "mean"
            expected = np.array([points[p][metric][key] for p in meta["points"]])
            np.testing.assert_allclose(decode(trace["y"]), expected, equal_nan=True)
            high = np.array([points[p][metric]["high"] for p in meta["points"]])
            np.testing.assert_allclose(decode(trace["error_y"]["array"]), high - expected)
            positions = np.round(decode(trace["x"])).astype(int)
            assert list(positions) == [
                [0.0, 1.0].index(points[p]["params"][first]) for p in meta["points"]
            ]
            checked += len(expected)
    assert checked == len(points) * (len(summary["metrics"]) + 1)
    legend = [t["name"] for t in means["data"] if t.get("showlegend")]
    assert len(legend) == 2
    assert summary["name"] not in " ".join(legend)
    assert means["layout"]["yaxis"]["rangemode"] == "tozero"
    assert "means differ by at most" in means["layout"]["annotations"][0]["text"]
    medians = [t for t in over_time["data"] if t["meta"]["role"] == "median"]
    assert len(medians) == len(points) * len(summary["metrics"])
    assert {t["meta"]["role"] for t in over_time["data"]} == {"median", "50%", "90%"}
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


@needs_chromium
def test_comparison_report_fits_the_screen(
    runs: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    store, found = runs
    out = tmp_path / "compare.html"
    out.write_text(report_from_store(store, [r["run_id"] for r in found]), encoding="utf-8")
    with opened(out.as_uri(), 1400) as page:
        page.wait_for_selector(".figure .main-svg")
        spill, widths = overflow(page), figure_boxes(page)
        folded = page.evaluate("[...document.querySelectorAll('details')].filter(d => d.open)")
        page.screenshot(path=str(ARTIFACTS / "report-compare-1400.png"), full_page=True)
    assert spill <= 0
    assert widths
    assert all(scroll <= client for scroll, client, _ in widths)
    assert folded == []  # the full tables start closed
