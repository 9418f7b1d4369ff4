"""``alv cards generate`` / ``alv cards send`` against a real registration service."""

from __future__ import annotations

import argparse
import datetime
import io
from collections.abc import Iterator
from pathlib import Path

import anyio.to_thread
import httpx
import pytest
import zxingcpp
from PIL import Image
from pydantic import SecretStr
from sqlalchemy import update

from services.common.database import Database, utcnow
from services.registration.app import create_app
from services.registration.cli import progress, register_cli
from services.registration.config import RegistrationSettings
from services.registration.models import Meeting
from tests.conftest import unique_meeting_code
from tests.support.accounts import PASSWORD, log_in
from tests.support.apps import as_caller, assert_problem
from tests.support.builders import make_meeting
from tests.support.servers import serve_over_http
from tests.support.smtp import RecordingHandler, smtp_server


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="alv")
    register_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args))


def test_progress_bar() -> None:
    stream = io.StringIO()
    assert list(progress([1, 2, 3, 4], label="x", stream=stream, width=4)) == [1, 2, 3, 4]
    assert stream.getvalue().split("\r")[1:] == [
        "x [----] 0/4",
        "x [#---] 1/4",
        "x [##--] 2/4",
        "x [###-] 3/4",
        "x [####] 4/4\n",
    ]


def test_without_a_login(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ALV_USER", raising=False)
    assert run_cli(["cards", "send", "--meeting", "x"]) == 1
    assert "ALV_USER" in capsys.readouterr().err


@pytest.fixture
def smtp() -> Iterator[tuple[int, RecordingHandler]]:
    with smtp_server(refuse={"griffie@utrecht.nl"}) as server:
        yield server


@pytest.fixture
def base_url(
    database_urls: dict[str, str], tokens: SecretStr, smtp: tuple[int, RecordingHandler]
) -> Iterator[str]:
    settings = RegistrationSettings(
        database_url=database_urls["registration"],
        service_token=tokens,
        smtp_host="127.0.0.1",
        smtp_port=smtp[0],
        smtp_starttls=False,
        mail_from="alv@vng.example",
    )
    with serve_over_http(create_app(settings)) as url:
        yield url


REFUSED_CONTACTS = (
    "code,name,email\nGM0363,A,a@amsterdam.nl\nGM0088,S,s@schiermonnikoog.nl\n"
    "GM0344,U,griffie@utrecht.nl\nGM0014,G,g@groningen.nl\n"
)
# Every address accepted by the ``smtp`` fixture.
CONTACTS = REFUSED_CONTACTS.replace("griffie@utrecht.nl", "u@utrecht.nl")
BUSY = "alv cards: Er worden al stemkaarten van deze vergadering verstuurd"


async def _meeting(base_url: str, secretariat: str, *, contacts: str, issue_cards: bool) -> str:
    """A meeting of four members with their secretaries' addresses; its code."""
    code = unique_meeting_code()
    async with httpx.AsyncClient(base_url=base_url) as client:
        await make_meeting(client, admin=secretariat, code=code, issue_cards=issue_cards)
        response = await client.post(
            f"/api/meetings/{code}/contacts/import",
            content=contacts.encode(),
            headers={**as_caller(secretariat), "Content-Type": "text/csv"},
        )
        assert response.status_code == 200, response.text
    return code


@pytest.fixture
def logged_in(monkeypatch: pytest.MonkeyPatch) -> None:
    # The cards are made in a person's name: the CLI logs in as the secretariat.
    monkeypatch.setenv("ALV_USER", "secretariat")
    monkeypatch.setenv("ALV_PASSWORD", PASSWORD)


@pytest.mark.anyio
@pytest.mark.db
async def test_generate_and_send(
    base_url: str,
    token_values: dict[str, str],
    smtp: tuple[int, RecordingHandler],
    tmp_path: Path,
    logged_in: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = await _meeting(
        base_url, token_values["secretariat"], contacts=REFUSED_CONTACTS, issue_cards=False
    )
    out = tmp_path / "kaarten"
    common = ["--meeting", code, "--registration-url", base_url]
    assert (
        await anyio.to_thread.run_sync(run_cli, ["cards", "generate", *common, "--out", str(out)])
        == 0
    )
    captured = capsys.readouterr()
    assert "stemkaarten [" in captured.err and "4/4" in captured.err
    with Image.open(out / "GM0088-schiermonnikoog.png") as png:
        assert zxingcpp.read_barcodes(png)[0].text.startswith(f"ALV1.{code.upper()}.GM0088.1.")
    assert (out / "GM0088-schiermonnikoog.pdf").read_bytes().startswith(b"%PDF")

    assert await anyio.to_thread.run_sync(run_cli, ["cards", "send", *common]) == 1
    captured = capsys.readouterr()
    assert "3 verzonden, 1 mislukt" in captured.out
    assert "MISLUKT GM0344 Utrecht" in captured.err
    smtp[1].wait_for(3)

    smtp[1].refuse.clear()
    assert await anyio.to_thread.run_sync(run_cli, ["cards", "send", *common, "--only-failed"]) == 0
    assert "1 verzonden, 0 mislukt" in capsys.readouterr().out
    assert smtp[1].wait_for(4)[-1]["To"].addresses[0].addr_spec == "griffie@utrecht.nl"


@pytest.mark.anyio
@pytest.mark.db
class TestOneRunAtATime:
    async def test_a_second_command_while_one_is_sending_is_refused_and_no_card_goes_twice(
        self,
        base_url: str,
        token_values: dict[str, str],
        smtp: tuple[int, RecordingHandler],
        logged_in: None,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        _, handler = smtp
        code = await _meeting(
            base_url, token_values["secretariat"], contacts=CONTACTS, issue_cards=True
        )
        send = ["cards", "send", "--meeting", code, "--registration-url", base_url]
        first: list[int] = []

        async def first_run() -> None:
            first.append(await anyio.to_thread.run_sync(run_cli, send))

        async with anyio.create_task_group() as group:
            with handler.held():
                group.start_soon(first_run)
                # The first run is mid-send: its first mail waits at the server.
                assert await anyio.to_thread.run_sync(handler.holding.wait, 10.0)
                assert await anyio.to_thread.run_sync(run_cli, send) == 1
                assert BUSY in capsys.readouterr().err
            # Leaving ``held`` lets the first run's mails through; the group waits for it.
        assert first == [0]
        recipients = [str(message["To"]) for message in handler.wait_for(4)]
        assert len(recipients) == len(set(recipients)) == 4
        # That run is over: the next one may start (and mails every card again).
        assert await anyio.to_thread.run_sync(run_cli, send) == 0
        assert "4 verzonden, 0 mislukt" in capsys.readouterr().out
        assert sorted(str(m["To"]) for m in handler.wait_for(8)) == sorted(recipients * 2)

    async def test_a_run_keeps_the_meeting_between_its_requests_until_it_stops(
        self,
        base_url: str,
        database_urls: dict[str, str],
        token_values: dict[str, str],
        smtp: tuple[int, RecordingHandler],
        logged_in: None,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """A run (as the command's: one card per request) that stopped after its
        first card: nobody else mails until its claim runs out."""
        _, handler = smtp
        secretariat = as_caller(token_values["secretariat"])
        code = await _meeting(
            base_url, token_values["secretariat"], contacts=CONTACTS, issue_cards=True
        )
        url = f"/api/meetings/{code}/cards/send"
        async with httpx.AsyncClient(base_url=base_url) as client:
            stopped = await client.post(
                url, json={"run": "stopped", "limit": 1}, headers=secretariat
            )
            assert (stopped.json()["sent"], stopped.json()["remaining"]) == (1, 3)
            # Between two of its requests, another run is refused: a command, a
            # one-off request, the console.
            send = ["cards", "send", "--meeting", code, "--registration-url", base_url]
            assert await anyio.to_thread.run_sync(run_cli, send) == 1
            assert BUSY in capsys.readouterr().err
            assert_problem(
                await client.post(url, json={}, headers=secretariat), 409, "mailing_busy"
            )
            # A run names itself in lower-case letters, digits and hyphens only.
            bad = await client.post(url, json={"run": "console-1:2"}, headers=secretariat)
            assert_problem(bad, 422)
        async with httpx.AsyncClient(base_url=base_url) as console:
            await log_in(console, "secretariat")
            tab = await console.post(
                f"/console/{code}/cards/send",
                data={"mode": "unsent"},
                headers={"HX-Request": "true"},
            )
            assert tab.status_code == 409 and "al stemkaarten" in tab.text, tab.text
        assert len(handler.messages) == 1

        # CLAIM_GRACE after its last request the stopped run loses the meeting.
        database = Database(database_urls["registration"])
        try:
            async with database.sessionmaker() as session, session.begin():
                await session.execute(
                    update(Meeting)
                    .where(Meeting.code == code)
                    .values(mailing_until=utcnow() - datetime.timedelta(seconds=1))
                )
        finally:
            await database.dispose()
        assert await anyio.to_thread.run_sync(run_cli, send) == 0
        assert "4 verzonden, 0 mislukt" in capsys.readouterr().out
        assert len(handler.wait_for(5)) == 5
