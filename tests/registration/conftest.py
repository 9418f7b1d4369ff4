from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.common.settings import TokenSettings
from services.registration.app import create_app
from services.registration.config import RegistrationSettings
from tests.support.apps import serve_in_process


@pytest.fixture
async def registration(
    database_urls: dict[str, str], tokens: TokenSettings
) -> AsyncIterator[httpx.AsyncClient]:
    settings = RegistrationSettings(database_url=database_urls["registration"], tokens=tokens)
    async with serve_in_process(create_app(settings)) as client:
        yield client
