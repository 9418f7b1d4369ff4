"""Staff accounts for tests: make one with roles, log a client or a browser in as it.

    login = await add_account(database_urls["registration"], roles=["desk"])
    await log_in(client, login)                 # httpx: cookies + X-CSRF-Token header
    await log_in_page(page, registration_url, login)   # Playwright: through the form

The account is written straight into registration's database, the way
``alv users add`` does (``alv/users.py``), so no token is needed to make it.
Every account gets ``PASSWORD``. A client logged in carries ``alv_session``
and ``alv_csrf`` in its cookie jar (cookies ignore ports, so one client talks
to all three services as that person) and sends ``X-CSRF-Token`` by itself.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

import httpx

from alv.users import SERVICE_DIR
from services.common.auth import Role
from services.common.csrf import CSRF_COOKIE
from services.common.database import Database
from services.common.migrations import upgrade
from services.registration import accounts

PASSWORD = "correct horse battery staple"


async def add_account(
    registration_database_url: str,
    *,
    roles: Iterable[str],
    login: str | None = None,
    name: str = "",
    password: str = PASSWORD,
) -> str:
    """A new account with ``roles`` (a fresh login unless one is given); its login."""
    login = login or f"{'-'.join(sorted(roles))}-{secrets.token_hex(4)}"
    upgrade(SERVICE_DIR, registration_database_url)
    database = Database(registration_database_url)
    try:
        async with database.sessionmaker() as session, session.begin():
            await accounts.create_account(
                session,
                login=login,
                display_name=name or login.title(),
                roles=frozenset(Role(r) for r in roles),
                password=password,
            )
    finally:
        await database.dispose()
    return login


async def log_in(
    client: httpx.AsyncClient,
    login: str,
    *,
    password: str = PASSWORD,
    registration: str = "",
) -> httpx.Response:
    """Log ``client`` in through ``POST /login`` (``registration``: its base URL,
    when the client has another); the 303 answer."""
    response = await client.post(
        f"{registration}/login",
        data={"login": login, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    client.headers["X-CSRF-Token"] = client.cookies[CSRF_COOKIE]
    return response


async def logged_in_client(
    base_url: str, login: str, *, registration: str = "", **kwargs: Any
) -> httpx.AsyncClient:
    """A new client for ``base_url``, logged in at ``registration`` (default: the same)."""
    client = httpx.AsyncClient(base_url=base_url, **kwargs)
    await log_in(client, login, registration=registration)
    return client


async def log_in_page(
    page: Any, registration_url: str, login: str, *, password: str = PASSWORD
) -> None:
    """Log a Playwright page in through the login form, as a person would."""
    await page.goto(f"{registration_url}/login")
    await page.fill("#login", login)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
