"""A spring layout of a small graph in numpy: the network view's positions.

Fruchterman and Reingold's force-directed placement (1991, "Graph drawing by force-directed
placement", Software: Practice and Experience 21(11)): ties pull their ends together,
every pair pushes apart, and a temperature that cools caps each move. For the few hundred
members of a network sample, the all-pairs forces are a (n, n) array, fast enough.

The start is drawn from a generator of its own with a fixed seed, never from a run's
streams: the same graph always gets the same picture, and drawing never changes a run.
(networkx has the same algorithm but is not a dependency of the package.)
"""

from __future__ import annotations

import numpy as np

LAYOUT_SEED = 20  # the layout's own seed: any fixed number gives a reproducible picture


GRAVITY = 1.0


def spring_layout(
    n: int, sources: np.ndarray, targets: np.ndarray, *, iterations: int = 120
) -> np.ndarray:
    """Positions (n, 2) in [-1, 1] of ``n`` nodes tied by ``sources[i] -- targets[i]``
    (node indices 0 .. n - 1)."""
    if n == 0:
        return np.zeros((0, 2))
    rng = np.random.default_rng(LAYOUT_SEED)
    pos = rng.uniform(-1.0, 1.0, size=(n, 2))
    if n == 1:
        return np.zeros((1, 2))
    k = np.sqrt(4.0 / n)  # the ideal distance: the area shared out among the nodes
    temperature = 0.2
    cooling = temperature / (iterations + 1)
    src, dst = np.asarray(sources, dtype=np.int64), np.asarray(targets, dtype=np.int64)
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        distance = np.maximum(np.linalg.norm(delta, axis=2), 1e-3)
        push = (k * k / distance**2)[:, :, None] * delta  # repulsion k^2 / d, along delta / d
        move = push.sum(axis=1)
        tie = pos[src] - pos[dst]
        length = np.maximum(np.linalg.norm(tie, axis=1), 1e-3)
        pull = (length / k)[:, None] * tie  # attraction d^2 / k, along tie / d
        np.add.at(move, src, -pull)
        np.add.at(move, dst, pull)
        # gravity toward the centre, as strong at the edge as the repulsion of all the
        # others: members with no tie in the sample stay near the rest instead of being
        # pushed to the corners, where they would shrink the drawn network to a dot
        move -= GRAVITY * n * k * k * pos
        size = np.maximum(np.linalg.norm(move, axis=1), 1e-9)
        pos += move / size[:, None] * np.minimum(size, temperature)[:, None]
        temperature -= cooling
    pos -= pos.mean(axis=0)
    scale = np.abs(pos).max()
    return pos / scale if scale > 0 else pos
