"""The dashboard server sends nothing anywhere unasked: Solara's telemetry (a report to
Mixpanel at each start and page) is off unless the user's environment turns it on."""

from __future__ import annotations

import subprocess
import sys

from dashboard_server import environment

PROBE = """
from unittest import mock
import uvicorn
with mock.patch.object(uvicorn.Server, "run"):  # everything but the serving itself
    from thermidor.dashboard import server
    server.main(["--host", "127.0.0.1", "--port", "8799", "thermidor.dashboard.app"])
import solara.server.settings as settings
print(settings.telemetry.mixpanel_enable)
"""


def _telemetry(**env: str) -> str:
    base = {k: v for k, v in environment().items() if not k.startswith("SOLARA_TELEMETRY")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env={**base, **env}, capture_output=True, check=True
    )
    return done.stdout.decode().strip().splitlines()[-1]


def test_solara_telemetry_is_off_by_default_and_the_user_may_turn_it_on() -> None:
    assert _telemetry() == "False"
    assert _telemetry(SOLARA_TELEMETRY_MIXPANEL_ENABLE="true") == "True"
