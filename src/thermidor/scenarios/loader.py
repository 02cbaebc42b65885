"""Find, parse, override and validate scenario files.

Every failure is a ``ScenarioError`` whose message is one line naming the
field, the value given and what is allowed, so the command line can print it
and exit with status 2 before anything is run or written.
"""

from __future__ import annotations

import errno
import os
import reprlib
import tomllib
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from pydantic import BaseModel, ValidationError

from thermidor.model.scenario import HEADLINE_KNOBS, Scenario
from thermidor.scenarios import presets

if TYPE_CHECKING:
    from collections.abc import Sequence

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


def shorten(text: str, limit: int = 160) -> str:
    """``text`` as a one-line message quotes it: a huge value (a 5,000-character path) is cut
    in the middle, with its length, so the line stays readable."""
    if len(text) <= limit:
        return text
    keep = max(limit - 30, 12)
    return f"{text[: keep * 2 // 3]}...({len(text)} characters)...{text[-(keep // 3) :]}"


# a value quoted in a message: a few levels, items and characters of it, never a recursion
_VALUE = reprlib.Repr()
_VALUE.maxlevel, _VALUE.maxstring, _VALUE.maxother = 3, 60, 60
_VALUE.maxlist = _VALUE.maxtuple = _VALUE.maxdict = 6


def shown_value(value: Any) -> str:
    """A value from a user's file as a one-line message quotes it (short, whatever its size
    or depth)."""
    return "{...}" if isinstance(value, dict) else _VALUE.repr(value)


def read_text(path: Path, where: str) -> str:
    """The UTF-8 text of the user's file at ``path``, or a one-line ScenarioError naming
    ``where`` (raised from the OSError, so that a caller can tell the environment's faults,
    no permission, from the user's)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        msg = f"{where}: cannot read it: {os_reason(exc)}"
        raise ScenarioError(msg) from exc
    except ValueError as exc:  # a NUL byte, which no path may hold
        msg = f"{where}: not a path: {exc}"
        raise ScenarioError(msg) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        msg = (
            f"{where}: not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line}); "
            "a TOML file must be saved as UTF-8"
        )
        raise ScenarioError(msg) from exc


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """The TOML document ``text``, or a one-line ScenarioError: malformed, or nested too deep
    for the parser (a RecursionError, which must not escape as a traceback)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{where}: malformed TOML: {exc}"
        raise ScenarioError(msg) from exc
    except RecursionError:
        msg = f"{where}: TOML nested too deeply; arrays and inline tables may nest a few levels"
        raise ScenarioError(msg) from None


def os_reason(exc: OSError) -> str:
    """Why a file could not be used, in words (the OS's, and the limit for a long name)."""
    reason = (exc.strerror or str(exc)).lower()
    if exc.errno == errno.ENAMETOOLONG:
        try:
            name, path = os.pathconf(".", "PC_NAME_MAX"), os.pathconf(".", "PC_PATH_MAX")
        except (OSError, ValueError):
            return reason
        return f"{reason} (at most {name} bytes per name, {path} per path)"
    return reason


def _is_file(path: Any) -> bool:
    """``path.is_file()``, False for a name the file system cannot even look up (too long,
    with a NUL byte)."""
    try:
        return bool(path.is_file())
    except (OSError, ValueError):
        return False


def _present(path: Path) -> bool:
    """Whether ``path`` names a file, or one the system cannot even look up (a name too
    long, a folder without permission): read_text then says why it cannot be read, instead
    of 'no such scenario'."""
    try:
        return path.is_file()
    except (OSError, ValueError):  # ValueError: a NUL byte
        return True


def _read_raw(name_or_path: str) -> dict[str, Any]:
    shipped = resources.files(_DATA).joinpath(f"{name_or_path}.toml")
    path = Path(name_or_path)
    if _is_file(shipped):
        text, where = shipped.read_text(encoding="utf-8"), f"shipped scenario {name_or_path}"
    elif _present(path):
        where = shorten(name_or_path)
        text = read_text(path, where)
    else:
        names = ", ".join(list_scenarios())
        msg = (
            f"scenario {shorten(repr(name_or_path))}: no shipped scenario or file of that name; "
            f"shipped: {names}"
        )
        raise ScenarioError(msg)
    return parse_toml(text, where)


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = shorten(".".join(str(part) for part in first["loc"] if part != "function-after"))
    shown = shown_value(first.get("input"))
    extra = f" ({len(error.errors()) - 1} more error(s))" if len(error.errors()) > 1 else ""
    if first["type"] == "extra_forbidden":
        allowed = _allowed_keys(tuple(first["loc"][:-1]))
        known = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return f"{loc or '<root>'} = {shown}: unknown key, not a parameter{known}{extra}"
    if not loc and first["type"] == "value_error":  # a whole-scenario check names its field
        return f"{first['msg'].removeprefix('Value error, ')}{extra}"
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


def _event_named(raw: dict[str, Any], error: ValidationError) -> str:
    """`` (event ID)`` when the first error lies in a shock or an intervention with an id."""
    loc = error.errors()[0]["loc"]
    if len(loc) < 2 or loc[0] not in ("shocks", "interventions") or not isinstance(loc[1], int):
        return ""
    items = raw.get(str(loc[0]))
    item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
    return f" (event {item['id']})" if isinstance(item, dict) and "id" in item else ""


def validate(raw: dict[str, Any]) -> Scenario:
    """Validate a raw mapping into a Scenario, or raise a one-line ScenarioError."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_describe(exc) + _event_named(raw, exc)) from exc
    except RecursionError:  # a value nested deeper than the validator recurses
        msg = "scenario nested too deeply: no parameter takes more than a few levels"
        raise ScenarioError(msg) from None


def _parse_value(text: str, dotted: str) -> Any:
    if text.strip().lower() in {"none", "null"}:
        return None
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word such as nomination: validation judges it
    except RecursionError:
        msg = f"--set {shorten(dotted)}={shorten(text)}: value nested too deeply"
        raise ScenarioError(msg) from None


def _set_path(
    tree: dict[str, Any], keys: list[str], value: Any, known: dict[str, Any], shown: list[str]
) -> None:
    """Set ``tree`` at ``keys``; ``shown`` is the same path as the user wrote it (for messages:
    ``events.ID.x`` for ``interventions.N.x``)."""
    dotted = shorten(".".join(shown))
    node: Any = tree
    schema: Any = known
    for depth, key in enumerate(keys):
        last = depth == len(keys) - 1
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                msg = (
                    f"--set {dotted}: {shorten(repr(key))} is not an index "
                    f"of a {len(node)}-item list"
                )
                raise ScenarioError(msg)
            index = int(key)
            if last:
                node[index] = value
                return
            node, schema = node[index], schema[index]
            continue
        if not isinstance(schema, dict) or key not in schema:
            allowed = ", ".join(sorted(schema)) if isinstance(schema, dict) else "none"
            prefix = shorten(".".join(shown[:depth])) or "<root>"
            msg = (
                f"--set {dotted}: {prefix} has no parameter {shorten(repr(key))}; "
                f"allowed: {allowed}"
            )
            raise ScenarioError(msg)
        if last:
            node[key] = value
            return
        if key not in node or node[key] is None:
            node[key] = {}
        node, schema = node[key], schema[key]


# --- events by id: --set events.ID.field=value, --without ID ----------------------------------

EVENT_LISTS = ("shocks", "interventions")
WITHOUT = "--without"  # the ``by`` of an event removed by id


def _events(tree: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """Every event id of a (validated, so fully identified) tree -> (its list, its index)."""
    return {
        event["id"]: (key, i) for key in EVENT_LISTS for i, event in enumerate(tree.get(key) or [])
    }


def _no_such_event(label: str, event_id: str, tree: dict[str, Any]) -> ScenarioError:
    known = ", ".join(_events(tree)) or "none (the scenario has no events)"
    return ScenarioError(
        f"{shorten(label)}: no shock or intervention has id {shorten(repr(event_id))}; "
        f"known ids: {known}"
    )


def _remove(tree: dict[str, Any], removals: list[tuple[str, str]]) -> None:
    """Take each (label, id) event out of its list into the ``suppressed`` record."""
    done: set[str] = set()
    for label, event_id in removals:
        if event_id in done:  # --without X twice removes X once
            continue
        found = _events(tree).get(event_id)
        if found is None:
            raise _no_such_event(label, event_id, tree)
        key, index = found
        tree["suppressed"].append({"by": WITHOUT, "event": tree[key].pop(index)})
        done.add(event_id)


def _hold(tree: dict[str, Any], held: list[str]) -> None:
    """Leave out of the run every intervention of a kind a held headline knob overrides
    (``HEADLINE_KNOBS``), recorded in ``suppressed`` with the knob that held. A held
    nominated share also holds against the model's own rule changes (``entrenched``)."""
    if "institutions.nominated_share" in held:
        tree["institutions"]["entrenched"] = True
    for knob in held:
        kinds = HEADLINE_KNOBS[knob].kinds
        kept = []
        for event in tree["interventions"]:
            if event["kind"] in kinds:
                tree["suppressed"].append({"by": knob, "event": event})
            else:
                kept.append(event)
        tree["interventions"] = kept


def apply_overrides(
    raw: dict[str, Any], overrides: list[str], without: Sequence[str] = ()
) -> dict[str, Any]:
    """Apply ``dotted.key=value`` overrides to a raw scenario mapping (a copy), then remove
    the events named by ``without`` (or by ``events.ID=none``), then leave out the
    interventions a headline knob set here overrides (``HEADLINE_KNOBS``).

    ``events.ID.field=value`` sets a field of the shock or intervention with that id.
    List indices (``interventions.3.share``) always refer to the lists as written: events
    are removed and held back only after every override is set. Each event left out is
    recorded in the result's ``suppressed`` list with why (``--without`` or the knob).
    """
    tree = validate(raw).model_dump(mode="python")
    try:
        overrides = presets.expand(overrides)
    except presets.PresetError as exc:
        raise ScenarioError(str(exc)) from None
    removals: list[tuple[str, str]] = []
    knobs: dict[str, Any] = {}  # headline knob -> the last value set
    for item in overrides:
        if "=" not in item:
            msg = f"--set {shorten(repr(item))}: expected dotted.key=value"
            raise ScenarioError(msg)
        dotted, _, text = item.partition("=")
        dotted, value = dotted.strip(), _parse_value(text.strip(), dotted.strip())
        shown = dotted.split(".")
        keys = shown
        if shown[0] == "events":
            if len(shown) < 2 or not shown[1]:
                msg = (
                    f"--set {shorten(dotted)}: name an event, "
                    "events.ID.FIELD=value or events.ID=none"
                )
                raise ScenarioError(msg)
            found = _events(tree).get(shown[1])
            if found is None:
                raise _no_such_event(f"--set {dotted}", shown[1], tree)
            if len(shown) == 2:
                if value is not None:
                    msg = (
                        f"--set {shorten(dotted)}={shorten(text.strip())}: an event takes "
                        f"events.{shorten(shown[1])}.FIELD=value, or none to remove it"
                    )
                    raise ScenarioError(msg)
                removals.append((f"--set {dotted}", shown[1]))
                continue
            keys = [found[0], str(found[1]), *shown[2:]]
        known = validate(tree).model_dump(mode="python")
        _set_path(tree, keys, value, known, shown)
        if dotted in HEADLINE_KNOBS:
            knobs[dotted] = value
    removals += [(f"{WITHOUT} {event_id}", event_id) for event_id in without]
    _remove(tree, removals)
    _hold(
        tree,
        [k for k, v in knobs.items() if v is not None or HEADLINE_KNOBS[k].none_holds],
    )
    return tree


def load_scenario(
    name_or_path: str,
    overrides: list[str] | None = None,
    without: Sequence[str] | None = None,
) -> Scenario:
    """Load a shipped scenario by name or a TOML file by path, apply overrides, remove the
    events ``without`` names (by id), leave out what held headline knobs override, validate."""
    raw = _read_raw(name_or_path)
    if overrides or without:
        raw = apply_overrides(raw, list(overrides or []), list(without or []))
    return validate(raw)
