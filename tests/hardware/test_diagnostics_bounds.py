"""The gateway's diagnostics app takes no input but its paths: nothing to parse, and a
method it does not serve is refused, with ``Allow``, before any body is read."""

from __future__ import annotations

from typing import Any, cast

import pytest

from hardware.diagnostics import create_app
from hardware.gateway import Gateway

pytestmark = pytest.mark.anyio


async def test_a_body_sent_to_it_is_never_read() -> None:
    app = create_app(cast(Gateway, object()))  # no handler runs for these requests
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    for path in ("/healthz", "/metrics", "/api/receivers"):
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"gw"), (b"content-length", str(50 * 1024 * 1024).encode())],
            "server": ("gw", 80),
            "client": ("gw", 1),
        }
        sent.clear()
        await app(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        assert start["status"] == 405
        assert (b"allow", b"GET") in start["headers"]
