"""Old import path, kept only for ``tests/experiments/test_sensitivity.py``; delete once it
imports ``_print_indices`` from ``thermidor.cli.sensitivity``."""

from thermidor.cli.sensitivity import _print_indices

__all__ = ["_print_indices"]
