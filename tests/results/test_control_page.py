"""The chair's control view in a real browser: open, close, and the screen follows.

The three services run over HTTP as for the chair's screen (``hall``). The
chair's laptop is a person's browser (``person_context``); the page keeps
itself current with htmx, no script of our own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.results.conftest import HAND_COMPUTED
from tests.results.test_chair_page import Hall, hall
from tests.support.apps import as_caller
from tests.support.browser import artifact_path, launched_chromium
from tests.support.people import person_context
from tests.support.presses import batch, press

pytestmark = [pytest.mark.db]

__all__ = ["hall"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def pages(
    browser: Browser, hall: Hall, database_urls: dict[str, str]
) -> Iterator[tuple[Page, Page]]:
    """The chair's laptop (logged in) and the projector screen."""
    laptop = person_context(
        browser,
        str(hall.registration.base_url).rstrip("/"),
        database_urls["registration"],
        "chair",
        viewport={"width": 1280, "height": 900},
    )
    projector = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        yield laptop.new_page(), projector.new_page()
    finally:
        laptop.close()
        projector.close()


def test_open_close_and_the_screen_shows_the_outcome(
    hall: Hall, pages: tuple[Page, Page], meeting_code: str
) -> None:
    control, screen = pages
    hall.seat(meeting_code)
    vote_id = hall.chair(
        f"/api/meetings/{meeting_code}/votes",
        json={"kind": "voorstel", "title": "Voorstel 1: jaarrekening 2022"},
    ).json()["id"]

    control.goto(f"{hall.results_url}/chair/{meeting_code}/control")
    expect(control.get_by_test_id(f"status-{vote_id}")).to_have_text("voorbereid")

    screen.goto(f"{hall.results_url}/chair/{meeting_code}")
    control.get_by_test_id(f"open-{vote_id}").click()
    expect(control.get_by_test_id(f"status-{vote_id}")).to_have_text("open")
    expect(screen.locator("#progress")).to_be_visible()
    expect(control.get_by_test_id("not-voted-count")).to_have_text("4 gemeenten")

    # The chair shows the running tally on the screen.
    control.get_by_test_id("show-tally").check()
    response = hall.ballot.post(
        f"/api/meetings/{meeting_code}/presses",
        json=batch(*(press(h, vote_id, key) for h, key in HAND_COMPUTED.items())),
        headers=as_caller(hall.tokens["gateway"]),
    )
    assert response.status_code == 200, response.text
    expect(control.get_by_test_id("not-voted-list")).to_have_text("Groningen (75)")
    expect(screen.get_by_test_id("live-tally")).to_be_visible()

    control.get_by_test_id(f"close-{vote_id}").click()
    expect(control.get_by_test_id(f"status-{vote_id}")).to_have_text("gesloten")
    expect(screen.locator("#outcome-sentence")).to_have_text(
        "het voorstel is aangenomen met 98,68% van de stemmen"
    )
    control.screenshot(path=str(artifact_path("chair-control.png")))

    control.reload()
    expect(control.get_by_test_id("control")).to_be_visible()
    control.get_by_test_id(f"annul-{vote_id}").click()
    control.get_by_test_id("annul-reason").fill("storing in zaal B")
    control.get_by_test_id("annul-confirm").click()
    expect(control.get_by_test_id(f"status-{vote_id}")).to_have_text("nietig verklaard")
    expect(screen.locator("#annulled-reason")).to_have_text("storing in zaal B")


def test_a_motion_adopted_bij_acclamatie(
    hall: Hall, pages: tuple[Page, Page], meeting_code: str
) -> None:
    control, screen = pages
    hall.seat(meeting_code)
    vote_id = hall.chair(
        f"/api/meetings/{meeting_code}/votes", json={"kind": "motie", "title": "Motie Z"}
    ).json()["id"]
    control.goto(f"{hall.results_url}/chair/{meeting_code}/control")
    screen.goto(f"{hall.results_url}/chair/{meeting_code}")
    control.once("dialog", lambda dialog: dialog.accept())
    control.get_by_test_id(f"acclaim-aangenomen-{vote_id}").click()
    expect(control.get_by_test_id(f"status-{vote_id}")).to_have_text("bij acclamatie aangenomen")
    expect(screen.locator("#outcome-sentence")).to_have_text(
        "de motie is bij acclamatie aangenomen"
    )
    screen.screenshot(path=str(artifact_path("chair-acclamation.png")))
