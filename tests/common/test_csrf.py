"""The CSRF form field, read by the pages' form reader, without a service around it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI, Request

from services.common.auth import SESSION_COOKIE
from services.common.csrf import CSRF_COOKIE, CSRF_FIELD, MAX_FORM_BYTES, CsrfMiddleware
from services.common.errors import install_error_handlers
from services.common.forms import read_form
from tests.support.apps import raw_request

pytestmark = pytest.mark.anyio

TOKEN = "t" * 40


def echo_app() -> FastAPI:
    """One route that answers the fields it reads from its form."""
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        form = await read_form(request)
        return {name: len(str(value)) for name, value in form.multi_items()}

    app.add_middleware(CsrfMiddleware, secure=False)
    return app


async def post_form(fields: list[tuple[str, str]], *, chunk: int) -> tuple[int, Any]:
    """Post ``fields`` as a form with a session, the body in pieces of ``chunk`` bytes."""
    body = urlencode(fields).encode()
    pieces = [body[start : start + chunk] for start in range(0, len(body), chunk)]
    messages = [
        {"type": "http.request", "body": piece, "more_body": index < len(pieces) - 1}
        for index, piece in enumerate(pieces)
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    headers = [
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"cookie", f"{SESSION_COOKIE}=s; {CSRF_COOKIE}={TOKEN}".encode()),
    ]
    start, answer = await raw_request(echo_app(), "POST", "/echo", headers, receive)
    return start["status"], json.loads(answer)


async def test_the_field_lets_the_form_through_and_the_route_reads_all_of_it() -> None:
    filler = "x" * (2 * MAX_FORM_BYTES)
    status, fields = await post_form(
        [(CSRF_FIELD, TOKEN), ("name", "Utrecht"), ("filler", filler)], chunk=4096
    )
    # What the check read is handed to the route again, and the rest after it.
    assert (status, fields) == (200, {CSRF_FIELD: 40, "name": 7, "filler": len(filler)})


async def test_a_field_beyond_the_searched_bytes_is_not_found() -> None:
    # The check stops reading at the first piece that takes it past the bound.
    fields = [("filler", "x" * (MAX_FORM_BYTES + 8192)), (CSRF_FIELD, TOKEN)]
    status, problem = await post_form(fields, chunk=4096)
    assert (status, problem["code"]) == (403, "csrf_refused")


@pytest.mark.parametrize(
    "fields",
    [
        [(CSRF_FIELD, "w" * 40), (CSRF_FIELD, TOKEN)],  # the first of a repeated field counts
        [(CSRF_FIELD, f" {TOKEN}")],  # as sent, not trimmed
        [(f"f{n}", "") for n in range(100)] + [(CSRF_FIELD, TOKEN)],  # more than any form has
        [(CSRF_FIELD, TOKEN), ("name", "\x00")],  # unreadable for every page
    ],
    ids=["repeated", "untrimmed", "too-many-fields", "unstorable"],
)
async def test_a_form_without_a_readable_token_is_refused(fields: list[tuple[str, str]]) -> None:
    status, problem = await post_form(fields, chunk=1 << 20)
    assert (status, problem["code"]) == (403, "csrf_refused")
