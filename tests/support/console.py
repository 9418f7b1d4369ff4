"""Preparing a meeting in the browser, step by step, as the secretariat does.

Every step drives the pages only (the console on registration, the agenda
editor on ballot): it fills in forms, uploads files and clicks, and waits on
what the page shows, never on time. A screenshot of each page goes to
``test-artifacts/``. The steps chain: an acceptance test continues in the
hall with the same ``page`` and meeting.

    page = await browser.new_page()
    await log_in_staff(page, registration=url, database_url=registration_database_url)
    await create_meeting(page, registration=url, code=code, name="ALV juni 2024",
                         date="2024-06-12", reference="1 januari 2023")
    await import_members(page, members=REFERENCE / "population-2023-01-01.csv")
    await import_contacts(page, contacts=contacts_file)
    await send_cards(page)
    agenda = await build_agenda(page)
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.async_api import Page, expect

from services.common.auth import SESSION_COOKIE
from services.common.csrf import CSRF_COOKIE
from services.common.labels import dutch_number
from tests.support.accounts import add_account, log_in, log_in_page
from tests.support.browser import artifact_path

# Mailing a few hundred stemkaarten renders a PDF for each: minutes on a busy machine.
SENDING_MS = 300_000
STEP_MS = 15_000


async def staff_session(
    login: str, registration: httpx.AsyncClient, *others: httpx.AsyncClient
) -> None:
    """Log ``login`` in at registration; the clients of the other services get the
    same session and CSRF cookies, as a browser sends them to every port of the host."""
    await log_in(registration, login)
    for client in others:
        for name in (SESSION_COOKIE, CSRF_COOKIE):
            client.cookies.set(name, registration.cookies[name])
        client.headers["X-CSRF-Token"] = registration.cookies[CSRF_COOKIE]


async def log_in_staff(page: Page, *, registration: str, database_url: str) -> str:
    """A secretariat account in registration's database, logged in through the
    login page; its login."""
    login = await add_account(database_url, roles=["secretariat"], name="Secretariaat VNG")
    await log_in_page(page, registration, login)
    return login


async def _shot(page: Page, name: str) -> None:
    await page.screenshot(path=artifact_path(f"console-{name}.png"), full_page=True)


async def create_meeting(
    page: Page, *, registration: str, code: str, name: str, date: str, reference: str
) -> None:
    """From the start page to the new meeting's console; ``reference`` is the CBS
    reference date the page must show for ``date`` ("1 januari 2023")."""
    await page.goto(f"{registration}/")
    await page.get_by_test_id("console-link").click()
    await expect(page.locator("h1")).to_have_text("Secretariaat")
    await page.fill("#meeting-name", name)
    await page.fill("#meeting-code", code)
    await page.fill("#meeting-date", date)
    await page.locator("#meeting-date").dispatch_event("change")
    await expect(page.get_by_test_id("reference-date")).to_have_text(reference)
    await _shot(page, "1-new-meeting")
    await page.get_by_role("button", name="Vergadering aanmaken").click()
    await page.wait_for_url(f"{registration}/console/{code}")
    await expect(page.locator("h1")).to_have_text(name)
    await expect(page.get_by_test_id("reference-date")).to_have_text(reference)


async def import_members(page: Page, *, members: Path) -> int:
    """The CBS CSV: preview (weights, provenance, skipped rows), then confirm.
    Returns the total weight the console shows."""
    expected = _total_weight(members)
    await page.set_input_files("#members-csv", members)
    await page.get_by_test_id("preview-members").click()
    report = page.get_by_test_id("member-report")
    await expect(report).to_have_attribute("data-dry-run", "true", timeout=STEP_MS)
    await expect(page.get_by_test_id("preview-weight")).to_have_text(dutch_number(expected))
    await expect(page.get_by_test_id("member-count")).to_contain_text("0 gemeenten")
    await _shot(page, "2-member-preview")
    await page.get_by_test_id("confirm-members").click()
    await expect(page.get_by_test_id("members-imported")).to_be_visible(timeout=STEP_MS)
    await expect(page.get_by_test_id("total-weight")).to_have_text(dutch_number(expected))
    return expected


def _total_weight(members: Path) -> int:
    """The weights of the file by article 10, worked out here, independently of the import."""
    rows = csv.DictReader(members.read_text(encoding="utf-8").splitlines())
    return sum(min(75, max(1, int(row["population"]) // 1000)) for row in rows)


async def import_contacts(page: Page, *, contacts: Path) -> None:
    await page.set_input_files("#contacts-csv", contacts)
    await page.get_by_role("button", name="Importeren").click()
    await expect(page.get_by_test_id("contact-report")).to_contain_text(
        "Elke gemeente heeft een e-mailadres"
    )


async def send_cards(page: Page) -> None:
    """Make the stemkaarten and mail them all, following the progress to the end."""
    await page.get_by_test_id("issue-cards").click()
    await expect(page.get_by_test_id("cards-issued")).to_be_visible(timeout=STEP_MS)
    await page.get_by_test_id("send-cards").click()
    progress = page.get_by_test_id("send-progress")
    # The first batch is answered once it is sent: twenty PDFs rendered and mailed.
    await expect(progress).to_be_visible(timeout=SENDING_MS)
    await _shot(page, "3-sending")
    await expect(progress).to_have_attribute("data-done", "true", timeout=SENDING_MS)
    await expect(page.get_by_test_id("send-counts")).to_contain_text("0 mislukt")
    await _shot(page, "4-cards-sent")


@dataclass(frozen=True)
class Agenda:
    motion: str
    amendment: str
    election: str
    office: str
    candidates: tuple[str, ...]


AGENDA = Agenda(
    motion="Motie klimaatadaptatie",
    amendment="Amendement A: ook voor kleine gemeenten",
    election="Verkiezing vicevoorzitter",
    office="vicevoorzitter",
    candidates=("Mark Boumans", "Anna de Vries", "Piet Jansen"),
)


async def _add_vote(page: Page, *, kind: str, title: str, **fields: str) -> None:
    form = page.locator("#vote-form")
    await form.locator("#vote-kind").select_option(kind)
    await form.locator("#vote-title").fill(title)
    for selector, value in fields.items():
        field = form.locator(f"#{selector}")
        if await field.evaluate("e => e.tagName") == "SELECT":
            await field.select_option(label=value)
        else:
            await field.fill(value)
    await form.get_by_test_id("save-vote").click()
    await expect(page.get_by_test_id("agenda-done")).to_contain_text("is toegevoegd")
    await expect(page.locator("#agenda-tree .title", has_text=title)).to_be_visible()


async def build_agenda(page: Page, agenda: Agenda = AGENDA) -> Agenda:
    """From the console to the agenda editor: a motion, an amendment to it (moved
    before it), and an election of three candidates."""
    await page.get_by_test_id("agenda-link").click()
    await expect(page.get_by_test_id("agenda-empty")).to_be_visible()
    await _add_vote(page, kind="motie", title=agenda.motion, **{"vote-item": "5"})
    await _add_vote(
        page,
        kind="amendement",
        title=agenda.amendment,
        **{"vote-item": "5a", "vote-amends": f"1. Motie: {agenda.motion}"},
    )
    amendment = page.locator("#agenda-tree li[data-kind=amendement]")
    await expect(amendment).to_contain_text("staat in de volgorde ná wat het wijzigt")
    await amendment.get_by_role("button", name="eerder").click()
    await expect(amendment).not_to_contain_text("staat in de volgorde ná")
    await _add_vote(
        page,
        kind="verkiezing",
        title=agenda.election,
        **{
            "vote-item": "6",
            "vote-office": agenda.office,
            "vote-options": "\n".join(agenda.candidates),
        },
    )
    election = page.locator("#agenda-tree li[data-kind=verkiezing]")
    await expect(election).to_contain_text("kandidaten: " + ", ".join(agenda.candidates))
    await _shot(page, "5-agenda")
    return agenda
