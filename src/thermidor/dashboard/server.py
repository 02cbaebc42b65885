"""The dashboard's web server: Solara's page behind the Host/Origin guard, in one process.

``thermidor ui`` replaces itself (exec) with ``python -m thermidor.dashboard.server``, so the
server is the very process the user started, with no child left behind: SIGTERM, SIGINT
and SIGHUP stop it and free the port. Uvicorn closes the listening socket first, gives the
open pages ``GRACE`` seconds, then the process ends by the signal it got (a run still going
on in its thread is dropped: nothing of a run is kept on disk). Should anything hang on the
way out, the process exits ``WATCHDOG`` seconds after the signal regardless.

``solara run`` is not used because it serves Solara's ASGI app as it is: the guard
(:mod:`thermidor.dashboard.guard`) wraps it here, and the server runs the app in production
mode with Solara's quiet logging, as ``solara run --production`` did.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import threading
import warnings
from types import FrameType
from typing import Any

from thermidor.dashboard import docs_route, guard

GRACE = 3  # seconds the open pages get to close after a stop signal
WATCHDOG = 15.0  # seconds after a stop signal when the process exits whatever still runs
APP = "thermidor.dashboard.app"
READY = "thermidor dashboard at"  # the line printed on stdout once the server listens

# Solara's own server logging (``solara run``): errors only, on stderr, no access log
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "default": {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(levelprefix)s %(message)s"}
    },
    "handlers": {
        "default": {
            "formatter": "default",
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        name: {"handlers": ["default"], "level": "ERROR", "propagate": False}
        for name in ("solara", "reacton", "uvicorn", "uvicorn.error", "uvicorn.access")
    },
}


def command(host: str, port: int, allow_origins: list[str], app: str = APP) -> list[str]:
    """The command line of this server, with this interpreter (a fixed argv, no shell)."""
    origins = [arg for origin in allow_origins for arg in ("--allow-origin", origin)]
    return [
        sys.executable,
        "-m",
        "thermidor.dashboard.server",
        "--host",
        host,
        "--port",
        str(port),
        *origins,
        app,
    ]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m thermidor.dashboard.server")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--allow-origin", action="append", default=[], type=guard.parse_origin)
    parser.add_argument("app", help="the module whose Page Solara serves")
    return parser.parse_args(argv)


_received: list[int] = []  # the stop signals received, in order


def _stopping(sig: int) -> None:
    """Note ``sig``; on the first, arrange to exit ``WATCHDOG`` seconds from now, as a
    process killed by ``sig`` reports it."""
    if not _received:
        timer = threading.Timer(WATCHDOG, os._exit, args=(128 + sig,))
        timer.daemon = True
        timer.start()
    _received.append(sig)


def main(argv: list[str] | None = None) -> None:
    """Serve ``app`` on ``--host``:``--port`` until a stop signal, then end by that signal."""
    # uvicorn puts back these dispositions after its graceful stop and raises the signal
    # again: with the default action the process then ends, without waiting for run threads
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = _arguments(argv)
    os.environ["SOLARA_APP"] = args.app  # read when Solara's server module is imported
    os.environ["SOLARA_MODE"] = "production"
    # Solara reports each server start and page to Mixpanel unless told not to: a research
    # tool sends nothing anywhere unasked (and offline, as in CI, the reports only fail)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    # said on every page load over plain http, about iframes, which the dashboard is not in
    warnings.filterwarnings("ignore", "Cookies with samesite=none require https")
    import solara.server.starlette  # noqa: PLC0415 (after SOLARA_APP)
    import uvicorn  # noqa: PLC0415

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            _stopping(sig)
            super().handle_exit(sig, frame)

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            """Say where the dashboard is once it listens: the user's link, and the event a
            script (the tests) waits for instead of polling the port."""
            await super().startup(sockets=sockets)
            if self.started:
                port = self.servers[0].sockets[0].getsockname()[1]
                print(f"{READY} http://{args.host}:{port}/ (Ctrl+C stops it)", flush=True)

    rules = guard.policy(args.host, args.port, args.allow_origin)
    config = uvicorn.Config(
        guard.OriginGuard(docs_route.ModelDoc(solara.server.starlette.app), rules),
        host=args.host,
        port=args.port,
        log_config=LOGGING,
        access_log=False,
        loop="asyncio",  # Solara runs its pages in threads, which uvloop does not allow
        timeout_graceful_shutdown=GRACE,
    )
    server = Server(config)
    signal.signal(signal.SIGHUP, server.handle_exit)  # uvicorn handles SIGINT and SIGTERM
    server.run()  # after SIGINT or SIGTERM uvicorn raises it again: the process ends there
    if signal.SIGHUP in _received:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        signal.raise_signal(signal.SIGHUP)


if __name__ == "__main__":
    main()
