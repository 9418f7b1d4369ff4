"""How a test is a person (chair, desk, staff) on the pages: the one place.

A person has an account with one role and logs in at registration's ``/login``
(``tests/support/accounts.py``); the session cookie then works on all three
services, and every unsafe request carries the CSRF header.

    headers = await as_person(registration_client, registration_database_url, "chair")
    await results_client.post(url, headers=headers)          # httpx

    context = person_context(browser, registration_url, registration_database_url, "desk")
    page = context.new_page()                                # Playwright, logged in
"""

from __future__ import annotations

import functools
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, expect

from services.common.auth import SESSION_COOKIE
from services.common.csrf import CSRF_COOKIE
from tests.support.accounts import PASSWORD, add_account
from tests.support.browser import beside_playwright


async def as_person(
    registration: httpx.AsyncClient, registration_database_url: str, role: str
) -> dict[str, str]:
    """Headers that make an httpx request, to any of the services, come from a
    person with ``role`` who logged in at ``registration``."""
    login = await add_account(registration_database_url, roles=[role])
    response = await registration.post(
        "/login", data={"login": login, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    session, csrf = registration.cookies[SESSION_COOKIE], registration.cookies[CSRF_COOKIE]
    # The session goes with the headers only: the client itself stays nobody.
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        registration.cookies.delete(name)
    return {"Cookie": f"{SESSION_COOKIE}={session}; {CSRF_COOKIE}={csrf}", "X-CSRF-Token": csrf}


def person_context(
    browser: Browser,
    registration_url: str,
    registration_database_url: str,
    role: str,
    **options: Any,
) -> BrowserContext:
    """A browser context (its own cookies and tabs) of a person with ``role``,
    logged in through the Dutch login form."""
    login = beside_playwright(
        functools.partial(add_account, registration_database_url, roles=[role])
    )
    context = browser.new_context(**options)
    page = context.new_page()
    page.goto(f"{registration_url}/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#login")).to_have_count(0)
    page.close()
    return context
