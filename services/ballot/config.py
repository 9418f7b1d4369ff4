from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class BallotSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BALLOT_", extra="ignore")

    port: int = 8002
    registration_url: str = "http://127.0.0.1:8001"
