"""Presets: named sets of parameter values, applied as ``--set preset=NAME``.

A calibration ships its posterior medians as a preset, with its provenance (the
calibration, its data, its budget, the 90% intervals) in the file, so that a run
says which evidence its values rest on. ``NAME`` is a shipped preset
(``thermidor/scenarios/presets/NAME.toml``) or the path of a TOML file. The
preset's values are applied where the ``preset=`` item stands among the
overrides: later ``--set`` items win over it.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

PRESET_KEY = "preset"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class PresetError(ValueError):
    """A preset that cannot be used, with a one-line reason."""


def shipped() -> list[str]:
    folder = resources.files("thermidor.scenarios") / "presets"
    if not folder.is_dir():
        return []
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def _text(name: str) -> tuple[str, str]:
    if _NAME.match(name):
        path = resources.files("thermidor.scenarios") / "presets" / f"{name}.toml"
        if path.is_file():
            return path.read_text(encoding="utf-8"), name
    if name.endswith(".toml") and Path(name).is_file():
        try:
            return Path(name).read_text(encoding="utf-8"), name
        except (OSError, UnicodeDecodeError) as exc:
            raise PresetError(f"--set preset={name}: cannot be read ({exc})") from None
    allowed = ", ".join(shipped()) or "none shipped"
    raise PresetError(f"--set preset={name!r}: allowed: {allowed}, or a .toml file's path")


def preset_values(name: str) -> dict[str, Any]:
    """The ``[values]`` table of a preset: dotted keys to numbers or booleans."""
    text, where = _text(name)
    try:
        values = tomllib.loads(text).get("values")
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(f"preset {where}: not TOML ({exc})") from None
    if not isinstance(values, dict) or not values:
        raise PresetError(f"preset {where}: needs a non-empty [values] table")
    for key, value in values.items():
        if not isinstance(value, bool | int | float) or key == PRESET_KEY:
            raise PresetError(f"preset {where}: value {key} = {value!r}: a number or boolean")
    return values


def _toml_value(value: bool | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def expand(overrides: list[str]) -> list[str]:
    """The overrides with each ``preset=NAME`` item replaced by the preset's values."""
    expanded: list[str] = []
    for item in overrides:
        key, _, name = item.partition("=")
        if key.strip() == PRESET_KEY:
            values = preset_values(name.strip())
            expanded += [f"{k}={_toml_value(v)}" for k, v in values.items()]
        else:
            expanded.append(item)
    return expanded
