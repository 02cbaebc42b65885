"""The ``thermidor`` command line (``thermidor = "thermidor.cli:app"``).

Layers, each importing only the ones below it:

- ``main``: assembles :data:`app` from the command modules (the only module importing them);
- command modules, one per group, defining plain functions and importing only ``_common``:
  ``info`` (scenarios, plan, metrics), ``run`` (run, show), ``report`` (report, plot),
  ``ui``, ``classic``, ``experiment`` (run, summary, list), ``optimize``, ``sensitivity``;
- ``_common``: the one-line usage error, the output format, the progress bar, the experiment
  options.

``app`` is loaded on first access, so that importing a command module does not build the
whole command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from thermidor.cli.main import app

__all__ = ["app"]


def __getattr__(name: str) -> Any:
    if name == "app":
        from thermidor.cli.main import app  # noqa: PLC0415

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
