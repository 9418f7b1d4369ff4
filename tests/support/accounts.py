"""Staff accounts and machine tokens for tests.

    credentials = mint_credentials(registration_database_url)
    headers = as_caller(credentials["desk"])       # tests.support.apps: cookie or bearer

``mint_credentials`` makes one account per people role, named after it
("secretariat", "chair", "desk", "auditor"), with an open session, and one
machine token per machine role ("gateway", "service", "integrator"; with
``services=True`` also one per service: "registration", "ballot", "results"):
a dict from that name to the session id or the token. A session id goes as the
``alv_session`` cookie, a token (``alv_...``) as ``Authorization: Bearer``.

Or make an account of one's own and log in as a person would:

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

import asyncio
import concurrent.futures
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
from services.registration.accounts import SessionPolicy

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


PEOPLE = ("secretariat", "chair", "desk", "auditor")
MACHINES = ("gateway", "service", "integrator")
SERVICES = ("registration", "ballot", "results")


async def _mint(url: str, services: bool) -> dict[str, str]:
    upgrade(SERVICE_DIR, url)
    database = Database(url)
    minted: dict[str, str] = {}
    try:
        async with database.sessionmaker() as session, session.begin():
            for role in PEOPLE:
                account = await accounts.create_account(
                    session,
                    login=role,
                    display_name=role.title(),
                    roles=frozenset({Role(role)}),
                    password=PASSWORD,
                )
                minted[role] = accounts.open_session(session, account, SessionPolicy())
            machines = [(m, Role(m)) for m in MACHINES]
            machines += [(s, Role.SERVICE) for s in SERVICES if services]
            for name, role in machines:
                minted[name] = await accounts.create_token(
                    session, name=name, roles=frozenset({role})
                )
    finally:
        await database.dispose()
    return minted


def mint_credentials(registration_database_url: str, *, services: bool = False) -> dict[str, str]:
    """Accounts with sessions and machine tokens in this registration database
    (see the module docstring). Inside a running event loop it mints on a
    thread of its own (a stack started from an async test)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_mint(registration_database_url, services))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _mint(registration_database_url, services)).result()


async def known_to(authenticator: Any, credentials: dict[str, str]) -> None:
    """Let ``authenticator`` (ballot's or results') learn every credential now,
    as a running hall's services know the gateway and the staff before
    registration ever goes away (introspection.py keeps them while it is)."""
    for credential in credentials.values():
        if credential.startswith("alv_"):
            await authenticator.by_token(credential)
        else:
            await authenticator.by_session(credential)
