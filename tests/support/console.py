"""Preparing a meeting in the browser, step by step, as the secretariat does.

Every step drives the pages only (the console on registration, the agenda
editor on ballot): it fills in forms, uploads files and clicks, and waits on
what the page shows, never on time. A screenshot of each page goes to
``test-artifacts/``. The steps chain: an acceptance test continues in the
hall with the same ``page`` and meeting.

    with smtp_server() as (port, mail), running_stack(..., extra_env=mail_env(port)) as stack:
        with launched_chromium() as browser:      # the sync API, as the hall's steps
            page = person_context(browser, registration_url, accounts_db, "secretariat").new_page()
            cards = prepare_meeting(page, config=stack.config, mail=mail, folder=tmp_path,
                                    agenda=Agenda(proefstemming=..., ...))
            # ... the hall, with the same stack, meeting and cards

or step by step: create_meeting, import_members, import_contacts, send_cards,
build_agenda, cards_from_mail; after the hall, publish_stemgedrag. The page is
a logged-in secretariat's (``tests/support/people.py``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import zxingcpp
from playwright.sync_api import Page, expect

from alv.stack import StackConfig
from services.common.labels import dutch_number
from tests.conftest import REFERENCE
from tests.support.browser import screenshot
from tests.support.pdf import images
from tests.support.smtp import RecordingHandler

# Mailing a few hundred stemkaarten renders a PDF for each: minutes on a busy machine.
SENDING_MS = 300_000
STEP_MS = 15_000


def create_meeting(
    page: Page, *, registration: str, code: str, name: str, date: str, reference: str
) -> None:
    """From the start page to the new meeting's console; ``reference`` is the CBS
    reference date the page must show for ``date`` ("1 januari 2023")."""
    page.goto(f"{registration}/")
    screenshot(page, "console-0-start")
    page.get_by_test_id("console-link").click()
    expect(page.locator("h1")).to_have_text("Secretariaat")
    page.fill("#meeting-name", name)
    page.fill("#meeting-code", code)
    page.fill("#meeting-date", date)
    page.locator("#meeting-date").dispatch_event("change")
    expect(page.get_by_test_id("reference-date")).to_have_text(reference)
    screenshot(page, "console-1-new-meeting")
    page.get_by_role("button", name="Vergadering aanmaken").click()
    page.wait_for_url(f"{registration}/console/{code}")
    expect(page.locator("h1")).to_have_text(name)
    expect(page.get_by_test_id("reference-date")).to_have_text(reference)


def import_members(page: Page, *, members: Path) -> int:
    """The CBS CSV: preview (weights, provenance, skipped rows), then confirm.
    Returns the total weight the console shows."""
    expected = _total_weight(members)
    page.set_input_files("#members-csv", members)
    page.get_by_test_id("preview-members").click()
    report = page.get_by_test_id("member-report")
    expect(report).to_have_attribute("data-dry-run", "true", timeout=STEP_MS)
    expect(page.get_by_test_id("preview-weight")).to_have_text(dutch_number(expected))
    expect(page.get_by_test_id("member-count")).to_contain_text("0 gemeenten")
    screenshot(page, "console-2-member-preview")
    page.get_by_test_id("confirm-members").click()
    expect(page.get_by_test_id("members-imported")).to_be_visible(timeout=STEP_MS)
    expect(page.get_by_test_id("total-weight")).to_have_text(dutch_number(expected))
    return expected


def _total_weight(members: Path) -> int:
    """The weights of the file by article 10, worked out here, independently of the import."""
    rows = csv.DictReader(members.read_text(encoding="utf-8").splitlines())
    return sum(min(75, max(1, int(row["population"]) // 1000)) for row in rows)


def import_contacts(page: Page, *, contacts: Path) -> None:
    page.set_input_files("#contacts-csv", contacts)
    page.get_by_role("button", name="Importeren").click()
    expect(page.get_by_test_id("contact-report")).to_contain_text(
        "Elke gemeente heeft een e-mailadres"
    )


def send_cards(page: Page) -> None:
    """Make the stemkaarten and mail them all, following the progress to the end."""
    page.get_by_test_id("issue-cards").click()
    expect(page.get_by_test_id("cards-issued")).to_be_visible(timeout=STEP_MS)
    page.get_by_test_id("send-cards").click()
    progress = page.get_by_test_id("send-progress")
    # The first batch is answered once it is sent: twenty PDFs rendered and mailed.
    expect(progress).to_be_visible(timeout=SENDING_MS)
    screenshot(page, "console-3-sending")
    expect(progress).to_have_attribute("data-done", "true", timeout=SENDING_MS)
    expect(page.get_by_test_id("send-counts")).to_contain_text("0 mislukt")
    screenshot(page, "console-4-cards-sent")


@dataclass(frozen=True)
class Agenda:
    motion: str
    amendment: str
    election: str
    office: str
    candidates: tuple[str, ...]
    # Put first when given: the hall checks every handset with it.
    proefstemming: str | None = None


AGENDA = Agenda(
    motion="Motie klimaatadaptatie",
    amendment="Amendement A: ook voor kleine gemeenten",
    election="Verkiezing vicevoorzitter",
    office="vicevoorzitter",
    candidates=("Mark Boumans", "Anna de Vries", "Piet Jansen"),
)


def _add_vote(page: Page, *, kind: str, title: str, **fields: str) -> None:
    form = page.locator("#vote-form")
    form.locator("#vote-kind").select_option(kind)
    form.locator("#vote-title").fill(title)
    for selector, value in fields.items():
        field = form.locator(f"#{selector}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    form.get_by_test_id("save-vote").click()
    expect(page.get_by_test_id("agenda-done")).to_contain_text("is toegevoegd")
    expect(page.locator("#agenda-tree .title", has_text=title)).to_be_visible()


def build_agenda(page: Page, agenda: Agenda = AGENDA) -> Agenda:
    """From the console to the agenda editor: a proefstemming (if named), a
    motion, an amendment to it (moved before it), and an election of three
    candidates for an office."""
    page.get_by_test_id("agenda-link").click()
    expect(page.get_by_test_id("agenda-empty")).to_be_visible()
    if agenda.proefstemming:
        _add_vote(page, kind="proefstemming", title=agenda.proefstemming)
    _add_vote(page, kind="motie", title=agenda.motion, **{"vote-item": "5"})
    motion_place = 2 if agenda.proefstemming else 1
    _add_vote(
        page,
        kind="amendement",
        title=agenda.amendment,
        **{
            "vote-item": "5a",
            "vote-amends": f"{motion_place}. Motie: {agenda.motion}",
        },
    )
    amendment = page.locator("#agenda-tree li[data-kind=amendement]")
    expect(amendment).to_contain_text("staat in de volgorde ná wat het wijzigt")
    amendment.get_by_role("button", name="eerder").click()
    expect(amendment).not_to_contain_text("staat in de volgorde ná")
    _add_vote(
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
    expect(election).to_contain_text("kandidaten: " + ", ".join(agenda.candidates))
    screenshot(page, "console-5-agenda")
    return agenda


def publish_stemgedrag(page: Page, *, registration: str, meeting: str) -> None:
    """After the meeting: from the console to the publication page, and publish
    (the page asks to confirm: the test's dialog handler accepts)."""
    page.goto(f"{registration}/console/{meeting}")
    page.get_by_test_id("publication-link").click()
    expect(page.get_by_test_id("not-published")).to_be_visible()
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("published")).to_contain_text("gepubliceerd op")
    screenshot(page, "console-7-published")


def cards_from_mail(messages: list[EmailMessage]) -> dict[str, str]:
    """Member code -> stemkaart code, read from the mailed PDFs' barcodes (as the
    gemeentesecretaris prints them for the desk to scan)."""
    cards = {}
    for message in messages:
        [attachment] = list(message.iter_attachments())
        member = str(attachment.get_filename()).removesuffix(".pdf").rpartition("-")[2]
        [barcode] = images(attachment.get_content())
        [read] = zxingcpp.read_barcodes(barcode)
        cards[member] = read.text
    return cards


# The 2023 CBS members: the population on 1 January 2023, for a meeting in 2024.
CBS_2023 = REFERENCE / "population-2023-01-01.csv"


def contacts_for(members: Path, folder: Path) -> Path:
    """A contacts CSV with a gemeentesecretaris for every municipality of ``members``."""
    rows = csv.DictReader(members.read_text(encoding="utf-8").splitlines())
    lines = [
        f"{r['code']},Secretaris {r['code']},secretaris.{r['code'].lower()}@example.nl"
        for r in rows
    ]
    path = folder / "contacten.csv"
    path.write_text("code,name,email\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def prepare_meeting(
    page: Page,
    *,
    config: StackConfig,
    mail: RecordingHandler,
    folder: Path,
    agenda: Agenda = AGENDA,
    members: Path = CBS_2023,
) -> dict[str, str]:
    """The whole preparation, from the start page to the agenda, for the stack's own
    meeting (the one its gateway serves): ALV juni 2024 with the 2023 CBS
    members, every stemkaart mailed. Returns member -> stemkaart code, read from
    the mails, for the desk to scan in the hall."""
    registration = config.url("registration")
    create_meeting(
        page,
        registration=registration,
        code=config.meeting,
        name="ALV juni 2024",
        date="2024-06-12",
        reference="1 januari 2023",
    )
    import_members(page, members=members)
    import_contacts(page, contacts=contacts_for(members, folder))
    send_cards(page)
    build_agenda(page, agenda)
    count = len(list(csv.DictReader(members.read_text(encoding="utf-8").splitlines())))
    return cards_from_mail(mail.wait_for(count, timeout=60))
