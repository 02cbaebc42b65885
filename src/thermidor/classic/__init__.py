"""Classic models of power from the literature, each reproducing its paper.

They share the engine's conventions (a seed, validated parameters, per-step
series) and run from the command line like scenarios: ``thermidor run NAME``.
"""

from __future__ import annotations

from importlib import import_module

from thermidor.classic.base import ClassicModel, ClassicParams

__all__ = ["ClassicModel", "ClassicParams", "get_model", "model_names"]

_MODULES = {
    "granovetter": "thermidor.classic.granovetter",
    "epstein": "thermidor.classic.epstein",
    "peter": "thermidor.classic.peter",
    "parliament": "thermidor.classic.parliament",
}


def model_names() -> list[str]:
    """The names of the classic models thermidor ships (without importing them)."""
    return list(_MODULES)


def get_model(name: str) -> ClassicModel:
    """The classic model called ``name``; KeyError if there is none."""
    if name not in _MODULES:
        raise KeyError(name)
    return import_module(_MODULES[name]).MODEL
