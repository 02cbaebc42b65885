"""``thermidor ui``: serve the Solara dashboard (bound to 127.0.0.1 unless told otherwise)."""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated

import typer

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def solara_command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line serving the dashboard, with this interpreter."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        "thermidor.dashboard.app",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
    ]


def ui(
    *,
    host: Annotated[
        str, typer.Option(help="Address to listen on; other machines reach it only if changed.")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = DEFAULT_PORT,
) -> None:
    """A dashboard in the browser: edit a scenario, run it, watch the plots, compare, download."""
    typer.echo(f"thermidor dashboard on http://{host}:{port} (Ctrl-C stops it)", err=True)
    try:
        status = subprocess.call(solara_command(host, port))  # a fixed argv, no shell
    except KeyboardInterrupt:
        status = 0
    raise typer.Exit(status)
