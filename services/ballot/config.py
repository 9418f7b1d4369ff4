from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class BallotSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BALLOT_", extra="ignore")

    port: int = 8002
    registration_url: str = "http://127.0.0.1:8001"
    # The event stream re-reads the table this often even when not woken: on
    # SQLite the only way to see another process's events, on PostgreSQL
    # (LISTEN/NOTIFY wakes it) the safety net.
    events_poll_seconds: float = 0.5
    # A comment line on an idle stream, so proxies keep it open.
    events_heartbeat_seconds: float = 15.0
