"""The validity report of a calibration: every number drawn is the one the folder holds,
the held-out targets have their own section, and the page fits a 1280 px screen."""

from __future__ import annotations

import base64
import json
import re
import shutil

import numpy as np
import pytest
from calibration_support import TINY
from typer.testing import CliRunner

from browser_pages import figure_boxes, needs_chromium, opened, overflow
from thermidor.calibration import predictive
from thermidor.calibration.inference import calibrate
from thermidor.calibration.posterior import read_posterior
from thermidor.calibration.spec import load_calibration
from thermidor.cli import app
from thermidor.experiments.executors import LocalExecutor

pytestmark = pytest.mark.slow  # a tiny calibration and its predictive runs, ~30 s
runner = CliRunner()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("calibration") / "tiny"
    executor = LocalExecutor(2)
    try:
        calibrate(load_calibration(TINY), out, executor, 2)
        posterior = read_posterior(out)
        predictive.save(predictive.predictive_runs(posterior, executor, 6, 1), out)
    finally:
        executor.close()
    return out


def figures(page: str) -> list[dict]:
    """The figures' JSON as drawn, beside each div."""
    found = re.findall(r'<script type="application/json" data-figure="[^"]+">\n(.*?)\n</script>',
                       page, flags=re.S)  # fmt: skip
    return [json.loads(text.replace("<\\/", "</")) for text in found]


def values(encoded) -> np.ndarray:
    """A plotly array as drawn: a list, or a typed array in base 64."""
    if isinstance(encoded, dict):
        return np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=encoded["dtype"])
    return np.asarray(encoded)


def test_the_report_draws_the_summary_s_numbers(folder, tmp_path):
    summary = runner.invoke(app, ["calibrate", "summary", str(folder), "--draws", "6",
                                  "--format", "json"])  # fmt: skip
    assert summary.exit_code == 0, summary.stderr
    found = json.loads(summary.stdout)
    out = tmp_path / "validity.html"
    done = runner.invoke(app, ["validity-report", "--calibration", str(folder), "--out", str(out)])
    assert done.exit_code == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert "held-out predictions" in page
    assert "<script src=" not in page  # self-contained
    drawn = figures(page)
    # the targets figure: medians drawn relative to the published value
    fitted = next(f for f in drawn if f["layout"]["title"]["text"].endswith("calibration targets"))
    target = next(t for t in found["targets"] if not t["held_out"])
    drawn_median = values(fitted["data"][0]["x"])[0]
    assert drawn_median == pytest.approx(target["median"] / target["observed"])
    posterior = next(f for f in drawn if "posterior" in f["layout"]["title"]["text"])
    assert list(posterior["data"][0]["y"]) == [p["name"] for p in found["parameters"]]


@needs_chromium
@pytest.mark.parametrize("width", [1280, 1920])
def test_the_report_fits_the_screen(folder, tmp_path, width):
    out = tmp_path / "validity.html"
    runner.invoke(app, ["validity-report", "--calibration", str(folder), "--out", str(out)])
    with opened(out.as_uri(), width) as page:
        page.wait_for_selector(".figure .main-svg")
        spill, widths = overflow(page), figure_boxes(page)
    assert spill <= 0
    assert widths
    assert all(scroll <= client for scroll, client, _ in widths)
    shutil.rmtree(tmp_path, ignore_errors=True)
