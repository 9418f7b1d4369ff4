"""Another service that sends what its contract does not allow, for tests.

A line to the other service (an httpx transport) whose JSON answers a test
rewrites: ``line.rewrites["/electorate"] = lambda body: ...`` changes every
answer to a path ending in ``/electorate`` until the entry is removed. The
real service answers first, so the rest of the answer stays what it sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

Rewrite = Callable[[Any], Any]


class Tampered(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.rewrites: dict[str, Rewrite] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        rewrite = next(
            (f for tail, f in self.rewrites.items() if request.url.path.endswith(tail)), None
        )
        if rewrite is None or response.status_code != 200:
            return response
        body = json.loads(await response.aread())
        return httpx.Response(200, json=rewrite(body))


def changed(path: str, value: Any) -> Rewrite:
    """A rewrite setting the value at ``path`` ("members.0.code") of the answer."""
    *parents, last = (int(part) if part.isdigit() else part for part in path.split("."))

    def rewrite(body: Any) -> Any:
        node = body
        for part in parents:
            node = node[part]
        node[last] = value
        return body

    return rewrite
