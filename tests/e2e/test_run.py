"""``alv run`` (what ``make run`` starts) brings up a whole meeting."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port_block

pytestmark = [pytest.mark.e2e]


def test_alv_run_brings_up_services_and_a_connected_receiver(tmp_path: Path) -> None:
    base = free_port_block(5)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alv",
            "run",
            "--data-dir",
            str(tmp_path),
            "--port-base",
            str(base),
            "--handsets",
            "20",
            "--seat",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("ALV_TOKEN_")},
    )
    try:
        assert process.stdout is not None
        output = []
        for line in process.stdout:  # ends if alv run exits
            output.append(line)
            if "Ctrl-C stops everything" in line:
                break
        else:
            pytest.fail("alv run stopped:\n" + "".join(output))
        tokens = json.loads((tmp_path / "tokens.json").read_text())
        welcome = "".join(output)
        for role, token in tokens.items():
            assert token in welcome, role
        with httpx.Client(timeout=5) as client:
            for offset in range(3):
                assert client.get(f"http://127.0.0.1:{base + offset}/healthz").status_code == 200
            receivers = client.get(f"http://127.0.0.1:{base + 3}/api/receivers").json()
            assert [r["connected"] for r in receivers] == [True]
            presence = client.get(
                f"http://127.0.0.1:{base}/api/meetings/alv-2024-06/presence"
            ).json()
            assert presence["present_members"] == 20
            assert presence["total_members"] == 342
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0
    # The services' and the gateway's log lines keep their fields.
    gateway_log = (tmp_path / "logs" / "gateway.log").read_text()
    # ``connected`` names the receiver only if its HELLO came first (a race); ``hello`` always.
    assert re.search(r"INFO gateway\.receiver\.connected port=\S+ rx=", gateway_log), gateway_log
    assert re.search(
        r"INFO gateway\.receiver\.hello rx=R01 firmware=2\.1 channel=[0-9]+", gateway_log
    )
