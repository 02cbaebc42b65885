"""Epstein's civil violence: the closed-form no-cop share, outbursts, Mesa agreement, model II."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from thermidor.classic.epstein import MESA_LIVELY as LIVELY
from thermidor.classic.epstein import MODEL, EpsteinParams, outbursts, simulate
from thermidor.classic.epstein_kernels import _half_even

STEPS, BURN = 40, 20


def _params(preset: str, **update: object) -> EpsteinParams:
    base = MODEL.resolve([f"preset={preset}"]).model_dump()
    base.update(update)
    return EpsteinParams(**base)


@pytest.mark.parametrize("legitimacy", [0.82, 0.7, 0.95])
def test_no_cops_active_share_is_the_closed_form(legitimacy: float) -> None:
    """No cops: N = 0, G ~ U(0, 1-L), so the active share is max(0, 1 - T/(1-L))."""
    expected = max(0.0, 1.0 - 0.1 / (1.0 - legitimacy))
    shares = [
        simulate(_params("no-cops", legitimacy=legitimacy, steps=10), s)["active_share"][-1]
        for s in range(4)
    ]
    se = np.sqrt(max(expected * (1 - expected), 1e-9) / (4 * 1120))
    assert abs(np.mean(shares) - expected) < 4 * se + 1e-12


def test_netlogo_preset_shows_punctuated_equilibrium() -> None:
    """Long quiet spells broken by outbursts; the active share is mostly low."""
    s = simulate(_params("netlogo", steps=400), 1)
    active = s["active"][50:]
    sizes, waiting = outbursts(active, threshold=50)
    assert len(sizes) >= 3
    assert sizes.max() > 150  # outbursts involve a good part of the 1120 citizens
    assert np.median(s["active_share"][50:]) < 0.05
    assert waiting.min() >= 5  # outbursts are separated by quiet spells
    assert (s["active"] + s["quiet"] + s["jailed"] == 1120).all()


def test_outbursts_definition() -> None:
    sizes, waiting = outbursts(np.array([0, 5, 9, 2, 0, 0, 7, 0, 8, 8]), threshold=4)
    assert sizes.tolist() == [9, 7, 8]
    assert waiting.tolist() == [3, 1]
    sizes, waiting = outbursts(np.zeros(10), threshold=4)
    assert sizes.size == 0
    assert waiting.size == 0


def test_mesa_round_is_half_to_even() -> None:
    assert [_half_even(v) for v in (0.5, 1.5, 2.5, 0.49, 0.51, 3.0)] == [0, 2, 2, 0, 1, 3]


def _averages(series: dict[str, np.ndarray]) -> tuple[float, float]:
    return series["active"][BURN:].mean(), series["jailed"][BURN:].mean()


def test_agrees_with_mesa_and_the_test_can_fail() -> None:
    from mesa.examples.advanced.epstein_civil_violence.model import (  # noqa: PLC0415
        EpsteinCivilViolence,
    )

    theirs = []
    for seed in range(12):
        m = EpsteinCivilViolence(seed=seed, **LIVELY)
        for _ in range(STEPS):
            m.step()
        df = m.datacollector.get_model_vars_dataframe()
        theirs.append(
            (
                df["active"].to_numpy()[BURN + 1 :].mean(),
                df["arrested"].to_numpy()[BURN + 1 :].mean(),
            )
        )
    mesa_a, mesa_j = np.array(theirs).T
    p = _params("mesa", steps=STEPS, **LIVELY)
    ours_a, ours_j = np.array([_averages(simulate(p, 1000 + s)) for s in range(150)]).T
    for a, b in ((mesa_a, ours_a), (mesa_j, ours_j)):
        assert stats.ks_2samp(a, b).pvalue > 0.01
        se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert abs(a.mean() - b.mean()) < 3.5 * se
    # the same comparison rejects a different legitimacy
    q = _params("mesa", steps=STEPS, **{**LIVELY, "legitimacy": 0.6})
    other_a, _ = np.array([_averages(simulate(q, 2000 + s)) for s in range(150)]).T
    assert stats.ks_2samp(mesa_a, other_a).pvalue < 0.01


def test_model_ii_kills_only_across_groups() -> None:
    s = simulate(_params("model-ii-no-cops", steps=60), 3)
    assert s["killed"].sum() > 0
    lost = (s["group_a"][0] + s["group_b"][0] + s["killed"][0]) - (s["group_a"] + s["group_b"])
    assert np.array_equal(lost, np.cumsum(s["killed"]))
    # one group only: actives abound, yet nobody is killed
    one = simulate(_params("model-ii-no-cops", steps=30, group_share=1.0), 3)
    assert one["active"].min() > 0
    assert one["killed"].sum() == 0
    assert (one["group_b"] == 0).all()
    with_cops = simulate(_params("model-ii", steps=60), 3)
    assert with_cops["jailed"].max() > 0


def test_same_seed_same_output() -> None:
    p = _params("netlogo", steps=60)
    a, b, c = simulate(p, 7), simulate(p, 7), simulate(p, 8)
    for key in a:
        assert np.array_equal(a[key], b[key])
    assert not np.array_equal(a["active"], c["active"])
    m = _params("mesa", steps=30, **LIVELY)
    assert np.array_equal(simulate(m, 7)["jailed"], simulate(m, 7)["jailed"])


@pytest.mark.parametrize(
    "overrides",
    [
        ["citizen_density=0.9", "cop_density=0.2"],
        ["citizen_vision=30"],
        ["width=10"],
        ["arrest_rule=ceil"],
        ["legitimacy=1.5"],
        ["model=III"],
        ["colour=red"],
        ["preset=nonesuch"],
    ],
)
def test_invalid_parameters_raise(overrides: list[str]) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        MODEL.resolve(overrides)


def test_presets_and_agent_counts() -> None:
    assert MODEL.params().model_dump() == _params("netlogo").model_dump()
    assert MODEL.agents(_params("netlogo")) == 1120 + 64
    mesa = _params("mesa")
    assert (mesa.legitimacy, mesa.cop_density, mesa.max_jail_term) == (0.8, 0.074, 1000)
    assert (mesa.arrest_rule, mesa.neighborhood, mesa.schedule) == ("round", "von_neumann", "mesa")
    for name in MODEL.presets:
        series = MODEL.simulate(_params(name, steps=3), 0)
        assert set(MODEL.metrics) <= set(series)
        assert all(len(v) == 3 for v in series.values())
