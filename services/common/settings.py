"""Settings shared by every service: tokens per role, public addresses, database, bind address.

Each service subclasses ``ServiceSettings`` with its own ``env_prefix``; the
tokens are read once from ``ALV_TOKEN_*`` because all services must agree on
them. Nothing is read at import time: ``create_app(settings)`` gets an
instance, so tests build their own.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDERS = frozenset({"", "changeme", "change-me", "secret", "token", "password", "xxx"})
MIN_TOKEN_LENGTH = 16


class TokenSettings(BaseSettings):
    """One bearer token per role. A placeholder token is refused at start-up."""

    model_config = SettingsConfigDict(env_prefix="ALV_TOKEN_", extra="ignore")

    desk: SecretStr = SecretStr("")
    chair: SecretStr = SecretStr("")
    gateway: SecretStr = SecretStr("")
    auditor: SecretStr = SecretStr("")
    admin: SecretStr = SecretStr("")

    @field_validator("desk", "chair", "gateway", "auditor", "admin")
    @classmethod
    def _not_placeholder(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if secret.lower() in PLACEHOLDERS or len(secret) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"token must be set to a random value of at least {MIN_TOKEN_LENGTH} characters"
                " (alv tokens generates a set)"
            )
        return value


class PublicUrls(BaseSettings):
    """Where a browser finds each part: the pages link to one another with these.

    Shared by every service, like the tokens. They are the addresses people
    type (a host name, a reverse proxy), not the links between the services:
    inside docker-compose ballot reaches ``http://registration:8001``, a
    laptop in the hall ``http://alv.local:8001``. Empty ``gateway``: not linked.
    """

    model_config = SettingsConfigDict(env_prefix="ALV_PUBLIC_URL_", extra="ignore")

    registration: str = "http://127.0.0.1:8001"
    ballot: str = "http://127.0.0.1:8002"
    results: str = "http://127.0.0.1:8003"
    gateway: str = ""

    @field_validator("registration", "ballot", "results", "gateway")
    @classmethod
    def _web_address(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"'{value}' is not an http:// or https:// address")
        return value


class ServiceSettings(BaseSettings):
    """What every service needs; subclasses set the env prefix and defaults."""

    model_config = SettingsConfigDict(extra="ignore")

    # Empty means an SQLite file ``<data_dir>/<service>.db``: a whole meeting
    # runs on one machine with no setup. A ``postgresql://`` URL for production.
    database_url: str = ""
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8000
    # Read from ALV_TOKEN_*, shared by every service (not from the service prefix).
    tokens: TokenSettings = Field(default_factory=TokenSettings)
    # Read from ALV_PUBLIC_URL_*, the same for every service.
    public_urls: PublicUrls = Field(default_factory=PublicUrls)
    # Ballot and results ask registration who a session or token is
    # (introspection.py): an answer is reused this long, so a logout or a
    # revoked token takes effect everywhere within it ...
    auth_cache_seconds: float = 5.0
    # ... and while registration is unreachable, someone known this recently
    # is still admitted (the hall keeps voting); nobody new is.
    auth_stale_seconds: float = 600.0

    def resolved_database_url(self, service: str) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / f'{service}.db').resolve()}"
