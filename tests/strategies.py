"""Hypothesis strategies for scenarios: ``--set`` overrides, seeds and schedules of events;
and hostile input for the fuzz of the command line and the files it reads.

Overrides are drawn as the strings a user would pass to ``--set`` (so they go
through the same parsing and validation as the command line); events are raw
shock and intervention tables, added to a scenario with ``with_events``. Hostile
input is text, numbers, paths and TOML files no one should give, and someone will.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from thermidor.model.scenario import Scenario
from thermidor.scenarios.loader import validate

MEMBERS = (100, 600)  # small worlds: every example must run in well under a second
STEPS = (5, 30)
SMALL_COHORTS = ("veteran", "new")  # the cohorts of tests/data/small.toml


def _number(x: float) -> str:
    """A float as TOML reads it back exactly (``repr`` round-trips)."""
    return repr(float(x))


def unit() -> st.SearchStrategy[str]:
    """A share or intensity in 0..1, as an override value."""
    return st.floats(0.0, 1.0, allow_nan=False).map(_number)


def seeds() -> st.SearchStrategy[int]:
    return st.integers(0, 2**32 - 1)


def size_overrides(
    members: tuple[int, int] = MEMBERS, steps: tuple[int, int] = STEPS
) -> st.SearchStrategy[list[str]]:
    """``meta.members`` and ``meta.steps`` within small bounds (both always set)."""
    return st.tuples(st.integers(*members), st.integers(*steps)).map(
        lambda ms: [f"meta.members={ms[0]}", f"meta.steps={ms[1]}"]
    )


# The headline knobs, each with the override values it may take.
HEADLINE: dict[str, st.SearchStrategy[str]] = {
    "institutions.nominated_share": unit(),
    "institutions.privilege_cap": st.one_of(
        st.just("none"), st.floats(1.0, 10.0, allow_nan=False).map(_number)
    ),
    "institutions.apparatus_cap": st.floats(0.0, 0.5, allow_nan=False).map(_number),
    "institutions.term": st.integers(1, 48).map(str),
    "institutions.recall": st.sampled_from(["true", "false"]),
    "repression.intensity": unit(),
    "transparency.level": unit(),
    "education.intensity": unit(),
}


@st.composite
def headline_overrides(
    draw: st.DrawFn, *, sized: bool = True, members: tuple[int, int] = MEMBERS,
    steps: tuple[int, int] = STEPS,
) -> list[str]:  # fmt: skip
    """A list of ``--set`` strings: any subset of the headline knobs, plus small sizes.

    With ``sized`` (the default) ``meta.members`` and ``meta.steps`` are always
    set, so a run of the test scenario stays small whatever else is drawn.
    """
    chosen = draw(st.lists(st.sampled_from(sorted(HEADLINE)), unique=True))
    out = [f"{key}={draw(HEADLINE[key])}" for key in sorted(chosen)]
    if sized:
        out += draw(size_overrides(members, steps))
    return out


# --- schedules of shocks and interventions -----------------------------------------------------


def _start(horizon: int) -> st.SearchStrategy[int]:
    return st.integers(0, horizon)


def shocks(horizon: int = STEPS[1], cohorts: tuple[str, ...] = SMALL_COHORTS):
    """One raw ``[[shocks]]`` table: any kind, starting within ``horizon`` steps."""
    start, duration = _start(horizon), st.integers(1, 12)
    magnitude = st.floats(0.0, 1.0, allow_nan=False)
    common = {"start": start, "duration": duration, "magnitude": magnitude}
    plain = st.fixed_dictionaries(
        {"kind": st.sampled_from(["harvest", "unemployment", "market", "crisis"]), **common}
    )
    recruitment = st.fixed_dictionaries(
        {
            "kind": st.just("recruitment"),
            **common,
            "magnitude": st.floats(0.0, 0.5, allow_nan=False),
            "cohort": st.sampled_from(cohorts),
        }
    )
    return st.one_of(plain, recruitment)


def interventions(horizon: int = STEPS[1]):
    """One raw ``[[interventions]]`` table of any kind the schema knows."""
    start = _start(horizon)
    names = st.sampled_from(["party", "soviets", "unions"])
    branches = st.one_of(st.none(), st.lists(names, min_size=1, unique=True))
    u = st.floats(0.0, 1.0, allow_nan=False)

    def kind(name: str, **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
        return st.fixed_dictionaries({"kind": st.just(name), "start": start, **fields})

    return st.one_of(
        kind("restore_elections", branches=branches),
        kind("nominate", share=u, branches=branches),
        kind("sortition", share=u, branches=branches),
        kind("cut_apparatus", fraction=u, cap=st.one_of(st.none(), st.floats(0.0, 0.5))),
        kind("cap_privilege", cap=st.floats(1.0, 10.0)),
        kind("rights_guarantees", intensity=u),
        kind("repression", intensity=u),
        kind("education", intensity=u),
        kind("transparency", level=u),
        kind("audits", rate=u),
        kind("purge", fraction=u),
        kind("term_limits", term=st.integers(1, 48), recall=st.one_of(st.none(), st.booleans())),
        kind("bound_functions", level=u),
    )


def events(horizon: int = STEPS[1], max_each: int = 3):
    """``{"shocks": [...], "interventions": [...]}`` of a few raw tables each."""
    return st.fixed_dictionaries(
        {
            "shocks": st.lists(shocks(horizon), max_size=max_each),
            "interventions": st.lists(interventions(horizon), max_size=max_each),
        }
    )


def with_events(scenario: Scenario, drawn: dict[str, list[dict[str, Any]]]) -> Scenario:
    """``scenario`` with the drawn shocks and interventions appended, validated again."""
    raw = scenario.model_dump(mode="python")
    raw["shocks"] = [*raw["shocks"], *drawn.get("shocks", [])]
    raw["interventions"] = [*raw["interventions"], *drawn.get("interventions", [])]
    return validate(raw)


# --- hostile input: what a user, or a script gone wrong, may type or save --------------------

# words a command line or a file may hold where a number, a name or a path is expected
HOSTILE_WORDS = (
    "", " ", "-", "--", "=", "==", ".", "..", "\n", "\t", "\x00", "\udce9", "é", "💥", "١٢",
    "inf", "-inf", "nan", "NaN", "1e400", "-1e400", "1e308", "-1", "0", "-0", "0x10", "1_000",
    "99999999999999999999999999", "true", "none", "null", "[]", "{}", "[[[", "a" * 5000,
)  # fmt: skip
SUFFIXES = ("", ".csv", ".parquet", ".html", ".png", ".svg", ".pdf", ".duckdb", ".toml", ".jpg")


def hostile_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Any text: the hostile words, and unicode of every category (combining marks, controls,
    right-to-left, surrogates as undecodable bytes arrive through the command line)."""
    return st.one_of(
        st.sampled_from(HOSTILE_WORDS),
        st.text(max_size=max_size),
        # combining marks, controls, right-to-left marks, line separators, surrogates
        st.text(st.characters(categories=["Mn", "Cc", "Cf", "Zl", "Zp", "Cs"]), max_size=max_size),
    )


def hostile_numbers() -> st.SearchStrategy[str]:
    """What a number option may be given: any integer or float spelled any way, or not a
    number at all."""
    return st.one_of(
        st.integers(-(2**80), 2**80).map(str),
        st.floats().map(repr),
        st.floats().map(lambda x: f"{x:g}"),
        hostile_text(12),
    )


def _segment() -> st.SearchStrategy[str]:
    """One component of a relative path: anything but a slash, a NUL, '.' or '..'."""
    name = st.text(st.characters(exclude_characters="/\x00"), min_size=1, max_size=16)
    return name.filter(lambda s: s not in (".", ".."))


def hostile_paths() -> st.SearchStrategy[str]:
    """Paths a command may be given. Relative ones (created, if at all, under the working
    folder the test chose) of any characters and suffixes, and fixed hostile ones that
    nothing can be written to: too long, a NUL byte, an undecodable byte, a directory, a
    missing folder, /proc and /sys (where the kernel refuses new files, even to root)."""
    relative = st.tuples(st.lists(_segment(), min_size=1, max_size=3), st.sampled_from(SUFFIXES))
    return st.one_of(
        relative.map(lambda parts: "/".join(parts[0]) + parts[1]),
        st.sampled_from(
            [
                "",
                ".",
                "a" * 5000 + ".html",
                "/".join(["a" * 200] * 30) + ".csv",  # each name fits, the path does not
                "missing/x.html",
                "x\x00y.csv",
                "\udce9.duckdb",
                "/proc/thermidor-fuzz.png",
                "/sys/thermidor-fuzz.csv",
                "/nonexistent-thermidor/x.duckdb",
            ]
        ),
    )


# keys of scenarios and classic models, a few of them half-right
OVERRIDDEN_KEYS = (
    "meta.steps", "meta.members", "meta.name", "institutions.term", "institutions", "events",
    "events.x", "events.x.start", "interventions.0.share", "n", "p", "preset",
)  # fmt: skip


def hostile_overrides() -> st.SearchStrategy[str]:
    """``--set`` items: known keys with hostile values, hostile keys, no ``=``, deep brackets."""
    keys = st.one_of(st.sampled_from(OVERRIDDEN_KEYS), hostile_text(20))
    values = st.one_of(hostile_numbers(), hostile_text(), st.just("[" * 3000 + "]" * 3000))
    return st.one_of(st.tuples(keys, values).map("=".join), hostile_text())


# --- TOML documents --------------------------------------------------------------------------

_INTEGERS = st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-3, 200))
_FLOATS = st.one_of(st.floats(), st.floats(-1.0, 2.0))
_STRINGS = st.one_of(
    st.text(max_size=20),
    st.builds(lambda: "a" * 5000),
    st.sampled_from(["", "none", "inf", "veteran", "party", "month", "1917-11", "harvest"]),
)
_SCALARS = st.one_of(st.booleans(), _INTEGERS, _FLOATS, _STRINGS)
TOML_VALUES: st.SearchStrategy[Any] = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _toml_string(text: str) -> str:
    escaped = (
        "\\" + ch if ch in '"\\' else f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or ord(ch) == 0x7F
        else ch
        for ch in text
    )  # fmt: skip
    return '"' + "".join(escaped) + '"'


def toml_value(value: Any) -> str:
    """``value`` as a TOML value (tables inline), for the documents the fuzz writes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)  # inf and -inf are TOML too
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(tree: dict[str, Any]) -> str:
    """A TOML document of ``tree``: one ``key = value`` line per top-level key."""
    return "".join(f"{_toml_string(k)} = {toml_value(v)}\n" for k, v in tree.items())


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a key or an item inside ``tree``."""
    found: list[tuple[Any, ...]] = []
    items = tree.items() if isinstance(tree, dict) else enumerate(tree)
    for key, value in items:
        found.append((*prefix, key))
        if isinstance(value, dict | list):
            found += _paths(value, (*prefix, key))
    return found


def _alike(value: Any) -> st.SearchStrategy[Any]:
    """Values of the kind of ``value`` (any number for a number, any text for a text)."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return _INTEGERS
    if isinstance(value, float):
        return _FLOATS
    if isinstance(value, str):
        return _STRINGS
    if isinstance(value, list) and value:
        return st.lists(_alike(value[0]), max_size=4)
    return TOML_VALUES


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any], most: int = 3) -> dict[str, Any]:
    """A deep copy of ``base`` with up to ``most`` changes, each somewhere inside it: a value
    replaced by any TOML value, a key removed, or an unknown key added."""
    import copy  # noqa: PLC0415

    tree = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, most))):
        paths = _paths(tree)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = tree
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "replace", "remove", "add"]))
        if action == "replace":  # half the time by a value of the same kind: deeper checks
            parent[path[-1]] = draw(st.one_of(_alike(parent[path[-1]]), TOML_VALUES))
        elif action == "remove":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(TOML_VALUES)
        else:
            parent.append(draw(TOML_VALUES))
    return tree


def toml_files(base: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """The bytes of a file meant as TOML: ``base`` with a few values changed (mostly),
    random keys and values, or random bytes."""
    documents = st.one_of(
        mutated(base),
        mutated(base),
        st.dictionaries(st.text(max_size=8), TOML_VALUES, max_size=4),
    ).map(lambda tree: toml_document(tree).encode("utf-8"))
    return st.one_of(documents, documents, st.binary(max_size=200))
