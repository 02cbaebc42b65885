"""Find, parse, override and validate scenario files.

Every failure is a ``ScenarioError`` whose message is one line naming the
field, the value given and what is allowed, so the command line can print it
and exit with status 2 before anything is run or written.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from thermidor.model.scenario import Scenario

_DATA = "thermidor.scenarios.data"


class ScenarioError(ValueError):
    """A scenario (or an override of it) that cannot be used, with a one-line reason."""


def list_scenarios() -> dict[str, str]:
    """Shipped scenario names and their one-line descriptions, sorted by name."""
    found: dict[str, str] = {}
    for entry in resources.files(_DATA).iterdir():
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            found[entry.name.removesuffix(".toml")] = data["meta"]["description"]
    return dict(sorted(found.items()))


def _read_raw(name_or_path: str) -> dict[str, Any]:
    shipped = resources.files(_DATA).joinpath(f"{name_or_path}.toml")
    path = Path(name_or_path)
    if shipped.is_file():
        text, where = shipped.read_text(encoding="utf-8"), f"shipped scenario {name_or_path}"
    elif path.is_file():
        text, where = path.read_text(encoding="utf-8"), str(path)
    else:
        names = ", ".join(list_scenarios())
        msg = (
            f"scenario {name_or_path!r}: no shipped scenario or file of that name; shipped: {names}"
        )
        raise ScenarioError(msg)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{where}: malformed TOML: {exc}"
        raise ScenarioError(msg) from exc


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = ".".join(str(part) for part in first["loc"] if part != "function-after")
    value = first.get("input")
    shown = repr(value) if not isinstance(value, dict) else "{...}"
    extra = f" ({len(error.errors()) - 1} more error(s))" if len(error.errors()) > 1 else ""
    if first["type"] == "extra_forbidden":
        allowed = _allowed_keys(tuple(first["loc"][:-1]))
        known = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return f"{loc or '<root>'} = {shown}: unknown key, not a parameter{known}{extra}"
    return f"{loc or '<root>'} = {shown}: {first['msg']}{extra}"


def _allowed_keys(parent: tuple[Any, ...]) -> list[str]:
    """The keys the schema accepts at ``parent`` (a validation error's location), or none
    when the path runs through a union (an event list) that the location does not resolve."""
    model: Any = Scenario
    for part in parent:
        if isinstance(part, int):
            continue  # an index into a list of records of one kind
        field = model.model_fields.get(part) if _is_model(model) else None
        if field is None:
            return []
        model = _record_of(field.annotation)
    return list(model.model_fields) if _is_model(model) else []


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _record_of(annotation: Any) -> Any:
    """The one record type inside ``annotation`` (``X``, ``X | None``, ``list[X]``), if any."""
    if _is_model(annotation):
        return annotation
    records = [arg for arg in get_args(annotation) if _is_model(_record_of(arg))]
    return _record_of(records[0]) if len(records) == 1 else None


def validate(raw: dict[str, Any]) -> Scenario:
    """Validate a raw mapping into a Scenario, or raise a one-line ScenarioError."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_describe(exc)) from exc


def _parse_value(text: str) -> Any:
    if text.strip().lower() in {"none", "null"}:
        return None
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word such as nomination: validation judges it


def _set_path(tree: dict[str, Any], dotted: str, value: Any, known: dict[str, Any]) -> None:
    keys = dotted.split(".")
    node: Any = tree
    schema: Any = known
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                msg = f"--set {dotted}: {key!r} is not an index of a {len(node)}-item list"
                raise ScenarioError(msg)
            index = int(key)
            if last:
                node[index] = value
                return
            node, schema = node[index], schema[index]
            continue
        if not isinstance(schema, dict) or key not in schema:
            allowed = ", ".join(sorted(schema)) if isinstance(schema, dict) else "none"
            prefix = ".".join(keys[:depth]) or "<root>"
            msg = f"--set {dotted}: {prefix} has no parameter {key!r}; allowed: {allowed}"
            raise ScenarioError(msg)
        if last:
            node[key] = value
            return
        if key not in node or node[key] is None:
            node[key] = {}
        node, schema = node[key], schema[key]


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``dotted.key=value`` overrides to a raw scenario mapping (a copy)."""
    tree = validate(raw).model_dump(mode="python")
    for item in overrides:
        if "=" not in item:
            msg = f"--set {item!r}: expected dotted.key=value"
            raise ScenarioError(msg)
        dotted, _, text = item.partition("=")
        known = validate(tree).model_dump(mode="python")
        _set_path(tree, dotted.strip(), _parse_value(text.strip()), known)
    return tree


def load_scenario(name_or_path: str, overrides: list[str] | None = None) -> Scenario:
    """Load a shipped scenario by name or a TOML file by path, apply overrides, validate."""
    raw = _read_raw(name_or_path)
    if overrides:
        raw = apply_overrides(raw, overrides)
    return validate(raw)
