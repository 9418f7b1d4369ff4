"""Gateway settings from the environment (``GATEWAY_*``), overridable by CLI flags.

``GATEWAY_PORTS`` is a JSON list or a comma-separated list of port specs: device
paths (prefer the stable ``/dev/serial/by-id/...`` links), pyserial URLs such as
``loop://``, or ``usb:VID:PID[:SERIAL]`` to find a receiver by its USB ids.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_TOKENS = frozenset({"changeme", "change-me", "placeholder", "secret", "token", "xxx"})


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    ports: Annotated[list[str], NoDecode] = Field(default_factory=list)
    ballot_url: str = "http://127.0.0.1:8002"
    meeting: str = ""
    token: SecretStr = SecretStr("")
    batch_max: int = Field(default=200, ge=1, le=1000)
    batch_wait_ms: float = Field(default=5.0, ge=0)
    # Batches on their way to ballot at once; presses gather meanwhile.
    in_flight: int = Field(default=2, ge=1, le=16)
    # A further batch goes only once the latest has been on its way this long
    # (or is answered); meanwhile presses gather for it (gateway.py).
    further_batch_after_ms: float = Field(default=50.0, ge=0)
    # Presses waiting for a batch while ballot is away (10 per handset of a
    # 2,000-seat hall); beyond it the oldest waiting press is dropped.
    hold_max: int = Field(default=20_000, ge=1, le=1_000_000)
    # For tests and drills only: pretend the wall clock is off by this much.
    # Ballot never trusts the gateway's clock (docs/ARCHITECTURE.md).
    clock_skew_s: float = Field(default=0.0, ge=-86_400, le=86_400)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8004, ge=0, le=65535)
    state_poll_ms: float = Field(default=200.0, gt=0)
    request_timeout_s: float = Field(default=5.0, gt=0)
    retry_initial_s: float = Field(default=0.05, gt=0)
    retry_max_s: float = Field(default=2.0, gt=0)
    reconnect_initial_s: float = Field(default=0.05, gt=0)
    reconnect_max_s: float = Field(default=2.0, gt=0)
    # Where the handset registry lives (registration); empty: no reports.
    registration_url: str = ""
    handset_report_s: float = Field(default=5.0, gt=0)

    @field_validator("ports", mode="before")
    @classmethod
    def _split_ports(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("ballot_url", "registration_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def check_runnable(self) -> None:
        """Fail fast, before opening anything, on what cannot work."""
        problems = []
        if not self.ports:
            problems.append("no receiver ports (GATEWAY_PORTS or --port)")
        if not self.meeting:
            problems.append("no meeting (GATEWAY_MEETING or --meeting)")
        token = self.token.get_secret_value()
        if not token or token.lower() in PLACEHOLDER_TOKENS:
            problems.append("no real gateway token (GATEWAY_TOKEN or --token)")
        if problems:
            raise ValueError("gateway cannot start: " + "; ".join(problems))
