"""Row blocks: how an element-wise member update gets SIMD instructions.

LLVM vectorises a loop only when its body has no branch it cannot turn into a
select and no indirect read (``values[cell[i]]``): a member update written as
one loop over all rows with ``if not present[i]: continue`` and a per-cell
lookup runs one row at a time (measured about 3x slower at 10^6 members). So
an update is written twice: a plain loop over contiguous views that keeps or
replaces each row by a select (``*_rows``, vectorised), and a parallel driver
that cuts the rows into fixed blocks, reads each block's per-cell values into
a small buffer and calls the plain loop on the block's views. Each row's
arithmetic is the same as the scalar loop's (no reassociation), so results are
identical on any vector width and thread count.
"""

from __future__ import annotations

import numba
import numpy as np

BLOCK = 4096  # rows per block: a block's columns stay in L1/L2 while it is updated


@numba.njit(cache=True, nogil=True, inline="always")
def block_count(n: int) -> int:
    return (n + BLOCK - 1) // BLOCK


@numba.njit(cache=True, nogil=True, inline="always")
def block_rows(n: int, k: int) -> tuple[int, int]:
    """Rows ``[start, stop)`` of block ``k``."""
    start = k * BLOCK
    return start, min(start + BLOCK, n)


@numba.njit(cache=True, nogil=True, inline="always")
def per_row(values: np.ndarray, cell: np.ndarray, start: int, stop: int) -> np.ndarray:
    """``values[cell[start:stop]]``: a per-cell quantity spread over a block's rows."""
    out = np.empty(stop - start, dtype=values.dtype)
    for j in range(stop - start):
        out[j] = values[cell[start + j]]
    return out
