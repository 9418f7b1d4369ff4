from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class ResultsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RESULTS_", extra="ignore")

    port: int = 8003
    ballot_url: str = "http://127.0.0.1:8002"
    # The audit log of the desk, for the auditors' timeline.
    registration_url: str = "http://127.0.0.1:8001"
