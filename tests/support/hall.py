"""Driving the hall through its pages, step by step, as the people there do.

The desk officer at the stembalie, the chair at the control view, staff at the
handset registry; the delegates press their simulated handsets. Each function
takes a Playwright ``Page`` (sync API) of a person's browser context
(``tests/support/people.py``) and leaves the page where the next step starts,
so a test reads as the meeting goes and steps chain with the preparation's
(``tests/support/console.py``):

    desk = person_context(browser, registration_url, accounts_db, "desk").new_page()
    register_at_desk(desk, registration_url, meeting, card_code=cards["GM0363"], handset="000001")
    chair = person_context(browser, registration_url, accounts_db, "chair").new_page()
    open_control(chair, results_url, meeting)
    open_vote(chair, "Proefstemming")
    press_handsets(simulator_url, {"000001": 1})
    close_vote(chair, "Proefstemming")

or a whole meeting: ``register_delegates`` then ``hold_the_meeting`` (the
acceptance test chains them after the preparation's ``prepare_meeting``).

Nothing here calls the services' APIs: only the pages and the simulator's own
control port (the hardware in the hall).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import httpx
import pypdfium2
from playwright.sync_api import Locator, Page, expect

from tests.support.browser import screenshot
from tests.support.console import Agenda

# Generous: two cores shared with other engineers' test runs.
WITHIN_MS = 20_000


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


# --- a whole meeting in the hall, for a test (or the acceptance test) to chain --------

# Six delegates of the 2023 CBS members (the same weights in the tests' own
# member list): who holds which simulated handset (``alv simulate --handsets 6``).
DELEGATES = {
    "GM0363": "000001",  # Amsterdam, 75 votes
    "GM0344": "000002",  # Utrecht, 75
    "GM0059": "000003",  # Achtkarspelen, 28
    "GM0050": "000004",  # Zeewolde, 23
    "GM0060": "000005",  # Ameland, 3: a machtigingsformulier without a barcode
    "GM0088": "000006",  # Schiermonnikoog, 1: forgot the stemkaart
}
PRESENT_WEIGHT = "205"


@dataclass(frozen=True)
class People:
    """The hall's browsers: the desk officer, the chair, staff at the handsets."""

    desk: Page
    chair: Page
    staff: Page


def register_delegates(
    desk: Page, registration_url: str, meeting: str, *, cards: dict[str, str]
) -> None:
    """The six ``DELEGATES`` at the desk: four stemkaarten scanned, a
    machtigingsformulier without a barcode, a forgotten stemkaart; one stempas
    printed (A6, checked)."""
    open_desk(desk, registration_url, meeting)
    for member in ("GM0363", "GM0344", "GM0059", "GM0050"):
        register_at_desk(
            desk, registration_url, meeting, card_code=cards[member], handset=DELEGATES[member]
        )
    print_stempas(desk, "Zeewolde")
    expect(desk.get_by_test_id("stempas-weight")).to_have_text("23")
    expect(desk.locator("header.site")).to_be_hidden()
    screenshot(desk, "hall-stempas-print")
    assert paper_sizes(desk.pdf(prefer_css_page_size=True)) == [(105, 148)]  # A6
    back_to_desk(desk)
    for name, member, proof in (
        ("amel", "GM0060", "authorisation_form"),
        ("schier", "GM0088", "forgotten_card"),
    ):
        register_without_barcode(
            desk,
            registration_url,
            meeting,
            name=name,
            member=member,
            officer="J. de Vries",
            handset=DELEGATES[member],
            proof=proof,
        )
    expect(desk.get_by_test_id("present-members")).to_have_text("6")
    expect(desk.get_by_test_id("present-weight")).to_have_text(PRESENT_WEIGHT)
    expect(desk.get_by_test_id("recent")).to_contain_text("machtigingsformulier, J. de Vries")
    screenshot(desk, "hall-desk")


def hold_the_meeting(
    people: People,
    *,
    registration_url: str,
    results_url: str,
    meeting: str,
    simulator_url: str,
    agenda: Agenda,
) -> None:
    """The ``DELEGATES`` seated: the proefstemming (if on the agenda) with
    Schiermonnikoog not responding, the handset registry, the amendment before
    its motion, the motion, the election without a majority and its runoff."""
    chair, desk = people.chair, people.desk
    open_control(chair, results_url, meeting)
    expect(chair.get_by_test_id("present-members")).to_have_text("6")
    expect(chair.get_by_test_id("present-weight")).to_have_text(PRESENT_WEIGHT)
    screenshot(chair, "hall-control-agenda")

    if agenda.proefstemming:
        open_vote(chair, agenda.proefstemming)
        silent = DELEGATES["GM0088"]
        press_handsets(simulator_url, {h: 1 for h in DELEGATES.values() if h != silent})
        expect(chair.get_by_test_id("not-voted-count")).to_have_text("1 gemeente")
        assert not_voted(chair) == [f"Schiermonnikoog (1) · kastje {silent}"]
        expect(desk.get_by_test_id("test-vote-missing")).to_have_text(
            f"Schiermonnikoog: kastje {silent}"
        )
        screenshot(chair, "hall-control-proefstemming")
        screenshot(desk, "hall-desk-proefstemming")
        close_vote(chair, agenda.proefstemming)

    # The handset registry: those that pressed are in range (from the gateway's
    # next report on; the page polls).
    people.staff.goto(f"{registration_url}/handsets/{meeting}")
    expect(people.staff.get_by_test_id("in-range-000001")).to_have_text(
        "binnen bereik", timeout=WITHIN_MS
    )
    screenshot(people.staff, "hall-handsets")

    # The motion waits for its amendment: the chair is warned.
    warning = vote_row(chair, agenda.motion, "prepared").locator(".warning")
    expect(warning).to_contain_text("Eerst het amendement")
    expect(warning).to_contain_text(f"({agenda.amendment}) nog niet beslist")
    open_vote(chair, agenda.amendment)
    expect(chair.get_by_test_id("not-voted-count")).to_have_text("6 gemeenten")
    press_handsets(simulator_url, {"000001": 1, "000002": 2, "000003": 1, "000006": 3})
    expect(chair.get_by_test_id("not-voted-count")).to_have_text("2 gemeenten")
    assert not_voted(chair) == ["Zeewolde (23)", "Ameland (3)"]  # the heaviest first
    assert close_vote(chair, agenda.amendment).startswith("Het amendement is aangenomen")

    open_vote(chair, agenda.motion)  # its amendment decided: no question asked
    press_handsets(simulator_url, {h: 1 for h in DELEGATES.values()})
    assert close_vote(chair, agenda.motion).startswith("De motie is aangenomen")

    # The election: 75, 98 and 28 of 201 votes, no majority; a runoff between
    # the best two in one click, and the second candidate wins it.
    first, second = agenda.candidates[:2]
    open_vote(chair, agenda.election)
    press_handsets(simulator_url, {"000001": 1, "000002": 2, "000003": 3, "000004": 2})
    close_vote(chair, agenda.election)
    button = vote_row(chair, agenda.election, "closed").get_by_role("button", name="Herstemming")
    expect(button).to_have_text(f"Herstemming tussen {second} en {first}")
    screenshot(chair, "hall-control-election")
    again = runoff(chair, agenda.election)
    open_vote(chair, again)
    # The runoff's keys: 1 the best of the first round, 2 the other.
    press_handsets(simulator_url, {"000001": 2, "000002": 1, "000003": 1, "000004": 1})
    assert close_vote(chair, again) == (
        f"De leden kiezen {second} als {agenda.office} met 62,69% van de stemmen."
    )
    screenshot(chair, "hall-control-runoff")


def paper_sizes(pdf: bytes) -> list[tuple[int, int]]:
    """Each page's width and height in millimetres."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [
            (round(page.get_width() / 72 * 25.4), round(page.get_height() / 72 * 25.4))
            for page in document
        ]
    finally:
        document.close()
