"""Regenerate the golden baseline (``tests/golden/baseline.npz``).

Run it only for a deliberate model change, and commit the new file on its own with a
message that says why the numbers moved::

    .venv/bin/python tests/golden/make_baseline.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from cases import BASELINE, compute

if __name__ == "__main__":
    arrays = compute()
    np.savez_compressed(BASELINE, **arrays)  # type: ignore[arg-type]
    print(f"wrote {len(arrays)} arrays to {BASELINE}")
