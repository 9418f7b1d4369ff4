"""The request size limit and the encoded upstream paths, without a service around them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI

from services.common.errors import install_error_handlers
from services.common.http import url_path
from services.common.limits import BodySizeLimit
from tests.support.apps import raw_request

pytestmark = pytest.mark.anyio

FIFTY_MB = 50 * 1024 * 1024


def small_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    router = APIRouter()

    @router.post("/small")
    async def small(data: dict[str, Any]) -> int:
        return len(data)

    @router.post("/large", max_body_size=1024 * 1024)
    async def large(data: dict[str, Any]) -> int:
        return len(data)

    app.include_router(router)
    app.add_middleware(BodySizeLimit, service=app)
    return app


async def call(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]], receive: Any) -> Any:
    json_body = [(b"content-type", b"application/json"), *headers]
    start, body = await raw_request(app, "POST", path, json_body, receive)
    return start, json.loads(body)


async def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    start, body = await call(
        small_app(), "/small", [(b"content-length", str(FIFTY_MB).encode())], receive
    )
    assert start["status"] == 413
    assert (b"content-type", b"application/problem+json") in start["headers"]
    assert (body["code"], body["status"]) == ("request_too_large", 413)


async def test_a_body_without_a_length_is_counted_as_it_streams() -> None:
    chunks = 0

    async def receive() -> dict[str, Any]:
        nonlocal chunks
        chunks += 1
        return {"type": "http.request", "body": b" " * 16384, "more_body": True}

    start, body = await call(small_app(), "/small", [], receive)
    assert start["status"] == 413
    assert chunks == 5  # 5 x 16 KiB is the first read past 64 KiB
    assert body["detail"].endswith("65536 bytes.")


async def test_a_route_states_its_own_larger_limit() -> None:
    payload = json.dumps({"x": "y" * 200_000}).encode()
    messages = [{"type": "http.request", "body": payload, "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    length = [(b"content-length", str(len(payload)).encode())]
    start, body = await call(small_app(), "/large", length, receive)
    assert (start["status"], body) == (200, 1)
    messages.append({"type": "http.request", "body": payload, "more_body": False})
    start, body = await call(small_app(), "/small", length, receive)
    assert start["status"] == 413


@pytest.mark.parametrize("length", [b"-1", b"1e3", b"\xd9\xa1", b""])
async def test_a_malformed_length_is_a_bad_request(length: bytes) -> None:
    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    start, body = await call(small_app(), "/small", [(b"content-length", length)], receive)
    assert (start["status"], body["code"]) == (400, "bad_content_length")


def test_upstream_paths_are_percent_encoded() -> None:
    assert url_path("/api/meetings/{}/votes", "a/b?c#d\x01 %") == (
        "/api/meetings/a%2Fb%3Fc%23d%01%20%25/votes"
    )
    assert url_path("/api/votes/{}/{}", 7, "open") == "/api/votes/7/open"
