"""Preparing a meeting from an empty installation, every step through the pages.

The three services run as processes on fresh databases; the stemkaarten go to
an in-process SMTP server. In headless Chromium the secretariat creates the
meeting, imports the 2023 CBS members, imports the contacts, mails every card,
and builds an agenda with a motion, an amendment to it and an election of three
candidates (the steps are in ``tests/support/console.py``, so an acceptance
test goes on from here into the hall).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import anyio
import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from alv.stack import Stack
from tests.support.accounts import add_account
from tests.support.browser import artifact_path, chromium_launch_kwargs
from tests.support.console import AGENDA, prepare_meeting, publish_stemgedrag
from tests.support.databases import DatabaseFactory
from tests.support.smtp import RecordingHandler, mail_env, smtp_server
from tests.support.stacks import running_stack

pytestmark = [pytest.mark.db, pytest.mark.e2e]


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
    with running_stack(
        name="console",
        data_dir=tmp_path_factory.mktemp("console"),
        tokens=token_values,
        database_factory=database_factory,
        extra_env=mail_env(smtp[0]),
    ) as stack:
        yield stack


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
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="nl-NL")
        page.on("dialog", lambda dialog: dialog.accept())
        cards = prepare_meeting(
            page, config=config, login=login, mail=smtp[1], folder=tmp_path, agenda=AGENDA
        )
        # A refusal is shown in the layout's problem area and changes nothing:
        # the motion cannot go while its amendment points at it.
        motion = page.locator("#agenda-tree li[data-kind=motie]")
        motion.get_by_role("button", name="verwijderen").first.click()
        expect(page.get_by_test_id("problem")).to_contain_text("kan niet weg")
        page.screenshot(path=artifact_path("console-6-refusal.png"), full_page=True)
        expect(motion).to_be_visible()
        # The end of the chain, after the hall: the stemgedrag published.
        publish_stemgedrag(page, registration=registration, meeting=code)
        browser.close()

    # What the pages did, as the services now know it.
    with httpx.Client(base_url=registration, timeout=30) as client:
        members = client.get(f"/api/meetings/{code}/members").json()
    assert len(members) == 342
    assert sum(m["weight"] for m in members) == 13_074
    assert len(cards) == 342 and set(cards) == {m["code"] for m in members}
    with httpx.Client(base_url=config.url("ballot"), timeout=30) as ballot:
        votes = ballot.get(f"/api/meetings/{code}/votes").json()
    assert [(v["kind"], v["title"]) for v in votes] == [
        ("amendement", AGENDA.amendment),
        ("motie", AGENDA.motion),
        ("verkiezing", AGENDA.election),
    ]
    assert votes[0]["amends_vote_id"] == votes[1]["id"]
    assert votes[2]["office"] == "vicevoorzitter"
    assert [o["label"] for o in votes[2]["options"] if o["role"] == "choice"] == list(
        AGENDA.candidates
    )
    with httpx.Client(base_url=config.url("results"), timeout=30) as results:
        publication = results.get(f"/api/meetings/{code}/publication").json()
    assert publication["stemgedrag_public"] is True
    assert publication["published_by"] == login
