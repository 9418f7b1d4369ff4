"""``alv run`` (what ``make run`` starts) brings up a whole meeting, and what it
prints works: every address answers, every command runs as printed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.ports import free_port_block

pytestmark = [pytest.mark.e2e]

SEATED = 20
LAST_LINE = "Ctrl-C stopt alles."


@pytest.fixture(scope="module")
def welcome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, int]]:
    """``alv run`` with its printed welcome, its data directory and its first port."""
    data_dir = tmp_path_factory.mktemp("run")
    base = free_port_block(5)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alv",
            "run",
            "--data-dir",
            str(data_dir),
            "--port-base",
            str(base),
            "--handsets",
            str(SEATED),
            "--seat",
            str(SEATED),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ALV_TOKEN_", "ALV_PUBLIC_URL_"))
        },
    )
    assert process.stdout is not None
    output = []
    for line in process.stdout:  # ends if alv run exits
        output.append(line)
        if LAST_LINE in line:
            break
    else:
        pytest.fail("alv run stopped:\n" + "".join(output))
    try:
        yield "".join(output), data_dir, base
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0


def test_services_run_with_a_connected_receiver_and_a_seated_meeting(
    welcome: tuple[str, Path, int],
) -> None:
    text, data_dir, base = welcome
    # The first start made the first secretariat account and says how to log in.
    found = re.search(r"naam 'secretariaat' en wachtwoord '([a-z0-9-]+)'", text)
    assert found, text
    with httpx.Client(base_url=f"http://127.0.0.1:{base}", timeout=10) as client:
        login = {"login": "secretariaat", "password": found[1]}
        assert client.post("/login", data=login).status_code == 303
        assert client.get("/api/auth/me").json()["name"] == "secretariaat"
    # The machine tokens are kept with the data, never printed.
    tokens = json.loads((data_dir / "tokens.json").read_text())
    assert set(tokens) == {"gateway", "registration", "ballot", "results", "integrator"}
    assert not any(token in text for token in tokens.values())
    with httpx.Client(timeout=5) as client:
        for offset in range(3):
            assert client.get(f"http://127.0.0.1:{base + offset}/healthz").status_code == 200
        receivers = client.get(f"http://127.0.0.1:{base + 3}/api/receivers").json()
        assert [r["connected"] for r in receivers] == [True]
        presence = client.get(f"http://127.0.0.1:{base}/api/meetings/alv-2024-06/presence").json()
        assert presence["present_members"] == SEATED
        assert presence["total_members"] == 342
    # The services' and the gateway's log lines keep their fields.
    gateway_log = (data_dir / "logs" / "gateway.log").read_text()
    # ``connected`` names the receiver only if its HELLO came first (a race); ``hello`` always.
    assert re.search(r"INFO gateway\.receiver\.connected port=\S+ rx=", gateway_log), gateway_log
    assert re.search(
        r"INFO gateway\.receiver\.hello rx=R01 firmware=2\.1 channel=[0-9]+", gateway_log
    )


def test_it_speaks_dutch_and_names_every_page_with_its_purpose(
    welcome: tuple[str, Path, int],
) -> None:
    text, _, base = welcome
    assert "ALV Stemsysteem draait" in text
    for name in ("Startpagina", "Stembalie", "Bediening voorzitter", "Scherm voor de zaal"):
        assert re.search(rf"^  {name} +http://\S+ +\S", text, re.M), name
    assert f"http://127.0.0.1:{base + 2}/chair/alv-2024-06/control" in text
    assert f"http://127.0.0.1:{base + 2}/record/alv-2024-06" in text
    assert "Published record" not in text


def test_every_printed_address_answers(welcome: tuple[str, Path, int]) -> None:
    text, _, _ = welcome
    section = text.split("Pagina's:\n", 1)[1].split("\n\n", 1)[0]
    addresses = [re.findall(r"http://\S+", line)[0] for line in section.splitlines()]
    assert len(addresses) == 18
    # The staff's pages send a browser without a session to the login page.
    with httpx.Client(timeout=10, follow_redirects=True) as client:
        for address in addresses:
            response = client.get(address, headers={"Accept": "text/html"})
            assert response.status_code == 200, (address, response.text[:300])


def test_the_printed_commands_work_as_printed(welcome: tuple[str, Path, int]) -> None:
    """The secretariat logs in as printed, opens the prepared vote; the printed
    burst and outcome commands work as printed."""
    text, _, base = welcome
    commands = [line.strip() for line in text.splitlines() if line.startswith("  curl ")]
    assert len(commands) == 2, commands
    vote_id = int(re.findall(r"stemming (\d+) staat klaar", text)[0])
    password = re.findall(r"naam 'secretariaat' en wachtwoord '([a-z0-9-]+)'", text)[0]
    with httpx.Client(timeout=30) as staff:
        login = {"login": "secretariaat", "password": password}
        assert staff.post(f"http://127.0.0.1:{base}/login", data=login).status_code == 303
        staff.headers["X-CSRF-Token"] = staff.cookies["alv_csrf"]
        opened = staff.post(f"http://127.0.0.1:{base + 1}/api/votes/{vote_id}/open").json()
        burst = _run(commands[0])
        wait_until_acked(f"http://127.0.0.1:{base + 4}/presses", SEATED)
        closed = staff.post(f"http://127.0.0.1:{base + 1}/api/votes/{vote_id}/close").json()
    outcome = _run(commands[1])
    assert opened["status"] == "open" and opened["opened_by"] == "secretariaat"
    assert burst["presses"] == SEATED
    assert closed["status"] == "closed"
    assert outcome["voted"]["members"] == SEATED
    assert outcome["decision"]["sentence_2023"].startswith("het voorstel is")


def _run(command: str) -> Any:
    done = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, (command, done.stdout, done.stderr)
    return json.loads(done.stdout)


def wait_until_acked(url: str, count: int, within: float = 30.0) -> None:
    """Until the simulated handsets have had ``count`` presses acknowledged."""
    deadline = time.monotonic() + within
    with httpx.Client(timeout=5) as client:
        while client.get(url).json()["summary"]["acked"] < count:
            assert time.monotonic() < deadline, "the burst was not acknowledged"
            # Another process: there is no event of ours to wait on.
            time.sleep(0.2)


def test_the_gateway_tells_registration_how_the_handsets_are(
    welcome: tuple[str, Path, int],
) -> None:
    """Battery and signal travel gateway -> registration between the real processes."""
    _, data_dir, base = welcome
    # The registry is staff's: a desk officer's account, made as the README says.
    added = subprocess.run(
        [
            sys.executable,
            "-m",
            "alv",
            "users",
            "add",
            "balie-1",
            "--role",
            "desk",
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    password = added.stdout.split("Wachtwoord (eenmalig getoond): ")[1].strip()
    with httpx.Client(base_url=f"http://127.0.0.1:{base}", timeout=10) as login:
        login.post("/login", data={"login": "balie-1", "password": password})
        desk = {"Cookie": f"alv_session={login.cookies['alv_session']}"}
    registry = f"http://127.0.0.1:{base}/api/meetings/alv-2024-06/handsets"
    with httpx.Client(timeout=10) as client:
        for handset in ("000001", "000002"):
            pressed = client.post(
                f"http://127.0.0.1:{base + 4}/press", json={"handset": handset, "key": 1}
            )
            assert pressed.status_code == 200, pressed.text
        deadline = time.monotonic() + 30
        while True:
            body = client.get(registry, headers=desk).json()
            heard = {h["handset"]: h for h in body["handsets"] if h["last_seen"]}
            if {"000001", "000002"} <= set(heard):
                break
            assert time.monotonic() < deadline, body
            # Reports come every few seconds from another process: nothing to wait on here.
            time.sleep(0.5)
    assert heard["000001"]["in_range"] is True
    assert heard["000001"]["name"]  # bound at the start: its municipality is named
    assert 0 <= heard["000001"]["battery"] <= 100
