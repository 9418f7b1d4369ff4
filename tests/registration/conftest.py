from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

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


CBS = Path(__file__).resolve().parents[2] / "services" / "registration" / "reference"


@pytest.fixture(scope="session")
def cbs_documents() -> dict[str, Any]:
    """Observations.json and RegioSCodes.json of CBS table 03759ned (2022-2024)."""
    folder = CBS / "cbs-odata-03759ned"
    return {
        "observations": json.loads((folder / "Observations.json").read_text()),
        "regions": json.loads((folder / "RegioSCodes.json").read_text()),
    }
