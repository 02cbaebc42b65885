"""What the dashboard accepts: years beyond any float and numbers of thousands of digits,
each refused with a message that names the field."""

from __future__ import annotations

import math

import pytest

from thermidor import load_scenario
from thermidor.dashboard import events, state

NAME = "soviet-1917-1928"
HUGE = {"1e400": 10**400, "-1e400": -(10**400), "1e5000": 10**5000, "2**1024": 2**1024}
NOT_FINITE = [math.inf, -math.inf, math.nan, 1e308, -1e308, 1.7976931348623157e308]
YEARS = {**{repr(year): year for year in NOT_FINITE}, **HUGE}


def _form(**changes: str) -> dict[str, str]:
    form = state.defaults(NAME)
    form.update({key.replace("__", "."): value for key, value in changes.items()})
    return form


@pytest.mark.parametrize("year", YEARS.values(), ids=YEARS.keys())
def test_a_year_beyond_any_run_is_outside_the_run(year: float) -> None:
    meta = load_scenario(NAME).meta
    with pytest.raises(ValueError, match=r"^year .+ is outside the run \(1918 to 1929\)$"):
        events.year_to_step(meta, year)


@pytest.mark.parametrize("text", ["1e308", "-1e308", "1.7976931348623157e308", "9" * 400])
@pytest.mark.parametrize("which", ["shock", "intervention"])
def test_a_huge_year_in_the_form_is_a_field_error(which: str, text: str) -> None:
    kind = "harvest" if which == "shock" else "purge"
    built = state.build(NAME, _form(**{f"{which}__kind": kind, f"{which}__year": text}))
    assert not built.ok
    key = f"{which}.year"
    assert set(built.errors) == {key}, built.errors
    assert "outside the run" in built.errors[key] or "expected a number" in built.errors[key]


@pytest.mark.parametrize("key", ["meta.members", "meta.steps", "seed", "shock.duration"])
def test_a_whole_number_of_thousands_of_digits_is_a_field_error(key: str) -> None:
    form = _form(shock__kind="harvest")
    form[key] = "9" * 5000  # past int()'s 4,300 digits
    built = state.build(NAME, form)
    assert not built.ok
    assert set(built.errors) == {key}, built.errors
    message = built.errors[key]
    assert message.startswith(f"{key} = '99999"), message
    assert "expected a whole number" in message
    assert len(message) < 200, "the message quotes the whole text"

