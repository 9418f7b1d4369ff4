"""The gateway's diagnostics app takes no input but its paths: nothing to parse, and a
method it does not serve is refused, with ``Allow``, before any body is read."""

from __future__ import annotations

from typing import Any, cast

import pytest

from hardware.diagnostics import create_app
from hardware.gateway import Gateway
from tests.support.apps import raw_request

pytestmark = pytest.mark.anyio


async def test_a_body_sent_to_it_is_never_read() -> None:
    app = create_app(cast(Gateway, object()))  # no handler runs for these requests

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    fifty_mb = [(b"content-length", str(50 * 1024 * 1024).encode())]
    for path in ("/healthz", "/metrics", "/api/receivers"):
        start, _ = await raw_request(app, "POST", path, fifty_mb, receive)
        assert start["status"] == 405
        assert (b"allow", b"GET") in start["headers"]
