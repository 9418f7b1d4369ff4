from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class ResultsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RESULTS_", extra="ignore")

    port: int = 8003
    ballot_url: str = "http://127.0.0.1:8002"
    # The audit log of the desk, for the auditors' timeline.
    registration_url: str = "http://127.0.0.1:8001"
    # The chair's screen stream (see screen.py). Ballot's event stream sends a
    # comment every 15 s, so a read that waits longer than this means it is gone.
    stream_upstream_read_seconds: float = 25.0
    stream_coalesce_seconds: float = 0.1
    stream_fallback_seconds: float = 1.0
    stream_refresh_seconds: float = 5.0
    stream_heartbeat_seconds: float = 15.0
    stream_linger_seconds: float = 10.0
