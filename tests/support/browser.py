"""Launching headless Chromium for browser tests, or skipping when there is none.

    kwargs = chromium_launch_kwargs()        # skips the test without Chromium
    browser = await playwright.chromium.launch(**kwargs)

Without Chromium the test is skipped with the reason, unless the environment
says ``ALV_REQUIRE_BROWSER=1`` (CI): then it fails, so a broken image is
noticed instead of silently skipping the browser tests.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# The PostgreSQL pass keeps its own, so that CI's two passes side by side
# (.ci/run) do not write over each other's files.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
if os.environ.get("ALV_TEST_POSTGRES_URL"):
    ARTIFACTS /= "postgresql"


def _missing(reason: str) -> None:
    if os.environ.get("ALV_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (ALV_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def chromium_launch_kwargs() -> dict[str, Any]:
    """Keyword arguments for ``playwright.chromium.launch``."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        _missing("playwright is not installed")
    executable = os.environ.get("ALV_CHROMIUM") or next(
        (path for path in CHROMIUM_CANDIDATES if Path(path).exists()),
        shutil.which("chromium") or "",
    )
    if not executable or not Path(executable).exists():
        _missing("no Chromium found (set ALV_CHROMIUM or install chromium)")
    return {"executable_path": executable, "headless": True, "args": CHROMIUM_ARGS}


def artifact_path(name: str) -> Path:
    """Where a test saves a screenshot or similar (``test-artifacts/``, gitignored;
    ``test-artifacts/postgresql/`` on PostgreSQL)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def screenshot(page: Any, name: str) -> None:
    """A sync Playwright page as it looks now, whole, kept as a test artefact."""
    page.screenshot(path=str(artifact_path(f"{name}.png")), full_page=True)


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """Headless Chromium for the sync Playwright API (a module's ``browser`` fixture)."""
    from playwright.sync_api import sync_playwright

    kwargs = chromium_launch_kwargs()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**kwargs)
        try:
            yield browser
        finally:
            browser.close()


T = TypeVar("T")


def beside_playwright(func: Callable[..., Awaitable[T]], *args: Any) -> T:
    """``func(*args)`` in an event loop of its own on another thread: the sync
    Playwright API keeps a loop running in the test's thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(anyio.run, func, *args).result()
