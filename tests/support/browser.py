"""Launching headless Chromium for browser tests, or skipping when there is none.

    kwargs = chromium_launch_kwargs()        # skips the test without Chromium
    browser = await playwright.chromium.launch(**kwargs)

Without Chromium the test is skipped with the reason, unless the environment
says ``ALV_REQUIRE_BROWSER=1`` (CI): then it fails, so a broken image is
noticed instead of silently skipping the browser tests.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


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
    """Where a test saves a screenshot or similar (``test-artifacts/``, gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
