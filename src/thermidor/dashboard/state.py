"""What a user edits in the dashboard, turned into ``--set`` overrides and validated.

The form is a mapping of field key -> the text in that field. Every scenario field is
turned into one ``dotted.key=value`` override whose value is a number, a boolean, ``none``
or a word from a fixed list, written here from the parsed value (never the raw text), and
then validated by :func:`thermidor.load_scenario`: the same pydantic schema as ``thermidor
run --set``. Nothing a user types is evaluated. Errors are kept per field, with the
loader's one-line message naming the field, the value and what is allowed. Members and
steps are also held to the dashboard's size limits (:mod:`thermidor.dashboard.limits`).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from thermidor.dashboard import events, limits
from thermidor.engine import calendar
from thermidor.engine.seeds import DEFAULT_SEED, SEED_RANGE, seed_problem
from thermidor.model.state import RULES
from thermidor.scenarios import Scenario, ScenarioError, list_scenarios, load_scenario
from thermidor.scenarios.timeline import rows

Kind = Literal["number", "integer", "optional_number", "optional_integer", "choice", "date"]
Parsed = str | int | float | None  # a choice, an integer, a number, or None (a cleared field)
TIERS = ("top", "middle", "bottom")
RECALL_CHOICES = ("per tier", "yes", "no")
NONE = "none"
FORM = "form"  # the key of an error that belongs to no single field
_INTEGER = re.compile(r"^[+-]?\d+$")
_SHOWN = 40  # characters of a field's text a message quotes
_DATE = re.compile(r"^\d{4}-\d{2}$")
EVENT = "events."  # form keys events.ID.FIELD: a field of the event with that id
OFF = "without."  # form keys without.ID = "yes": the event with that id is switched off
YES = "yes"


@dataclass(frozen=True)
class Field:
    """One labelled control: its key (the ``--set`` path for scenario fields) and its kind."""

    key: str
    label: str
    kind: Kind
    choices: tuple[str, ...] = ()
    hint: str = ""
    slider: tuple[float, float, float] | None = None  # (low, high, step) of a slider beside it


@dataclass(frozen=True)
class Built:
    """The overrides a form stands for, its per-field errors and, when valid, the scenario."""

    name: str
    overrides: list[str]
    errors: dict[str, str] = field(default_factory=dict)
    scenario: Scenario | None = None
    seed: int = 0
    edits: tuple[str, ...] = ()  # the overrides whose field differs from the scenario's
    without: tuple[str, ...] = ()  # the ids of the events switched off (``--without``)

    @property
    def ok(self) -> bool:
        """Whether the form can be run."""
        return not self.errors and self.scenario is not None

    def summary(self) -> str:
        """What Run will run, in the ``thermidor run`` words: scenario, seed and the edits."""
        words = [f"--set {o}" for o in self.edits] + [f"--without {i}" for i in self.without]
        return f"{self.name}, seed {self.seed}, {' '.join(words) or 'as shipped'}"


UNIT = (0.0, 1.0, 0.01)  # the slider of a share, a level or an intensity
HEADLINE: tuple[Field, ...] = (
    Field(
        "institutions.nominated_share", "Nominated share", "optional_number", hint="0..1",
        slider=UNIT,
    ),
    Field(
        "institutions.privilege_cap", "Privilege cap", "optional_number", hint=">= 1 or none",
        slider=(1.0, 5.0, 0.05),
    ),
    Field("institutions.apparatus_cap", "Apparatus cap", "number", hint="0..1", slider=UNIT),
    Field(
        "institutions.term", "Term of office (steps)", "optional_integer", hint=">= 1",
        slider=(1.0, 120.0, 1.0),
    ),
    Field("institutions.recall", "Recall", "choice", RECALL_CHOICES),
    Field("repression.intensity", "Repression", "number", hint="0..1", slider=UNIT),
    Field("transparency.level", "Transparency", "number", hint="0..1", slider=UNIT),
    Field("education.intensity", "Education", "number", hint="0..1", slider=UNIT),
)  # fmt: skip
RUN_FIELDS: tuple[Field, ...] = (
    Field(
        "meta.members",
        "Members",
        "integer",
        hint=f"100..{limits.MAX_MEMBERS:,}",
        slider=(100.0, 50_000.0, 100.0),
    ),
    Field(
        "meta.steps",
        "Steps",
        "integer",
        hint=f"1..{limits.MAX_STEPS:,}",
        slider=(1.0, 600.0, 1.0),
    ),
    Field("seed", "Seed", "integer", hint=SEED_RANGE),
)
NO_EVENT = "none"
SIZE_KEYS = ("meta.members", "meta.steps")  # capped by the dashboard's limits


def branch_fields(scenario: Scenario) -> tuple[Field, ...]:
    """The selection rule of each tier of each branch the scenario has."""
    return tuple(
        Field(f"institutions.branches.{i}.{tier}.rule", f"{branch.name} {tier}", "choice", RULES)
        for i, branch in enumerate(scenario.institutions.branches)
        for tier in TIERS
    )


def shock_fields(scenario: Scenario) -> tuple[Field, ...]:
    """An extra shock (a recruitment wave, a harvest failure...) starting at a chosen year."""
    cohorts = tuple(c.name for c in scenario.society.cohorts)
    return (
        Field("shock.kind", "Add a shock", "choice", (NO_EVENT, *events.SHOCK_KINDS)),
        Field("shock.year", "Shock year", "number", hint="decimal year"),
        Field("shock.duration", "Duration (steps)", "integer", hint=">= 1"),
        Field("shock.magnitude", "Magnitude", "number", hint="0..10", slider=(0.0, 2.0, 0.01)),
        Field("shock.cohort", "Recruits' cohort", "choice", cohorts),
    )


def intervention_fields() -> tuple[Field, ...]:
    """An extra intervention at a chosen year, with its one numeric parameter."""
    kinds = (NO_EVENT, *events.INTERVENTION_PARAM)
    return (
        Field("intervention.kind", "Add an intervention", "choice", kinds),
        Field("intervention.year", "Intervention year", "number", hint="decimal year"),
        Field("intervention.value", "Its value", "number", hint="share, level, cap or term"),
    )


def fields_for(scenario: Scenario) -> tuple[Field, ...]:
    """Every control the dashboard shows for ``scenario``, in display order."""
    return (
        *RUN_FIELDS,
        *HEADLINE,
        *branch_fields(scenario),
        *shock_fields(scenario),
        *intervention_fields(),
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def defaults(name: str) -> dict[str, str]:
    """The form of an unedited scenario: every field holds the scenario's own value."""
    scenario = shipped(name)
    form = {f.key: _text(_lookup(scenario, f.key)) for f in (*RUN_FIELDS[:2], *HEADLINE)}
    if form["institutions.recall"] == "":
        form["institutions.recall"] = "per tier"
    form["seed"] = str(DEFAULT_SEED)
    for f in branch_fields(scenario):
        form[f.key] = str(_lookup(scenario, f.key))
    first, _ = events.year_range(scenario.meta)
    cohorts = [c.name for c in scenario.society.cohorts]
    form.update(
        {
            "shock.kind": NO_EVENT,
            "shock.year": f"{math.ceil(first) + 1}",
            "shock.duration": "6",
            "shock.magnitude": "0.2",
            "shock.cohort": cohorts[-1],
            "intervention.kind": NO_EVENT,
            "intervention.year": f"{math.ceil(first) + 1}",
            "intervention.value": "0.5",
        }
    )
    return form


def _lookup(scenario: Scenario, dotted: str) -> object:
    node: Any = scenario  # a walk along a dotted key: attributes, and list items by index
    for part in dotted.split("."):
        node = node[int(part)] if part.isdigit() else getattr(node, part)
    return node


def _shown(clean: str) -> str:
    """A field's text as a message quotes it: cut short, so a pasted megabyte stays out."""
    return repr(clean if len(clean) <= _SHOWN else clean[:_SHOWN] + "...")


def _whole(clean: str) -> int | None:
    """The whole number ``clean`` spells, or None (int() refuses over 4,300 digits)."""
    if not _INTEGER.match(clean):
        return None
    try:
        return int(clean)
    except ValueError:
        return None


def parse(spec: Field, text: str) -> Parsed:
    """The value a field's text stands for (None = cleared), or ValueError with a message."""
    clean = text.strip()
    optional = spec.kind.startswith("optional_")
    if optional and clean.lower() in {"", NONE}:
        return None
    if spec.kind == "date":
        if not _DATE.match(clean):
            msg = f"{spec.key} = {_shown(clean)}: expected a date YYYY-MM ({spec.hint})"
            raise ValueError(msg)
        return clean
    if spec.kind == "choice":
        if clean not in spec.choices:
            msg = f"{spec.key} = {_shown(clean)}: choose one of {', '.join(spec.choices)}"
            raise ValueError(msg)
        return clean
    if spec.kind.endswith("integer"):
        whole = _whole(clean)
        if whole is None:
            msg = f"{spec.key} = {_shown(clean)}: expected a whole number ({spec.hint})"
            raise ValueError(msg)
        return whole
    try:
        number = float(clean.replace("_", "x"))  # no 1_000 digit grouping: plain numbers only
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        msg = f"{spec.key} = {_shown(clean)}: expected a number ({spec.hint})"
        raise ValueError(msg)
    return number


def literal(spec: Field, value: Parsed) -> str:
    """The override value written for a parsed field value."""
    if value is None:
        return NONE
    if spec.key == "institutions.recall":
        return {"per tier": NONE, "yes": "true", "no": "false"}[str(value)]
    return events.toml_literal(value)


def _number(spec: Field, text: str) -> float:
    """``parse`` for a "number" field (never cleared), whose value is always a float."""
    value = parse(spec, text)
    assert isinstance(value, float), spec.key
    return value


def _check(name: str, overrides: list[str]) -> str | None:
    try:
        load_scenario(name, overrides)
    except ScenarioError as exc:
        return str(exc)
    return None


def _event(name: str, form: dict[str, str], base: Scenario, which: str) -> tuple[str, str] | None:
    """The override adding the form's shock or intervention, or None; ValueError(key, msg)."""
    kind = form.get(f"{which}.kind", NO_EVENT)
    if kind == NO_EVENT:
        return None
    specs = {f.key: f for f in (*shock_fields(base), *intervention_fields())}
    year_key = f"{which}.year"
    try:
        year = _number(specs[year_key], form.get(year_key, ""))
        step = events.year_to_step(base.meta, year)
    except ValueError as exc:
        raise _FieldError(year_key, str(exc)) from exc
    item: dict[str, Parsed] = {"kind": kind, "start": step}
    if which == "shock":
        for part in ("duration", "magnitude"):
            key = f"shock.{part}"
            try:
                item[part] = parse(specs[key], form.get(key, ""))
            except ValueError as exc:
                raise _FieldError(key, str(exc)) from exc
        if kind == "recruitment":
            item["cohort"] = parse(specs["shock.cohort"], form.get("shock.cohort", ""))
        existing = [s.model_dump(mode="json") for s in base.shocks]
        key = "shocks"
    else:
        param = events.INTERVENTION_PARAM[kind]
        if param:
            try:
                value = _number(specs["intervention.value"], form.get("intervention.value", ""))
            except ValueError as exc:
                raise _FieldError("intervention.value", str(exc)) from exc
            if param in events.INTEGER_PARAMS:
                if value != int(value):
                    msg = f"intervention.value = {value}: {kind} takes a whole number of steps"
                    raise _FieldError("intervention.value", msg)
                value = int(value)
            item[param] = value
        existing = [i.model_dump(mode="json") for i in base.interventions]
        key = "interventions"
    override = events.append_override(key, existing, item)
    return which, override


class _FieldError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _event_error_key(which: str, message: str) -> str:
    """The form field a schema message about the added shock/intervention belongs to."""
    match = re.match(rf"^{which}s\.\d+\.(\w+)", message)
    part = match.group(1) if match else "kind"
    if which == "intervention" and part not in {"kind", "start"}:
        return "intervention.value"
    return {"start": f"{which}.year"}.get(part, f"{which}.{part}")


@functools.cache
def shipped_names() -> frozenset[str]:
    """The shipped scenarios' names (read once: reading them parses every file)."""
    return frozenset(list_scenarios())


@functools.lru_cache(maxsize=16)
def shipped(name: str) -> Scenario:
    """The shipped scenario ``name`` as its file has it (read once: the files do not change
    while the server runs; the caller must not modify it)."""
    return load_scenario(name)


def event_fields(scenario: Scenario) -> dict[str, tuple[Field, ...]]:
    """Each event's id -> what the dashboard edits of it, as ``--set events.ID.FIELD`` does:
    its start date, its duration and its numeric main fields (magnitude, share, level...)."""
    found: dict[str, tuple[Field, ...]] = {}
    for row in rows(scenario):
        key = f"{EVENT}{row['id']}"
        specs = [Field(f"{key}.start", "starts", "date", hint="YYYY-MM, within the run")]
        if row["duration"] is not None:
            specs.append(Field(f"{key}.duration", "duration (steps)", "integer", hint=">= 1"))
        for part, value in row["fields"].items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            kind: Kind = "integer" if isinstance(value, int) else "number"
            specs.append(Field(f"{key}.{part}", part.replace("_", " "), kind))
        found[row["id"]] = tuple(specs)
    return found


def event_text(scenario: Scenario, key: str) -> str:
    """The text of an event field (``events.ID.FIELD``) as the scenario has it."""
    _, event_id, part = key.split(".", 2)
    event = next(e for e in (*scenario.shocks, *scenario.interventions) if e.id == event_id)
    value = getattr(event, part)
    if part == "start":
        return calendar.step_date(scenario.meta.start, scenario.meta.time_step, value)
    return _text(value)


def _event_edits(
    base: Scenario, form: dict[str, str], steps: int | None, errors: dict[str, str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """The ``events.ID.FIELD=value`` overrides (by form key) and the ids switched off that
    ``form`` asks for; problems go to ``errors`` under their field."""
    specs = {f.key: f for fs in event_fields(base).values() for f in fs}
    edits: list[tuple[str, str]] = []
    off: list[str] = []
    meta = base.meta
    last = (steps or meta.steps) - 1
    for key, text in sorted(form.items()):
        if key.startswith(OFF):
            event_id = key.removeprefix(OFF)
            if event_id not in event_fields(base):
                errors[FORM] = f"{_shown(event_id)}: no shock or intervention has this id"
            elif text == YES:
                off.append(event_id)
            continue
        if not key.startswith(EVENT):
            continue
        spec = specs.get(key)
        if spec is None:
            errors[FORM] = f"{_shown(key)}: not an event field the dashboard edits"
            continue
        if text.strip() == event_text(base, key):
            continue
        try:
            value = parse(spec, text)
            if spec.kind == "date":
                step = calendar.step_of(meta.start, meta.time_step, str(value))
                if not 0 <= step <= last:
                    first = calendar.step_date(meta.start, meta.time_step, 0)
                    end = calendar.step_date(meta.start, meta.time_step, last)
                    msg = f"{key} = {_shown(str(value))}: outside the run ({first} to {end})"
                    raise ValueError(msg)
                value = step
        except (ValueError, calendar.CalendarError) as exc:
            errors[key] = str(exc)
            continue
        edits.append((key, f"{key}={events.toml_literal(value)}"))
    return edits, off


def _problems(name: str, candidates: list[tuple[str, str]]) -> dict[str, str]:
    """The schema's message for each (key, override) that does not hold, by key."""
    found = {}
    for key, override in candidates:
        problem = _check(name, [override])
        if problem:
            found[key] = problem
    return found


def build(name: str, form: dict[str, str]) -> Built:
    """Validate a form for scenario ``name``: its overrides, per-field errors, the scenario.

    Every edited field becomes one override; they are validated together (one load of the
    scenario) and one by one only when they fail, to put each message under its field.
    """
    if name not in shipped_names():
        return Built(name, [], {FORM: f"scenario {name!r}: not a shipped scenario"})
    base = shipped(name)
    errors: dict[str, str] = {}
    candidates: list[tuple[str, str]] = []  # (form key, override) of the fields set
    edited: set[str] = set()
    seed = 0
    sizes: dict[str, int] = {}  # members and steps, checked against the dashboard's limits
    # a headline knob set holds against the scenario's interventions (HEADLINE_KNOBS): only
    # the knobs a user changed are set, so an unedited form keeps the scenario's history
    own = defaults(name)
    unedited = {f.key: literal(f, parse(f, own[f.key])) for f in HEADLINE}
    for spec in (*RUN_FIELDS, *HEADLINE, *branch_fields(base)):
        try:
            value = parse(spec, form.get(spec.key, ""))
        except ValueError as exc:
            errors[spec.key] = str(exc)
            continue
        if spec.key == "seed":
            assert isinstance(value, int)  # a required integer field
            problem = seed_problem("seed", value)
            if problem:
                errors[spec.key] = problem
            seed = value
            continue
        if spec.key in SIZE_KEYS:
            assert isinstance(value, int)  # required integer fields
            sizes[spec.key] = value
        if unedited.get(spec.key) == literal(spec, value):
            continue
        candidates.append((spec.key, f"{spec.key}={literal(spec, value)}"))
        if form.get(spec.key, "") != own[spec.key]:
            edited.add(spec.key)
    errors.update(limits.problems(sizes.get("meta.members"), sizes.get("meta.steps")))
    event_edits, off = _event_edits(base, form, sizes.get("meta.steps"), errors)
    edited |= {key for key, _ in event_edits}
    candidates += event_edits
    adding = any(form.get(f"{w}.kind", NO_EVENT) != NO_EVENT for w in ("shock", "intervention"))
    problems: dict[str, str] = {}
    if not errors and not adding:  # the usual case: one load validates every edit at once
        try:
            scenario = load_scenario(name, [o for _, o in candidates], off)
        except ScenarioError:
            problems = _problems(name, candidates)
        else:
            edits = [o for key, o in candidates if key in edited]
            overrides = [o for _, o in candidates]
            return Built(name, overrides, {}, scenario, seed, tuple(edits), tuple(off))
    else:
        problems = _problems(name, candidates)
    errors.update(problems)
    overrides = [o for key, o in candidates if key not in problems]
    edits = [o for key, o in candidates if key not in problems and key in edited]
    if adding and not errors:  # events are placed in the run as edited (its steps, members)
        base = load_scenario(name, overrides)
    for which in ("shock", "intervention"):
        try:
            event = _event(name, form, base, which)
        except _FieldError as exc:
            errors[exc.key] = str(exc)
            continue
        if event is not None:
            problem = _check(name, [event[1]])
            if problem:
                errors[_event_error_key(which, problem)] = problem
            else:
                overrides.append(event[1])
                edits.append(event[1])
    if errors:
        return Built(name, overrides, errors, None, seed, without=tuple(off))
    try:
        scenario = load_scenario(name, overrides, off)
    except ScenarioError as exc:
        return Built(name, overrides, {FORM: str(exc)}, None, seed, without=tuple(off))
    return Built(name, overrides, {}, scenario, seed, tuple(edits), tuple(off))
