"""The start page: every meeting with the pages of each role, at the public addresses."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from services.common.settings import PublicUrls
from services.registration.app import create_app
from services.registration.config import RegistrationSettings
from tests.support.apps import as_caller, serve_in_process

pytestmark = [pytest.mark.anyio]

PUBLIC = PublicUrls(
    registration="https://alv.example:8443/",
    ballot="https://alv.example:8444",
    results="https://uitslagen.alv.example",
    gateway="",
)


@pytest.fixture
async def registration(
    database_urls: dict[str, str], tokens: SecretStr
) -> AsyncIterator[httpx.AsyncClient]:
    settings = RegistrationSettings(
        database_url=database_urls["registration"], service_token=tokens, public_urls=PUBLIC
    )
    async with serve_in_process(create_app(settings)) as client:
        yield client


@pytest.mark.db
async def test_every_meeting_with_its_pages_at_the_public_addresses(
    registration: httpx.AsyncClient, token_values: dict[str, str], meeting_code: str
) -> None:
    created = await registration.post(
        "/api/meetings",
        json={"code": meeting_code, "name": "ALV 1 december 2023", "date": "2023-12-01"},
        headers=as_caller(token_values["secretariat"]),
    )
    assert created.status_code == 201
    page = await registration.get("/")
    assert page.status_code == 200
    assert '<html lang="nl">' in page.text
    assert "ALV 1 december 2023" in page.text
    assert "Vrijdag 1 december 2023" in page.text
    assert "inwonertal op 1 januari 2022" in page.text
    for link in (
        f'href="https://alv.example:8443/desk/{meeting_code}"',
        f'href="https://alv.example:8443/handsets/{meeting_code}"',
        f'href="https://alv.example:8443/console/{meeting_code}"',
        f'href="https://alv.example:8444/agenda/{meeting_code}"',
        f'href="https://uitslagen.alv.example/record/{meeting_code}/publicatie"',
        'href="https://alv.example:8443/console"',
        f'href="https://uitslagen.alv.example/chair/{meeting_code}/control"',
        f'href="https://uitslagen.alv.example/chair/{meeting_code}"',
        f'href="https://uitslagen.alv.example/record/{meeting_code}"',
        'href="https://alv.example:8444/docs"',
    ):
        assert link in page.text, link
    assert "Gateway" not in page.text  # no address configured


@pytest.mark.db
async def test_the_meetings_are_listed_for_programs_too(
    registration: httpx.AsyncClient, token_values: dict[str, str], meeting_code: str
) -> None:
    for code, date in ((f"{meeting_code}-a", "2023-06-14"), (f"{meeting_code}-b", "2099-12-01")):
        response = await registration.post(
            "/api/meetings",
            json={"code": code, "name": code, "date": date},
            headers=as_caller(token_values["secretariat"]),
        )
        assert response.status_code == 201
    listed = (await registration.get("/api/meetings")).json()
    codes = [meeting["code"] for meeting in listed]
    assert codes[0] == f"{meeting_code}-b"  # the coming one first
    assert f"{meeting_code}-a" in codes


def test_a_public_address_must_be_a_web_address() -> None:
    with pytest.raises(ValueError, match="not an http"):
        PublicUrls(results="uitslagen.alv.example")
