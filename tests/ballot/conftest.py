from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from services.ballot.app import create_app as create_ballot
from services.ballot.config import BallotSettings
from services.common.settings import TokenSettings
from services.registration.app import create_app as create_registration
from services.registration.config import RegistrationSettings
from tests.support.apps import bearer, serve_in_process
from tests.support.builders import make_meeting


@dataclass
class Services:
    registration: httpx.AsyncClient
    ballot: httpx.AsyncClient
    tokens: dict[str, str]

    def auth(self, role: str) -> dict[str, str]:
        return bearer(self.tokens[role])


@pytest.fixture
async def services(
    database_urls: dict[str, str], tokens: TokenSettings, token_values: dict[str, str]
) -> AsyncIterator[Services]:
    """Registration and ballot in-process; ballot reaches registration over ASGI."""
    registration_app = create_registration(
        RegistrationSettings(database_url=database_urls["registration"], tokens=tokens)
    )
    async with serve_in_process(registration_app) as registration:
        ballot_app = create_ballot(
            BallotSettings(
                database_url=database_urls["ballot"],
                tokens=tokens,
                registration_url="http://registration",
            ),
            registration_transport=httpx.ASGITransport(app=registration_app),
        )
        async with serve_in_process(ballot_app) as ballot:
            yield Services(registration, ballot, token_values)


async def seat(services: Services, meeting: str, bindings: dict[str, str]) -> None:
    """A meeting whose members in ``bindings`` are present with those handsets."""
    cards = await make_meeting(services.registration, admin=services.tokens["admin"], code=meeting)
    for member, handset in bindings.items():
        response = await services.registration.post(
            f"/api/meetings/{meeting}/registrations",
            json={"card_code": cards[member], "handset": handset},
            headers=services.auth("desk"),
        )
        assert response.status_code == 201, response.text
