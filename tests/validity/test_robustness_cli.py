"""``thermidor robustness``: hostile files and arguments are one ``error:`` line and exit 2,
before anything runs; a summary of a stored study prints its shares and indices."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli_support import assert_one_error, one_json_line
from robustness_support import BOX, NEEDED, linear_fact, write
from thermidor.cli import app
from thermidor.store import Store
from thermidor.validity.robustness import posterior_study, run_study
from thermidor.validity.sensitivity import sensitivity_study

runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(app, ["robustness", *args])


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    return {
        "points": str(write(tmp_path / "p.csv", f"weight,{NEEDED}\n1,0.3\n")),
        "box": str(write(tmp_path / "b.toml", BOX)),
        "store": str(tmp_path / "s.duckdb"),
    }


BAD_POINTS = [
    ("", "no header"),
    (f"{NEEDED}\n0.3\n", "no weight column"),
    ("weight\n1\n", "no parameter column"),
    (f"weight,{NEEDED}\n", "no point"),
    (f"weight,{NEEDED}\n1,abc\n", "'abc' is not a number"),
    (f"weight,{NEEDED}\n1,nan\n", "not a finite number"),
    (f"weight,{NEEDED}\n-1,0.3\n", "weight -1 is negative"),
    (f"weight,{NEEDED}\n0,0.3\n", "the weights sum to 0"),
    (f"weight,{NEEDED}\n1,0.3,4\n", "3 cells for 2 columns"),
    (f"weight,{NEEDED},{NEEDED}\n1,0.3,0.3\n", "a column is named twice"),
    ("weight,x; DROP TABLE runs\n1,0.3\n", "is not a dotted path"),
    ("weight,mechanisms.crisis.nope\n1,0.3\n", "nope"),
    (f"weight,{NEEDED}\n1,7\n", "needed"),
]


@pytest.mark.parametrize(("text", "needle"), BAD_POINTS)
def test_a_bad_points_file_is_one_line(
    tmp_path: Path, files: dict[str, str], text: str, needle: str
) -> None:
    points = write(tmp_path / "bad.csv", text)
    result = invoke("run", "--points", str(points), "--store", files["store"], "--seeds", "2")
    assert_one_error(result, 2, needle)
    assert not Path(files["store"]).exists()


BAD_BOXES = [
    ("x = 1\n", "unknown table or key 'x'"),
    ("[box]\n", "no [box] table"),
    (f'[box]\n"{NEEDED}" = [0.5, 0.1]\n', "needs finite low < high"),
    (f'[box]\n"{NEEDED}" = [0.1]\n', "give [low, high]"),
    (f'[box]\n"{NEEDED}" = ["a", "b"]\n', "give [low, high]"),
    (f'[box]\n"{NEEDED}" = [0.1, 5.0]\n', "needed"),
    ('[box]\n"nope" = [0, 1]\n', "not a dotted path"),
    ("[box\n", "b.toml"),
]


@pytest.mark.parametrize(("text", "needle"), BAD_BOXES)
def test_a_bad_box_is_one_line(
    tmp_path: Path, files: dict[str, str], text: str, needle: str
) -> None:
    box = write(tmp_path / "b.toml", text)
    result = invoke("run", "--box", str(box), "--store", files["store"], "--seeds", "2")
    assert_one_error(result, 2, needle)
    result = invoke(
        "sensitivity", "--box", str(box), "--method", "morris", "--store", files["store"]
    )
    assert_one_error(result, 2, needle)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("run",), "give one of --points"),
        (("run", "--points", "{points}", "--box", "{box}"), "give one of --points"),
        (("run", "--points", "{points}", "--samples", "4"), "--samples goes with --box"),
        (("run", "--points", "{points}", "--seeds", "1"), "--seeds 1"),
        (("run", "--points", "{points}", "--facts", "fact_9"), "unknown fact 'fact_9'"),
        (("run", "--points", "{points}", "--facts", ","), "give fact ids"),
        (("run", "--points", "/nonexistent/p.csv"), "p.csv"),
        (("run", "--points", "{points}", "--store", "/nonexistent/s.duckdb"), "no folder"),
        (("sensitivity", "--box", "{box}", "--method", "fast"), "allowed: morris, sobol"),
        (("sensitivity", "--box", "{box}", "--method", "sobol", "--base", "6"), "power of 2"),
        (("sensitivity", "--box", "{box}", "--method", "morris", "--base", "8"), "--base goes"),
        (
            ("sensitivity", "--box", "{box}", "--method", "sobol", "--trajectories", "4"),
            "--trajectories goes",
        ),
        (("summary", "--store", "/nonexistent.duckdb"), "no results store"),
    ],
)
def test_bad_arguments_are_one_line(
    files: dict[str, str], args: tuple[str, ...], needle: str
) -> None:
    filled = [a.format(**files) for a in args]
    if "--store" not in filled:
        filled += ["--store", files["store"]]
    assert_one_error(invoke(*filled), 2, needle)


def test_a_summary_of_a_store_without_studies_or_with_an_unknown_study(
    tmp_path: Path, files: dict[str, str]
) -> None:
    with Store(files["store"]):
        pass
    assert_one_error(invoke("summary", "--store", files["store"]), 2, "no robustness study")
    fact, _ = linear_fact("f", {NEEDED: 1.0})
    run_study(Path(files["store"]), posterior_study(Path(files["points"]), (0, 1)), facts=(fact,))
    result = invoke("summary", "--store", files["store"], "--study", "nope")
    assert_one_error(result, 2, "no study 'nope'")


def test_a_summary_prints_shares_and_indices(tmp_path: Path, files: dict[str, str]) -> None:
    store = Path(files["store"])
    fact, _ = linear_fact("f", {NEEDED: 1.0}, bound=0.2)
    posterior = posterior_study(Path(files["points"]), (0, 1))
    run_study(store, posterior, facts=(fact,))
    morris = sensitivity_study(Path(files["box"]), "morris", 4, (0, 1))
    run_study(store, morris, facts=(fact,))
    found = one_json_line(invoke("summary", "--store", str(store), "--format", "json"))
    (share,) = found["shares"]
    assert (share["study_id"], share["fact"], share["share"]) == (posterior.study_id, "f", 1.0)
    (entry,) = found["indices"]
    assert (entry["study_id"], entry["method"]) == (morris.study_id, "morris")
    assert entry["parameters"][0]["name"] == NEEDED
    table = invoke("summary", "--store", str(store))
    assert table.exit_code == 0, table.stderr
    assert posterior.study_id in table.stdout
    assert morris.study_id in table.stdout
