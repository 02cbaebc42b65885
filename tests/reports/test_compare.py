"""``thermidor compare`` end to end on a tiny ensemble: the runs stored once and read back,
the page's bands carrying the stored runs' quantiles, the sentences and the JSON, and in
chromium the figure fitting its container at 1280 and 1920 px (screenshots kept)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from typer.testing import CliRunner

from browser_pages import ARTIFACTS, figure_boxes, needs_chromium, opened, overflow
from cli_support import assert_usage_error
from thermidor.cli import app
from thermidor.engine import calendar
from thermidor.reports import letter
from thermidor.reports.letter_page import METRICS
from thermidor.store import Store

runner = CliRunner()
SEEDS, STEPS = 3, 140
TINY = ["--seeds", str(SEEDS), "--members", "300", "--steps", str(STEPS), "--workers", "1"]
FIGURE = re.compile(
    r'<script type="application/json" data-figure="(figure-\d+)">\n(.*?)\n</script>', re.DOTALL
)


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tiny comparison's store and page."""
    folder = tmp_path_factory.mktemp("compare")
    store, page = folder / "results.duckdb", folder / "compare.html"
    result = runner.invoke(app, ["compare", *TINY, "--store", str(store), "--out", str(page)])
    assert result.exit_code == 0, result.stderr
    assert f"{3 * SEEDS}/{3 * SEEDS} runs" in result.stderr  # the progress line
    return store, page


def stored_runs(store: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute("SELECT run_id, scenario, seed FROM runs ORDER BY run_id").fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_compare_stores_the_runs_once_and_draws_their_bands(compared: tuple[Path, Path]) -> None:
    store, page = compared
    runs = stored_runs(store)
    assert len(runs) == 3 * SEEDS
    text = page.read_text(encoding="utf-8")
    ((_, body),) = FIGURE.findall(text)
    fig = json.loads(body)
    dates = calendar.axis_dates("1917-11", "month", STEPS)
    first, last = letter.window(letter.Calendar("1917-11", "month"), STEPS)
    assert last == STEPS - 1  # the window runs to the runs' last step
    medians = [t for t in fig["data"] if t["meta"]["role"] == "median"]
    assert len(medians) == 3 * len(METRICS)
    assert [t["name"] for t in fig["data"] if t.get("showlegend")] == [
        "status quo",
        "remedies",
        "purge",
    ]
    with Store(store, read_only=True) as held:
        purged = [
            held.series(run_id).column("control_index").to_numpy()
            for run_id, scenario, _ in runs
            if scenario == "purge-1928" and not held.get_run(run_id)["params"]["suppressed"]
        ]
    assert len(purged) == SEEDS  # the purge arm (the status quo has its purge suppressed)
    series = np.array(purged, dtype=float)
    drawn = next(
        t for t in medians if t["meta"]["arm"] == "purge" and t["meta"]["metric"] == "control_index"
    )
    assert drawn["x"] == dates[first : last + 1]
    expected = np.median(series, axis=0)[first : last + 1]
    np.testing.assert_allclose(np.array(drawn["y"], dtype=float), expected, rtol=1e-3, atol=1e-12)
    for name, axis in fig["layout"].items():
        if name.startswith("xaxis"):
            assert axis["type"] == "date"
            assert axis["range"] == [dates[first], dates[-1]]
    split = [s for s in fig["layout"]["shapes"] if s["name"] == "split"]
    assert len(split) == len(METRICS)
    assert {s["x0"] for s in split} == {dates[130]}
    assert any(a.get("text") == "split 1928-09" for a in fig["layout"]["annotations"])
    for metric in ("control", "participation", "legitimacy"):
        assert re.search(
            rf"<p>{metric.capitalize()} (rises|falls|stays near) .* under the remedies by 1929-06",
            text,
        ), metric
    assert "When Thermidor comes" in text


@pytest.mark.slow
def test_compare_reads_stored_runs_and_writes_json(
    compared: tuple[Path, Path], tmp_path: Path
) -> None:
    store, _ = compared
    before = stored_runs(store)
    out = tmp_path / "compare.json"
    result = runner.invoke(
        app, ["compare", *TINY, "--store", str(store), "--out", str(out), "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    assert stored_runs(store) == before  # read, not computed again
    found = json.loads(out.read_text(encoding="utf-8"))
    assert found["split"] == {"step": 130, "date": "1928-09"}
    assert [a["label"] for a in found["arms"]] == ["status quo", "remedies", "purge"]
    assert {p["metric"] for p in found["panels"]} == set(METRICS)
    assert all(p["sentence"].endswith(".") for p in found["panels"])
    assert [t["runs"] for t in found["thermidor"]] == [SEEDS] * 3
    run_ids = {r for a in found["arms"] for r in a["run_ids"]}
    assert run_ids == {r for r, _, _ in before}


def test_compare_refuses_bad_input_before_running(tmp_path: Path) -> None:
    store = tmp_path / "results.duckdb"
    wrong = tmp_path / "compare.png"
    assert_usage_error(
        runner.invoke(app, ["compare", "--store", str(store), "--out", str(wrong)]),
        "--out",
        ".html",
    )
    short = ["--steps", "100", "--store", str(store), "--out", str(tmp_path / "c.html")]
    assert_usage_error(runner.invoke(app, ["compare", *short]), "split at step 130")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("width", [1280, 1920])
def test_compare_page_fits_the_screen(compared: tuple[Path, Path], width: int) -> None:
    _, page_path = compared
    with opened(page_path.as_uri(), width) as page:
        page.wait_for_selector(".figure .main-svg")
        spill, widths = overflow(page), figure_boxes(page)
        page.screenshot(path=str(ARTIFACTS / f"compare-{width}.png"), full_page=True)
    assert spill <= 0
    assert widths
    for scroll, client, drawn in widths:
        assert scroll <= client
        assert drawn <= client + 1
