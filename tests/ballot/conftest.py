from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from services.ballot.app import create_app as create_ballot
from services.ballot.config import BallotSettings
from services.registration.app import create_app as create_registration
from services.registration.config import RegistrationSettings
from tests.support.accounts import known_to
from tests.support.apps import as_caller, serve_in_process
from tests.support.builders import make_meeting
from tests.support.peers import Tampered
from tests.support.served_in_loop import serve_on_port

# Who a token or session belongs to (services/common/introspection.py).
INTROSPECT = "/api/auth/introspect"


class Link(Tampered):
    """A line from one service to another, which a test can cut (``up = False``)
    or have answer what the other service never should (``rewrites``).

    It keeps the path of every request it carried, in order."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        super().__init__(inner)
        self.up = True
        self.paths: list[str] = []

    @property
    def calls(self) -> int:
        return len(self.paths)

    def asked_since(self, mark: int) -> list[str]:
        """The paths asked after the first ``mark`` calls, except who a
        credential belongs to: ballot asks that again whenever its answer is
        older than ``auth_cache_seconds`` (5 s), which a loaded machine reaches
        in the middle of a test, so it says nothing about what a test does."""
        return [path for path in self.paths[mark:] if path != INTROSPECT]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if not self.up:
            raise httpx.ConnectError("the other service is down", request=request)
        return await super().handle_async_request(request)


@dataclass
class Services:
    registration: httpx.AsyncClient
    ballot: httpx.AsyncClient
    tokens: dict[str, str]
    # ballot -> registration (electorate, bindings)
    link: Link
    # registration -> ballot (binding changes, the desk's proefstemming view)
    back: Link
    registration_app: FastAPI

    def auth(self, role: str) -> dict[str, str]:
        return as_caller(self.tokens[role])


@asynccontextmanager
async def running_services(
    database_urls: dict[str, str],
    tokens: SecretStr,
    token_values: dict[str, str],
    *,
    on_socket: bool = False,
    **ballot_settings: Any,
) -> AsyncIterator[Services]:
    """Registration in-process; ballot in-process or (``on_socket``) under uvicorn.

    Each reaches the other over ASGI, through a line a test can cut.
    """
    apps: dict[str, FastAPI] = {}

    async def ballot_asgi(scope: Any, receive: Any, send: Any) -> None:
        await apps["ballot"](scope, receive, send)

    back = Link(httpx.ASGITransport(app=ballot_asgi))
    registration_app = create_registration(
        RegistrationSettings(
            database_url=database_urls["registration"],
            service_token=tokens,
            ballot_url="http://ballot",
        ),
        ballot_transport=back,
    )
    async with serve_in_process(registration_app) as registration:
        link = Link(httpx.ASGITransport(app=registration_app))
        ballot_app = apps["ballot"] = create_ballot(
            BallotSettings(
                database_url=database_urls["ballot"],
                service_token=tokens,
                registration_url="http://registration",
                **ballot_settings,
            ),
            registration_transport=link,
        )
        serve = serve_on_port if on_socket else serve_in_process
        async with serve(ballot_app) as ballot:
            await known_to(ballot_app.state.authenticator, token_values)
            yield Services(registration, ballot, token_values, link, back, registration_app)


@pytest.fixture
async def services(
    database_urls: dict[str, str], tokens: SecretStr, token_values: dict[str, str]
) -> AsyncIterator[Services]:
    async with running_services(database_urls, tokens, token_values) as running:
        yield running


@pytest.fixture
async def served(
    database_urls: dict[str, str], tokens: SecretStr, token_values: dict[str, str]
) -> AsyncIterator[Services]:
    """Ballot on a real socket, for the event stream. The stream's fallback poll
    is set far beyond any wait in the tests, so prompt delivery proves the
    wake-up after commit."""
    async with running_services(
        database_urls,
        tokens,
        token_values,
        on_socket=True,
        events_poll_seconds=60.0,
        events_heartbeat_seconds=60.0,
    ) as running:
        yield running


async def seat(services: Services, meeting: str, bindings: dict[str, str]) -> None:
    """A meeting whose members in ``bindings`` are present with those handsets."""
    cards = await make_meeting(
        services.registration, admin=services.tokens["secretariat"], code=meeting
    )
    for member, handset in bindings.items():
        response = await services.registration.post(
            f"/api/meetings/{meeting}/registrations",
            json={"card_code": cards[member], "handset": handset},
            headers=services.auth("desk"),
        )
        assert response.status_code == 201, response.text
