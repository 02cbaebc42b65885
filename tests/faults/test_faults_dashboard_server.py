"""``thermidor ui``: a stop signal frees the port; pages of other sites are refused; a bind
beyond loopback is warned about.

Each server is what ``thermidor ui`` runs, started as a user does (``python -m thermidor ui``)
in its own session, so that the cleanup can reach whatever it left. The waits poll for an
event (the port answering, the process ending); their deadline only stops a hung test.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from dashboard_server import (
    DEADLINE,
    environment,
    invoke_ui,
    port_is_free,
    serve,
    stop,
    thermidor_ui,
    ui_command,
)
from ports import on_free_port
from thermidor.dashboard import guard

WAIT = 60  # seconds: a failure limit for the server's exit, never a signal


def _kill_left(processes: list[psutil.Process]) -> None:
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_stop_signal_ends_every_process_and_frees_the_port(
    stop_signal: signal.Signals, tmp_path: Path
) -> None:
    errors = tmp_path / "stderr"
    with errors.open("wb") as stderr:
        port, proc = on_free_port(
            lambda port: serve(thermidor_ui("--port", str(port)), port, environment(), stderr)
        )
    tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    try:
        os.kill(proc.pid, stop_signal)  # to the one process the user started, not its group
        proc.wait(timeout=WAIT)
        _, alive = psutil.wait_procs(tree, timeout=WAIT)
        assert alive == [], f"still running after {stop_signal.name}: {alive}"
        assert port_is_free(port), f"port {port} still taken after {stop_signal.name}"
        assert proc.returncode in {-stop_signal, 128 + stop_signal}, proc.returncode
        text = errors.read_text(errors="replace")
        assert "Traceback" not in text, text
    finally:
        _kill_left(tree)
        stop(proc)


@pytest.fixture(scope="module")
def server_port() -> Iterator[int]:
    port, proc = on_free_port(
        lambda port: serve(thermidor_ui("--port", str(port)), port, environment())
    )
    try:
        yield port
    finally:
        stop(proc)


def _status(port: int, headers: dict[str, str], method: str = "GET", path: str = "/") -> int:
    """The status of a request with exactly these Host and Origin headers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
    try:
        connection.request(method, path, headers=headers)  # a Host given here is sent as is
        return connection.getresponse().status
    finally:
        connection.close()


def _handshake(port: int, headers: dict[str, str]) -> str:
    """The status line the server answers a websocket handshake to Solara's kernel with."""
    request = "\r\n".join(
        [
            "GET /jupyter/api/kernels/k-test/channels?session_id=s-test HTTP/1.1",
            *(f"{name}: {value}" for name, value in headers.items()),
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13",
            "",
            "",
        ]
    )
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as sock:
        sock.sendall(request.encode())
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode()


def _own(port: int) -> list[dict[str, str]]:
    """Requests of this server's own pages, as a browser on this machine sends them."""
    return [
        {"Host": f"127.0.0.1:{port}"},
        {"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"},
        {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}"},
        {"Host": f"[::1]:{port}", "Origin": f"http://[::1]:{port}"},
    ]


def _foreign(port: int) -> list[dict[str, str]]:
    """Requests another site makes a browser send: a rebound name, a cross-site page."""
    return [
        {"Host": f"rebound.example:{port}", "Origin": f"http://rebound.example:{port}"},
        {"Host": f"rebound.example:{port}"},
        {"Host": f"127.0.0.1:{port}", "Origin": "http://evil.example"},
        {"Host": f"localhost:{port}", "Origin": "null"},
        {"Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port + 1}"},
    ]


def test_own_pages_are_served(server_port: int) -> None:
    for headers in _own(server_port):
        assert _status(server_port, headers) == 200, headers
        assert _handshake(server_port, headers).startswith("HTTP/1.1 101"), headers


def test_requests_of_other_sites_are_refused(server_port: int) -> None:
    for headers in _foreign(server_port):
        assert _status(server_port, headers) == 403, headers
        close = "/_solara/api/close/k-test"
        assert _status(server_port, headers, "POST", close) == 403, headers
        assert _handshake(server_port, headers).startswith("HTTP/1.1 403"), headers


def test_a_bind_beyond_loopback_is_warned_about() -> None:
    for host in ("0.0.0.0", "192.0.2.7", "::", "dashboard.example"):
        result, [command] = invoke_ui("--host", host)
        assert result.exit_code == 0, result.output
        warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1, result.stderr
        assert "reachable from the network" in warnings[0]
        assert "no authentication" in warnings[0]
        assert command[command.index("--host") + 1] == host
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        result, _ = invoke_ui("--host", host)
        assert result.exit_code == 0, result.output
        assert "warning:" not in result.stderr, result.stderr


def test_allowed_origins_reach_the_server_and_bad_ones_are_usage_errors() -> None:
    command = ui_command("--allow-origin", "HTTPS://Dash.Example.org:8443")
    assert command[command.index("--allow-origin") + 1] == "https://dash.example.org:8443"
    for bad in ("dash.example.org", "ftp://x.example", "http://x.example/path", "http://"):
        result, caught = invoke_ui("--allow-origin", bad)
        assert result.exit_code == 2, result.output
        assert caught == []
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: --allow-origin"), lines
        assert bad in lines[0]


def test_the_policy_of_a_bind_beyond_loopback() -> None:
    rules = guard.policy("0.0.0.0", 8765, [guard.parse_origin("https://dash.example.org")])
    for host in ("192.0.2.7:8765", "[2001:db8::1]:8765", "localhost:8765", "dash.example.org"):
        assert rules.host_allowed(host), host
    for host in ("rebound.example:8765", "192.0.2.7:9999", "2001:db8::1:8765", None, ""):
        assert not rules.host_allowed(host), host
    assert rules.origin_allowed("https://dash.example.org", "127.0.0.1:8765")
    assert rules.origin_allowed("http://192.0.2.7:8765", "192.0.2.7:8765")
    assert not rules.origin_allowed("http://evil.example", "192.0.2.7:8765")
    loopback = guard.policy("127.0.0.1", 8765)
    assert not loopback.host_allowed("192.0.2.7:8765")
    assert loopback.host_allowed("LOCALHOST:8765")


CHROMIUM = Path("/usr/bin/chromium")
GATED = Path(__file__).resolve().parents[1] / "dashboard"  # gated_app: runs held until a gate


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium")
def test_sigterm_with_a_page_open_and_a_run_going_on_frees_the_port(tmp_path: Path) -> None:
    """The hard case: a websocket open and a run held in its (non-daemon) thread."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    env = dict(environment(GATED), THERMIDOR_TEST_GATE=str(tmp_path / "never-opened"))

    def start(port: int) -> subprocess.Popen[bytes]:
        command = ui_command("--port", str(port))
        gated = ["gated_app" if a == "thermidor.dashboard.app" else a for a in command]
        return serve(gated, port, env)

    port, proc = on_free_port(start)
    tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM))
            page = browser.new_page()
            page.set_default_timeout(DEADLINE * 1000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator(".run-button").click()
            page.wait_for_selector(".run-progress.running")  # held: the run goes on
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=WAIT)
            _, alive = psutil.wait_procs(tree, timeout=WAIT)
            browser.close()
        assert alive == []
        assert port_is_free(port)
        assert proc.returncode in {-signal.SIGTERM, 128 + signal.SIGTERM}, proc.returncode
    finally:
        _kill_left(tree)
        stop(proc)
