"""A meeting in the hall, run from the browser: the desk, the chair, the handsets.

The services, the gateway and the receiver simulator run as real processes
(``alv`` commands, as ``make run`` starts them); headless Chromium drives the
pages as the desk officer, the chair and staff, each logged in; the delegates
press their simulated handsets. From a prepared meeting (``prepared``: the
members, their stemkaarten and the agenda, for now through the API; the
acceptance test prepares it through the secretariat's pages instead) every
step goes through the pages (``tests/support/hall.py``). Screenshots of each
page go to ``test-artifacts/``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser

from alv.stack import Stack
from tests.support.apps import as_caller
from tests.support.browser import beside_playwright, launched_chromium
from tests.support.builders import make_meeting
from tests.support.hall import DELEGATES, People, hold_the_meeting, register_delegates
from tests.support.people import person_context
from tests.support.ports import free_port

pytestmark = [pytest.mark.db, pytest.mark.e2e]

# The delegates' municipalities as in the 2023 CBS figures (75, 75, 28, 23, 3 and 1 votes).
MEMBERS = """code,name,population
GM0363,Amsterdam,918117
GM0344,Utrecht,367947
GM0059,Achtkarspelen,28149
GM0050,Zeewolde,23692
GM0060,Ameland,3840
GM0088,Schiermonnikoog,982
"""


@dataclasses.dataclass(frozen=True)
class Agenda:
    """The agenda's titles (as the preparation's ``Agenda`` names them)."""

    proefstemming: str | None = "Proefstemming"
    motion: str = "Motie armoedebeleid"
    amendment: str = "Amendement A op de motie armoedebeleid"
    election: str = "Verkiezing vicevoorzitter"
    office: str = "vicevoorzitter"
    candidates: tuple[str, ...] = ("Mark Boumans", "Sharon Dijksma", "Jan de Vries")


AGENDA = Agenda()


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


def prepare_through_the_api(stack: Stack) -> dict[str, str]:
    """For now: the members, their cards and the agenda through the API (the
    stack's own meeting, the one its gateway serves); the stemkaart codes."""
    config = stack.config
    tokens, meeting = config.tokens, config.meeting
    cards = beside_playwright(
        prepared_members, config.url("registration"), tokens["secretariat"], meeting
    )
    chair = as_caller(tokens["chair"])
    with httpx.Client(base_url=config.url("ballot"), headers=chair, timeout=30) as ballot:

        def vote(**body: object) -> int:
            response = ballot.post(f"/api/meetings/{meeting}/votes", json=body)
            assert response.status_code == 201, response.text
            return int(response.json()["id"])

        vote(kind="proefstemming", title=AGENDA.proefstemming)
        motion = vote(kind="motie", title=AGENDA.motion)
        vote(kind="amendement", title=AGENDA.amendment, amends_vote_id=motion)
        vote(
            kind="verkiezing",
            title=AGENDA.election,
            office=AGENDA.office,
            options=[
                {"key": key, "label": name, "role": "choice"}
                for key, name in enumerate(AGENDA.candidates, 1)
            ],
        )
    return cards


@pytest.fixture(scope="module")
def cards(stack: Stack) -> dict[str, str]:
    return prepare_through_the_api(stack)


@pytest.fixture(scope="module")
def simulator_url(stack: Stack, cards: dict[str, str]) -> Iterator[str]:
    """The gateway on the simulator's receiver with the delegates' six handsets."""
    stack.config.simulated_handsets = len(DELEGATES)
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


def test_a_meeting_in_the_hall_from_the_browser(
    stack: Stack, cards: dict[str, str], simulator_url: str, browser: Browser
) -> None:
    config = stack.config
    registration, accounts = config.url("registration"), config.database_urls["registration"]
    contexts = [
        person_context(
            browser, registration, accounts, role, viewport={"width": 1280, "height": 900}
        )
        for role in ("desk", "chair", "auditor")
    ]
    desk, chair, staff = (context.new_page() for context in contexts)
    for page in (desk, chair, staff):
        page.set_default_timeout(20_000)
    register_delegates(desk, registration, config.meeting, cards=cards)
    hold_the_meeting(
        People(desk=desk, chair=chair, staff=staff),
        registration_url=registration,
        results_url=config.url("results"),
        meeting=config.meeting,
        simulator_url=simulator_url,
        agenda=AGENDA,
    )
    for context in contexts:
        context.close()
