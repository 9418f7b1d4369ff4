"""Running a service application in-process for API tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI


@asynccontextmanager
async def serve_in_process(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run, behind an httpx client (no sockets)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


def as_caller(credential: str) -> dict[str, str]:
    """Headers that present ``credential``: a machine token (``alv_...``) as
    bearer, a person's session id as a logged-in browser sends it (the session
    cookie, and the CSRF cookie with its header)."""
    if credential.startswith("alv_"):
        return {"Authorization": f"Bearer {credential}"}
    csrf = "t" * 43  # any value will do, as long as cookie and header agree
    return {
        "Cookie": f"alv_session={credential}; alv_csrf={csrf}",
        "X-CSRF-Token": csrf,
    }


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> None:
    """``response`` is problem JSON with this status (and ``code``, if given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body


Receive = Callable[[], Awaitable[dict[str, Any]]]


async def raw_request(
    app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], receive: Receive
) -> tuple[dict[str, Any], bytes]:
    """One request straight to an ASGI app, with our own ``receive`` (so a test
    sees whether and how much of the body is read): the response start and body."""
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test"), *headers],
        "server": ("test", 80),
        "client": ("test", 1),
    }
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
