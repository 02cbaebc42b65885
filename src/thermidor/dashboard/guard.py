"""Refuse requests that another web site made the user's browser send (403).

The dashboard has no accounts: whoever can talk to it can start runs. A page on any site
the user visits can try to, in two ways. It opens a websocket to ``127.0.0.1:8765``
(browsers do not stop cross-site websockets; they only say which page asked, in the
``Origin`` header), or it points a name of its own at ``127.0.0.1`` (DNS rebinding), after
which the browser treats the dashboard as that site's and sends ``Host: evil.example``.
So every HTTP request and websocket handshake must name this server in ``Host``, and a
request that carries an ``Origin`` must come from a page of this server (or from an origin
allowed with ``thermidor ui --allow-origin``, e.g. a reverse proxy's).

Which ``Host`` names this server: on a loopback bind, ``localhost``, ``127.0.0.1``,
``[::1]`` and the bound address, on the bound port; on any other bind, also any IP
address (a name is needed to rebind, an address is not one) and the machine's host name.
Requests without ``Origin`` (a program, a top-level navigation) are checked on ``Host``
alone.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address ``name`` spells (``[::1]`` as well as ``::1``), or None for a name."""
    try:
        return ipaddress.ip_address(name.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """Whether a server bound to ``host`` is reachable only from this machine."""
    address = _address(host)
    return host.lower() == "localhost" or (address is not None and address.is_loopback)


def url_host(host: str) -> str:
    """``host`` as it appears in a URL or a ``Host`` header (IPv6 in brackets), lower case."""
    address = _address(host)
    if address is not None and address.version == 6:
        return f"[{address.compressed}]"
    return host.lower()


def parse_origin(text: str) -> str:
    """``scheme://host[:port]`` of ``text``, lower case; ValueError with a message if it is
    not an http or https origin (no path, query, user or password)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port  # ValueError if not a number in 0..65535
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or parts.scheme.lower() not in {"http", "https"}
        or not parts.hostname
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        msg = f"--allow-origin {text!r}: expected http://HOST[:PORT] or https://HOST[:PORT]"
        raise ValueError(msg)
    netloc = url_host(parts.hostname) + (f":{port}" if port is not None else "")
    return f"{parts.scheme.lower()}://{netloc}"


@dataclass(frozen=True)
class Policy:
    """The ``Host`` and ``Origin`` values a dashboard server answers."""

    port: int
    hosts: frozenset[str]  # Host header values, lower case, e.g. "localhost:8765"
    origins: frozenset[str]  # origins allowed besides the server's own pages
    any_address: bool  # also any IP address on ``port`` (a bind beyond loopback)

    def host_allowed(self, host: str | None) -> bool:
        """Whether a request with this ``Host`` header is meant for this server."""
        if not host:
            return False
        host = host.lower()
        if host in self.hosts:
            return True
        name, colon, port = host.rpartition(":")
        return (
            self.any_address
            and colon == ":"
            and port == str(self.port)
            and _address(name) is not None
            and (name.startswith("[") or ":" not in name)  # an IPv6 address in brackets
        )

    def origin_allowed(self, origin: str | None, host: str) -> bool:
        """Whether a request from a page of ``origin`` (None: no Origin header) may be
        served, ``host`` being its (allowed) ``Host`` header."""
        if origin is None:
            return True
        origin = origin.lower()
        return origin in self.origins or origin == f"http://{host.lower()}"

    def refusal(self, headers: dict[str, str]) -> str | None:
        """Why a request with these headers (lower-case names) is refused, or None."""
        host = headers.get("host")
        if not self.host_allowed(host):
            return f"Host {host!r} is not this dashboard's"
        assert host is not None
        origin = headers.get("origin")
        if not self.origin_allowed(origin, host):
            return f"Origin {origin!r} is not this dashboard's (thermidor ui --allow-origin)"
        return None


def policy(bind: str, port: int, allow_origins: Iterable[str] = ()) -> Policy:
    """What a server bound to ``bind``:``port`` answers, with the origins of
    ``--allow-origin`` (already through :func:`parse_origin`) and their hosts."""
    names = {*LOOPBACK_NAMES, url_host(bind)} - {""}
    loopback = is_loopback(bind)
    if not loopback:
        names.add(socket.gethostname().lower())
    hosts = {f"{name}:{port}" for name in names}
    if port == 80:  # a browser leaves the default port out
        hosts |= names
    origins = frozenset(allow_origins)
    hosts |= {urlsplit(origin).netloc for origin in origins}
    return Policy(port, frozenset(hosts), origins, any_address=not loopback)


class OriginGuard:
    """ASGI middleware: 403 for an HTTP request, and a refused handshake (403) for a
    websocket, whose ``Host`` or ``Origin`` the policy refuses."""

    def __init__(self, app: ASGIApp, rules: Policy) -> None:
        self.app = app
        self.rules = rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in {"http", "websocket"}:
            headers: dict[str, str] = {}
            for name, value in scope.get("headers", []):
                headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
            why = self.rules.refusal(headers)
            if why is not None:
                await _refuse(scope, send, why)
                return
        await self.app(scope, receive, send)


async def _refuse(scope: Scope, send: Send, why: str) -> None:
    if scope["type"] == "websocket":  # closed before accept: the server answers 403
        await send({"type": "websocket.close", "code": 1008, "reason": why[:120]})
        return
    body = f"403 Forbidden: {why}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
