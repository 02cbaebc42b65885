"""Presets: ``--set preset=NAME`` applies a preset's values where it stands among the
overrides; later items win; a preset's provenance travels in its file."""

from __future__ import annotations

from thermidor.scenarios import load_scenario

PRESET = """
[preset]
calibration = "test"
[values]
"mechanisms.apparatus.parkinson_rate" = 0.0375
"institutions.recall" = true
"""


def test_a_preset_sets_what_its_values_say(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(PRESET, encoding="utf-8")
    with_preset = load_scenario("soviet-1917-1928", [f"preset={path}"])
    by_hand = load_scenario(
        "soviet-1917-1928",
        ["mechanisms.apparatus.parkinson_rate=0.0375", "institutions.recall=true"],
    )
    assert with_preset.model_dump() == by_hand.model_dump()


def test_a_later_set_wins_over_the_preset_and_an_earlier_one_does_not(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(PRESET, encoding="utf-8")
    later = load_scenario(
        "soviet-1917-1928", [f"preset={path}", "mechanisms.apparatus.parkinson_rate=0.01"]
    )
    earlier = load_scenario(
        "soviet-1917-1928", ["mechanisms.apparatus.parkinson_rate=0.01", f"preset={path}"]
    )
    assert later.mechanisms.apparatus.parkinson_rate == 0.01
    assert earlier.mechanisms.apparatus.parkinson_rate == 0.0375


def test_the_shipped_presets_apply_where_they_say():
    """``calibrated`` (model-wide values) applies to every shipped scenario;
    ``soviet-calibrated`` (the events' magnitudes too) to the Soviet history; each names
    its calibration, targets and 90% intervals."""
    import tomllib  # noqa: PLC0415
    from importlib import resources  # noqa: PLC0415

    from thermidor.scenarios import list_scenarios  # noqa: PLC0415
    from thermidor.scenarios.presets import preset_values, shipped  # noqa: PLC0415

    assert {"calibrated", "soviet-calibrated"} <= set(shipped())
    for name in ("calibrated", "soviet-calibrated"):
        text = (resources.files("thermidor.scenarios") / "presets" / f"{name}.toml").read_text()
        provenance = tomllib.loads(text)["preset"]
        assert provenance["targets"]
        assert set(provenance["interval90"]) == set(preset_values(name))
    assert all(k.startswith("mechanisms.") for k in preset_values("calibrated"))
    for scenario in list_scenarios():
        loaded = load_scenario(scenario, ["preset=calibrated"])
        rate = preset_values("calibrated")["mechanisms.apparatus.parkinson_rate"]
        assert loaded.mechanisms.apparatus.parkinson_rate == rate
    load_scenario("soviet-1917-1928", ["preset=soviet-calibrated"])
