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
from pydantic import SecretStr

from tests.support.accounts import mint_credentials
from tests.support.databases import DatabaseFactory

SERVICES = ("registration", "ballot", "results")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test marked ``db`` runs again on PostgreSQL (``make test-postgres``);
    one that never reaches the run's databases (``database_factory``) would
    only repeat itself there, so the mark on it is a mistake."""
    idle = [
        item.nodeid
        for item in items
        if item.get_closest_marker("db")
        and "database_factory" not in getattr(item, "fixturenames", ())
    ]
    if idle:
        raise pytest.UsageError("marked db but uses no database:\n  " + "\n  ".join(idle))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


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


@pytest.fixture(scope="session")
def token_values(database_urls: dict[str, str]) -> dict[str, str]:
    """Credentials by name, in the run's registration database: a session of
    each people role and a token of each machine role (tests/support/accounts.py)."""
    return mint_credentials(database_urls["registration"])


@pytest.fixture(scope="session")
def tokens(token_values: dict[str, str]) -> SecretStr:
    """The service token the in-process services call each other with."""
    return SecretStr(token_values["service"])


def unique_meeting_code() -> str:
    return f"t-{secrets.token_hex(5)}"


@pytest.fixture
def meeting_code() -> str:
    return unique_meeting_code()


REFERENCE = Path(__file__).resolve().parent.parent / "services" / "registration" / "reference"


@pytest.fixture(scope="session")
def population_2023() -> str:
    return (REFERENCE / "population-2023-01-01.csv").read_text()
