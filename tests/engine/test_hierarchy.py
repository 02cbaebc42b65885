"""Office hierarchies: identical trees per branch, stored level by level, top first."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thermidor.engine.hierarchy import BOTTOM, MIDDLE, TOP, Hierarchy, build_hierarchy

shapes = st.tuples(st.integers(1, 300), st.integers(2, 12), st.integers(1, 3))


def widths(n_cells: int, fanout: int) -> list[int]:
    out = [n_cells]
    while out[-1] > 1:
        out.append(math.ceil(out[-1] / fanout))
    return out[::-1]


def test_a_small_tree_by_hand():
    tree = build_hierarchy(5, 2, 1)  # widths 1, 2, 3, 5
    assert tree.depth == 4
    assert tree.size == 11
    np.testing.assert_array_equal(tree.level, [0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3])
    np.testing.assert_array_equal(tree.parent, [-1, 0, 0, 1, 1, 2, 3, 3, 4, 4, 5])
    np.testing.assert_array_equal(tree.cells_served, [5, 4, 1, 2, 2, 1, 1, 1, 1, 1, 1])
    np.testing.assert_array_equal(tree.cell, [-1] * 6 + [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(tree.tier, [TOP] + [MIDDLE] * 5 + [BOTTOM] * 5)
    np.testing.assert_array_equal(tree.bottom_of, [[6, 7, 8, 9, 10]])


def test_branches_are_identical_copies():
    one = build_hierarchy(50, 8, 1)
    three = build_hierarchy(50, 8, 3)
    assert three.size == 3 * one.size
    per = one.size
    for b in range(3):
        part = slice(b * per, (b + 1) * per)
        assert (three.branch[part] == b).all()
        np.testing.assert_array_equal(three.level[part], one.level)
        np.testing.assert_array_equal(three.cells_served[part], one.cells_served)
        np.testing.assert_array_equal(three.cell[part], one.cell)
        shifted = np.where(one.parent >= 0, one.parent + b * per, -1)
        np.testing.assert_array_equal(three.parent[part], shifted)
        np.testing.assert_array_equal(three.bottom_of[b], one.bottom_of[0] + b * per)


@settings(max_examples=60)
@given(shape=shapes)
def test_tree_shape(shape):
    n_cells, fanout, n_branches = shape
    tree = build_hierarchy(n_cells, fanout, n_branches)
    w = widths(n_cells, fanout)
    assert isinstance(tree, Hierarchy)
    assert tree.depth == len(w)
    assert tree.size == n_branches * sum(w)
    for array in (tree.branch, tree.level, tree.tier, tree.parent, tree.cell, tree.cells_served):
        assert array.shape == (tree.size,)
    assert tree.bottom_of.shape == (n_branches, n_cells)
    for b in range(n_branches):
        mine = tree.branch == b
        counts = np.bincount(tree.level[mine], minlength=tree.depth)
        np.testing.assert_array_equal(counts, w)
    assert (np.diff(tree.level[tree.branch == 0]) >= 0).all()  # stored top first


@settings(max_examples=60)
@given(shape=shapes)
def test_parents(shape):
    n_cells, fanout, n_branches = shape
    tree = build_hierarchy(n_cells, fanout, n_branches)
    root = tree.parent < 0
    assert root.sum() == n_branches
    assert (tree.level[root] == 0).all()
    child = np.flatnonzero(~root)
    parent = tree.parent[child]
    np.testing.assert_array_equal(tree.level[parent], tree.level[child] - 1)
    np.testing.assert_array_equal(tree.branch[parent], tree.branch[child])
    assert np.bincount(parent, minlength=tree.size).max(initial=0) <= fanout
    upper = tree.level < tree.depth - 1
    assert (np.bincount(parent, minlength=tree.size)[upper] >= 1).all()  # no empty office above


@settings(max_examples=60)
@given(shape=shapes)
def test_cells_served_sum_to_the_cells(shape):
    n_cells, fanout, n_branches = shape
    tree = build_hierarchy(n_cells, fanout, n_branches)
    assert (tree.cells_served[tree.parent < 0] == n_cells).all()
    for b in range(n_branches):
        for d in range(tree.depth):
            level = (tree.branch == b) & (tree.level == d)
            assert tree.cells_served[level].sum() == n_cells
    child = np.flatnonzero(tree.parent >= 0)
    sums = np.bincount(tree.parent[child], weights=tree.cells_served[child], minlength=tree.size)
    upper = tree.level < tree.depth - 1
    np.testing.assert_array_equal(sums[upper], tree.cells_served[upper])


@settings(max_examples=60)
@given(shape=shapes)
def test_bottom_of_maps_each_branch_and_cell_to_its_office(shape):
    n_cells, fanout, n_branches = shape
    tree = build_hierarchy(n_cells, fanout, n_branches)
    for b in range(n_branches):
        ids = tree.bottom_of[b]
        np.testing.assert_array_equal(tree.cell[ids], np.arange(n_cells))
        assert (tree.branch[ids] == b).all()
        assert (tree.tier[ids] == BOTTOM).all()
        assert (tree.level[ids] == tree.depth - 1).all()
        assert (tree.cells_served[ids] == 1).all()
    assert (tree.cell[tree.level < tree.depth - 1] == -1).all()
    assert np.unique(tree.bottom_of).size == n_branches * n_cells


@settings(max_examples=40)
@given(shape=shapes)
def test_tiers(shape):
    n_cells, fanout, n_branches = shape
    tree = build_hierarchy(n_cells, fanout, n_branches)
    bottom = tree.level == tree.depth - 1
    assert (tree.tier[bottom] == BOTTOM).all()
    top = (tree.level == 0) & ~bottom
    assert (tree.tier[top] == TOP).all()
    assert (tree.tier[~top & ~bottom] == MIDDLE).all()


def test_a_single_cell_branch_is_one_bottom_office():
    tree = build_hierarchy(1, 8, 3)
    assert tree.depth == 1
    assert tree.size == 3
    assert (tree.parent == -1).all()
    assert (tree.tier == BOTTOM).all()  # top and bottom at once: bottom wins
    np.testing.assert_array_equal(tree.bottom_of, [[0], [1], [2]])


@settings(max_examples=40)
@given(shape=shapes)
def test_levels_bottom_up(shape):
    tree = build_hierarchy(*shape)
    levels = tree.levels_bottom_up()
    assert len(levels) == tree.depth
    for k, ids in enumerate(levels):
        assert (tree.level[ids] == tree.depth - 1 - k).all()
    np.testing.assert_array_equal(np.sort(np.concatenate(levels)), np.arange(tree.size))


@pytest.mark.parametrize(("n_cells", "fanout", "n_branches"), [(0, 8, 3), (10, 1, 3), (10, 8, 0)])
def test_invalid_arguments(n_cells, fanout, n_branches):
    with pytest.raises(ValueError, match="need n_cells>=1"):
        build_hierarchy(n_cells, fanout, n_branches)
