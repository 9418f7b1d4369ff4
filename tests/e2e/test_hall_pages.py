"""A meeting in the hall, run from the browser: the desk, the chair, the handsets.

The services, the gateway and the receiver simulator run as real processes
(``alv`` commands, as ``make run`` starts them); headless Chromium drives the
pages as the desk officer, the chair and staff; the delegates press their
simulated handsets. From a prepared meeting (members, stemkaarten, agenda:
``prepared``, for now through the API; the secretariat's pages will prepare
it) to the election's runoff, every step goes through the pages
(``tests/support/hall.py``). Screenshots of each page go to ``test-artifacts/``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pypdfium2
import pytest
from playwright.sync_api import Browser, Page, expect

from alv.stack import Stack
from tests.support.apps import bearer
from tests.support.browser import artifact_path, beside_playwright, launched_chromium
from tests.support.builders import make_meeting
from tests.support.hall import (
    WITHIN_MS,
    back_to_desk,
    close_vote,
    not_voted,
    open_control,
    open_desk,
    open_vote,
    press_handsets,
    print_stempas,
    register_at_desk,
    register_without_barcode,
    runoff,
    screenshot,
    vote_row,
)
from tests.support.people import person_context
from tests.support.ports import free_port

pytestmark = [pytest.mark.db, pytest.mark.e2e]

# Weights 75, 75, 28, 23, 3 and 1 (article 10: a vote per 1,000 inhabitants, 1 to 75).
MEMBERS = """code,name,population
GM0363,Amsterdam,918117
GM0344,Utrecht,361924
GM0059,Achtkarspelen,28041
GM0050,Zeewolde,23012
GM0060,Ameland,3800
GM0088,Schiermonnikoog,932
"""
# Who holds which simulated handset.
HANDSETS = {
    "GM0363": "000001",
    "GM0344": "000002",
    "GM0059": "000003",
    "GM0050": "000004",
    "GM0060": "000005",
    "GM0088": "000006",
}
PROEF = "Proefstemming"
MOTION = "Motie armoedebeleid"
AMENDMENT = "Amendement A op de motie armoedebeleid"
ELECTION = "Verkiezing vicevoorzitter"
CANDIDATES = ("Mark Boumans", "Sharon Dijksma", "Jan de Vries")


@dataclasses.dataclass(frozen=True)
class Prepared:
    """What the secretariat hands the hall: a meeting, its stemkaarten, its agenda."""

    registration_url: str
    results_url: str
    meeting: str
    cards: dict[str, str]


def prepare_through_the_api(stack: Stack) -> Prepared:
    """For now: the members, their cards and the agenda through the API. The
    acceptance test chains the secretariat's pages here instead."""
    config = stack.config
    tokens, meeting = config.tokens, config.meeting
    registration = config.url("registration")
    cards = beside_playwright(prepared_members, registration, tokens["admin"], meeting)
    chair = bearer(tokens["chair"])
    with httpx.Client(base_url=config.url("ballot"), headers=chair, timeout=30) as ballot:

        def vote(**body: object) -> int:
            response = ballot.post(f"/api/meetings/{meeting}/votes", json=body)
            assert response.status_code == 201, response.text
            return int(response.json()["id"])

        vote(kind="proefstemming", title=PROEF)
        motion = vote(kind="motie", title=MOTION)
        vote(kind="amendement", title=AMENDMENT, amends_vote_id=motion)
        vote(
            kind="verkiezing",
            title=ELECTION,
            office="vicevoorzitter",
            options=[
                {"key": key, "label": name, "role": "choice"}
                for key, name in enumerate(CANDIDATES, 1)
            ],
        )
    return Prepared(registration, config.url("results"), meeting, cards)


async def prepared_members(url: str, admin: str, meeting: str) -> dict[str, str]:
    """The meeting, its members (``MEMBERS``) and their stemkaarten: member -> code."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as registration:
        return await make_meeting(
            registration,
            admin=admin,
            code=meeting,
            name="ALV juni 2024",
            date="2024-06-14",
            members_csv=MEMBERS,
        )


@pytest.fixture(scope="module")
def prepared(stack: Stack) -> Prepared:
    return prepare_through_the_api(stack)


@pytest.fixture(scope="module")
def simulator_url(stack: Stack, prepared: Prepared) -> Iterator[str]:
    """The gateway on the simulator's receiver, six handsets (000001-000006)."""
    stack.config.simulated_handsets = len(HANDSETS)
    stack.config.simulator_control_port = free_port()
    stack.start_hardware()
    try:
        yield f"http://127.0.0.1:{stack.config.simulator_control_port}"
    finally:
        stack.stop("gateway")
        stack.stop("simulator")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as chromium:
        yield chromium


def a6_pages(pdf: bytes) -> list[tuple[int, int]]:
    """Each page's size in millimetres."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [
            (round(page.get_width() / 72 * 25.4), round(page.get_height() / 72 * 25.4))
            for page in document
        ]
    finally:
        document.close()


def test_a_meeting_in_the_hall_from_the_browser(
    browser: Browser, stack: Stack, prepared: Prepared, simulator_url: str
) -> None:
    reg, results, meeting = prepared.registration_url, prepared.results_url, prepared.meeting
    accounts = stack.config.database_urls["registration"]
    screen = {"viewport": {"width": 1280, "height": 900}}
    desk = person_context(browser, reg, accounts, "desk", **screen)
    chair = person_context(browser, reg, accounts, "chair", **screen)
    staff = person_context(browser, reg, accounts, "auditor", **screen)
    officer: Page = desk.new_page()
    control: Page = chair.new_page()
    handsets: Page = staff.new_page()
    for page in (officer, control, handsets):
        page.set_default_timeout(20_000)

    # The desk: four stemkaarten, a machtigingsformulier without a barcode,
    # a forgotten stemkaart; each stempas on the screen, one printed.
    open_desk(officer, reg, meeting)
    for member in ("GM0363", "GM0344", "GM0059", "GM0050"):
        register_at_desk(
            officer, reg, meeting, card_code=prepared.cards[member], handset=HANDSETS[member]
        )
    print_stempas(officer, "Zeewolde")
    expect(officer.get_by_test_id("stempas-weight")).to_have_text("23")
    expect(officer.locator("header.site")).to_be_hidden()
    screenshot(officer, "hall-stempas-print")
    assert a6_pages(officer.pdf(prefer_css_page_size=True)) == [(105, 148)]
    back_to_desk(officer)
    register_without_barcode(
        officer,
        reg,
        meeting,
        name="amel",
        member="GM0060",
        officer="J. de Vries",
        handset=HANDSETS["GM0060"],
        proof="authorisation_form",
    )
    register_without_barcode(
        officer,
        reg,
        meeting,
        name="schier",
        member="GM0088",
        officer="J. de Vries",
        handset=HANDSETS["GM0088"],
    )
    expect(officer.get_by_test_id("present-members")).to_have_text("6")
    expect(officer.get_by_test_id("present-weight")).to_have_text("205")
    expect(officer.get_by_test_id("recent")).to_contain_text("machtigingsformulier, J. de Vries")
    screenshot(officer, "hall-desk")

    # The chair: everyone present, the agenda with the amendment under its motion.
    open_control(control, results, meeting)
    expect(control.get_by_test_id("present-members")).to_have_text("6")
    expect(control.get_by_test_id("present-weight")).to_have_text("205")
    screenshot(control, "hall-control-agenda")

    # A proefstemming: Schiermonnikoog's handset does not respond.
    open_vote(control, PROEF)
    press_handsets(simulator_url, {h: 1 for m, h in HANDSETS.items() if m != "GM0088"})
    expect(control.get_by_test_id("not-voted-count")).to_have_text("1 gemeente")
    assert not_voted(control) == ["Schiermonnikoog (1) · kastje 000006"]
    expect(officer.get_by_test_id("test-vote-missing")).to_have_text(
        "Schiermonnikoog: kastje 000006"
    )
    screenshot(control, "hall-control-proefstemming")
    screenshot(officer, "hall-desk-proefstemming")
    close_vote(control, PROEF)

    # The handset registry: the five that pressed are in range (as soon as the
    # gateway's next report arrives; the page polls).
    handsets.goto(f"{reg}/handsets/{meeting}")
    for handset in ("000001", "000005"):
        expect(handsets.get_by_test_id(f"in-range-{handset}")).to_have_text(
            "binnen bereik", timeout=WITHIN_MS
        )
    screenshot(handsets, "hall-handsets")

    # The motion waits for its amendment: the chair is warned.
    expect(vote_row(control, MOTION, "prepared").locator(".warning")).to_contain_text(
        "Eerst de amendementen"
    )
    open_vote(control, AMENDMENT)
    expect(control.get_by_test_id("not-voted-count")).to_have_text("6 gemeenten")
    press_handsets(simulator_url, {"000001": 1, "000002": 2, "000003": 1, "000006": 3})
    expect(control.get_by_test_id("not-voted-count")).to_have_text("2 gemeenten")
    assert not_voted(control) == ["Zeewolde (23)", "Ameland (3)"]  # the heaviest first
    assert close_vote(control, AMENDMENT).startswith("Het amendement is aangenomen")

    open_vote(control, MOTION)  # its amendment decided: no question
    press_handsets(simulator_url, {h: 1 for h in HANDSETS.values()})
    assert close_vote(control, MOTION).startswith("De motie is aangenomen")

    # The election: no majority (98 of 201), a runoff between the best two.
    open_vote(control, ELECTION)
    press_handsets(simulator_url, {"000001": 1, "000002": 2, "000003": 3, "000004": 2})
    close_vote(control, ELECTION)
    button = vote_row(control, ELECTION, "closed").get_by_role("button", name="Herstemming")
    expect(button).to_have_text("Herstemming tussen Sharon Dijksma en Mark Boumans")
    screenshot(control, "hall-control-election")
    second = runoff(control, ELECTION)
    open_vote(control, second)
    press_handsets(simulator_url, {"000001": 2, "000002": 1, "000003": 1, "000004": 1})
    assert close_vote(control, second) == (
        "De leden kiezen Sharon Dijksma als vicevoorzitter met 62,69% van de stemmen."
    )
    screenshot(control, "hall-control-runoff")
    control.screenshot(path=str(artifact_path("hall-control-end.png")))
    for context in (desk, chair, staff):
        context.close()
