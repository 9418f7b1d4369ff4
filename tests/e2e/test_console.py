"""Preparing a meeting from an empty installation, every step through the pages.

The three services run as processes on fresh databases; the stemkaarten go to
an in-process SMTP server. In headless Chromium the secretariat creates the
meeting, imports the 2023 CBS members, imports the contacts, mails every card,
and builds an agenda with a motion, an amendment to it and an election of three
candidates (the steps are in ``tests/support/console.py``, so an acceptance
test goes on from here into the hall).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from alv.stack import Stack
from tests.conftest import REFERENCE
from tests.support.browser import artifact_path, chromium_launch_kwargs
from tests.support.console import (
    build_agenda,
    create_meeting,
    import_contacts,
    import_members,
    log_in_staff,
    send_cards,
)
from tests.support.databases import DatabaseFactory
from tests.support.smtp import RecordingHandler, smtp_server
from tests.support.stacks import running_stack

pytestmark = [pytest.mark.anyio, pytest.mark.db, pytest.mark.e2e]

MEMBERS = REFERENCE / "population-2023-01-01.csv"


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[int, RecordingHandler]]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def console_stack(
    tmp_path_factory: pytest.TempPathFactory,
    token_values: dict[str, str],
    database_factory: DatabaseFactory,
    smtp: tuple[int, RecordingHandler],
) -> Iterator[Stack]:
    """An empty installation with a mail server."""
    mail = {
        "REGISTRATION_SMTP_HOST": "127.0.0.1",
        "REGISTRATION_SMTP_PORT": str(smtp[0]),
        "REGISTRATION_SMTP_STARTTLS": "false",
        "REGISTRATION_MAIL_FROM": "VNG ALV <alv@vng.example>",
    }
    with running_stack(
        name="console",
        data_dir=tmp_path_factory.mktemp("console"),
        tokens=token_values,
        database_factory=database_factory,
        extra_env=mail,
    ) as stack:
        yield stack


def contacts_csv(folder: Path) -> Path:
    """A gemeentesecretaris for every municipality of the CBS file."""
    rows = csv.DictReader(MEMBERS.read_text(encoding="utf-8").splitlines())
    lines = [
        f"{r['code']},Secretaris {r['code']},secretaris.{r['code'].lower()}@example.nl"
        for r in rows
    ]
    path = folder / "contacten.csv"
    path.write_text("code,name,email\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_prepare_a_meeting_in_the_browser(
    console_stack: Stack,
    smtp: tuple[int, RecordingHandler],
    tmp_path: Path,
) -> None:
    launch = chromium_launch_kwargs()
    from playwright.async_api import async_playwright, expect

    config = console_stack.config
    code = config.meeting
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**launch)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await log_in_staff(
            page,
            registration=config.url("registration"),
            database_url=config.database_urls["registration"],
        )
        page.on("dialog", lambda dialog: dialog.accept())
        await create_meeting(
            page,
            registration=config.url("registration"),
            code=code,
            name="ALV juni 2024",
            date="2024-06-12",
            reference="1 januari 2023",
        )
        weight = await import_members(page, members=MEMBERS)
        await import_contacts(page, contacts=contacts_csv(tmp_path))
        await send_cards(page)
        agenda = await build_agenda(page)

        # A refusal is shown in the layout's problem area and changes nothing:
        # the motion cannot go while its amendment points at it.
        motion = page.locator("#agenda-tree li[data-kind=motie]")
        await motion.get_by_role("button", name="verwijderen").first.click()
        problem = page.get_by_test_id("problem")
        await expect(problem).to_contain_text("kan niet weg")
        await page.screenshot(path=artifact_path("console-6-refusal.png"), full_page=True)
        await expect(motion).to_be_visible()
        await browser.close()

    # What the pages did, as the services now know it.
    assert weight == 13_074
    async with httpx.AsyncClient(base_url=config.url("registration"), timeout=30) as registration:
        members = (await registration.get(f"/api/meetings/{code}/members")).json()
        assert len(members) == 342
        assert sum(m["weight"] for m in members) == weight
    mails = smtp[1].wait_for(342)
    assert len({message["To"] for message in mails}) == 342
    async with httpx.AsyncClient(base_url=config.url("ballot"), timeout=30) as ballot:
        votes = (await ballot.get(f"/api/meetings/{code}/votes")).json()
    assert [(v["kind"], v["title"]) for v in votes] == [
        ("amendement", agenda.amendment),
        ("motie", agenda.motion),
        ("verkiezing", agenda.election),
    ]
    assert votes[0]["amends_vote_id"] == votes[1]["id"]
    assert votes[2]["office"] == "vicevoorzitter"
    assert [o["label"] for o in votes[2]["options"] if o["role"] == "choice"] == list(
        agenda.candidates
    )
