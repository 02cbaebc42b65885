"""Every file shipped in examples/ loads with the loader of its kind.

Files are found by glob, so a new example is covered as soon as it is added; a file of a kind
no loader below knows fails too, so that a new kind of example gets its loader here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from thermidor import load_scenario
from thermidor.experiments import Experiment, load_experiment

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _scenario(path: Path) -> object:
    return load_scenario(str(path))


def _experiment(path: Path) -> object:
    experiment = load_experiment(path)
    assert isinstance(experiment, Experiment)
    return experiment


def _calibration(path: Path) -> object:
    from thermidor.calibration.spec import load_calibration  # noqa: PLC0415

    return load_calibration(path)


def _box(path: Path) -> object:
    from thermidor.validity.points import read_box  # noqa: PLC0415

    return read_box(path)


# (folder under examples/, suffix) -> the loader of that kind of example
LOADERS: dict[tuple[str, str], Callable[[Path], object]] = {
    ("calibration", ".toml"): _calibration,
    ("robustness", ".toml"): _box,
    ("experiments", ".toml"): _experiment,
    ("scenarios", ".toml"): _scenario,
}


def _example_files() -> list[Path]:
    return sorted(
        path
        for path in EXAMPLES.rglob("*")
        if path.is_file() and path.suffix != ".md" and not path.name.startswith(".")
    )


def _kind(path: Path) -> tuple[str, str]:
    return path.relative_to(EXAMPLES).parts[0], path.suffix


def test_examples_are_found():
    found = _example_files()
    assert len(found) >= 5, found  # the five experiment files at least: the glob is looking
    assert {_kind(path) for path in found} <= set(LOADERS), "an example with no loader"


@pytest.mark.parametrize("path", _example_files(), ids=lambda path: str(path.relative_to(EXAMPLES)))
def test_example_loads(path: Path):
    loader = LOADERS.get(_kind(path))
    assert loader is not None, f"{path}: no loader for {_kind(path)} examples; add one to LOADERS"
    loader(path)
