"""Fixtures shared by the whole suite.

Database tests run on SQLite by default and on PostgreSQL when
``ALV_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it): every test run makes
its own fresh databases there and drops them afterwards, so runs never see
each other's data. Tests isolate from each other by making their own meeting.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.common.auth import generate_tokens
from services.common.settings import TokenSettings
from tests.support.databases import DatabaseFactory

SERVICES = ("registration", "ballot", "results")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def token_values() -> dict[str, str]:
    return generate_tokens()


@pytest.fixture(scope="session")
def tokens(token_values: dict[str, str]) -> TokenSettings:
    return TokenSettings(**token_values)


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(
        postgres_url=os.environ.get("ALV_TEST_POSTGRES_URL", ""),
        sqlite_dir=tmp_path_factory.mktemp("databases"),
        run_id=secrets.token_hex(4),
    )
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def database_urls(database_factory: DatabaseFactory) -> dict[str, str]:
    """One database per service for the whole run, built by the migrations."""
    return {service: database_factory.create(service) for service in SERVICES}


@pytest.fixture
async def secretariat_login(database_urls: dict[str, str]) -> str:
    """A secretariat account for the staff pages (console, agenda, publication):
    log a client in with ``tests.support.console.staff_session``."""
    from tests.support.accounts import add_account

    return await add_account(database_urls["registration"], roles=["secretariat"])


def unique_meeting_code() -> str:
    return f"t-{secrets.token_hex(5)}"


@pytest.fixture
def meeting_code() -> str:
    return unique_meeting_code()


REFERENCE = Path(__file__).resolve().parent.parent / "services" / "registration" / "reference"


@pytest.fixture(scope="session")
def population_2023() -> str:
    return (REFERENCE / "population-2023-01-01.csv").read_text()
