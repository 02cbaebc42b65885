"""Compiled loops for the few passes numpy cannot fuse: neighbour counts over CSR.

A masked neighbour count touches only the rows that need it (members with a
cause, cells with an open abuse), which a sparse mat-vec cannot do, and reads
one byte per neighbour instead of a float and an index. Integer counts, so the
result does not depend on summation order: runs stay bit-for-bit reproducible.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def count_flagged_neighbours(
    indptr: np.ndarray, indices: np.ndarray, flag: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """For each member in ``rows``: how many neighbours have ``flag`` set."""
    out = np.zeros(rows.size, dtype=np.float32)
    as_bytes = flag.view(np.uint8)
    for k in range(rows.size):
        i = rows[k]
        count = 0
        for e in range(indptr[i], indptr[i + 1]):
            count += as_bytes[indices[e]]
        out[k] = count
    return out


@numba.njit(cache=True, nogil=True)
def count_bit_neighbours_in_group(
    indptr: np.ndarray,
    indices: np.ndarray,
    bits: np.ndarray,
    n_bits: int,
    rows: np.ndarray,
    group: np.ndarray,
) -> np.ndarray:
    """For each member in ``rows`` and each bit: neighbours of the same group with that bit."""
    out = np.zeros((rows.size, n_bits), dtype=np.float32)
    for k in range(rows.size):
        i = rows[k]
        own = group[i]
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            value = bits[j]
            if value and group[j] == own:
                for b in range(n_bits):
                    if (value >> b) & 1:
                        out[k, b] += 1.0
    return out


@numba.njit(cache=True, nogil=True)
def cell_bit_counts(
    cell: np.ndarray, present: np.ndarray, bits: np.ndarray, n_bits: int, n_cells: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per cell: members present, and members present with each bit set."""
    members = np.zeros(n_cells, dtype=np.float64)
    counts = np.zeros((n_bits, n_cells), dtype=np.float64)
    for i in range(cell.size):
        if present[i]:
            c = cell[i]
            members[c] += 1.0
            value = bits[i]
            if value:
                for b in range(n_bits):
                    if (value >> b) & 1:
                        counts[b, c] += 1.0
    return members, counts
