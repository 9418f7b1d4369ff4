"""Ballot admits a person's session by asking registration (introspection.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from services.common.errors import UpstreamUnavailable
from services.common.http import ServiceClient
from services.common.introspection import RemoteAuthenticator
from tests.ballot.conftest import Link, Services, running_services
from tests.support.accounts import add_account, log_in
from tests.support.apps import as_caller, assert_problem
from tests.support.builders import make_meeting

pytestmark = [pytest.mark.anyio, pytest.mark.db]

VOTE = {"title": "Motie 1", "kind": "motie"}


@pytest.fixture
async def uncached(
    database_urls: dict[str, str], tokens: SecretStr, token_values: dict[str, str]
) -> AsyncIterator[Services]:
    """Ballot asking registration on every request (no cache, no stale answers)."""
    async with running_services(
        database_urls, tokens, token_values, auth_cache_seconds=0, auth_stale_seconds=0
    ) as running:
        yield running


async def _logged_in(services: Services, database_urls: dict[str, str], role: str) -> str:
    """A new account of ``role``, logged in at registration; ballot's client
    sends the same cookies, as one browser does to every port of the host."""
    login = await add_account(database_urls["registration"], roles=[role])
    await log_in(services.registration, login)
    for name in ("alv_session", "alv_csrf"):
        services.ballot.cookies.set(name, services.registration.cookies[name])
    services.ballot.headers["X-CSRF-Token"] = services.registration.cookies["alv_csrf"]
    return login


async def test_a_chair_session_opens_a_vote_on_ballot_until_logout(
    uncached: Services, database_urls: dict[str, str], meeting_code: str
) -> None:
    await make_meeting(
        uncached.registration, admin=uncached.tokens["secretariat"], code=meeting_code
    )
    await _logged_in(uncached, database_urls, "chair")
    created = await uncached.ballot.post(f"/api/meetings/{meeting_code}/votes", json=VOTE)
    assert created.status_code == 201, created.text
    token = uncached.ballot.headers.pop("X-CSRF-Token")
    refused = await uncached.ballot.post(f"/api/meetings/{meeting_code}/votes", json=VOTE)
    assert_problem(refused, 403, "csrf_refused")
    uncached.ballot.headers["X-CSRF-Token"] = token
    await uncached.registration.post("/logout")
    after = await uncached.ballot.post(f"/api/meetings/{meeting_code}/votes", json=VOTE)
    assert_problem(after, 401, "unauthorized")


async def test_a_desk_session_may_not_open_a_vote(
    uncached: Services, database_urls: dict[str, str], meeting_code: str
) -> None:
    await make_meeting(
        uncached.registration, admin=uncached.tokens["secretariat"], code=meeting_code
    )
    await _logged_in(uncached, database_urls, "desk")
    refused = await uncached.ballot.post(f"/api/meetings/{meeting_code}/votes", json=VOTE)
    assert_problem(refused, 403, "forbidden")


async def test_while_registration_is_away_a_known_session_is_still_admitted(
    database_urls: dict[str, str],
    tokens: SecretStr,
    token_values: dict[str, str],
    meeting_code: str,
) -> None:
    # Every request asks registration (no fresh answers), so the stale ones show.
    async with running_services(database_urls, tokens, token_values, auth_cache_seconds=0) as s:
        await _kept_while_away(s, database_urls, meeting_code)


async def _kept_while_away(
    services: Services, database_urls: dict[str, str], meeting_code: str
) -> None:
    await make_meeting(
        services.registration, admin=services.tokens["secretariat"], code=meeting_code
    )
    await _logged_in(services, database_urls, "chair")
    assert (
        await services.ballot.post(f"/api/meetings/{meeting_code}/votes", json=VOTE)
    ).status_code == 201
    services.link.up = False
    kept = await services.ballot.post(f"/api/meetings/{meeting_code}/votes", json=VOTE)
    assert kept.status_code == 201, kept.text
    # Someone never seen is not admitted while registration cannot say who it is.
    services.ballot.cookies.set("alv_session", "y" * 43)
    unknown = await services.ballot.post(f"/api/meetings/{meeting_code}/votes", json=VOTE)
    assert_problem(unknown, 503, "upstream_unavailable")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_revoked_token_stops_within_the_cache_time_and_an_outage_keeps_the_known(
    services: Services,
) -> None:
    secretariat = as_caller(services.tokens["secretariat"])
    created = await services.registration.post(
        "/api/tokens",
        json={"name": f"gw-cache-{id(services)}", "roles": ["gateway"]},
        headers=secretariat,
    )
    token, name = created.json()["token"], created.json()["name"]
    line = Link(httpx.ASGITransport(app=services.registration_app))
    clock = Clock()
    async with ServiceClient(
        name="registratie",
        base_url="http://registration",
        token=services.tokens["service"],
        transport=line,
    ) as registration:
        authenticator = RemoteAuthenticator(registration, fresh=5, stale=600, clock=clock)
        # A burst asks registration once.
        answers = await asyncio.gather(*(authenticator.by_token(token) for _ in range(20)))
        assert {a.name for a in answers if a} == {name} and line.calls == 1
        await services.registration.post(f"/api/tokens/{name}/revoke", headers=secretariat)
        clock.now += 4.9
        assert await authenticator.by_token(token) is not None  # still the cached answer
        clock.now += 0.2
        assert await authenticator.by_token(token) is None  # revoked: within 5 s

        desk = services.tokens["desk"]
        assert await authenticator.by_session(desk) is not None
        line.up = False
        clock.now += 599
        assert await authenticator.by_session(desk) is not None  # known: still admitted
        clock.now += 2
        with pytest.raises(UpstreamUnavailable):  # too long ago to vouch for
            await authenticator.by_session(desk)
