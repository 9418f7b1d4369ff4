"""Log lines keep their fields: key=value by default, JSON when asked."""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from alv import serve
from services.common import logs
from tests.support.ports import free_port


def record(**extra: object) -> logging.LogRecord:
    made = logging.makeLogRecord(
        {"name": "services.x", "levelno": logging.WARNING, "levelname": "WARNING"}
    )
    made.msg = "upstream.unavailable"
    made.__dict__.update(extra)
    return made


class TestFormatters:
    def test_key_value_keeps_the_fields(self) -> None:
        line = logs.KeyValueFormatter().format(record(upstream="stemmingen", error="no route"))
        assert line.endswith("WARNING upstream.unavailable upstream=stemmingen error='no route'")

    def test_json_has_the_event_and_the_fields(self) -> None:
        line = json.loads(logs.JsonFormatter().format(record(upstream="stemmingen", handsets=[1])))
        assert line["event"] == "upstream.unavailable"
        assert line["level"] == "WARNING"
        assert (line["upstream"], line["handsets"]) == ("stemmingen", [1])
        assert line["at"].endswith("Z")

    def test_format_from_flag_then_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(logs.ENVIRONMENT, "json")
        assert logs.chosen_format(None) == "json"
        assert logs.chosen_format("keyvalue") == "keyvalue"
        monkeypatch.setenv(logs.ENVIRONMENT, "xml")
        with pytest.raises(ValueError, match="xml"):
            logs.chosen_format(None)


@pytest.mark.e2e
@pytest.mark.parametrize("flag", ["json", "keyvalue"])
def test_a_served_service_logs_its_fields(
    flag: str, tmp_path: Path, token_values: dict[str, str]
) -> None:
    """``alv --log-format ... serve results``: a service's own event with its fields,
    and uvicorn's lines in the same format (uvicorn applies our configuration)."""
    port, nowhere = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ALV_", "RESULTS_"))},
        "RESULTS_SERVICE_TOKEN": token_values["service"],
        "RESULTS_DATA_DIR": str(tmp_path),
        "RESULTS_BALLOT_URL": f"http://127.0.0.1:{nowhere}",
        "RESULTS_ACCESS_LOG": "true",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "alv", "--log-format", flag, "serve", "results"]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:  # ends if the process stops
            if "Uvicorn running on" in line:
                break
        else:
            pytest.fail("the service did not start")
        with httpx.Client(timeout=10) as client:
            answer = client.get(f"http://127.0.0.1:{port}/api/meetings/m1/outcomes")
        assert answer.status_code == 503
    finally:
        process.terminate()
        _, rest = process.communicate(timeout=30)
    lines = [line for line in rest.splitlines() if line.strip()]
    if flag == "json":
        parsed = [json.loads(line) for line in lines]  # every line is JSON
        (event,) = [p for p in parsed if p["event"] == "upstream.unavailable"]
        assert event["upstream"] == "stemmingen"
        assert event["level"] == "WARNING"
        assert any("GET /api/meetings/m1/outcomes" in p["event"] for p in parsed)
    else:
        (event,) = [line for line in lines if " upstream.unavailable " in line]
        assert "upstream=stemmingen" in event


@pytest.mark.parametrize(("setting", "access_log"), [(None, False), ("true", True)])
def test_uvicorn_logs_each_request_only_when_the_service_asks(
    setting: str | None, access_log: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``<SERVICE>_ACCESS_LOG``: a line per request costs a one-press request
    a few percent of its CPU, so it is off unless an operator turns it on."""
    ran: list[dict[str, object]] = []
    monkeypatch.setattr(serve.uvicorn, "run", lambda *_, **options: ran.append(options))
    monkeypatch.setattr(serve.metrics, "prepare_multiprocess_dir", lambda: None)
    monkeypatch.delenv("RESULTS_ACCESS_LOG", raising=False)
    if setting is not None:
        monkeypatch.setenv("RESULTS_ACCESS_LOG", setting)
    arguments = argparse.Namespace(
        service="results", host=None, port=None, workers=1, verbose=False, log_format="keyvalue"
    )
    serve.serve(arguments)
    assert [options["access_log"] for options in ran] == [access_log]
