"""``thermidor ui``: serve the Solara dashboard (bound to 127.0.0.1 unless told otherwise).

The command becomes the server (``os.execv`` of ``python -m thermidor.dashboard.server``):
one process, so a SIGTERM, SIGINT or SIGHUP sent to ``thermidor ui`` reaches the server and
frees the port, where a child server would outlive its killed parent and keep the port.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from thermidor.cli._common import fail

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def ui(
    *,
    host: Annotated[
        str, typer.Option(help="Address to listen on; other machines reach it only if changed.")
    ] = DEFAULT_HOST,
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="The TCP port to listen on.")
    ] = DEFAULT_PORT,
    allow_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-origin",
            metavar="ORIGIN",
            envvar="THERMIDOR_UI_ALLOW_ORIGIN",
            help="Also serve pages of this origin, e.g. https://dash.example.org for a reverse "
            "proxy (repeatable). Requests from other sites are refused (403).",
        ),
    ] = None,
) -> None:
    """A dashboard in the browser: edit a scenario, run it, watch the plots, compare, download."""
    from thermidor.dashboard import guard, server  # noqa: PLC0415

    try:
        origins = [guard.parse_origin(origin) for origin in allow_origin or []]
    except ValueError as exc:
        fail(str(exc))
    shown = guard.url_host(host)
    typer.echo(f"thermidor dashboard on http://{shown}:{port} (Ctrl-C stops it)", err=True)
    if not guard.is_loopback(host):
        typer.echo(
            f"warning: --host {host}: the dashboard is reachable from the network and has no "
            "authentication: anyone who reaches it can start runs; use it on a trusted network "
            "only",
            err=True,
        )
    command = server.command(host, port, origins)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)  # a fixed argv, no shell; returns only if patched (tests)
