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
from functools import partial
from pathlib import Path

import anyio
import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from alv.stack import Stack
from tests.conftest import REFERENCE
from tests.support.accounts import add_account
from tests.support.browser import artifact_path, chromium_launch_kwargs
from tests.support.console import (
    build_agenda,
    cards_from_mail,
    create_meeting,
    import_contacts,
    import_members,
    log_in_staff,
    send_cards,
)
from tests.support.databases import DatabaseFactory
from tests.support.smtp import RecordingHandler, smtp_server
from tests.support.stacks import running_stack

pytestmark = [pytest.mark.db, pytest.mark.e2e]

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


def test_prepare_a_meeting_in_the_browser(
    console_stack: Stack, smtp: tuple[int, RecordingHandler], tmp_path: Path
) -> None:
    launch = chromium_launch_kwargs()
    config = console_stack.config
    code = config.meeting
    registration = config.url("registration")
    login = anyio.run(
        partial(add_account, config.database_urls["registration"], roles=["secretariat"])
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("dialog", lambda dialog: dialog.accept())
        log_in_staff(page, registration=registration, login=login)
        create_meeting(
            page,
            registration=registration,
            code=code,
            name="ALV juni 2024",
            date="2024-06-12",
            reference="1 januari 2023",
        )
        weight = import_members(page, members=MEMBERS)
        import_contacts(page, contacts=contacts_csv(tmp_path))
        send_cards(page)
        agenda = build_agenda(page)

        # A refusal is shown in the layout's problem area and changes nothing:
        # the motion cannot go while its amendment points at it.
        motion = page.locator("#agenda-tree li[data-kind=motie]")
        motion.get_by_role("button", name="verwijderen").first.click()
        expect(page.get_by_test_id("problem")).to_contain_text("kan niet weg")
        page.screenshot(path=artifact_path("console-6-refusal.png"), full_page=True)
        expect(motion).to_be_visible()
        browser.close()

    # What the pages did, as the services now know it.
    assert weight == 13_074
    with httpx.Client(base_url=registration, timeout=30) as client:
        members = client.get(f"/api/meetings/{code}/members").json()
    assert len(members) == 342
    assert sum(m["weight"] for m in members) == weight
    cards = cards_from_mail(smtp[1].wait_for(342))
    assert len(cards) == 342 and set(cards) == {m["code"] for m in members}
    with httpx.Client(base_url=config.url("ballot"), timeout=30) as ballot:
        votes = ballot.get(f"/api/meetings/{code}/votes").json()
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
