"""Serve the model's full description, ``docs/model.md``, at ``/docs/model.md``.

The dashboard's "About this model" panel links to it. The file is in the source tree (the
README links to it there), not in the installed package: from a source checkout the server
sends it as plain text; elsewhere the route is not there and the panel names the file.
One fixed file, read when asked: no path comes from the request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROUTE = "/docs/model.md"
MODEL_DOC = Path(__file__).resolve().parents[3] / "docs" / "model.md"


def available() -> bool:
    """Whether this installation has the file to serve (a source checkout)."""
    return MODEL_DOC.is_file()


class ModelDoc:
    """An ASGI app answering ``GET /docs/model.md`` and passing everything else to ``app``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == ROUTE and available():
            body = MODEL_DOC.read_bytes()
            headers = [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
