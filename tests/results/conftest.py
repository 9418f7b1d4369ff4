"""Registration, ballot and results in-process; each reaches the next over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
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
from services.results.app import create_app as create_results
from services.results.config import ResultsSettings
from tests.support.accounts import known_to
from tests.support.apps import as_caller, serve_in_process
from tests.support.builders import make_meeting
from tests.support.presses import batch, press

# The hand-computed example: Groningen is present but does not vote.
BINDINGS = {"GM0363": "000363", "GM0088": "000088", "GM0344": "000344", "GM0014": "000014"}


@dataclass
class Services:
    registration: httpx.AsyncClient
    ballot: httpx.AsyncClient
    results: httpx.AsyncClient
    ballot_app: FastAPI
    results_app: FastAPI
    tokens: dict[str, str]
    registration_app: FastAPI

    def auth(self, role: str) -> dict[str, str]:
        return as_caller(self.tokens[role])


def results_settings(database_urls: dict[str, str], tokens: SecretStr) -> ResultsSettings:
    return ResultsSettings(
        database_url=database_urls["results"],
        service_token=tokens,
        ballot_url="http://ballot",
        registration_url="http://registration",
    )


Serve = Callable[[FastAPI], AbstractAsyncContextManager[httpx.AsyncClient]]


def settings_reaching_ballot(
    database_urls: dict[str, str], tokens: SecretStr, **screen: float
) -> Callable[[httpx.AsyncClient], ResultsSettings]:
    """Results' settings pointing at ballot served on a socket, the screen not
    lingering (and ``screen``'s other ``stream_*`` settings)."""
    return lambda ballot: ResultsSettings(
        database_url=database_urls["results"],
        service_token=tokens,
        ballot_url=str(ballot.base_url),
        registration_url="http://registration",
        **{"stream_linger_seconds": 0.0, **screen},
    )


@asynccontextmanager
async def linked_services(
    database_urls: dict[str, str],
    tokens: SecretStr,
    token_values: dict[str, str],
    *,
    serve: Serve = serve_in_process,
    settings: Callable[[httpx.AsyncClient], ResultsSettings] | None = None,
    ballot_transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[Services]:
    """Registration, ballot and results linked to each other.

    By default all in-process over ASGI; ``serve`` puts ballot and results on
    real sockets (a stream needs one), ``settings`` builds results' settings
    from ballot's client and ``ballot_transport`` replaces results' line to it.
    """
    apps: dict[str, FastAPI] = {}

    async def ballot_asgi(scope: Any, receive: Any, send: Any) -> None:
        await apps["ballot"](scope, receive, send)

    registration_app = create_registration(
        RegistrationSettings(
            database_url=database_urls["registration"],
            service_token=tokens,
            ballot_url="http://ballot",
        ),
        ballot_transport=httpx.ASGITransport(app=ballot_asgi),
    )
    async with serve_in_process(registration_app) as registration:
        ballot_app = apps["ballot"] = create_ballot(
            BallotSettings(
                database_url=database_urls["ballot"],
                service_token=tokens,
                registration_url="http://registration",
            ),
            registration_transport=httpx.ASGITransport(app=registration_app),
        )
        async with serve(ballot_app) as ballot:
            results_app = create_results(
                settings(ballot) if settings else results_settings(database_urls, tokens),
                ballot_transport=ballot_transport or httpx.ASGITransport(app=ballot_app),
                registration_transport=httpx.ASGITransport(app=registration_app),
            )
            async with serve(results_app) as results:
                for app in (ballot_app, results_app):
                    await known_to(app.state.authenticator, token_values)
                yield Services(
                    registration,
                    ballot,
                    results,
                    ballot_app,
                    results_app,
                    token_values,
                    registration_app,
                )


@pytest.fixture
async def services(
    database_urls: dict[str, str], tokens: SecretStr, token_values: dict[str, str]
) -> AsyncIterator[Services]:
    async with linked_services(database_urls, tokens, token_values) as linked:
        yield linked


async def seat(services: Services, meeting: str, bindings: dict[str, str] = BINDINGS) -> None:
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


async def new_vote(services: Services, meeting: str, **fields: Any) -> int:
    body = {"kind": "voorstel", "title": "Voorstel 1", **fields}
    response = await services.ballot.post(
        f"/api/meetings/{meeting}/votes", json=body, headers=services.auth("chair")
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def act(services: Services, vote_id: int, action: str, **body: Any) -> None:
    response = await services.ballot.post(
        f"/api/votes/{vote_id}/{action}", json=body or None, headers=services.auth("chair")
    )
    assert response.status_code == 200, response.text


async def cast(services: Services, meeting: str, choices: dict[str, int], seq: int = 1) -> None:
    """Each handset in ``choices`` presses its key once."""
    response = await services.ballot.post(
        f"/api/meetings/{meeting}/presses",
        json=batch(*(press(h, seq, key) for h, key in choices.items())),
        headers=services.auth("gateway"),
    )
    assert response.status_code == 200, response.text
    assert {r["status"] for r in response.json()["results"]} <= {"OK"}, response.text


# Amsterdam voor, Schiermonnikoog tegen, Utrecht onthouding, Groningen nothing.
HAND_COMPUTED = {"000363": 1, "000088": 2, "000344": 3}


async def run_vote(
    services: Services,
    meeting: str,
    choices: dict[str, int] = HAND_COMPUTED,
    *,
    close: bool = True,
    **fields: Any,
) -> int:
    """A vote opened, pressed and (by default) closed in an already seated meeting."""
    vote_id = await new_vote(services, meeting, **fields)
    await act(services, vote_id, "open")
    if choices:
        await cast(services, meeting, choices, seq=vote_id)
    if close:
        await act(services, vote_id, "close")
    return vote_id


async def publish(services: Services, meeting: str) -> dict[str, Any]:
    """The secretariat publishes the meeting's stemgedrag."""
    response = await services.results.post(
        f"/api/meetings/{meeting}/publication/publish", headers=services.auth("secretariat")
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
