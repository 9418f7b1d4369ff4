"""``alv cards generate`` / ``alv cards send`` against a real registration service."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator
from pathlib import Path

import anyio.to_thread
import httpx
import pytest
import zxingcpp
from PIL import Image
from pydantic import SecretStr

from services.registration.app import create_app
from services.registration.cli import progress, register_cli
from services.registration.config import RegistrationSettings
from tests.conftest import unique_meeting_code
from tests.support.accounts import PASSWORD
from tests.support.apps import as_caller
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


@pytest.mark.anyio
@pytest.mark.db
async def test_generate_and_send(
    base_url: str,
    token_values: dict[str, str],
    smtp: tuple[int, RecordingHandler],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The cards are made in a person's name: the CLI logs in as the secretariat.
    monkeypatch.setenv("ALV_USER", "secretariat")
    monkeypatch.setenv("ALV_PASSWORD", PASSWORD)
    code = unique_meeting_code()
    async with httpx.AsyncClient(base_url=base_url) as client:
        await make_meeting(client, admin=token_values["secretariat"], code=code, issue_cards=False)
        await client.post(
            f"/api/meetings/{code}/contacts/import",
            content=(
                b"code,name,email\nGM0363,A,a@amsterdam.nl\nGM0088,S,s@schiermonnikoog.nl\n"
                b"GM0344,U,griffie@utrecht.nl\nGM0014,G,g@groningen.nl\n"
            ),
            headers={**as_caller(token_values["secretariat"]), "Content-Type": "text/csv"},
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
