"""The agent-level views draw what the snapshots hold: the tree's colours count the rules,
its sectors nest, the network draws the sample and its ties, the histograms the members
present, the histories one row per snapshot; titles carry the date."""

from __future__ import annotations

import numpy as np
import pytest

import thermidor
from thermidor.engine.hierarchy import BOTTOM
from thermidor.model.snapshots import Snapshot, run_with_snapshots
from thermidor.model.state import RULES
from thermidor.reports import agent_figures as figures
from thermidor.reports.agents import agent_views, agents_page
from thermidor.reports.layout import spring_layout

STEPS = [40, 97, 129]  # 1921-03, 1925-12 (elected and nominated mixed), 1928-08


@pytest.fixture(scope="module")
def snapshots() -> list[Snapshot]:
    scenario = thermidor.load_scenario("soviet-1917-1928", ["meta.members=500"])
    return run_with_snapshots(scenario, 1, STEPS)[1]


def _views(snapshots: list[Snapshot], step: int | None = None, **kwargs: int):  # type: ignore[no-untyped-def]
    return agent_views(snapshots, step, start="1917-11", time_step="month", **kwargs)


def test_every_rule_has_a_colour_of_its_own() -> None:
    assert set(figures.RULE_COLORS) == set(RULES) == set(figures.RULE_WORDS)
    assert len(set(figures.RULE_COLORS.values())) == len(RULES)


@pytest.mark.parametrize("index", range(len(STEPS)))
def test_the_tree_s_colours_count_the_rules_of_the_snapshot(snapshots, index) -> None:
    snap = snapshots[index]
    fig = figures.office_tree(snap)
    codes = snap.offices["rule"]
    assert figures.rule_counts(fig) == {
        rule: int((codes == k).sum()) for k, rule in enumerate(RULES)
    }
    assert f"at {snap.date}" in fig.layout.title.text
    # the legend under the tree says the same counts
    key = fig.layout.annotations[0].text
    for k, rule in enumerate(RULES):
        assert f"{figures.RULE_WORDS[rule]} {int((codes == k).sum())}" in key


def test_some_snapshot_mixes_elected_and_nominated_offices(snapshots) -> None:
    """Else the colour test above could pass with one colour."""
    mixed = [len(set(s.offices["rule"].tolist())) > 1 for s in snapshots]
    assert any(mixed)


def test_the_tree_nests_and_colours_privilege_on_its_second_trace(snapshots) -> None:
    snap = snapshots[1]
    fig = figures.office_tree(snap)
    rule, privilege = fig.data
    assert rule.visible is not False
    assert privilege.visible is False
    ids, parents, values = list(rule.ids), list(rule.parents), list(rule.values)
    value = dict(zip(ids, values, strict=True))
    children: dict[str, int] = {}
    for parent, v in zip(parents, values, strict=True):
        if parent:
            children[parent] = children.get(parent, 0) + v
    assert all(children[p] == value[p] for p in children)  # "total": children fill the parent
    assert value["all"] == (snap.offices["tier"] == BOTTOM).sum()  # every bottom office once
    held = snap.offices["holder"] >= 0
    drawn = np.asarray(privilege.marker.colors[1:], dtype=float)
    assert np.allclose(drawn[held], snap.offices["privilege"][held])
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.args[0]["visible"] for b in buttons] == [[True, False], [False, True]]


def test_the_network_draws_the_sample_and_its_ties(snapshots) -> None:
    snap = snapshots[0]
    fig = figures.network_figure(snap)
    ties, by_activity, *by_opposition = fig.data
    sampled = snap.members["sampled"]
    assert len(by_activity.x) == sampled.sum()
    assert len(ties.x) == 3 * snap.ties["source"].size
    assert sum(len(t.x) for t in by_opposition) == sampled.sum()
    opposed = snap.members["opposition"][sampled] & snap.members["present"][sampled]
    assert len(by_opposition[0].x) == opposed.sum()
    activity = np.asarray(by_activity.marker.color, dtype=float)
    present = snap.members["present"][sampled]
    assert np.allclose(activity[present], snap.members["activity"][sampled][present])
    assert f"at {snap.date}" in fig.layout.title.text


def test_the_layout_is_its_own_and_always_the_same() -> None:
    src, dst = np.array([0, 1, 2, 3]), np.array([1, 2, 3, 0])
    first, second = spring_layout(5, src, dst), spring_layout(5, src, dst)
    assert np.array_equal(first, second)
    assert np.abs(first).max() == pytest.approx(1.0)
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (the global generator is left alone)
    spring_layout(5, src, dst)
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_histograms_overlay_two_snapshots_of_members_present(snapshots) -> None:
    fig = figures.histograms([snapshots[0], snapshots[2]])
    assert len(fig.data) == 2 * len(figures.STATE)
    for trace, (snap, name) in zip(
        fig.data, [(s, n) for s in (snapshots[0], snapshots[2]) for n in figures.STATE], strict=True
    ):
        present = snap.members["present"]
        assert np.array_equal(np.asarray(trace.x), snap.members[name][present])
    assert fig.layout.title.text == f"Members' state at {snapshots[0].date} and {snapshots[2].date}"


def test_the_histories_have_a_row_per_snapshot(snapshots) -> None:
    views = _views(snapshots, 97, member=3, office=0)
    _, header, rows = views.member
    assert [r[0] for r in rows] == [s.date for s in snapshots]
    i = header.index("activity")
    assert [float(r[i]) for r in rows] == pytest.approx(
        [float(s.members["activity"][3]) for s in snapshots], abs=5e-4
    )
    _, header, rows = views.office
    assert [r[header.index("holder")] for r in rows] == [
        f"member {h}" if h >= 0 else "vacant" for h in (s.offices["holder"][0] for s in snapshots)
    ]
    # the series run on a date axis, at the snapshots' first days
    assert list(views.member_series.data[0].x) == ["1921-03-01", "1925-12-01", "1928-08-01"]


def test_a_recruit_is_not_yet_there_in_earlier_snapshots(snapshots) -> None:
    recruit = snapshots[0].members["member"].size  # the first to arrive after 1921-03
    _, _, rows = figures.member_history(snapshots, recruit)
    assert rows[0][2] == "not yet arrived"
    assert rows[-1][2] in ("yes", "no")


def test_the_default_is_the_last_snapshot_and_its_top_office(snapshots) -> None:
    views = _views(snapshots)
    assert views.date == snapshots[-1].date
    assert views.office[0].startswith("Office #0 (party, top tier)")
    assert "at 1921-03 and 1928-08" in views.histograms.layout.title.text


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"step": 41}, "no snapshot at step 41"),
        ({"office": 10_000}, "office 10000"),
        ({"member": 10**6}, "member 1000000"),
    ],
)
def test_a_view_of_nothing_is_a_one_line_error(snapshots, kwargs, needle) -> None:
    step = kwargs.pop("step", None)
    with pytest.raises(ValueError, match=needle):
        _views(snapshots, step, **kwargs)


def test_figures_take_their_container_s_width(snapshots) -> None:
    views = _views(snapshots)
    for fig in (views.tree, views.network, views.histograms, views.member_series,
                views.office_series):  # fmt: skip
        assert fig.layout.width is None
        assert fig.layout.autosize is True
    page = agents_page(views, "agents")
    assert '"responsive":true' in page
    assert "<script src=" not in page  # self-contained
