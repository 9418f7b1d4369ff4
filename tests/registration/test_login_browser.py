"""Logging in, working, logging out, CSRF and lockout, in headless Chromium."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import update

from services.common.database import Database, utcnow
from services.registration.models import Account
from tests.support.accounts import PASSWORD, add_account, log_in_page
from tests.support.browser import chromium_launch_kwargs

pytestmark = [pytest.mark.anyio, pytest.mark.db]

TIMEOUT_MS = 5000


async def test_log_in_work_log_out_and_be_refused_after(
    base_url: str, database_urls: dict[str, str]
) -> None:
    launch = chromium_launch_kwargs()
    from playwright.async_api import async_playwright, expect

    login = await add_account(database_urls["registration"], roles=["secretariat"])
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch)
        page = await browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        # Without a session the accounts page sends the browser to log in ...
        await page.goto(f"{base_url}/accounts")
        await expect(page.locator("h1")).to_have_text("Inloggen")
        await page.fill("#login", login)
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        # ... and back after it.
        await expect(page.locator("h1")).to_have_text("Accounts")
        await expect(page.get_by_test_id("who")).to_have_text(login)
        cookie = next(c for c in await page.context.cookies() if c["name"] == "alv_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

        # Work: a new account for the desk, through the htmx form.
        await page.fill("#new-login", f"b-{login}")
        await page.fill("#new-name", "Bea de Balie")
        await page.check("input[name=roles][value=desk]")
        await page.fill("#new-password", "een goed wachtwoord")
        await page.click("text=Account maken")
        await expect(page.get_by_test_id(f"account-b-{login}")).to_contain_text("stembalie")

        # A request without the page's CSRF token is refused, with the session.
        refused = await page.evaluate(
            """async () => (await fetch("/api/accounts/nobody/disable", {method: "POST"})).status"""
        )
        assert refused == 403

        await page.get_by_test_id("logout").click()
        await expect(page.locator("h1")).to_have_text("Inloggen")
        status = await page.evaluate("async () => (await fetch('/api/auth/me')).status")
        assert status == 401
        await page.goto(f"{base_url}/accounts")
        await expect(page.locator("h1")).to_have_text("Inloggen")
        await browser.close()


async def test_wrong_passwords_slow_and_then_lock_the_login(
    base_url: str, database_urls: dict[str, str]
) -> None:
    launch = chromium_launch_kwargs()
    from playwright.async_api import async_playwright, expect

    login = await add_account(database_urls["registration"], roles=["desk"])
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch)
        page = await browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        error = page.get_by_test_id("login-error")
        for _ in range(5):  # five are free (the waits after them: tests/common/test_lockout.py)
            await log_in_page(page, base_url, login, password="niet het wachtwoord")
            await expect(error).to_contain_text("onbekende naam of verkeerd wachtwoord")

        # As if wrong passwords 6 to 9 had come, each after its wait: the tenth locks.
        database = Database(database_urls["registration"])
        async with database.sessionmaker() as session, session.begin():
            await session.execute(
                update(Account)
                .where(Account.login == login)
                .values(failed_logins=9, last_failed_at=utcnow() - datetime.timedelta(minutes=1))
            )
        await database.dispose()
        await log_in_page(page, base_url, login, password="nog steeds fout")
        await expect(error).to_contain_text("onbekende naam of verkeerd wachtwoord")
        await log_in_page(page, base_url, login)  # the right password, too late
        await expect(error).to_contain_text("Probeer het over 15 minuten opnieuw")
        await browser.close()
