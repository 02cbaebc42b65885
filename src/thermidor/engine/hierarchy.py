"""Office hierarchies as arrays: one tree per branch over the same workplace cells.

Bottom offices each serve one cell; each higher office serves up to ``fanout``
offices below it; one office tops each branch. Offices are stored level by
level (top first) so upward aggregation is a short loop over levels, never
over offices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOP, MIDDLE, BOTTOM = 0, 1, 2


@dataclass(frozen=True)
class Hierarchy:
    """Parallel arrays describing every office of every branch.

    Attributes:
        branch: branch index of each office.
        level: depth (0 = top of its branch).
        tier: TOP, MIDDLE or BOTTOM (a one-level branch is TOP and BOTTOM at once: BOTTOM wins).
        parent: office above, -1 at the top.
        cell: the cell a bottom office serves, -1 above the bottom.
        cells_served: number of cells in the office's subtree (its weight in power).
        bottom_of: (branches, cells) -> bottom office id.
        by_level: per branch, office ids of each level, top first.
    """

    branch: np.ndarray
    level: np.ndarray
    tier: np.ndarray
    parent: np.ndarray
    cell: np.ndarray
    cells_served: np.ndarray
    bottom_of: np.ndarray
    depth: int

    @property
    def size(self) -> int:
        return int(self.branch.size)

    def levels_bottom_up(self) -> list[np.ndarray]:
        """Office ids per depth across all branches, deepest first (for upward sums)."""
        return [np.flatnonzero(self.level == d) for d in range(self.depth - 1, -1, -1)]


def build_hierarchy(n_cells: int, fanout: int, n_branches: int) -> Hierarchy:
    """Build identical trees for ``n_branches`` branches over ``n_cells`` cells."""
    if n_cells < 1 or fanout < 2 or n_branches < 1:
        msg = f"need n_cells>=1, fanout>=2, n_branches>=1; got {n_cells}, {fanout}, {n_branches}"
        raise ValueError(msg)
    widths = [n_cells]
    while widths[-1] > 1:
        widths.append(-(-widths[-1] // fanout))
    widths.reverse()  # top first
    depth = len(widths)
    per_branch = sum(widths)
    offsets = np.cumsum([0, *widths])[:-1]

    level_one = np.concatenate([np.full(w, d, dtype=np.int8) for d, w in enumerate(widths)])
    parent_one = np.full(per_branch, -1, dtype=np.int64)
    served_one = np.zeros(per_branch, dtype=np.int64)
    for d in range(1, depth):
        children = np.arange(widths[d])
        parent_one[offsets[d] + children] = offsets[d - 1] + children // fanout
    served_one[offsets[-1] :] = 1
    for d in range(depth - 1, 0, -1):
        ids = offsets[d] + np.arange(widths[d])
        np.add.at(served_one, parent_one[ids], served_one[ids])
    cell_one = np.full(per_branch, -1, dtype=np.int64)
    cell_one[offsets[-1] :] = np.arange(n_cells)
    tier_one = np.full(per_branch, MIDDLE, dtype=np.int8)
    tier_one[level_one == 0] = TOP
    tier_one[level_one == depth - 1] = BOTTOM

    shift = np.arange(n_branches, dtype=np.int64)[:, None] * per_branch
    parent = np.where(parent_one[None, :] >= 0, parent_one[None, :] + shift, -1).ravel()
    bottom_of = (offsets[-1] + np.arange(n_cells))[None, :] + shift
    return Hierarchy(
        branch=np.repeat(np.arange(n_branches, dtype=np.int8), per_branch),
        level=np.tile(level_one, n_branches),
        tier=np.tile(tier_one, n_branches),
        parent=parent.astype(np.int32),
        cell=np.tile(cell_one, n_branches).astype(np.int32),
        cells_served=np.tile(served_one, n_branches).astype(np.int32),
        bottom_of=bottom_of.astype(np.int32),
        depth=depth,
    )
