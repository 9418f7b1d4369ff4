"""Ballot admits a person's session by asking registration (introspection.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.common.settings import TokenSettings
from tests.ballot.conftest import Services, running_services
from tests.support.accounts import add_account, log_in
from tests.support.apps import assert_problem
from tests.support.builders import make_meeting

pytestmark = [pytest.mark.anyio, pytest.mark.db]

VOTE = {"title": "Motie 1", "kind": "motie"}


@pytest.fixture
async def uncached(
    database_urls: dict[str, str], tokens: TokenSettings, token_values: dict[str, str]
) -> AsyncIterator[Services]:
    """Ballot asking registration on every request (no cache, no stale answers)."""
    async with running_services(
        database_urls, tokens, token_values, auth_cache_seconds=0, auth_stale_seconds=0
    ) as running:
        yield running


async def _chair(services: Services, database_urls: dict[str, str]) -> str:
    login = await add_account(database_urls["registration"], roles=["chair"])
    await log_in(services.registration, login)
    # The browser sends the same cookies to every port of the host.
    for name in ("alv_session", "alv_csrf"):
        services.ballot.cookies.set(name, services.registration.cookies[name])
    services.ballot.headers["X-CSRF-Token"] = services.registration.cookies["alv_csrf"]
    return login


async def test_a_chair_session_opens_a_vote_on_ballot_until_logout(
    uncached: Services, database_urls: dict[str, str], meeting_code: str
) -> None:
    await make_meeting(uncached.registration, admin=uncached.tokens["admin"], code=meeting_code)
    await _chair(uncached, database_urls)
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
    await make_meeting(uncached.registration, admin=uncached.tokens["admin"], code=meeting_code)
    login = await add_account(database_urls["registration"], roles=["desk"])
    await log_in(uncached.registration, login)
    for name in ("alv_session", "alv_csrf"):
        uncached.ballot.cookies.set(name, uncached.registration.cookies[name])
    uncached.ballot.headers["X-CSRF-Token"] = uncached.registration.cookies["alv_csrf"]
    refused = await uncached.ballot.post(f"/api/meetings/{meeting_code}/votes", json=VOTE)
    assert_problem(refused, 403, "forbidden")


async def test_while_registration_is_away_a_known_session_is_still_admitted(
    database_urls: dict[str, str],
    tokens: TokenSettings,
    token_values: dict[str, str],
    meeting_code: str,
) -> None:
    # Every request asks registration (no fresh answers), so the stale ones show.
    async with running_services(database_urls, tokens, token_values, auth_cache_seconds=0) as s:
        await _kept_while_away(s, database_urls, meeting_code)


async def _kept_while_away(
    services: Services, database_urls: dict[str, str], meeting_code: str
) -> None:
    await make_meeting(services.registration, admin=services.tokens["admin"], code=meeting_code)
    await _chair(services, database_urls)
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
