"""Issue 11's acceptance: a whole meeting from an empty installation, every step
through the pages, in headless Chromium.

The services, the gateway and the receiver simulator run as real processes;
the stemkaarten go to an in-process SMTP server. The secretariat prepares
(``tests/support/console.py``: a meeting, the 2023 CBS members, the stemkaarten
mailed, an agenda with a proefstemming, a motion, an amendment to it and an
election of three); then the hall (``tests/support/hall.py``: the desk seats
six delegates with the mailed stemkaarten' barcodes, the chair holds the
proefstemming, the amendment, the motion, the election and its runoff through
the simulated receivers); then the secretariat publishes the stemgedrag and
the record shows it. The test itself calls no API: only the first accounts are
written into registration's database (as ``alv users add`` does) and the
processes started. Screenshots of each page go to ``test-artifacts/``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from alv.stack import Stack
from tests.support.browser import launched_chromium, screenshot
from tests.support.console import AGENDA, prepare_meeting, publish_stemgedrag
from tests.support.databases import DatabaseFactory
from tests.support.hall import DELEGATES, People, hold_the_meeting, register_delegates
from tests.support.people import person_context
from tests.support.ports import free_port
from tests.support.smtp import RecordingHandler, mail_env, smtp_server
from tests.support.stacks import running_stack

pytestmark = [pytest.mark.db, pytest.mark.e2e]

SCREEN = {"viewport": {"width": 1280, "height": 900}, "locale": "nl-NL"}
# Playwright's ``expect`` waits 5 s, short on two cores shared with other test
# runs: an upper bound on each wait for a page to show a step, never a pause.
PATIENCE_MS = 20_000


@pytest.fixture
def patient() -> Iterator[None]:
    """Every ``expect`` in this test waits up to ``PATIENCE_MS`` (Playwright's
    setting is per process: put back afterwards)."""
    expect.set_options(timeout=PATIENCE_MS)
    try:
        yield
    finally:
        expect.set_options(timeout=5_000)


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[int, RecordingHandler]]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def empty_installation(
    tmp_path_factory: pytest.TempPathFactory,
    database_factory: DatabaseFactory,
    smtp: tuple[int, RecordingHandler],
) -> Iterator[Stack]:
    """The three services on fresh databases, mailing through ``smtp``."""
    with running_stack(
        name="acceptance",
        data_dir=tmp_path_factory.mktemp("acceptance"),
        database_factory=database_factory,
        extra_env=mail_env(smtp[0]),
    ) as stack:
        yield stack


def test_a_whole_meeting_from_the_browser(
    empty_installation: Stack,
    smtp: tuple[int, RecordingHandler],
    tmp_path: Path,
    patient: None,
) -> None:
    stack = empty_installation
    config = stack.config
    registration, accounts = config.url("registration"), config.database_urls["registration"]
    results = config.url("results")
    agenda = dataclasses.replace(AGENDA, proefstemming="Proefstemming")
    with launched_chromium() as browser:
        console = person_context(browser, registration, accounts, "secretariat", **SCREEN)
        secretariat = console.new_page()
        secretariat.on("dialog", lambda dialog: dialog.accept())
        cards = prepare_meeting(
            secretariat, config=config, mail=smtp[1], folder=tmp_path, agenda=agenda
        )
        assert len(cards) == 342  # every municipality of 2023 got its stemkaart by mail

        # A refusal is shown in the layout's problem area and changes nothing:
        # the motion cannot go while its amendment points at it.
        motion = secretariat.locator("#agenda-tree li[data-kind=motie]")
        motion.get_by_role("button", name="verwijderen").first.click()
        expect(secretariat.get_by_test_id("problem")).to_contain_text("kan niet weg")
        screenshot(secretariat, "console-6-refusal")
        expect(motion).to_be_visible()

        # The hall: the gateway on the simulator's receiver, six handsets.
        config.simulated_handsets = len(DELEGATES)
        config.simulator_control_port = free_port()
        stack.start_hardware()
        try:
            desk, chair, staff = (
                person_context(browser, registration, accounts, role, **SCREEN).new_page()
                for role in ("desk", "chair", "auditor")
            )
            register_delegates(desk, registration, config.meeting, cards=cards)
            hold_the_meeting(
                People(desk=desk, chair=chair, staff=staff),
                registration_url=registration,
                results_url=results,
                meeting=config.meeting,
                simulator_url=f"http://127.0.0.1:{config.simulator_control_port}",
                agenda=agenda,
            )
        finally:
            stack.stop("gateway")
            stack.stop("simulator")

        # The projector shows the last result, under the meeting's name.
        staff.goto(f"{results}/chair/{config.meeting}")
        expect(staff.get_by_test_id("meeting")).to_contain_text("ALV juni 2024")
        expect(staff.get_by_test_id("outcome-sentence")).to_contain_text("62,69%")
        screenshot(staff, "hall-projector")

        publish_stemgedrag(secretariat, registration=registration, meeting=config.meeting)
        # The record, for everyone: every decision, and now the stemgedrag too.
        record = browser.new_context(**SCREEN).new_page()
        # Nobody's browser: the staff pages ask to log in first.
        record.goto(f"{registration}/console/{config.meeting}")
        expect(record.locator("#login")).to_be_visible()
        screenshot(record, "login")
        record.goto(f"{results}/record/{config.meeting}")
        winner = agenda.candidates[1]
        expect(record.get_by_test_id("decision").last).to_contain_text(
            f"De leden kiezen {winner} als {agenda.office} met 62,69% van de stemmen"
        )
        expect(record.get_by_text("wordt na de vergadering gepubliceerd")).to_have_count(0)
        screenshot(record, "record-published")
