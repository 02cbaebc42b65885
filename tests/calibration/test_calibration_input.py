"""Hostile and broken calibration files, folders and presets: one ``error:`` line naming
the field, the value and what is allowed, exit 2, nothing written."""

from __future__ import annotations

import pytest
from calibration_support import TINY
from typer.testing import CliRunner

from cli_support import assert_one_error
from thermidor.cli import app

runner = CliRunner()
BASE = TINY.read_text(encoding="utf-8")


def write(tmp_path, text: str):
    (tmp_path / "synthetic.csv").write_text(
        (TINY.parent / "synthetic.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = tmp_path / "calibration.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "needles"),
    [
        (("high = 0.8", "high = 0.01"), ("low (0.05) < high (0.01)",)),
        (("low = 0.05", 'low = 0.05\nprior = "normal"'), ("prior", "uniform")),
        (
            ('name = "events.lenin-enrolment-1924.magnitude"', 'name = "events.nope.magnitude"'),
            ("nope",),
        ),
        (('model = "party_members"', 'model = "party_size"'), ("party_size", "allowed")),
        (('at = "1925-01"', 'at = "1926-01"'), ("1926-01", "dates: 1924-01, 1925-01, 1928-01")),
        (('data = "synthetic.party"', 'data = "synthetic.nothing"'), ("synthetic.nothing",)),
        (('at = "1925-01"', 'at = "1925-13"'), ("at",)),
        (('base = "1924-01"', 'base = "1926-01"'), ("base 1926-01 must come before",)),
        (("[budget]", 'arm = "elsewhere"\n[budget]'), ("elsewhere", "allowed")),
        (("population = 8", "population = 2"), ("population",)),
        (("held_out = true", "held_out = true\nweight = -1"), ("weight",)),
        (("seed = 5", "seed = -5"), ("seed",)),
    ],
)
def test_a_broken_calibration_file_is_one_line(tmp_path, change, needles):
    old, new = change
    assert old in BASE
    path = write(tmp_path, BASE.replace(old, new, 1))
    out = tmp_path / "out"
    result = runner.invoke(app, ["calibrate", str(path), "--out", str(out)])
    assert_one_error(result, 2, *needles, longest=2000)  # the scenario's event ids listed
    assert not out.exists()


def test_every_target_held_out_is_refused(tmp_path):
    text = BASE.replace('base = "1924-01"', 'base = "1924-01"\nheld_out = true', 1)
    result = runner.invoke(app, ["calibrate", str(write(tmp_path, text))])
    assert_one_error(result, 2, "every target is held out")


def test_a_data_file_with_a_value_outside_its_range_is_one_line(tmp_path):
    path = write(tmp_path, BASE)
    data = tmp_path / "synthetic.csv"
    data.write_text(data.read_text().replace("170,160,180", "170,171,180"), encoding="utf-8")
    result = runner.invoke(app, ["calibrate", str(path)])
    assert_one_error(result, 2, "synthetic.csv row", "value 170.0 must lie in [low 171.0")


def test_a_folder_of_another_calibration_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "calibration.json").write_text("{}", encoding="utf-8")
    result = runner.invoke(app, ["calibrate", str(write(tmp_path, BASE)), "--out", str(out)])
    assert_one_error(result, 2, "holds another calibration")
    assert (out / "calibration.json").read_text() == "{}"


@pytest.mark.parametrize("command", ["summary", "preset", "points"])
def test_a_folder_without_a_history_is_one_line(tmp_path, command):
    extra = ["--out", str(tmp_path / "x.toml")] if command != "summary" else []
    result = runner.invoke(app, ["calibrate", command, str(tmp_path), *extra])
    assert_one_error(result, 2, "calibration.json")


def test_a_garbage_history_is_one_line(tmp_path):
    from thermidor.calibration.inference import spec_json  # noqa: PLC0415
    from thermidor.calibration.spec import load_calibration  # noqa: PLC0415

    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "calibration.json").write_text(spec_json(load_calibration(TINY)))
    (folder / "history.db").write_bytes(b"this is not SQLite" * 100)
    result = runner.invoke(app, ["calibrate", "summary", str(folder)])
    assert_one_error(result, 2, "history.db", "not a calibration history")
    result = runner.invoke(app, ["calibrate", str(TINY), "--out", str(folder)])
    assert_one_error(result, 2, "history.db", "not a calibration history")


@pytest.mark.parametrize(
    ("preset", "needles"),
    [("nothing-like-it", ("preset='nothing-like-it'", "allowed")), ("../x", ("allowed",))],
)
def test_an_unknown_preset_is_one_line(preset, needles):
    result = runner.invoke(app, ["run", "soviet-1917-1928", "--set", f"preset={preset}"])
    assert_one_error(result, 2, *needles)


def test_a_preset_file_with_a_bad_value_is_one_line(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[values]\n"mechanisms.apparatus.parkinson_rate" = "fast"\n')
    result = runner.invoke(app, ["run", "soviet-1917-1928", "--set", f"preset={path}"])
    assert_one_error(result, 2, "parkinson_rate", "a number or boolean")


def test_a_larger_budget_extends_the_calibration_in_its_folder(tmp_path):
    """Only the budget may change between a calibration and its resumption."""
    from thermidor.calibration.inference import ResumeError, _claim_folder  # noqa: PLC0415
    from thermidor.calibration.spec import load_calibration  # noqa: PLC0415

    folder = tmp_path / "out"
    first = load_calibration(write(tmp_path, BASE))
    assert _claim_folder(first, folder) is False
    (folder / "history.db").write_bytes(b"")
    longer = load_calibration(write(tmp_path, BASE.replace("generations = 2", "generations = 4")))
    assert _claim_folder(longer, folder) is True
    assert '"generations": 4' in (folder / "calibration.json").read_text()
    other = load_calibration(write(tmp_path, BASE.replace("seed = 5", "seed = 6")))
    with pytest.raises(ResumeError, match="holds another calibration"):
        _claim_folder(other, folder)
