from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from services.registration.app import create_app
from services.registration.config import RegistrationSettings
from tests.support.apps import serve_in_process
from tests.support.servers import serve_over_http
from tests.support.smtp import RecordingHandler, mail_settings, smtp_server


class BallotBindings:
    """Ballot as far as the desk's binding changes go: keeps what it is told."""

    def __init__(self) -> None:
        self.changes: list[dict[str, Any]] = []
        self.up = True
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        if not self.up:
            raise httpx.ConnectError("ballot is down", request=request)
        if request.method == "POST" and request.url.path.endswith("/bindings"):
            changes = json.loads(request.content)["changes"]
            self.changes += changes
            return httpx.Response(200, json={"learned": len(changes)})
        return httpx.Response(404, json={"code": "not_found", "detail": "-"})


@pytest.fixture
def ballot_bindings() -> BallotBindings:
    return BallotBindings()


@pytest.fixture
def registration_app(
    database_urls: dict[str, str], tokens: SecretStr, ballot_bindings: BallotBindings
) -> FastAPI:
    settings = RegistrationSettings(
        database_url=database_urls["registration"], service_token=tokens, ballot_url="http://ballot"
    )
    return create_app(settings, ballot_transport=ballot_bindings.transport)


@pytest.fixture
def base_url(registration_app: FastAPI) -> Iterator[str]:
    """Registration over real HTTP, for a browser or a command-line client."""
    with serve_over_http(registration_app) as url:
        yield url


@pytest.fixture
async def registration(registration_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_in_process(registration_app) as client:
        yield client


CBS = Path(__file__).resolve().parents[2] / "services" / "registration" / "reference"


@pytest.fixture(scope="session")
def cbs_documents() -> dict[str, Any]:
    """Observations.json and RegioSCodes.json of CBS table 03759ned (2022-2024)."""
    folder = CBS / "cbs-odata-03759ned"
    return {
        "observations": json.loads((folder / "Observations.json").read_text()),
        "regions": json.loads((folder / "RegioSCodes.json").read_text()),
    }


# An address the in-process mail server refuses (550), as a town hall's may.
REFUSED = "griffie@utrecht.nl"


@pytest.fixture
def smtp() -> Iterator[tuple[int, RecordingHandler]]:
    with smtp_server(refuse={REFUSED}) as server:
        yield server


@pytest.fixture
async def mailing(
    database_urls: dict[str, str], tokens: SecretStr, smtp: tuple[int, RecordingHandler]
) -> AsyncIterator[httpx.AsyncClient]:
    """Registration in process, mailing its stemkaarten through ``smtp``."""
    settings = RegistrationSettings(
        database_url=database_urls["registration"],
        service_token=tokens,
        **mail_settings(smtp[0]),
    )
    async with serve_in_process(create_app(settings)) as http:
        yield http
