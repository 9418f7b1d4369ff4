"""Sending stemkaarten to a real (in-process) SMTP server, and the send log."""

from __future__ import annotations

import datetime

import httpx
import pytest
import zxingcpp
from pydantic import SecretStr

from services.registration.app import create_app
from services.registration.config import RegistrationSettings
from tests.conftest import unique_meeting_code
from tests.registration.conftest import REFUSED
from tests.support.apps import as_caller, serve_in_process
from tests.support.builders import make_meeting
from tests.support.pdf import images
from tests.support.smtp import RecordingHandler

pytestmark = [pytest.mark.anyio, pytest.mark.db]

TEN = {
    "GM0363": ("Amsterdam", 918117),
    "GM0088": ("Schiermonnikoog", 932),
    "GM0344": ("Utrecht", 361924),
    "GM0014": ("Groningen", 238147),
    "GM0599": ("Rotterdam", 655468),
    "GM0518": ("'s-Gravenhage", 552995),
    "GM0034": ("Almere", 218096),
    "GM0060": ("Ameland", 3814),
    "GM1900": ("Súdwest-Fryslân", 91512),
    "GM0200": ("Apeldoorn", 165525),
}


def _address(code: str) -> str:
    return REFUSED if code == "GM0344" else f"secretaris.{code.lower()}@example.nl"


async def _meeting(mailing: httpx.AsyncClient, admin: str) -> dict[str, str]:
    code = unique_meeting_code()
    members = "code,name,population\n" + "".join(
        f'{c},"{name}",{population}\n' for c, (name, population) in TEN.items()
    )
    cards = await make_meeting(mailing, admin=admin, code=code, members_csv=members)
    contacts = "code,name,email\n" + "".join(
        f"{c},Secretaris {name.strip(chr(39))},{_address(c)}\n" for c, (name, _) in TEN.items()
    )
    response = await mailing.post(
        f"/api/meetings/{code}/contacts/import",
        content=contacts.encode(),
        headers={**as_caller(admin), "Content-Type": "text/csv"},
    )
    assert response.json()["updated"] == 10, response.text
    return {"meeting": code, **cards}


async def test_every_card_arrives_with_a_decodable_pdf_and_a_refusal_is_resent(
    mailing: httpx.AsyncClient, token_values: dict[str, str], smtp: tuple[int, RecordingHandler]
) -> None:
    _, handler = smtp
    admin = as_caller(token_values["secretariat"])
    cards = await _meeting(mailing, token_values["secretariat"])
    meeting = cards.pop("meeting")

    response = await mailing.post(f"/api/meetings/{meeting}/cards/send", json={}, headers=admin)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["sent"], report["failed"]) == (9, 1)

    received = handler.wait_for(9)
    by_recipient = {message["To"].addresses[0].addr_spec: message for message in received}
    assert len(by_recipient) == 9
    for code, card in cards.items():
        if code == "GM0344":
            continue
        message = by_recipient[_address(code)]
        assert message["Subject"] == f"Stemkaart ALV 1 december 2023: {TEN[code][0]}"
        body = message.get_body(("plain",))
        assert body is not None
        assert "Geachte Secretaris" in body.get_content()
        [attachment] = list(message.iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename() == f"stemkaart-{code}.pdf"
        [barcode] = images(attachment.get_content())
        assert [r.text for r in zxingcpp.read_barcodes(barcode)] == [card]

    log = (await mailing.get(f"/api/meetings/{meeting}/cards/mails", headers=admin)).json()
    failed = [entry for entry in log if entry["status"] == "failed"]
    assert [(e["member"], e["recipient"], e["smtp_code"]) for e in failed] == [
        ("GM0344", REFUSED, 550)
    ]
    assert "weigert" in failed[0]["error"]

    # The address is corrected and only the failure is sent again.
    await mailing.post(
        f"/api/meetings/{meeting}/contacts/import",
        content=b"code,name,email\nGM0344,Secretaris Utrecht,secretaris@utrecht.example.nl\n",
        headers={**admin, "Content-Type": "text/csv"},
    )
    response = await mailing.post(
        f"/api/meetings/{meeting}/cards/send", json={"only_failed": True}, headers=admin
    )
    assert (response.json()["sent"], response.json()["failed"]) == (1, 0)
    assert handler.wait_for(10)[-1]["To"].addresses[0].addr_spec == "secretaris@utrecht.example.nl"
    again = await mailing.post(
        f"/api/meetings/{meeting}/cards/send", json={"only_failed": True}, headers=admin
    )
    assert again.json()["attempts"] == []

    audit = (
        await mailing.get(
            f"/api/meetings/{meeting}/audit", headers=as_caller(token_values["auditor"])
        )
    ).json()
    mailed = [e for e in audit if e["action"].startswith("card.mail")]
    assert [e["action"] for e in mailed].count("card.mailed") == 10
    assert [e["member_code"] for e in mailed if e["action"] == "card.mail_failed"] == ["GM0344"]


async def test_member_without_address_is_logged_as_failed(
    mailing: httpx.AsyncClient, token_values: dict[str, str]
) -> None:
    code = unique_meeting_code()
    await make_meeting(mailing, admin=token_values["secretariat"], code=code)
    response = await mailing.post(
        f"/api/meetings/{code}/cards/send",
        json={"members": ["GM0088"]},
        headers=as_caller(token_values["secretariat"]),
    )
    [attempt] = response.json()["attempts"]
    assert (attempt["status"], attempt["recipient"]) == ("failed", None)
    assert "Geen e-mailadres" in attempt["error"]


async def test_unreachable_server_fails_every_mail_without_error(
    database_urls: dict[str, str], tokens: SecretStr, token_values: dict[str, str]
) -> None:
    settings = RegistrationSettings(
        database_url=database_urls["registration"],
        service_token=tokens,
        smtp_host="127.0.0.1",
        smtp_port=1,
        smtp_starttls=False,
        mail_from="alv@vng.example",
    )
    async with serve_in_process(create_app(settings)) as mailing:
        cards = await _meeting(mailing, token_values["secretariat"])
        response = await mailing.post(
            f"/api/meetings/{cards['meeting']}/cards/send",
            json={"members": ["GM0363"]},
            headers=as_caller(token_values["secretariat"]),
        )
        [attempt] = response.json()["attempts"]
        assert attempt["status"] == "failed"
        assert "niet bereikbaar" in attempt["error"]


async def test_sending_without_smtp_settings_is_refused(
    registration: httpx.AsyncClient, token_values: dict[str, str]
) -> None:
    code = unique_meeting_code()
    await make_meeting(registration, admin=token_values["secretariat"], code=code)
    response = await registration.post(
        f"/api/meetings/{code}/cards/send", json={}, headers=as_caller(token_values["secretariat"])
    )
    assert (response.status_code, response.json()["code"]) == (409, "mail_not_configured")


async def test_a_run_in_batches_sends_each_card_once_and_says_what_remains(
    mailing: httpx.AsyncClient, token_values: dict[str, str], smtp: tuple[int, RecordingHandler]
) -> None:
    """What the console does: short requests of four, until nothing remains."""
    _, handler = smtp
    admin = as_caller(token_values["secretariat"])
    cards = await _meeting(mailing, token_values["secretariat"])
    meeting = cards.pop("meeting")
    url = f"/api/meetings/{meeting}/cards/send"
    started = datetime.datetime.now(datetime.UTC).isoformat()
    batch = {"skip_sent": True, "not_tried_since": started, "limit": 4}
    reports = []
    while not reports or reports[-1]["remaining"]:
        response = await mailing.post(url, json=batch, headers=admin)
        assert response.status_code == 200, response.text
        reports.append(response.json())
        assert len(reports) <= 3
    assert [(r["sent"] + r["failed"], r["remaining"]) for r in reports] == [(4, 6), (4, 2), (2, 0)]
    assert sum(r["sent"] for r in reports) == 9
    tried = [a["member"] for r in reports for a in r["attempts"]]
    assert sorted(tried) == sorted(cards)
    assert len(handler.wait_for(9)) == 9

    # Sending again skips what was sent: only the refused one is tried again.
    again = await mailing.post(url, json={"skip_sent": True}, headers=admin)
    assert [a["member"] for a in again.json()["attempts"]] == ["GM0344"]
    # A re-issued card counts as not sent.
    await mailing.post(
        f"/api/meetings/{meeting}/members/GM0363/card/reissue",
        json={"reason": "kwijt"},
        headers=admin,
    )
    again = await mailing.post(url, json={"skip_sent": True}, headers=admin)
    assert sorted(a["member"] for a in again.json()["attempts"]) == ["GM0344", "GM0363"]
