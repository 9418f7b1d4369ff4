"""How a test is a person (chair, desk, staff) on the pages: the one place.

Until the accounts branch lands, a person is a bearer token sent with every
request (the httpx client's headers, or a Playwright context's
``extra_http_headers``); afterwards these log in through
``tests/support/accounts.py`` and the rest of the tests stay as they are.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, BrowserContext

from tests.support.apps import bearer


def as_person(tokens: dict[str, str], role: str) -> dict[str, str]:
    """Headers that make an httpx request come from a person with ``role``."""
    return bearer(tokens[role])


def person_context(
    browser: Browser, tokens: dict[str, str], role: str, **options: Any
) -> BrowserContext:
    """A browser context (its own cookies and tabs) of a person with ``role``."""
    return browser.new_context(extra_http_headers=as_person(tokens, role), **options)
