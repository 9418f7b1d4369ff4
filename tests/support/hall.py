"""Driving the hall through its pages, step by step, as the people there do.

The desk officer at the stembalie, the chair at the control view, staff at the
handset registry; the delegates press their simulated handsets. Each function
takes a Playwright ``Page`` (sync API) of a person's browser context
(``tests/support/people.py``) and leaves the page where the next step starts,
so a test reads as the meeting goes and steps chain with the preparation's
(``tests/support/console.py``):

    desk = person_context(browser, tokens, "desk").new_page()
    register_at_desk(desk, registration_url, meeting, card_code=cards["GM0363"], handset="000001")
    chair = person_context(browser, tokens, "chair").new_page()
    open_control(chair, results_url, meeting)
    open_vote(chair, "Proefstemming")
    press_handsets(simulator_url, {"000001": 1})
    close_vote(chair, "Proefstemming")

Nothing here calls the services' APIs: only the pages and the simulator's own
control port (the hardware in the hall).
"""

from __future__ import annotations

import json
import time

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.support.browser import artifact_path

# Generous: two cores shared with other engineers' test runs.
WITHIN_MS = 20_000


def screenshot(page: Page, name: str) -> None:
    """The page as it looks now, kept as a test artefact (``test-artifacts/``)."""
    page.screenshot(path=str(artifact_path(f"{name}.png")), full_page=True)


# --- the stembalie --------------------------------------------------------------------


def open_desk(page: Page, registration_url: str, meeting: str, *, task: str = "aanmelden") -> None:
    page.goto(f"{registration_url}/desk/{meeting}?taak={task}")
    expect(page.get_by_test_id("step")).to_be_visible()


def scan(page: Page, text: str) -> None:
    """What a USB barcode scanner does: type into the focused input, then Enter."""
    expect(page.get_by_test_id("scan")).to_be_focused(timeout=WITHIN_MS)
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def register_at_desk(
    page: Page, registration_url: str, meeting: str, *, card_code: str, handset: str
) -> None:
    """The stemkaart (or a machtigingsformulier's barcode), then the handset's
    label: bound, the stempas is on the screen to hand out."""
    if f"/desk/{meeting}" not in page.url:
        open_desk(page, registration_url, meeting)
    expect(page.get_by_test_id("form-card")).to_be_visible(timeout=WITHIN_MS)
    scan(page, card_code)
    expect(page.get_by_test_id("form-handset")).to_be_visible(timeout=WITHIN_MS)
    scan(page, handset)
    expect(page.get_by_test_id("stempas-handset")).to_have_text(handset, timeout=WITHIN_MS)


def register_without_barcode(
    page: Page,
    registration_url: str,
    meeting: str,
    *,
    name: str,
    member: str,
    officer: str,
    handset: str,
    proof: str = "forgotten_card",
) -> None:
    """No barcode (``forgotten_card``, or an ``authorisation_form`` without one):
    found by name, bound on the officer's named confirmation."""
    open_desk(page, registration_url, meeting, task="zonder-kaart")
    scan(page, name)
    candidate = page.get_by_test_id(f"candidate-{member}")
    candidate.check(timeout=WITHIN_MS)
    page.get_by_test_id(f"proof-{proof}").check()
    page.get_by_test_id("officer").fill(officer)
    page.get_by_test_id("confirmed").check()
    page.get_by_test_id("handset").fill(handset)
    page.get_by_test_id("register-without-card").click()
    expect(page.get_by_test_id("stempas-handset")).to_have_text(handset, timeout=WITHIN_MS)
    open_desk(page, registration_url, meeting)


def print_stempas(page: Page, name: str) -> None:
    """The stempas of the registration just made, opened from the desk and shown
    as the printer sees it (``back_to_desk`` afterwards)."""
    page.get_by_test_id("stempas-print").click()
    expect(page.get_by_test_id("stempas-name")).to_have_text(name, timeout=WITHIN_MS)
    page.emulate_media(media="print")


def back_to_desk(page: Page) -> None:
    """Printed: Enter on "terug naar de stembalie", and the scanner's input has the
    focus again."""
    page.emulate_media(media="screen")
    page.get_by_test_id("back-to-desk").press("Enter")
    expect(page.get_by_test_id("form-card")).to_be_visible(timeout=WITHIN_MS)


def swap_at_desk(page: Page, registration_url: str, meeting: str, *, old: str, new: str) -> None:
    """A broken handset (or the stemkaart) scanned, then the new one."""
    open_desk(page, registration_url, meeting, task="ruilen")
    scan(page, old)
    expect(page.get_by_test_id("form-swap-new")).to_be_visible(timeout=WITHIN_MS)
    scan(page, new)
    expect(page.get_by_test_id("stempas-handset")).to_have_text(new, timeout=WITHIN_MS)


def return_at_desk(page: Page, registration_url: str, meeting: str, *, scanned: str) -> None:
    open_desk(page, registration_url, meeting, task="innemen")
    scan(page, scanned)
    expect(page.get_by_test_id("desk-message")).to_contain_text("ingenomen", timeout=WITHIN_MS)


# --- the chair ------------------------------------------------------------------------


def open_control(page: Page, results_url: str, meeting: str) -> None:
    page.goto(f"{results_url}/chair/{meeting}/control")
    expect(page.get_by_test_id("control")).to_be_visible()


def vote_row(page: Page, title: str, status: str) -> Locator:
    """The agenda's rows of votes called ``title`` in ``status``."""
    return page.locator(f"tr[data-title={json.dumps(title)}][data-status={json.dumps(status)}]")


def open_vote(page: Page, title: str, *, despite_amendments: bool = False) -> None:
    """Open the prepared vote ``title``; ``despite_amendments``: the chair
    confirms opening a proposal whose amendments are not decided yet."""
    vote_row(page, title, "prepared").first.get_by_role("button", name="Openen").click()
    if despite_amendments:
        page.get_by_test_id("confirm-anyway").click(timeout=WITHIN_MS)
    expect(vote_row(page, title, "open")).to_have_count(1, timeout=WITHIN_MS)


def close_vote(page: Page, title: str) -> str:
    """Close the open vote ``title``; its outcome as the control view says it."""
    vote_row(page, title, "open").get_by_role("button", name="Sluiten").click()
    closed = vote_row(page, title, "closed").last
    expect(closed).to_be_visible(timeout=WITHIN_MS)
    outcome = closed.locator(".outcome")
    if outcome.count() == 0:  # a proefstemming has none
        return ""
    return outcome.inner_text()


def runoff(page: Page, title: str) -> str:
    """One click: the second round between the best two of the closed election
    ``title``. Returns the runoff's title, prepared on the agenda."""
    vote_row(page, title, "closed").last.get_by_role("button", name="Herstemming tussen").click()
    second = f"{title} (tweede ronde)"
    expect(vote_row(page, second, "prepared")).to_have_count(1, timeout=WITHIN_MS)
    return second


def acclaim(page: Page, title: str, *, adopted: bool) -> None:
    verdict = "aangenomen" if adopted else "verworpen"
    page.once("dialog", lambda dialog: dialog.accept())
    vote_row(page, title, "prepared").first.get_by_role(
        "button", name=f"Bij acclamatie {verdict}"
    ).click()
    expect(vote_row(page, title, "closed")).to_have_count(1, timeout=WITHIN_MS)


def not_voted(page: Page) -> list[str]:
    """Who the control view lists as not voted (a proefstemming: not responded)."""
    expect(page.get_by_test_id("not-voted")).to_be_visible(timeout=WITHIN_MS)
    return page.get_by_test_id("not-voted-list").locator("li").all_inner_texts()


# --- the delegates --------------------------------------------------------------------


def press_handsets(simulator_url: str, presses: dict[str, int], *, within_s: float = 30) -> None:
    """Each handset presses its key on the simulated receivers until the press is
    counted (``OK``): a press just after the chair opened may reach a receiver
    that has not heard the vote open yet (``NOPOLL``), and a delegate presses again."""
    deadline = time.monotonic() + within_s
    with httpx.Client(base_url=simulator_url, timeout=within_s) as simulator:
        for handset, key in presses.items():
            while True:
                result = simulator.post("/press", json={"handset": handset, "key": key}).json()
                if result.get("status") == "OK":
                    break
                assert time.monotonic() < deadline, f"{handset}: {result}"
