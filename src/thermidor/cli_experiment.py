"""Old import path, kept only for ``tests/experiments/test_sensitivity.py``; delete once it
imports ``jsonable`` from ``thermidor.cli._common``."""

from thermidor.cli._common import jsonable as _jsonable

__all__ = ["_jsonable"]
